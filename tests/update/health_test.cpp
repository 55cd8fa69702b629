// The product's health check over real files: the store the daemon writes and the
// agent's sync.db.
#include "checkpoint/update/health.hpp"

#include <catch2/catch.hpp>

#include "update_fixture.hpp"

namespace checkpoint::update {

using namespace testing;
using V = HealthReport::Verdict;

namespace {

struct HealthFiles {
  checkpoint::testing::TempDir dir;
  std::int64_t now = 1'800'000'000'000;
  HealthFiles() { Must(store::Store::Open({.path = Db(), .device_id = "box-1"})); }
  std::filesystem::path Db() const { return dir / "checkpoint.db"; }
  std::filesystem::path SyncDb() const { return dir / "sync.db"; }
  StoreHealthCheck Check(bool allow_offline) {
    return StoreHealthCheck({.database = Db(),
                             .sync_db = SyncDb(),
                             .allow_offline = allow_offline,
                             .max_heartbeat_age_ms = 30'000,
                             .now_ms = [this] { return now; }});
  }
  void Set(const std::string& key, const std::string& value) {
    auto st = Must(store::Store::Open({.path = Db(), .device_id = "box-1"}));
    Must(st.state().Set(key, value, now));
  }
  // As checkpoint-sync records HQ's time after each exchange (agent/core/src/chain.cpp).
  void HqContact(std::int64_t hq_time_ms) {
    auto c = Must(store::Connection::Open({.path = SyncDb()}));
    Must(
        c.Exec("CREATE TABLE IF NOT EXISTS agent_state (key TEXT PRIMARY KEY, value INTEGER "
               "NOT NULL); INSERT OR REPLACE INTO agent_state VALUES ('last_hq_time_ms', " +
               std::to_string(hq_time_ms) + ")"));
  }
  void DaemonUp(const std::string& devices) {
    Set("daemon.state", "running");
    Set("daemon.heartbeat_ms", std::to_string(now));
    Set("hal.health", devices);
  }
};

bool Mentions(const HealthReport& r, const std::string& what) {
  for (const auto& f : r.findings) {
    if (f.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("health: daemon up, devices answering and HQ reached since the trial began", "[update]") {
  HealthFiles f;
  const std::int64_t started = f.now;
  auto check = f.Check(false);
  CHECK_FALSE(check.LastHqContactMs());
  f.HqContact(1000);
  const auto at_start = check.LastHqContactMs();
  CHECK(at_start == 1000);

  auto r = check.Check(started, at_start);
  CHECK(r.verdict == V::kPending);
  CHECK(Mentions(r, "daemon not running"));
  CHECK(Mentions(r, "no device health"));
  CHECK(Mentions(r, "not reached HQ"));

  f.now += 5'000;
  f.DaemonUp(R"([{"id":"mrz-1","connected":true},{"id":"scale-1","connected":false}])");
  r = check.Check(started, at_start);
  CHECK(r.verdict == V::kPending);
  CHECK(Mentions(r, "scale-1 not answering"));
  CHECK_FALSE(Mentions(r, "daemon"));

  f.DaemonUp(R"([{"id":"mrz-1","connected":true},{"id":"scale-1","connected":true}])");
  r = check.Check(started, at_start);
  CHECK(r.verdict == V::kPending);  // HQ's time has not moved since the trial began
  REQUIRE(r.findings.size() == 1);
  f.HqContact(2000);
  r = check.Check(started, at_start);
  CHECK(r.verdict == V::kPassed);
  CHECK(r.findings.empty());
  // A heartbeat from before the trial (the old firmware's) does not count.
  f.now += 1;
  CHECK(check.Check(f.now, at_start).verdict == V::kPending);
  // Nor does a stale one.
  f.now += 31'000;
  r = check.Check(started, at_start);
  CHECK(r.verdict == V::kPending);
  CHECK(Mentions(r, "heartbeat"));
}

TEST_CASE("health: allow_offline needs no HQ; odd device entries are not answering", "[update]") {
  HealthFiles f;
  auto check = f.Check(true);
  f.DaemonUp("[]");
  CHECK(check.Check(f.now, std::nullopt).verdict == V::kPassed);
  f.DaemonUp(R"([{"id":7,"connected":"yes"}, 3])");
  auto r = check.Check(f.now, std::nullopt);
  CHECK(r.verdict == V::kPending);
  CHECK(r.findings.size() == 2);
  f.Set("hal.health", "not json");
  CHECK(check.Check(f.now, std::nullopt).verdict == V::kPending);
}

TEST_CASE("health: a store that does not open or fails quick_check fails the trial", "[update]") {
  HealthFiles f;
  auto check = f.Check(true);
  f.DaemonUp("[]");
  REQUIRE(check.Check(f.now, std::nullopt).verdict == V::kPassed);
  SECTION("missing") {
    std::filesystem::remove(f.Db());
  }
  SECTION("not a database") {
    std::filesystem::remove(f.dir / "checkpoint.db-wal");
    std::filesystem::remove(f.dir / "checkpoint.db-shm");
    WriteFile(f.Db(), std::string(8192, 'x'));
  }
  auto r = check.Check(f.now, std::nullopt);
  CHECK(r.verdict == V::kFailed);
  CHECK(Mentions(r, "store"));
}

}  // namespace checkpoint::update
