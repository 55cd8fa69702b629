// Any bytes, split into lines at '\n', must parse to an MRZ result or a parse error,
// never crash; a result must be consistent with its checks and field errors, and
// OCR correction must only swap letters and digits at real positions.
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
  auto r = ParseMrz(lines, ParseOptions{2026, 6, 15, true});
  auto as_read = ParseMrz(lines, ParseOptions{2026, 6, 15, false});
  if (r.has_value() != as_read.has_value()) __builtin_trap();  // correction keeps the shape
  if (!r) {
    if (!r.error().Is(checkpoint::CommonErrc::kParse)) __builtin_trap();
    return 0;
  }
  if (!as_read->corrections.empty()) __builtin_trap();
  if (r->corrections.empty() && r->valid != as_read->valid) __builtin_trap();
  for (const auto& c : r->corrections) {
    if (c.line < 1 || static_cast<std::size_t>(c.line) > lines.size()) __builtin_trap();
    const std::string_view line = lines[static_cast<std::size_t>(c.line) - 1];
    if (c.position < 1 || static_cast<std::size_t>(c.position) > line.size()) __builtin_trap();
    if (line[static_cast<std::size_t>(c.position) - 1] != c.from || c.from == c.to)
      __builtin_trap();
    // Letters for digits or digits for letters, never a filler.
    const bool from_digit = c.from >= '0' && c.from <= '9';
    const bool to_digit = c.to >= '0' && c.to <= '9';
    if (from_digit == to_digit || c.from == '<' || c.to == '<') __builtin_trap();
  }
  bool any_invalid = false;
  for (const auto& c : r->checks) any_invalid |= c.state == CheckState::kInvalid;
  if (r->valid != (!any_invalid && r->field_errors.empty())) __builtin_trap();
  if (r->birth.month && (*r->birth.month < 0 || *r->birth.month > 99)) __builtin_trap();
  if (FormatName(r->format).empty()) __builtin_trap();
  return 0;
}
