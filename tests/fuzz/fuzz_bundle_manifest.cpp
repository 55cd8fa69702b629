// Any bytes as a signed bundle manifest, a bundle list or a pinned key list (PEM).
// The first byte chooses the parser. Parsing must succeed or fail with a
// ProtocolCategory error that has a message, never crash; a manifest that parses
// validates, and re-encodes to one that parses back equal (its canonical bytes too).
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/protocol/bundle.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "protocol_failed.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

namespace {

using fuzz::Failed;

void CheckManifest(const BundleManifest& m) {
  if (!ValidateBundleManifest(m)) __builtin_trap();
  if (!IsBundleKind(m.kind) || !IsBundleName(m.name)) __builtin_trap();
  if (m.size < 0 || m.size > kMaxBundleBytes) __builtin_trap();
  auto back = ParseBundleManifest(ToJson(m));
  if (!back || !(*back == m)) __builtin_trap();
  if (BundleCanonicalBytes(*back) != BundleCanonicalBytes(m)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto m = ParseBundleManifest(text);
      if (!Failed(m)) CheckManifest(*m);
      break;
    }
    case 1: {
      auto l = ParseBundleList(text);
      if (Failed(l)) break;
      for (const auto& m : l->bundles) CheckManifest(m);
      auto back = ParseBundleList(ToJson(*l));
      if (!back || !(*back == *l)) __builtin_trap();
      break;
    }
    default: {
      auto keys = ParsePublicKeysPem(text);
      if (Failed(keys)) break;
      if (keys->empty()) __builtin_trap();
      break;
    }
  }
  return 0;
}
