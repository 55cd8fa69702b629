// Any bytes as EF.SOD, as DG1, as an LDSSecurityObject and as a CSCA master list:
// a value or a parse error, never a crash; a parsed SOD keeps its invariants, and
// passive authentication without trust anchors never passes.
#include <chrono>
#include <cstdint>
#include <span>

#include "checkpoint/documents/csca.hpp"
#include "checkpoint/documents/passive_auth.hpp"
#include "checkpoint/documents/sod.hpp"

using namespace checkpoint;
using namespace checkpoint::documents;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  if (auto sod = ParseSod(in)) {
    if (sod->lds.data_group_hashes.empty() || sod->lds.data_group_hashes.size() > 16) {
      __builtin_trap();
    }
    for (const auto& [dg, hash] : sod->lds.data_group_hashes) {
      if (dg < 1 || dg > 16 || hash.size() != DigestLength(sod->lds.hash_algorithm)) {
        __builtin_trap();
      }
    }
    if (sod->lds.version != 0 && sod->lds.version != 1) __builtin_trap();
  } else if (!sod.error().Is(CommonErrc::kParse) || sod.error().message().empty()) {
    __builtin_trap();
  }
  if (auto lds = ParseLdsSecurityObject(in); !lds && !lds.error().Is(CommonErrc::kParse)) {
    __builtin_trap();
  }
  if (auto lines = ParseDg1(in)) {
    if (lines->size() != 2 && lines->size() != 3) __builtin_trap();
    for (const auto& l : *lines) {
      if (l.size() != (*lines)[0].size()) __builtin_trap();
    }
  }
  const auto at = std::chrono::system_clock::from_time_t(1781481600);  // 2026-06-15
  ChipData chip{.sod = Bytes(in.begin(), in.end()),
                .data_groups = {{1, Bytes(in.begin(), in.end())}}};
  const std::vector<std::string> printed = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  auto report = VerifyPassive(chip, printed, TrustAnchorSet(), at);
  if (report.status == PaStatus::kPassed || report.status == PaStatus::kNoChip) __builtin_trap();
  for (const auto& s : report.steps) {
    if (s.reason.empty()) __builtin_trap();
  }
  if (auto ml = OpenMasterList(in, {}, at)) __builtin_trap();  // no anchors: never accepted
  return 0;
}
