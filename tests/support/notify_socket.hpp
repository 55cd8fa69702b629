#pragma once
// What systemd checks of a Type=notify service, on the receiving end of
// $NOTIFY_SOCKET (support/notify_receiver.hpp).

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>

#include "support/notify_receiver.hpp"
#include "support/subprocess.hpp"

namespace checkpoint::testing {

// The environment systemd gives a Type=notify service with WatchdogSec=200ms.
inline std::map<std::string, std::string> NotifyEnv(const NotifySocket& sock) {
  return {{"NOTIFY_SOCKET", sock.path().string()}, {"WATCHDOG_USEC", "200000"}};
}

// A service's whole life as systemd sees it, for `p` started with NotifyEnv(sock):
// READY=1 with a STATUS= containing `status`, WATCHDOG=1 twice (every 100 ms),
// then, after SIGTERM, STOPPING=1 and exit status 0.
inline void CheckNotifyLifecycle(NotifySocket& sock, Subprocess& p, const std::string& status) {
  using namespace std::chrono_literals;
  const std::string ready = sock.ReceiveUntil("READY=1", 60s);
  REQUIRE_FALSE(ready.empty());
  CHECK(ready.find("STATUS=" + status) != std::string::npos);
  CHECK_FALSE(sock.ReceiveUntil("WATCHDOG=1", 5s).empty());
  CHECK_FALSE(sock.ReceiveUntil("WATCHDOG=1", 5s).empty());
  p.Kill(SIGTERM);
  CHECK_FALSE(sock.ReceiveUntil("STOPPING=1", 10s).empty());
  CHECK(p.Wait(30s) == 0);
}

}  // namespace checkpoint::testing
