#pragma once
// The systemd notify protocol (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1 and
// STATUS= datagrams to $NOTIFY_SOCKET. Without NOTIFY_SOCKET every call is a no-op,
// so the same binary runs under systemd, in a shell and in tests.

#include <signal.h>

#include <chrono>
#include <optional>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::common {

class SystemdNotifier {
 public:
  SystemdNotifier();

  bool enabled() const noexcept { return enabled_; }
  // The interval at which WATCHDOG=1 must be sent (WATCHDOG_USEC, honouring
  // WATCHDOG_PID), or nullopt when the service has no watchdog.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_; }

  Status Ready(std::string_view status);
  Status Watchdog();
  Status Stopping(std::string_view status);
  Status SetStatus(std::string_view status);

 private:
  Status Send(std::string_view message);
  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

// The main loop of a process whose work runs on other threads (checkpoint-sync,
// checkpoint-hq): sends READY=1 with STATUS=`ready_status`, then waits for one of
// the signals in `set` (blocked by the caller in every thread), sending WATCHDOG=1
// every half watchdog interval meanwhile, and STOPPING=1 once a signal came.
// Returns that signal.
int WaitForSignal(const sigset_t& set, SystemdNotifier& notifier, std::string_view ready_status);

}  // namespace checkpoint::common
