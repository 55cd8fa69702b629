#include "redact.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace checkpoint::tools {

namespace {
bool Printable(std::string_view line) {
  for (char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}
// A run of base64 (or base64url) characters at least 32 long that mixes capitals, small
// letters and digits, as keys, tokens and signatures do (paths and words do not); or a
// run of 24 hexadecimal digits.
bool HasSecretRun(std::string_view line) {
  auto b64 = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' ||
           c == '_' || c == '-';
  };
  std::size_t i = 0;
  while (i < line.size()) {
    if (!b64(line[i])) {
      ++i;
      continue;
    }
    std::size_t j = i, hex = 0, longest_hex = 0;
    bool upper = false, lower = false, digit = false;
    for (; j < line.size() && b64(line[j]); ++j) {
      const auto c = static_cast<unsigned char>(line[j]);
      upper = upper || std::isupper(c);
      lower = lower || std::islower(c);
      digit = digit || std::isdigit(c);
      hex = std::isxdigit(c) ? hex + 1 : 0;
      longest_hex = std::max(longest_hex, hex);
    }
    if (longest_hex >= 24 || (j - i >= 32 && upper && lower && digit)) return true;
    i = j;
  }
  return false;
}

}  // namespace

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.emplace_back(line);
    pos = end + 1;
  }
  return out;
}

std::string RedactConfig(std::string_view toml) {
  static const std::regex secret_key(
      R"(((?:^|[\s{,])[A-Za-z0-9_.-]*(?:token|password|passwd|secret|passphrase|key)[A-Za-z0-9_-]*\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}]+))",
      std::regex::icase);
  static const std::regex userinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']+@)");
  std::string out;
  for (const auto& line : SplitLines(toml)) {
    if (line.size() > kMaxFilteredLine || !Printable(line)) {
      out += "# <line withheld>\n";
      continue;
    }
    std::string l = std::regex_replace(line, secret_key, "$1\"<redacted>\"");
    l = std::regex_replace(l, userinfo, "$1<redacted>@");
    out += l + "\n";
  }
  return out;
}

std::string FilterLogLine(std::string_view line) {
  static const std::regex drop(R"(-----BEGIN|PRIVATE KEY|<<|token|password|secret)",
                               std::regex::icase);
  static const std::regex masked(R"(\b(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,20}\b)");
  if (line.size() > kMaxFilteredLine || !Printable(line)) return "";
  const std::string l(line);
  if (HasSecretRun(l) || std::regex_search(l, drop)) return "";
  return std::regex_replace(l, masked, "<masked>");
}

}  // namespace checkpoint::tools
