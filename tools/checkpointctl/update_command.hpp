#pragma once
// `checkpointctl update install FILE | status | commit | rollback | trial-check |
// auto | simulate-boot`: the A/B firmware updater (firmware/update, docs/update.md).
// Exit codes are documented in docs/technician.md and kept stable.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/update/auto_install.hpp"

namespace checkpoint::tools {

struct UpdateContext {
  std::filesystem::path data_dir;               // the updater's state is data_dir/update
  std::filesystem::path keys;                   // pinned firmware-signing keys (PEM)
  std::int64_t heartbeat_interval_ms = 10'000;  // the daemon's, from the configuration
  // `auto`: [update] of the configuration (disabled with --data-dir), and where
  // checkpoint-sync stages firmware bundles (data_dir/bundles/firmware).
  update::AutoInstallPolicy auto_policy;
  std::filesystem::path staged_dir;
  bool json = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// args: what follows "update". Exit 0 done, 1 refused or failed, 2 usage, 3 the
// trial is still waiting for its health check, 4 rolled back (restart into the
// previous slot), 5 (`auto`) a staged image was installed (restart into its trial).
// The automatic install's last decision (<data_dir>/update/auto.json) for
// `checkpointctl status`: null when there is none, else the record (or an error).
nlohmann::json AutoInstallJson(const std::filesystem::path& data_dir);
// One line of it: "bundle 42 installed: v42 into slot b", "bundle 43 REFUSED: ...".
std::string AutoInstallLine(const nlohmann::json& a);

int UpdateCommand(const std::vector<std::string>& args, const UpdateContext& ctx);

}  // namespace checkpoint::tools
