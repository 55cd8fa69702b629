#pragma once
// checkpointd's process: one io_context, signals, the systemd protocol, the store
// worker and the periodic heartbeat. Later modules (HAL, inspection, console) plug
// into the same loop.

#include "checkpoint/common/log.hpp"
#include "checkpoint/config/config.hpp"

namespace checkpoint::daemon {

inline constexpr const char* kVersion = "0.1.0";

// Exit codes, so that systemd can tell a bad config (do not restart) from a fault.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

// Runs until SIGTERM or SIGINT. Returns an ExitCode.
int RunDaemon(const config::Config& config, const log::Logger& logger);

}  // namespace checkpoint::daemon
