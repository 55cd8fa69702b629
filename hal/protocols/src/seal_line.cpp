#include "checkpoint/hal/protocols/seal_line.hpp"

#include <array>

namespace checkpoint::hal::protocols {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

char Upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string Lowered(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = Lower(c);
  return r;
}

FrameError Malformed(std::string detail) {
  return FrameError{"malformed", std::move(detail)};
}

// A code (bare, or the id of a record): upper-cased, or an error naming `what`.
Decoded<std::string> ParseCode(std::string_view s, const std::string& what) {
  if (s.size() < SealLineDecoder::kMinCode || s.size() > SealLineDecoder::kMaxCode) {
    return Malformed(what + ": length " + std::to_string(s.size()) + " (expected 4 to 40)");
  }
  std::string code(s.size(), '\0');
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = Upper(s[i]);
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return Malformed(what + ": bad character at position " + std::to_string(i + 1));
    }
    code[i] = c;
  }
  return code;
}

Decoded<hal::SealRead> ParseRecord(std::string_view line) {
  std::array<std::string_view, 4> field;
  std::size_t n = 0;
  for (std::size_t start = 0;;) {
    if (n == field.size()) return Malformed("SEAL record has more than 4 fields");
    const std::size_t comma = line.find(',', start);
    field[n++] = Trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (Lowered(field[0]) != "seal") return Malformed("field 1 is not SEAL");
  if (n < 3) return Malformed("SEAL record has " + std::to_string(n) + " fields (expected 3 or 4)");
  auto id = ParseCode(field[1], "field 2 (id)");
  if (auto* e = std::get_if<FrameError>(&id)) return std::move(*e);
  hal::SealRead read;
  read.seal_id = std::move(std::get<std::string>(id));
  read.technology = Lowered(field[2]);
  if (read.technology != "rfid" && read.technology != "barcode") {
    return Malformed("field 3 (technology) is not rfid or barcode");
  }
  if (n == 4) {
    std::string status = Lowered(field[3]);
    if (status != "intact" && status != "opened" && status != "tampered" &&
        status != "low_battery") {
      return Malformed("field 4 (status) is not intact, opened, tampered or low_battery");
    }
    read.status = std::move(status);
  }
  return read;
}

}  // namespace

std::optional<Decoded<hal::SealRead>> ParseSealLine(std::string_view line) {
  if (!line.empty() && line.front() == '\x02') line.remove_prefix(1);
  line = Trim(line);
  if (line.empty()) return std::nullopt;
  if (line.find(',') != std::string_view::npos) return ParseRecord(line);
  auto code = ParseCode(line, "code");
  if (auto* e = std::get_if<FrameError>(&code)) return Decoded<hal::SealRead>(std::move(*e));
  return Decoded<hal::SealRead>(
      hal::SealRead{std::move(std::get<std::string>(code)), "barcode", std::nullopt});
}

void SealLineDecoder::Feed(std::string_view bytes, std::vector<Decoded<hal::SealRead>>& out) {
  decoder_.Feed(bytes, out);
}

std::optional<FrameError> SealLineDecoder::Reset() {
  return decoder_.Reset();
}

std::string EncodeSealLine(const hal::SealRead& read, SealLineForm form) {
  if (form == SealLineForm::kBareCode) return read.seal_id + "\r\n";
  std::string line = "SEAL," + read.seal_id + "," + read.technology;
  if (read.status) line += "," + *read.status;
  return line + "\r\n";
}

}  // namespace checkpoint::hal::protocols
