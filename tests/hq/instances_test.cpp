// Real programs: two checkpoint-hq instances on one PostgreSQL database behind a
// round-robin TCP balancer that cuts connections (answers lost, batches retried
// through the other instance), and the database server stopping and coming back
// during a drain. Afterwards HQ holds every record exactly once, the chain verified.
#include <signal.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "checkpoint/store/store.hpp"
#include "hq_fixture.hpp"
#include "support/fault_proxy.hpp"
#include "support/subprocess.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {

constexpr auto kMinute = std::chrono::seconds(60);

// checkpoint-hq serve on a free port of 127.0.0.1 with the database `database`;
// its log (stderr) is read on a thread of its own, so the child never blocks on a
// full pipe, and the test can wait for what it logs.
class HqInstance {
 public:
  HqInstance(const std::string& data, const std::string& database)
      : process_({HQ_PATH, "serve", "--data", data, "--listen", "127.0.0.1:0"},
                 {{"CHECKPOINT_HQ_DATABASE", database}}, true) {
    while (auto line = process_.ReadLine(kMinute)) {
      const auto at = line->find("listening 127.0.0.1:");
      if (at != std::string::npos) {
        port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
        break;
      }
    }
    REQUIRE(port != 0);
    reader_ = std::thread([this] {
      while (auto line = process_.ReadLine(std::chrono::hours(1))) {
        std::lock_guard lock(mu_);
        log_.push_back(std::move(*line));
        cv_.notify_all();
      }
    });
  }
  ~HqInstance() {
    process_.Kill(SIGTERM);
    reader_.join();  // EOF once it exits
    (void)process_.Wait(kMinute);
  }
  // Waits until `n` log lines contain `text`; false after `timeout`.
  bool WaitFor(const std::string& text, int n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      int seen = 0;
      for (const auto& l : log_) seen += l.find(text) != std::string::npos;
      return seen >= n;
    });
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }
  std::uint16_t port = 0;

 private:
  Subprocess process_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> log_;
};

// HQ's data directory (CA, server certificate) made once, shared by the instances,
// and a device enrolled through `enroll_url` with `records` records waiting.
struct Site {
  TempDir tmp;
  std::string hq_dir = (tmp / "hq").string();
  std::string agent_dir = (tmp / "agent").string();
  std::string store_path = (tmp / "store.db").string();
  std::string device = "CP-LB";
  std::string database;

  explicit Site(std::string db) : database(std::move(db)) {
    REQUIRE(RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, kMinute).first == 0);
  }
  void Enroll(const std::string& url, int records) {
    auto [rc, out] =
        RunCommand({HQ_PATH, "token", "--data", hq_dir, "--device", device, "--database", database},
                   {}, kMinute);
    INFO(out);
    REQUIRE(rc == 0);
    REQUIRE(RunCommand({SYNC_PATH, "enroll", "--data", agent_dir, "--hq", url, "--hq-ca",
                        hq_dir + "/ca.pem", "--device", device, "--token", TokenIn(out)},
                       {}, kMinute)
                .first == 0);
    Enqueue(0, records);
  }
  // Records first..last-1 into the device's outbox (every 7th an alert).
  void Enqueue(int first, int last) {
    auto st = Must(store::Store::Open({.path = store_path, .device_id = device}));
    store::Outbox o = st.outbox();
    for (int i = first; i < last; ++i) {
      Must(o.Enqueue(i % 7 == 0 ? store::Lane::kPriority : store::Lane::kRecords, "inspection",
                     "u" + std::to_string(i), R"({"level":"clear","n":)" + std::to_string(i) + "}",
                     1'700'000'000'000 + i));
    }
  }
  std::vector<std::string> Drain(const std::string& url, int batch) const {
    return {SYNC_PATH,
            "run",
            "--data",
            agent_dir,
            "--hq",
            url,
            "--store",
            store_path,
            "--drain",
            "--batch-records",
            std::to_string(batch)};
  }
  // Every record once, contiguous, unflagged, each linked to the one before; the
  // device has nothing pending.
  void CheckExactlyOnce(const std::string& conninfo, int records) {
    auto db = Must(hq::HqDatabase::OpenPostgres(conninfo));
    CHECK(Must(db.RecordCount(device)) == records);
    CHECK(Must(db.Contiguous(device)) == records);
    CHECK(Must(db.Flags(device)).empty());
    CHECK(Must(db.db().QueryInt("SELECT count(*) FROM flags")) == 0);
    protocol::Hash prev = protocol::kGenesisHash;
    for (int seq = 1; seq <= records; ++seq) {
      auto r = Must(db.FindRecord(device, seq));
      REQUIRE(r);
      REQUIRE(r->prev == prev);
      prev = protocol::RecordHash(*r);
    }
    auto st = Must(store::Store::Open({.path = store_path, .device_id = device}));
    auto stats = Must(st.outbox().Stats());
    CHECK(stats.pending[0] + stats.pending[1] + stats.pending[2] == 0);
  }
};

}  // namespace

TEST_CASE("two checkpoint-hq instances on one PostgreSQL database behind a balancer",
          "[hq][pg][instances]") {
  PgTestDatabase pg;
  Site site(pg.conninfo());
  HqInstance a(site.hq_dir, pg.conninfo());
  HqInstance b(site.hq_dir, pg.conninfo());
  constexpr int kRecords = 300;
  site.Enroll(a.url(), kRecords);
  // Round robin over a and b; every connection is cut after a few kilobytes, at
  // varying points: some in an answer, so the agent sends that batch again, to the
  // other instance.
  FaultProxy balancer(std::vector<std::uint16_t>{a.port, b.port},
                      [](int i) { return std::optional<std::size_t>(9000 + 1700 * (i % 7)); });
  auto [rc, out] = RunCommand(site.Drain("https://127.0.0.1:" + std::to_string(balancer.port()), 5),
                              {}, std::chrono::seconds(280));
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(balancer.connections() >= 4);
  CHECK(balancer.cuts() >= 2);
  CHECK(a.WaitFor("batch stored", 1, std::chrono::seconds(5)));
  CHECK(b.WaitFor("batch stored", 1, std::chrono::seconds(5)));
  site.CheckExactlyOnce(pg.conninfo(), kRecords);
}

TEST_CASE("PostgreSQL stops during a drain: 503 to the agent, then every record once",
          "[hq][pg][instances]") {
  PgCluster cluster;
  PgTestDatabase pg(cluster.conninfo());
  Site site(pg.conninfo());
  HqInstance hq(site.hq_dir, pg.conninfo());
  constexpr int kRecords = 400;
  site.Enroll(hq.url(), kRecords);
  auto agent = std::make_unique<Subprocess>(site.Drain(hq.url(), 1));
  REQUIRE(hq.WaitFor("batch stored", 3, kMinute));
  cluster.Halt();
  int records = kRecords;
  if (agent->Wait(std::chrono::milliseconds(0))) {
    // A machine fast enough to drain everything before the server stopped: the next
    // records meet the stopped server instead.
    site.Enqueue(records, records + 50);
    records += 50;
    agent = std::make_unique<Subprocess>(site.Drain(hq.url(), 1));
  }
  // HQ keeps nothing of a request it cannot serve, and says so (503, Retry-After):
  // its log names the cause, whichever query met the stopped server first.
  CHECK(hq.WaitFor("PostgreSQL unavailable", 1, kMinute));
  cluster.Resume();
  REQUIRE(agent->Wait(std::chrono::seconds(280)) == 0);
  site.CheckExactlyOnce(pg.conninfo(), records);

  // A restart (every connection cut, the server back at once) while HQ is idle: the
  // next batch finds the connection gone, and HQ reconnects.
  cluster.Restart();
  site.Enqueue(records, records + 20);
  auto [rc, out] = RunCommand(site.Drain(hq.url(), 5), {}, kMinute);
  INFO(out);
  REQUIRE(rc == 0);
  site.CheckExactlyOnce(pg.conninfo(), records + 20);
}
