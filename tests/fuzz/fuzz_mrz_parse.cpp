// Any bytes, split into lines at '\n', must parse to an MRZ result or a parse error,
// never crash; a result must be consistent with its checks and field errors.
#include <cstdint>
#include <string_view>
#include <vector>

#include "checkpoint/documents/mrz.hpp"

using namespace checkpoint::documents;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (lines.size() < 8) {
    const std::size_t nl = in.find('\n');
    lines.push_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  auto r = ParseMrz(lines, ParseOptions{2026, 6, 15});
  if (!r) {
    if (!r.error().Is(checkpoint::CommonErrc::kParse)) __builtin_trap();
    return 0;
  }
  bool any_invalid = false;
  for (const auto& c : r->checks) any_invalid |= c.state == CheckState::kInvalid;
  if (r->valid != (!any_invalid && r->field_errors.empty())) __builtin_trap();
  if (r->birth.month && (*r->birth.month < 0 || *r->birth.month > 99)) __builtin_trap();
  if (FormatName(r->format).empty()) __builtin_trap();
  return 0;
}
