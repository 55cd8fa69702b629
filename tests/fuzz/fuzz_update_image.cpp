// Any bytes as an update image, an update manifest, a boot environment, the
// updater's record, a GRUB environment block or the auto-install record
// (firmware/update). The first byte chooses the parser. Parsing
// must succeed or fail with a message, never crash; what parses must hold its
// invariants and re-encode to what parses back the same.
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/update/auto_install.hpp"
#include "checkpoint/update/image.hpp"
#include "checkpoint/update/slots.hpp"
#include "checkpoint/update/updater.hpp"

using namespace checkpoint;
using namespace checkpoint::update;

namespace {

template <typename T>
bool Failed(const Expected<T>& e) {
  if (e) return false;
  if (e.error().message().empty()) __builtin_trap();  // errors must say something
  return true;
}

void CheckManifest(const UpdateManifest& m) {
  if (m.version < 1 || m.files.empty() || m.files.size() > kMaxFiles) __builtin_trap();
  std::uint64_t total = 0;
  for (const auto& f : m.files) {
    if (f.name.empty() || f.name.front() == '.' || f.name.find('/') != std::string::npos ||
        f.name == "slot.json") {
      __builtin_trap();
    }
    total += f.size;
  }
  if (total > kMaxImageBytes) __builtin_trap();
  auto back = ParseUpdateManifest(UpdateManifestJson(m));
  if (!back || UpdateManifestJson(*back) != UpdateManifestJson(m)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto h = ParseImageHeader(text, text.size());
      if (Failed(h)) break;
      CheckManifest(h->manifest);
      std::uint64_t end = h->manifest.files.front().offset;
      for (const auto& f : h->manifest.files) {
        if (f.offset != end) __builtin_trap();  // files follow each other
        end += f.size;
        (void)common::Sha256::Of(text.substr(f.offset, f.size));
      }
      if (end != text.size()) __builtin_trap();  // and end with the image
      const PublicKey not_the_signer{};
      if (VerifyImageSignature(*h, {not_the_signer})) __builtin_trap();
      break;
    }
    case 1: {
      auto m = ParseUpdateManifest(text);
      if (!Failed(m)) CheckManifest(*m);
      break;
    }
    case 2: {
      auto env = ParseBootEnv(text);
      if (Failed(env)) break;
      auto back = ParseBootEnv(BootEnvText(*env));
      if (!back || BootEnvText(*back) != BootEnvText(*env)) __builtin_trap();
      break;
    }
    case 3: {
      auto r = ParseRecord(text);
      if (!Failed(r)) {
        auto back = ParseRecord(RecordJson(*r));
        if (!back || RecordJson(*back) != RecordJson(*r)) __builtin_trap();
      }
      break;
    }
    case 4: {
      auto vars = ParseGrubEnvBlock(text);
      if (Failed(vars)) break;
      if (text.size() != kGrubEnvBlockSize) __builtin_trap();
      for (std::size_t i = 0; i < vars->size(); ++i) {
        for (std::size_t k = i + 1; k < vars->size(); ++k) {
          if ((*vars)[i].first == (*vars)[k].first) __builtin_trap();  // each name once
        }
      }
      break;
    }
    case 5: {
      auto r = ParseAutoRecord(text);
      if (!Failed(r)) {
        auto back = ParseAutoRecord(AutoRecordJson(*r));
        if (!back || AutoRecordJson(*back) != AutoRecordJson(*r)) __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
