#include "checkpoint/hal/protocols/ascii_weight.hpp"

#include <array>
#include <cstdint>

namespace checkpoint::hal::protocols {
namespace {

constexpr std::size_t kMaxDigits = 12;
constexpr std::uint64_t kMaxCounts = 999'999'999'999;  // 12 digits
constexpr int kMaxDecimals = 12;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

FrameError Malformed(std::string detail) {
  return FrameError{"malformed", std::move(detail)};
}

struct Value {
  std::uint64_t counts = 0;
  int decimals = 0;
  bool negative = false;
  bool blank = false;  // no digits at all (spaces and perhaps the point): overload
};

std::optional<Value> ParseValue(std::string_view s) {
  Value v;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    v.negative = s.front() == '-';
    s = Trim(s.substr(1));
  }
  bool point = false;
  bool any_digit = false;
  std::size_t digits =
      0;  // significant: zeros before the first other digit and the point are padding
  for (char c : s) {
    if (c == '.' && !point) {
      point = true;
    } else if (IsDigit(c)) {
      any_digit = true;
      if (c == '0' && v.counts == 0 && !point) continue;
      if (++digits > kMaxDigits) return std::nullopt;
      v.counts = v.counts * 10 + static_cast<std::uint64_t>(c - '0');
      if (point) ++v.decimals;
    } else if (c != ' ' || any_digit) {
      return std::nullopt;  // a stray character, or a space inside the digits
    }
  }
  v.blank = !any_digit;
  return v;
}

std::optional<std::string> ParseUnit(std::string_view s) {
  for (std::string_view u : {"kg", "g", "t", "lb"}) {
    if (EqualsNoCase(s, u)) return std::string(u);
  }
  return std::nullopt;
}

// Header 1: stability and range.
bool ApplyStatus(std::string_view h, WeightFrame& f) {
  f.motion = h == "US";
  f.out_of_range = h == "OL" || h == "UL" || h == "LO";
  return h == "ST" || f.motion || f.out_of_range;
}

// Header 2: what the value is.
bool ApplyKind(std::string_view h, WeightFrame& f) {
  f.net = h == "NT" || h == "N";
  f.tare_only = h == "TR" || h == "T";
  return h == "GS" || h == "G" || f.net || f.tare_only;
}

}  // namespace

std::optional<Decoded<WeightFrame>> ParseAsciiWeightLine(std::string_view line) {
  if (!line.empty() && line.front() == '\x02') line.remove_prefix(1);
  line = Trim(line);
  if (line.empty()) return std::nullopt;

  std::array<std::string_view, 4> field;
  std::size_t n = 0;
  for (std::size_t start = 0;;) {
    if (n == field.size()) return Malformed("more than 4 comma-separated fields");
    const std::size_t comma = line.find(',', start);
    field[n++] = Trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (n < 2) return Malformed("expected 2 to 4 comma-separated fields, got 1");

  WeightFrame f;
  if (!ApplyStatus(field[0], f)) return Malformed("field 1 (status) is not ST, US, OL, UL or LO");
  if (n >= 3 && !ApplyKind(field[1], f)) {
    return Malformed("field 2 (kind) is not GS, NT, TR, G, N or T");
  }
  // The value and the unit: one field (A&D) or two (Dini Argeo).
  std::string_view value_text = field[n - 1];
  std::string_view unit_text;
  if (n == 4) {
    value_text = field[2];
    unit_text = field[3];
  } else {
    std::size_t at = 0;
    while (at < value_text.size() && !IsAlpha(value_text[at])) ++at;
    unit_text = Trim(value_text.substr(at));
    value_text = Trim(value_text.substr(0, at));
  }
  const std::string value_field = std::to_string(n == 4 ? 3 : n);
  const auto value = ParseValue(value_text);
  if (!value) {
    return Malformed("field " + value_field + " (value) is not a sign and at most " +
                     std::to_string(kMaxDigits) + " digits with one decimal point");
  }
  if (value->blank && !f.out_of_range) {
    return Malformed("field " + value_field + " (value) has no digits");
  }
  auto unit = ParseUnit(unit_text);
  if (!unit) return Malformed("unit is not kg, g, t or lb");
  if (f.tare_only && value->negative) return Malformed("negative tare");

  f.unit = std::move(*unit);
  f.decimals = value->decimals;
  f.negative = value->negative;
  const double magnitude = FromCounts(value->counts, value->decimals);
  if (f.tare_only) {
    f.tare = magnitude;
  } else {
    f.weight = f.negative ? -magnitude : magnitude;
  }
  return f;
}

void AsciiWeightDecoder::Feed(std::string_view bytes, std::vector<Decoded<WeightFrame>>& out) {
  decoder_.Feed(bytes, out);
}

std::optional<FrameError> AsciiWeightDecoder::Reset() {
  return decoder_.Reset();
}

Decoded<std::string> EncodeAsciiWeight(const WeightFrame& frame, AsciiDialect dialect) {
  if (frame.decimals < 0 || frame.decimals > kMaxDecimals) {
    return FrameError{"out_of_range", "decimals must be in [0, 12]"};
  }
  const double value = frame.tare_only ? frame.tare : frame.weight;
  const auto counts = ToCounts(value, frame.decimals, kMaxCounts);
  if (!counts) return FrameError{"out_of_range", "value does not fit 12 digits"};
  if (!KgPerUnit(frame.unit)) return FrameError{"unsupported", "unit must be kg, g, t or lb"};

  // The digits, with the point, at least decimals + 1 digits ("0.05", not ".05").
  std::string digits = std::to_string(*counts);
  const auto decimals = static_cast<std::size_t>(frame.decimals);
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  if (decimals > 0) digits.insert(digits.size() - decimals, 1, '.');

  const bool negative = frame.negative && !frame.tare_only;
  std::string line = frame.out_of_range ? "OL," : frame.motion ? "US," : "ST,";
  line += frame.tare_only ? "TR," : frame.net ? "NT," : "GS,";
  constexpr std::size_t kWidth = 8;  // sign, digits and point
  if (dialect == AsciiDialect::kAnd) {
    std::string body = digits;
    if (body.size() < kWidth - 1) body.insert(0, kWidth - 1 - body.size(), '0');
    if (frame.out_of_range) {
      for (char& c : body) {
        if (c != '.') c = ' ';
      }
    }
    line += negative ? '-' : '+';
    line += body;
    line += frame.unit.size() == 1 ? " " + frame.unit : frame.unit;
  } else {
    std::string body = negative ? "-" + digits : digits;
    if (body.size() < kWidth) body.insert(0, kWidth - body.size(), ' ');
    line += body + "," + frame.unit;
  }
  line += "\r\n";
  return line;
}

}  // namespace checkpoint::hal::protocols
