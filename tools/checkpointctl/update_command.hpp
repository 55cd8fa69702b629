#pragma once
// `checkpointctl update install FILE | status | commit | rollback | trial-check |
// simulate-boot`: the A/B firmware updater (firmware/update, docs/update.md). Exit
// codes are documented in docs/technician.md and kept stable.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace checkpoint::tools {

struct UpdateContext {
  std::filesystem::path data_dir;               // the updater's state is data_dir/update
  std::filesystem::path keys;                   // pinned firmware-signing keys (PEM)
  std::int64_t heartbeat_interval_ms = 10'000;  // the daemon's, from the configuration
  bool json = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// args: what follows "update". Exit 0 done, 1 refused or failed, 2 usage, 3 the
// trial is still waiting for its health check, 4 rolled back.
int UpdateCommand(const std::vector<std::string>& args, const UpdateContext& ctx);

}  // namespace checkpoint::tools
