#pragma once
// `checkpointctl watchlist import FILE [--delta]` and `checkpointctl watchlist status`:
// the local watchlists in the store (store/watchlist_store.hpp). Contracts are
// documented in docs/technician.md and kept stable.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/risk/watchlist_json.hpp"

namespace checkpoint::tools {

struct WatchlistContext {
  std::filesystem::path database;
  std::string device_id = "local";
  bool json = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// args: what follows "watchlist". Exit 0 ok, 1 list refused (the error names the
// line; the store is unchanged) or store failure, 2 usage.
int WatchlistCommand(const std::vector<std::string>& args, const WatchlistContext& ctx);

// A read function over a file ("-": standard input), and its size when known (0
// otherwise), for progress in percent of bytes. Errors name the file.
struct ListFile {
  risk::WatchlistReadFn read;
  std::uint64_t size = 0;
  std::shared_ptr<std::FILE> file;
};
Expected<ListFile> OpenListFile(const std::string& path);

}  // namespace checkpoint::tools
