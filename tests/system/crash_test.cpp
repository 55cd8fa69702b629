// The whole appliance under SIGKILL (issue 9 item 1): checkpoint-hq, checkpointd with
// simulated devices at a high rate and checkpoint-sync run together; one of them is
// killed at a random moment, again and again, and restarted. After every kill: the
// killed program's databases pass PRAGMA integrity_check and HQ has flagged nothing.
// At the end: every record the daemon stored (its outbox, sequence numbers without a
// gap) is at HQ exactly once, verified and chained, and the audit chain verifies.
//
// Kills: CHECKPOINT_CRASH_KILLS (default 100 in the release build, CI's; 25 under
// sanitizers and qemu). The long run:
//   CHECKPOINT_CRASH_KILLS=1000 build/release/tests/system/system_tests "[crash]"
// The seed is Catch's (--rng-seed N to repeat a run; it is printed on failure).
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/store.hpp"
#include "support/load_scenario.hpp"
#include "support/notify_socket.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kMinute = std::chrono::seconds(60);

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The example configuration, pointed at this run's directories and HQ.
void WriteBoxConfig(const std::filesystem::path& out, const std::filesystem::path& data,
                    const std::string& hq_url) {
  std::istringstream in(ReadText(CHECKPOINT_EXAMPLE_CONFIG));
  std::ostringstream cfg;
  std::string line;
  bool in_sync = false;
  while (std::getline(in, line)) {
    if (line.rfind('[', 0) == 0) in_sync = line.rfind("[sync]", 0) == 0;
    if (line.rfind("data_dir = ", 0) == 0) line = "data_dir = \"" + data.string() + "\"";
    if (line.rfind("rules = ", 0) == 0) {
      line = std::string("rules = \"") + CHECKPOINT_DEFAULT_RULES + "\"";
    }
    if (line.rfind("hq_url = ", 0) == 0) line = "hq_url = \"" + hq_url + "\"";
    // Small batches: more rounds, so more moments at which a kill lands mid-batch.
    if (in_sync && line.rfind("batch_records = ", 0) == 0) line = "batch_records = 25";
    cfg << line << '\n';
  }
  REQUIRE(common::WriteFileAtomic(out, cfg.str(), 0644));
}

void CheckIntegrity(const std::filesystem::path& db) {
  INFO(db.string());
  auto c = store::Connection::Open({.path = db, .read_only = true});
  REQUIRE(c);
  auto check = c->Prepare("PRAGMA integrity_check");
  REQUIRE(check);
  REQUIRE(check->Step().value_or(false));
  CHECK(check->Text(0) == "ok");
}

std::int64_t Query(const std::filesystem::path& db, const std::string& sql) {
  auto c = store::Connection::Open({.path = db, .read_only = true});
  REQUIRE(c);
  auto v = c->QueryInt(sql);
  REQUIRE(v);
  return *v;
}

// The three programs of a crossing point and HQ, each restartable.
struct System {
  TempDir tmp;
  std::filesystem::path hq_dir = tmp / "hq", data = tmp / "data", cfg = tmp / "checkpoint.toml",
                        scenario = tmp / "load.jsonl";
  std::string port;
  std::unique_ptr<Subprocess> hq, daemon, agent;
  int starts = 0;  // a fresh notify socket path for every start

  System() {
    REQUIRE(RunCommand({HQ_PATH, "init", "--data", hq_dir.string()}, {}, kMinute).first == 0);
    auto [rc, token] = RunCommand({HQ_PATH, "token", "--data", hq_dir.string(), "--device",
                                   "CP-DEMO-0001", "--site", "UA-KRAKOVETS"},
                                  {}, kMinute);
    REQUIRE(rc == 0);
    REQUIRE(common::WriteFileAtomic(tmp / "token.txt", TokenIn(token) + "\n", 0600));
    StartHq("0");
    WriteBoxConfig(cfg, data, "https://127.0.0.1:" + port);
    auto [enroll_rc, enroll_out] =
        RunCommand({SYNC_PATH, "enroll", "--config", cfg.string(), "--hq-ca",
                    (hq_dir / "ca.pem").string(), "--token-file", (tmp / "token.txt").string()},
                   {}, kMinute);
    INFO(enroll_out);
    REQUIRE(enroll_rc == 0);
    // The crossing-day scenario back to back: 2,000 mornings (20,000 s of scenario time).
    WriteRepeatedScenario(CHECKPOINT_SCENARIO, scenario, 20'000'000);
  }

  void StartHq(const std::string& at) {
    hq = std::make_unique<Subprocess>(
        std::vector<std::string>{HQ_PATH, "serve", "--data", hq_dir.string(), "--listen",
                                 "127.0.0.1:" + at},
        std::map<std::string, std::string>{}, tmp / "hq.log");
    auto listening = hq->ReadLine(kMinute);
    REQUIRE(listening);
    REQUIRE(listening->rfind("listening 127.0.0.1:", 0) == 0);
    port = listening->substr(listening->rfind(':') + 1);
  }
  // A Type=notify program started as systemd would, returned once it is READY=1.
  std::unique_ptr<Subprocess> StartNotified(std::vector<std::string> argv, const std::string& log) {
    NotifySocket sock(tmp / ("notify-" + std::to_string(++starts) + ".sock"));
    auto p = std::make_unique<Subprocess>(
        std::move(argv), std::map<std::string, std::string>{{"NOTIFY_SOCKET", sock.path()}},
        tmp / log);
    REQUIRE_FALSE(sock.ReceiveUntil("READY=1", kMinute).empty());
    return p;
  }
  void StartDaemon() {
    // A traveller or a lane event every few milliseconds of scenario time at 1/50.
    daemon = StartNotified({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate",
                            scenario.string(), "--time-scale", "0.02"},
                           "checkpointd.log");
  }
  void StartAgent() {
    agent = StartNotified({SYNC_PATH, "run", "--config", cfg.string()}, "checkpoint-sync.log");
  }
  std::filesystem::path HqDb() const { return hq_dir / "hq.db"; }
  std::filesystem::path BoxDb() const { return data / "checkpoint.db"; }
};

void Kill(std::unique_ptr<Subprocess>& p) {
  // It must still be running: a program that died by itself is a failure here.
  REQUIRE_FALSE(p->Wait(0ms).has_value());
  p->Kill(SIGKILL);
  REQUIRE(p->Wait(kMinute) == 128 + SIGKILL);
  p.reset();
}

int KillsWanted() {
  const char* v = std::getenv("CHECKPOINT_CRASH_KILLS");
  return v ? std::max(1, std::atoi(v)) : CHECKPOINT_CRASH_KILLS_DEFAULT;
}

}  // namespace

TEST_CASE("the whole system killed with SIGKILL at random moments keeps every record once",
          "[system][crash]") {
  System s;
  s.StartDaemon();
  s.StartAgent();
  std::mt19937 rng(Catch::rngSeed());
  const int kills = KillsWanted();
  int by_victim[3] = {0, 0, 0};
  for (int k = 0; k < kills; ++k) {
    // The system runs on for a random moment; then one program dies wherever it is:
    // mid-transaction, mid-batch, between HQ's commit and its answer, in a handshake.
    const auto moment = std::chrono::milliseconds(20 + rng() % 300);
    const auto victim = rng() % 3;
    INFO("kill " << k << ", victim " << victim);
    ++by_victim[victim];
    if (victim == 0) {
      REQUIRE_FALSE(s.daemon->Wait(moment).has_value());
      Kill(s.daemon);
      CheckIntegrity(s.BoxDb());
      s.StartDaemon();
    } else if (victim == 1) {
      REQUIRE_FALSE(s.agent->Wait(moment).has_value());
      Kill(s.agent);
      CheckIntegrity(s.BoxDb());
      CheckIntegrity(s.data / "sync" / "sync.db");
      s.StartAgent();
    } else {
      REQUIRE_FALSE(s.hq->Wait(moment).has_value());
      Kill(s.hq);
      CheckIntegrity(s.HqDb());
      const std::string port = s.port;
      s.StartHq(port);
      REQUIRE(s.port == port);
    }
    // Whatever died: HQ has seen no bad signature, broken link or conflict.
    REQUIRE(Query(s.HqDb(), "SELECT count(*) FROM flags") == 0);
  }
  // The scenario stops (the daemon as systemd stops it), then the agent drains.
  s.daemon->Kill(SIGTERM);
  REQUIRE(s.daemon->Wait(kMinute) == 0);
  s.agent->Kill(SIGTERM);
  REQUIRE(s.agent->Wait(kMinute) == 0);
  auto [drain_rc, drain_out] =
      RunCommand({SYNC_PATH, "run", "--config", s.cfg.string(), "--drain"}, {}, 5 * kMinute);
  INFO(drain_out);
  REQUIRE(drain_rc == 0);

  // Every record the daemon stored: sequence numbers 1..N without a gap.
  const std::int64_t stored = Query(s.BoxDb(), "SELECT count(*) FROM outbox");
  const std::int64_t last = Query(s.BoxDb(), "SELECT coalesce(max(seq), 0) FROM outbox");
  INFO("stored " << stored << ", kills daemon/agent/HQ " << by_victim[0] << "/" << by_victim[1]
                 << "/" << by_victim[2]);
  CHECK(stored > 0);
  CHECK(stored == last);
  CHECK(Query(s.BoxDb(), "SELECT count(*) FROM outbox WHERE synced_at_ms IS NULL") == 0);
  // ... each once at HQ, every signature verified, the chain whole.
  const std::string dev = " WHERE device_id = 'CP-DEMO-0001'";
  CHECK(Query(s.HqDb(), "SELECT count(*) FROM records" + dev) == stored);
  CHECK(Query(s.HqDb(), "SELECT count(DISTINCT seq) FROM records" + dev) == stored);
  CHECK(Query(s.HqDb(), "SELECT contiguous FROM device_progress" + dev) == stored);
  CHECK(Query(s.HqDb(), "SELECT count(*) FROM flags") == 0);
  // The box's audit chain and every database.
  auto [verify_rc, verify_out] =
      RunCommand({CHECKPOINTCTL_PATH, "--config", s.cfg.string(), "verify"}, {}, kMinute);
  INFO(verify_out);
  CHECK(verify_rc == 0);
  CheckIntegrity(s.BoxDb());
  CheckIntegrity(s.data / "sync" / "sync.db");
  CheckIntegrity(s.HqDb());
  s.hq->Kill(SIGTERM);
  CHECK(s.hq->Wait(kMinute) == 0);
}
