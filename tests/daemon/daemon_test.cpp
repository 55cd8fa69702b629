// checkpointd as a real process: the systemd notify protocol on a test socket,
// clean shutdown on SIGTERM and SIGINT, the data directory's mode, config errors.
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "checkpoint/store/store.hpp"
#include "support/notify_socket.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::testing::CheckNotifyLifecycle;
using checkpoint::testing::NotifyEnv;
using checkpoint::testing::NotifySocket;
using checkpoint::testing::RunCommand;
using checkpoint::testing::Subprocess;
using checkpoint::testing::TempDir;
using namespace std::chrono_literals;

namespace {

std::filesystem::path WriteConfig(const TempDir& tmp, const std::string& extra = "",
                                  const std::string& paths_extra = "") {
  auto path = tmp / "checkpoint.toml";
  std::ofstream(path) << "[device]\nid = \"CP-TEST\"\nsite = \"UA-TEST\"\n\n[paths]\n"
                      << paths_extra << "data_dir = \"" << (tmp / "data").string()
                      << "\"\n\n[daemon]\nheartbeat_interval_s = 1\n"
                      << extra;
  return path;
}

unsigned ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("checkpointd speaks the systemd notify protocol", "[daemon][notify]") {
  TempDir tmp;
  auto cfg = WriteConfig(tmp);
  NotifySocket sock(tmp / "notify.sock");
  Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()}, NotifyEnv(sock));
  // The watchdog is fed every WATCHDOG_USEC/2 after a round trip through the store
  // thread.
  CheckNotifyLifecycle(sock, d, "serving; device CP-TEST");
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

TEST_CASE("with [paths] group the data directory is shared through that group",
          "[daemon][permissions]") {
  const struct group* mine = ::getgrgid(::getegid());
  REQUIRE(mine);
  TempDir tmp;
  auto cfg = WriteConfig(tmp, "", "group = \"" + std::string(mine->gr_name) + "\"\n");
  {
    NotifySocket sock(tmp / "notify.sock");
    Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()},
                 {{"NOTIFY_SOCKET", (tmp / "notify.sock").string()}});
    REQUIRE_FALSE(sock.ReceiveUntil("READY=1", 20s).empty());
    CHECK(ModeOf(tmp / "data") == 0770);
    // 0660 although checkpointd's umask is 0077: the modes are explicit.
    CHECK(ModeOf(tmp / "data" / "checkpoint.db") == 0660);
    CHECK(ModeOf(tmp / "data" / "checkpoint.db-wal") == 0660);
    d.Kill(SIGTERM);
    REQUIRE(d.Wait(20s) == 0);
  }
  // A group that is not the daemon's effective group: it refuses to start (fails
  // closed) and leaves the directory as it was.
  const struct group* other = nullptr;
  for (const char* name : {"nogroup", "daemon", "bin", "sys", "adm"}) {
    other = ::getgrnam(name);
    if (other && other->gr_gid != ::getegid()) break;
    other = nullptr;
  }
  if (!other) return;  // no second group on this machine to try
  const std::string other_name = other->gr_name;
  cfg = WriteConfig(tmp, "", "group = \"" + other_name + "\"\n");
  auto [code, out] = RunCommand({CHECKPOINTD_PATH, "--config", cfg.string()});
  CHECK(code == 1);
  CHECK(out.find("cannot share the data directory") != std::string::npos);
  CHECK(out.find("group " + other_name) != std::string::npos);
  CHECK(out.find("is not this process's effective group") != std::string::npos);
  CHECK(ModeOf(tmp / "data") == 0770);
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
