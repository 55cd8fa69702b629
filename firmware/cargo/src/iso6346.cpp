#include "checkpoint/cargo/iso6346.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace checkpoint::cargo {

namespace {

constexpr std::size_t kCodeLength = 11;

bool IsUpper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Letter values: A=10 upwards, skipping 11, 22 and 33 (multiples of 11 would make
// a letter and the letter 11 places on indistinguishable to the mod-11 sum).
constexpr std::array<int, 26> MakeLetterValues() {
  std::array<int, 26> v{};
  int next = 10;
  for (auto& x : v) {
    if (next % 11 == 0) ++next;
    x = next++;
  }
  return v;
}
constexpr std::array<int, 26> kLetterValues = MakeLetterValues();
static_assert(kLetterValues[0] == 10 && kLetterValues[1] == 12 && kLetterValues[11] == 23 &&
              kLetterValues[21] == 34 && kLetterValues[25] == 38);

bool IsSeparator(char c) noexcept {
  return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/';
}

// A character for a message: itself when printable ASCII, else its byte value, so
// no message carries control characters or broken UTF-8.
std::string Show(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7E) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", u);
  return buf;
}

// Positions (1-based, from `first`) of `field` whose character fails `ok`.
template <typename Pred>
void FieldErrors(std::string_view name, std::string_view field, std::size_t first,
                 std::string_view want, Pred ok, std::vector<std::string>& errors) {
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (!ok(field[i])) {
      errors.push_back(std::string(name) + ": position " + std::to_string(first + i) + " (" +
                       Show(field[i]) + ") is not " + std::string(want));
    }
  }
}

std::string Normalise(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxContainerInput));
  for (char c : text) {
    if (IsSeparator(c)) continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

// The confusion class representative of a character (see ContainerMatchKey).
char Fold(char c) noexcept {
  switch (c) {
    case 'O':
    case 'Q':
      return '0';
    case 'I':
      return '1';
    case 'B':
      return '8';
    case 'S':
      return '5';
    case 'Z':
      return '2';
    default:
      return c;
  }
}

}  // namespace

std::optional<int> Iso6346Value(char c) noexcept {
  if (IsDigit(c)) return c - '0';
  if (IsUpper(c)) return kLetterValues[static_cast<std::size_t>(c - 'A')];
  return std::nullopt;
}

std::optional<int> Iso6346CheckDigit(std::string_view first10) noexcept {
  if (first10.size() != 10) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    const char c = first10[i];
    if (i < 4 ? !IsUpper(c) : !IsDigit(c)) return std::nullopt;
    sum += *Iso6346Value(c) << i;
  }
  return sum % 11 % 10;
}

std::optional<EquipmentCategory> ParseCategory(char c) noexcept {
  switch (c) {
    case 'U':
      return EquipmentCategory::kFreightContainer;
    case 'J':
      return EquipmentCategory::kDetachable;
    case 'Z':
      return EquipmentCategory::kTrailerChassis;
    default:
      return std::nullopt;
  }
}

std::string_view CategoryName(EquipmentCategory c) noexcept {
  switch (c) {
    case EquipmentCategory::kFreightContainer:
      return "freight container";
    case EquipmentCategory::kDetachable:
      return "detachable freight-container-related equipment";
    case EquipmentCategory::kTrailerChassis:
      return "trailer or chassis";
  }
  return "unknown";
}

ContainerCode ParseContainerCode(std::string_view text) {
  ContainerCode r;
  if (text.size() > kMaxContainerInput) {
    r.errors.push_back("length: " + std::to_string(text.size()) + " bytes, longer than " +
                       std::to_string(kMaxContainerInput) + " (no container code is)");
    return r;
  }
  r.code = Normalise(text);
  const std::string_view code = r.code;
  if (code.empty()) {
    r.errors.push_back("length: no characters, expected 11");
    return r;
  }
  if (code.size() != kCodeLength) {
    r.errors.push_back("length: " + std::to_string(code.size()) +
                       " characters, expected 11 (3 owner, 1 category, 6 serial, 1 check digit)");
  }
  r.owner = std::string(code.substr(0, 3));
  if (code.size() > 3) r.category = std::string(code.substr(3, 1));
  if (code.size() > 4) r.serial = std::string(code.substr(4, 6));
  FieldErrors("owner", r.owner, 1, "a letter A-Z", IsUpper, r.errors);
  if (!r.category.empty()) {
    const char c = r.category[0];
    if (!ParseCategory(c)) {
      r.errors.push_back("category: " + Show(c) +
                         " is not U (freight container), J (detachable equipment) or Z "
                         "(trailer or chassis)");
    }
  }
  FieldErrors("serial", r.serial, 5, "a digit", IsDigit, r.errors);
  if (code.size() >= 10) r.expected_check_digit = Iso6346CheckDigit(code.substr(0, 10));
  if (code.size() > 10) {
    const char c = code[10];
    if (IsDigit(c)) {
      r.check_digit = c - '0';
    } else {
      r.errors.push_back("checkDigit: position 11 (" + Show(c) + ") is not a digit");
    }
  } else if (code.size() == 10) {
    r.errors.push_back("checkDigit: missing");
  }
  if (r.check_digit && r.expected_check_digit && *r.check_digit != *r.expected_check_digit) {
    r.errors.push_back("checkDigit: " + std::to_string(*r.check_digit) + " is wrong, expected " +
                       std::to_string(*r.expected_check_digit));
  }
  r.valid = r.errors.empty();
  return r;
}

std::vector<std::string> OcrVariants(std::string_view text) {
  std::vector<std::string> out;
  if (text.size() > kMaxContainerInput) return out;
  const std::string code = Normalise(text);
  if (code.size() != kCodeLength) return out;
  // Candidates per position: the characters of the right type in the reading's
  // confusion class. Only the class {0, O, Q} has two letters.
  std::array<std::string, kCodeLength> choices;
  for (std::size_t i = 0; i < kCodeLength; ++i) {
    const char c = code[i];
    const char f = Fold(c);
    if (i < 4) {
      if (f == '0') {
        choices[i] = "OQ";
      } else if (f == '1') {
        choices[i] = "I";
      } else if (f == '8') {
        choices[i] = "B";
      } else if (f == '5') {
        choices[i] = "S";
      } else if (f == '2') {
        choices[i] = "Z";
      } else if (IsUpper(c)) {
        choices[i] = std::string(1, c);
      } else {
        return out;  // a character that cannot be a letter
      }
    } else {
      if (IsDigit(f)) {
        choices[i] = std::string(1, f);
      } else {
        return out;
      }
    }
  }
  std::string candidate(kCodeLength, ' ');
  std::array<std::size_t, kCodeLength> pick{};
  for (;;) {
    for (std::size_t i = 0; i < kCodeLength; ++i) candidate[i] = choices[i][pick[i]];
    if (ParseCategory(candidate[3])) {
      auto digit = Iso6346CheckDigit(std::string_view(candidate).substr(0, 10));
      if (digit && *digit == candidate[10] - '0') out.push_back(candidate);
    }
    std::size_t i = 0;
    while (i < kCodeLength && ++pick[i] == choices[i].size()) pick[i++] = 0;
    if (i == kCodeLength) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ContainerMatchKey(std::string_view text) {
  if (text.size() > kMaxContainerInput) return {};
  std::string code = Normalise(text);
  if (code.size() != kCodeLength) return {};
  for (char& c : code) {
    if (!IsUpper(c) && !IsDigit(c)) return {};
    c = Fold(c);
  }
  return code;
}

bool SameContainer(std::string_view a, std::string_view b) {
  const std::string ka = ContainerMatchKey(a);
  return !ka.empty() && ka == ContainerMatchKey(b);
}

}  // namespace checkpoint::cargo
