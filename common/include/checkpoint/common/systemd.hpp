#pragma once
// The systemd notify protocol (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1 and
// STATUS= datagrams to $NOTIFY_SOCKET. Without NOTIFY_SOCKET every call is a no-op,
// so the same binary runs under systemd, in a shell and in tests.

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

}  // namespace checkpoint::common
