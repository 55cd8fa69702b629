#pragma once
// `checkpointctl screen [--watchlist FILE] [--pretty]`: screening queries on stdin
// (JSON lines) against a watchlist file or the store's list, one {"hits": [...]} per
// query on stdout. The contract is documented in docs/technician.md and kept stable.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace checkpoint::tools {

// A query line longer than this is answered with an error (bytes beyond it are not
// kept in memory).
inline constexpr std::size_t kMaxQueryLine = 64 * 1024;

struct ScreenOptions {
  // The list: a JSON lines file, or (when empty) the store at `database`.
  std::optional<std::string> watchlist_file;
  std::filesystem::path database;
  std::string device_id = "local";
  bool pretty = false;
  // The reference time for validity and MRZ dates, in ms since the epoch.
  std::int64_t now_ms = 0;
  std::FILE* in = stdin;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// Exit 0 when every query line was answered, 1 when any was not a query (it gets
// {"hits": [], "errors": [...]}), 2 when the list cannot be loaded (refused file,
// store without a list) or on usage errors.
int ScreenCommand(const ScreenOptions& options);

}  // namespace checkpoint::tools
