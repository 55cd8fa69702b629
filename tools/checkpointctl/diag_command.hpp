#pragma once
// `checkpointctl diag [--out FILE] [--log-file FILE]...`: a support bundle (tar.gz) a
// technician sends to support. It holds versions, the status JSON, the configuration
// with secrets redacted, recent logs filtered, the store's integrity result and counts
// of rows: never record contents, names, document numbers, keys or tokens
// (docs/technician.md, "Support bundle").

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace checkpoint::tools {

struct DiagOptions {
  std::filesystem::path out;  // default: ./checkpoint-diag-<device>-<UTC time>.tar.gz
  // Log files to include (filtered). None: the last lines of journald's checkpointd
  // and checkpoint-sync units when journalctl is there.
  std::vector<std::filesystem::path> log_files;
};

int Diag(const Context& ctx, const DiagOptions& options);
// `diag ARGS` (--out FILE, --log-file FILE...).
int DiagCommand(const Context& ctx, const std::vector<std::string>& args);

}  // namespace checkpoint::tools
