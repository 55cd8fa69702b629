// Any bytes: the first selects the country, the rest is a plate reading (and, for
// the document key, a document number). Invariants: normalised plates and keys hold
// only A-Z 0-9; normalising is idempotent and so is the match key; a reading is
// the same plate as itself unless it has errors or is empty; messages are
// printable ASCII. Document keys: A-Z 0-9, bounded, idempotent.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/risk/document_key.hpp"
#include "checkpoint/risk/plate.hpp"

using namespace checkpoint::risk;

namespace {
bool Alnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}
bool Printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}
constexpr std::string_view kCountries[] = {"", "DE", "gb", "UK", "PL", "ua", "RU", "XX"};
constexpr std::string_view kStates[] = {"UTO", "D", "D<<", "DEU"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view country = kCountries[data[0] % std::size(kCountries)];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const NormalisedPlate r = NormalisePlate(text, country);
  if (!Alnum(r.text)) __builtin_trap();
  for (const auto& m : r.errors) {
    if (m.empty() || !Printable(m)) __builtin_trap();
  }
  for (const auto& m : r.warnings) {
    if (!Printable(m)) __builtin_trap();
  }
  const NormalisedPlate again = NormalisePlate(r.text, country);
  if (again.text != r.text || again.format != r.format) __builtin_trap();

  const std::string key = PlateMatchKey(r.text, country);
  if (!Alnum(key) || key.size() != r.text.size()) __builtin_trap();
  if (PlateMatchKey(key, country) != key) __builtin_trap();
  if (PlateMatchKey(text, country) != key) __builtin_trap();
  const bool self = SamePlate(text, text, country);
  if (self != (r.errors.empty() && !r.text.empty())) __builtin_trap();

  const std::string_view state = kStates[data[0] % std::size(kStates)];
  const std::string dk = DocumentNumberKey(text, state);
  if (!Alnum(dk) || dk.size() > kMaxDocumentKey) __builtin_trap();
  if (DocumentNumberKey(dk, state) != dk) __builtin_trap();
  return 0;
}
