#include "checkpoint/common/systemd.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace checkpoint::common {

SystemdNotifier::SystemdNotifier() {
  const char* sock = std::getenv("NOTIFY_SOCKET");
  enabled_ = sock && *sock;
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
  }
}

Status SystemdNotifier::Send(std::string_view message) {
  if (!enabled_) return {};
  std::string m(message);
  int rc = sd_notify(0, m.c_str());
  if (rc < 0) return ErrnoError("sd_notify", -rc);
  return {};
}

namespace {
// STATUS= is one line: drop anything that could start another assignment.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}
}  // namespace

Status SystemdNotifier::Ready(std::string_view status) {
  return Send("READY=1\nSTATUS=" + OneLine(status));
}
Status SystemdNotifier::Watchdog() {
  return Send("WATCHDOG=1");
}
Status SystemdNotifier::Stopping(std::string_view status) {
  return Send("STOPPING=1\nSTATUS=" + OneLine(status));
}
Status SystemdNotifier::SetStatus(std::string_view status) {
  return Send("STATUS=" + OneLine(status));
}

int WaitForSignal(const sigset_t& set, SystemdNotifier& notifier, std::string_view ready_status) {
  (void)notifier.Ready(ready_status);
  const auto interval = notifier.watchdog_interval();
  for (;;) {
    int sig = -1;
    if (interval) {
      const auto half = std::max(*interval / 2, std::chrono::microseconds(1));
      const timespec ts{static_cast<time_t>(half.count() / 1'000'000),
                        static_cast<long>(half.count() % 1'000'000) * 1000};
      sig = ::sigtimedwait(&set, nullptr, &ts);
      if (sig < 0 && errno == EAGAIN) (void)notifier.Watchdog();
    } else if (::sigwait(&set, &sig) != 0) {
      sig = -1;
    }
    if (sig > 0) {
      (void)notifier.Stopping("stopping");
      return sig;
    }
  }
}

}  // namespace checkpoint::common
