// checkpointd as a real process: the systemd notify protocol on a test socket,
// clean shutdown on SIGTERM and SIGINT, the data directory's mode, config errors.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <string>

#include "checkpoint/store/store.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::testing::RunCommand;
using checkpoint::testing::Subprocess;
using checkpoint::testing::TempDir;
using namespace std::chrono_literals;

namespace {

// The receiving end of $NOTIFY_SOCKET, as systemd would hold it.
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

std::filesystem::path WriteConfig(const TempDir& tmp, const std::string& extra = "") {
  auto path = tmp / "checkpoint.toml";
  std::ofstream(path) << "[device]\nid = \"CP-TEST\"\nsite = \"UA-TEST\"\n\n[paths]\ndata_dir = \""
                      << (tmp / "data").string() << "\"\n\n[daemon]\nheartbeat_interval_s = 1\n"
                      << extra;
  return path;
}

}  // namespace

TEST_CASE("checkpointd speaks the systemd notify protocol", "[daemon][notify]") {
  TempDir tmp;
  auto cfg = WriteConfig(tmp);
  NotifySocket sock(tmp / "notify.sock");
  Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()},
               {{"NOTIFY_SOCKET", (tmp / "notify.sock").string()}, {"WATCHDOG_USEC", "200000"}});

  std::string ready = sock.ReceiveUntil("READY=1", 20s);
  REQUIRE_FALSE(ready.empty());
  CHECK(ready.find("STATUS=serving; device CP-TEST") != std::string::npos);
  // Fed every WATCHDOG_USEC/2 after a round trip through the store thread.
  CHECK_FALSE(sock.ReceiveUntil("WATCHDOG=1", 5s).empty());
  CHECK_FALSE(sock.ReceiveUntil("WATCHDOG=1", 5s).empty());

  d.Kill(SIGTERM);
  CHECK_FALSE(sock.ReceiveUntil("STOPPING=1", 10s).empty());
  auto code = d.Wait(20s);
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("checkpointd stops cleanly on SIGTERM and SIGINT and records it", "[daemon]") {
  for (int signo : {SIGTERM, SIGINT}) {
    TempDir tmp;
    auto cfg = WriteConfig(tmp);
    NotifySocket sock(tmp / "notify.sock");
    Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()},
                 {{"NOTIFY_SOCKET", (tmp / "notify.sock").string()}});
    REQUIRE_FALSE(sock.ReceiveUntil("READY=1", 20s).empty());
    d.Kill(signo);
    auto code = d.Wait(20s);
    REQUIRE(code);
    CHECK(*code == 0);

    struct stat st {};
    REQUIRE(::stat((tmp / "data").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);

    auto store = store::Store::Open(
        {.path = tmp / "data" / "checkpoint.db", .device_id = "CP-TEST", .read_only = true});
    REQUIRE(store);
    CHECK(**store->state().Get("daemon.state") == "stopped");
    auto v = store->audit().Verify();
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->entries == 2);  // daemon.started, daemon.stopped
  }
}

TEST_CASE("checkpointd and checkpointctl report config errors with key and line",
          "[daemon][config]") {
  TempDir tmp;
  auto cfg = WriteConfig(tmp, "\n[store]\nbusy_timeout_ms = -5\n");
  auto [code, out] = RunCommand({CHECKPOINTD_PATH, "--config", cfg.string()});
  CHECK(code == 2);
  CHECK(out.find(cfg.string() + ":12: store.busy_timeout_ms: must be between 1 and 600000") !=
        std::string::npos);
  auto [code2, out2] = RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "status"});
  CHECK(code2 == 2);
  CHECK(out2.find("store.busy_timeout_ms") != std::string::npos);
  auto [code3, out3] = RunCommand({CHECKPOINTD_PATH, "--config", (tmp / "none.toml").string()});
  CHECK(code3 == 2);
  CHECK(out3.find("none.toml") != std::string::npos);
}

TEST_CASE("checkpointctl status and verify read the daemon's store", "[daemon][ctl]") {
  TempDir tmp;
  auto cfg = WriteConfig(tmp);
  NotifySocket sock(tmp / "notify.sock");
  {
    Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()},
                 {{"NOTIFY_SOCKET", (tmp / "notify.sock").string()}});
    REQUIRE_FALSE(sock.ReceiveUntil("READY=1", 20s).empty());
    auto [code, out] =
        RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "--json", "status"});
    CHECK(code == 0);
    CHECK(out.find("\"state\": \"running\"") != std::string::npos);
    CHECK(out.find("\"verified\": true") != std::string::npos);
    d.Kill(SIGTERM);
    REQUIRE(d.Wait(20s) == 0);
  }
  auto [code, out] = RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "verify"});
  CHECK(code == 0);
  CHECK(out.find("integrity_check: ok") != std::string::npos);
  CHECK(out.find("2 entries, verified") != std::string::npos);
}

TEST_CASE("checkpointctl status shows the daemon's disk level", "[daemon][ctl][disk]") {
  TempDir tmp;
  // A threshold no test machine reaches: the disk is "low" from the start.
  auto cfg = WriteConfig(tmp, "\n[store]\ndisk_low_mib = 1048576\ndisk_critical_mib = 1\n");
  NotifySocket sock(tmp / "notify.sock");
  Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()},
               {{"NOTIFY_SOCKET", (tmp / "notify.sock").string()}});
  REQUIRE_FALSE(sock.ReceiveUntil("READY=1", 20s).empty());
  auto [code, out] = RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "status"});
  CHECK(code == 0);
  CHECK(out.find("disk        ATTENTION: low, ") != std::string::npos);
  // Low, not critical: the reserve is not taken while low (it would push the level
  // further down), and nothing was released.
  CHECK_FALSE(std::filesystem::exists(tmp / "data" / "reserve.bin"));
  d.Kill(SIGTERM);
  REQUIRE(d.Wait(20s) == 0);
}
