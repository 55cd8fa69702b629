#pragma once
// The receiving end of $NOTIFY_SOCKET, as systemd holds it: a unix datagram socket
// bound to a path. Tests give the path to a child process and wait on the socket
// with a timeout for READY=1, WATCHDOG=1 and STOPPING=1 (never a sleep).

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "support/subprocess.hpp"

namespace checkpoint::testing {

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof addr.sun_path);
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Next datagram, or "" after `timeout`.
  std::string Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // Receives until a datagram contains `needle`; returns it, or "" on timeout.
  std::string ReceiveUntil(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      std::string m = Receive(left);
      if (m.find(needle) != std::string::npos) return m;
      if (m.empty()) return "";
    }
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

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
