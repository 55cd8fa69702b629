#include "site_file.hpp"

#include <algorithm>

#include "checkpoint/config/config.hpp"

namespace checkpoint::tools {

namespace {

// A TOML basic string of text without control characters.
std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

// The tables the site file must leave to provision, with the flags that set them.
struct Owned {
  const char* table;
  const char* flags;
};
constexpr Owned kOwnedTables[] = {{"paths", "--data-dir"}, {"sync", "--hq, --proxy"}};

}  // namespace

Status CheckSiteTables(std::string_view text, const std::string& name) {
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] != '[') continue;
    std::string header;
    for (char c : line.substr(first + 1)) {
      if (c == ']') break;
      if (c != ' ' && c != '\t') header += c;
    }
    for (const auto& o : kOwnedTables) {
      if (header == o.table) {
        return Error(config::ConfigErrc::kInvalid, name + ":" + std::to_string(line_no) + ": [" +
                                                       o.table +
                                                       "] is written by checkpointctl provision (" +
                                                       o.flags + "); remove it from the site file");
      }
    }
  }
  return {};
}

Expected<std::string> ComposeConfig(std::string_view site_text, const ProvisionedTables& tables) {
  if (HasControl(tables.data_dir) || HasControl(tables.hq_url) || HasControl(tables.proxy) ||
      HasControl(tables.group)) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "control characters in --hq, --proxy, --data-dir or --group");
  }
  std::string text(site_text);
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "\n# Written by checkpointctl provision.\n[paths]\ndata_dir = " +
          TomlString(tables.data_dir) + "\n";
  if (!tables.group.empty()) text += "group = " + TomlString(tables.group) + "\n";
  text += "\n[sync]\nhq_url = " + TomlString(tables.hq_url) + "\n";
  if (!tables.proxy.empty()) text += "proxy = " + TomlString(tables.proxy) + "\n";
  return text;
}

}  // namespace checkpoint::tools
