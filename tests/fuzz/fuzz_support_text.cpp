// Text from outside that checkpointctl turns into what leaves the box or what the box
// runs on: the site file of `provision` (its tables check and the configuration
// composed from it) and the configuration and log lines of `diag`. Any byte string:
// no crash, nothing unprintable let through, and a site file that passes never
// changes where the box sends its records.
#include <cstdint>
#include <string_view>

#include "../../tools/checkpointctl/redact.hpp"
#include "../../tools/checkpointctl/site_file.hpp"
#include "checkpoint/config/config.hpp"

namespace {
bool Printable(std::string_view s, bool newlines) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && !(newlines && c == '\n')) || c == 0x7f) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace checkpoint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!Printable(tools::RedactConfig(text), true)) __builtin_trap();
  for (const auto& line : tools::SplitLines(text)) {
    if (!Printable(tools::FilterLogLine(line), false)) __builtin_trap();
  }
  const tools::ProvisionedTables tables{"/var/lib/checkpoint", "https://hq.test:8443", "", ""};
  if (auto s = tools::CheckSiteTables(text, "site.toml"); !s) {
    if (s.error().message().find("site.toml:") != 0) __builtin_trap();  // names the line
    return 0;
  }
  auto composed = tools::ComposeConfig(text, tables);
  if (!composed) __builtin_trap();  // only the tables can be refused, and they are fixed
  auto cfg = config::ParseConfig(*composed, "site.toml");
  if (cfg && (cfg->sync.hq_url != tables.hq_url || cfg->data_dir != tables.data_dir)) {
    __builtin_trap();
  }
  return 0;
}
