// Any bytes as a container code reading. ParseContainerCode never crashes; a code
// reported valid has 11 characters, a category U/J/Z and a verifying check digit;
// valid exactly when there are no errors; messages are printable ASCII; parsing the
// normalised code again gives it back (idempotence). Every OCR variant is valid and
// the same container as the reading.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/cargo/iso6346.hpp"

using namespace checkpoint::cargo;

namespace {
bool Printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ContainerCode r = ParseContainerCode(text);
  if (r.valid != r.errors.empty()) __builtin_trap();
  for (const auto& e : r.errors) {
    if (e.empty() || !Printable(e)) __builtin_trap();
  }
  if (r.valid) {
    if (r.code.size() != 11 || !ParseCategory(r.code[3])) __builtin_trap();
    const auto digit = Iso6346CheckDigit(std::string_view(r.code).substr(0, 10));
    if (!digit || *digit != r.code[10] - '0' || r.check_digit != digit) __builtin_trap();
  }
  if (size > kMaxContainerInput) {
    if (!r.code.empty() || r.valid) __builtin_trap();
    return 0;
  }
  if (r.code.size() > size) __builtin_trap();
  if (r.code.find_first_of(" \t-./abcdefghijklmnopqrstuvwxyz") != std::string::npos) {
    __builtin_trap();
  }
  const ContainerCode again = ParseContainerCode(r.code);
  if (again.code != r.code || again.valid != r.valid || again.errors != r.errors) __builtin_trap();

  const auto variants = OcrVariants(text);
  if (variants.size() > 16) __builtin_trap();
  if (r.valid && std::find(variants.begin(), variants.end(), r.code) == variants.end()) {
    __builtin_trap();
  }
  for (const auto& v : variants) {
    if (!ParseContainerCode(v).valid || !SameContainer(text, v)) __builtin_trap();
  }
  if (SameContainer(text, text) == ContainerMatchKey(text).empty()) __builtin_trap();
  return 0;
}
