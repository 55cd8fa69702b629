// The data directory's disk fills under the running daemon (issue 9 item 4): a real
// checkpointd with simulated devices at 100x on a 4 MiB tmpfs of its own (a private
// mount namespace, so nothing outside the test sees it). The daemon must keep
// running, say what is wrong (its log; `checkpointctl status` exits 1 with "disk full"),
// stop cleanly on SIGTERM within its drain bound (it gives up on what cannot be
// written, which it never acknowledged), and
// lose nothing it acknowledged: every "inspection recorded" line it logged is in the
// database afterwards, which passes integrity_check with its audit chain verified.
//
// The store's own full-disk behaviour (the reserve, one transaction per record) is
// tested in tests/store/disk_test.cpp; this is the same promise from outside.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "checkpoint/store/store.hpp"
#include "support/box_config.hpp"
#include "support/forked.hpp"
#include "support/load_scenario.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The example configuration on `data`, with disk thresholds for a 4 MiB disk.
void WriteConfig(const fs::path& out, const fs::path& data) {
  WriteExampleConfig(
      CHECKPOINT_EXAMPLE_CONFIG, out, data, CHECKPOINT_DEFAULT_RULES,
      {{"[store]", "disk_low_mib = 2\ndisk_critical_mib = 1\ndisk_reserve_mib = 1\n"}});
}

// Runs in a child with its own mount namespace (Catch's assertions stay in the
// parent). Exit status: 0 pass, 77 cannot mount (not root), 1 fail (reason on stderr).
int DiskFillsUnderTheDaemon(const fs::path& tmp) {
  const fs::path data = tmp / "data", cfg = tmp / "checkpoint.toml", load = tmp / "load.jsonl";
  fs::create_directories(data);
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", data.c_str(), "tmpfs", 0, "size=4m,mode=0700") != 0) {
    return 77;
  }
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "disk-full child: %s\n", why.c_str());
    return 1;
  };
  WriteConfig(cfg, data);
  // The crossing-day scenario back to back, enough to fill the disk many times over.
  WriteRepeatedScenario(CHECKPOINT_SCENARIO, load, 30'000'000);
  std::set<std::int64_t> acknowledged;
  const std::regex recorded(R"(msg="?inspection recorded.* seq=(\d+))");
  bool full = false;
  std::vector<std::string> tail;  // the daemon's last lines, for a failure's message
  auto last_lines = [&] {
    std::string t;
    for (const auto& l : tail) t += "\n  " + l;
    return t;
  };
  {
    Subprocess daemon({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate", load.string(),
                       "--time-scale", "0.01"},
                      {}, /*merge_stderr=*/true);
    auto take = [&](const std::string& l) {
      std::smatch m;
      if (std::regex_search(l, m, recorded)) acknowledged.insert(std::stoll(m[1].str()));
    };
    // Until the store refuses an inspection for want of space (after the reserve).
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (!full && std::chrono::steady_clock::now() < deadline) {
      auto l = daemon.ReadLine(60s);
      if (!l) return fail("the daemon's log ended before the disk filled:" + last_lines());
      take(*l);
      tail.push_back(*l);
      if (tail.size() > 12) tail.erase(tail.begin());
      full = l->find("inspection not stored yet") != std::string::npos &&
             l->find("disk is full") != std::string::npos;
    }
    if (!full)
      return fail("the disk did not fill in 180 s; the daemon's last lines:" + last_lines());
    if (acknowledged.empty()) return fail("nothing was recorded before the disk filled");
    // Still running, and the technician's status says why nothing is recorded.
    if (daemon.Wait(0ms)) return fail("the daemon died when the disk filled");
    auto [rc, status] =
        RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "status"}, {}, 60s);
    if (rc != 1 || status.find("PROBLEM     disk full") == std::string::npos) {
      return fail("status does not say the disk is full (exit " + std::to_string(rc) + "):\n" +
                  status);
    }
    daemon.Kill(SIGTERM);
    // Its last words: anything recorded while stopping counts too.
    while (auto l = daemon.ReadLine(60s)) take(*l);
    auto code = daemon.Wait(60s);
    if (!code || *code != 0) return fail("the daemon did not stop cleanly on a full disk");
  }
  // Everything acknowledged is there, in an intact database with a whole audit chain.
  auto st = store::Store::Open({.path = data / "checkpoint.db", .device_id = "CP-DEMO-0001"});
  if (!st) return fail("reopen: " + st.error().String());
  auto ok = st->IntegrityCheck();
  if (!ok || *ok != "ok") return fail("integrity_check: " + (ok ? *ok : ok.error().String()));
  auto c = store::Connection::Open({.path = data / "checkpoint.db", .read_only = true});
  if (!c) return fail("read-only open");
  for (std::int64_t seq : acknowledged) {
    auto n = c->QueryInt("SELECT count(*) FROM outbox WHERE seq = " + std::to_string(seq));
    if (!n || *n != 1) return fail("acknowledged record " + std::to_string(seq) + " is missing");
  }
  auto [vrc, verify] =
      RunCommand({CHECKPOINTCTL_PATH, "--config", cfg.string(), "verify"}, {}, 60s);
  if (vrc != 0) return fail("checkpointctl verify:\n" + verify);
  std::fprintf(stderr, "acknowledged %zu records before and while the disk was full; all kept\n",
               acknowledged.size());
  return 0;
}

}  // namespace

TEST_CASE("the disk fills under checkpointd: it keeps running, says so, loses nothing",
          "[system][storage]") {
  TempDir tmp;
  checkpoint::testing::RunForked([&] { return DiskFillsUnderTheDaemon(tmp.path()); },
                                 "not root: no private tmpfs, the full-disk case did not run");
}
