#pragma once
// checkpointd's process: one io_context, signals, the systemd protocol, the store
// worker and the periodic heartbeat. Later modules (HAL, inspection, console) plug
// into the same loop.

#include <filesystem>
#include <optional>

#include "checkpoint/common/log.hpp"
#include "checkpoint/config/config.hpp"

namespace checkpoint::daemon {

inline constexpr const char* kVersion = "0.1.0";

// Exit codes, so that systemd can tell a bad config (do not restart) from a fault.
// kExitStorage: the data directory is read-only or the database is corrupt; a
// restart cannot fix it and must not touch the file, a technician must act
// (docs/technician.md, ADR 0017). The unit does not restart on 2 or 3.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitStorage = 3 };

struct DaemonOptions {
  // Run this scenario with simulated devices instead of the configured hardware
  // (hal::sim): every device is driven through its real driver.
  std::optional<std::filesystem::path> simulate;
  double time_scale = 1.0;           // scenario offsets are multiplied by this
  bool exit_after_scenario = false;  // stop by itself once the scenario is played and stored
};

// Runs until SIGTERM or SIGINT (or the end of the scenario). Returns an ExitCode.
int RunDaemon(const config::Config& config, const DaemonOptions& options,
              const log::Logger& logger);

}  // namespace checkpoint::daemon
