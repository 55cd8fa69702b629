#include "hq_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <sstream>

#include "checkpoint/hq/sql.hpp"
#include "support/subprocess.hpp"

namespace checkpoint::testing {

std::string TestClusterConninfo() {
  const char* env = std::getenv("CHECKPOINT_TEST_PG");
  if (!env || !*env) {
    FAIL(
        "CHECKPOINT_TEST_PG is not set: HQ's PostgreSQL tests need a server. Run them "
        "through scripts/pg.sh, which starts a throwaway cluster on 127.0.0.1 and stops it "
        "afterwards: scripts/pg.sh run ctest --test-dir build/release (scripts/test.sh "
        "does this)");
  }
  return env;
}

PgTestDatabase::PgTestDatabase(std::string admin) : admin_(std::move(admin)) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  name_ = "hq_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
          std::to_string(rd() % 1'000'000);
  auto c = Must(hq::OpenPostgres(admin_));
  // The name is made here, never taken from input.
  Must(c->Exec("CREATE DATABASE " + name_));
  conninfo_ = admin_ + " dbname=" + name_;  // a later keyword overrides an earlier one
}

PgTestDatabase::~PgTestDatabase() {
  auto c = hq::OpenPostgres(admin_);
  if (c) (void)(*c)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

PgCluster::PgCluster() {
  auto [rc, out] = RunCommand({PG_SCRIPT, "start"}, {}, std::chrono::seconds(120));
  INFO(out);
  REQUIRE(rc == 0);
  std::istringstream in(out);
  std::string line;
  auto value = [&](const std::string& name) -> std::optional<std::string> {
    const std::string prefix = "export " + name + "='";
    if (line.rfind(prefix, 0) != 0 || line.back() != '\'') return std::nullopt;
    return line.substr(prefix.size(), line.size() - prefix.size() - 1);
  };
  while (std::getline(in, line)) {
    if (auto v = value("CHECKPOINT_TEST_PG")) conninfo_ = *v;
    if (auto v = value("CHECKPOINT_TEST_PG_DIR")) dir_ = *v;
  }
  REQUIRE_FALSE(conninfo_.empty());
  REQUIRE_FALSE(dir_.empty());
}

PgCluster::~PgCluster() {
  (void)RunCommand({PG_SCRIPT, "stop", dir_}, {}, std::chrono::seconds(120));
}

void PgCluster::Run(const char* what) {
  auto [rc, out] = RunCommand({PG_SCRIPT, what, dir_}, {}, std::chrono::seconds(120));
  INFO(what << ": " << out);
  REQUIRE(rc == 0);
}
void PgCluster::Restart() {
  Run("restart");
}
void PgCluster::Halt() {
  Run("halt");
}
void PgCluster::Resume() {
  Run("resume");
}

RecordChain::RecordChain(std::string id, int n, const std::function<std::string(int)>& payload)
    : device(std::move(id)), key(Must(protocol::DeviceKey::Generate())) {
  protocol::Hash prev = protocol::kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    records.push_back(
        Make(i, prev, payload ? payload(i) : R"({"level":"clear","n":)" + std::to_string(i) + "}"));
    prev = protocol::RecordHash(records.back());
  }
}

protocol::Record RecordChain::Make(std::int64_t seq, const protocol::Hash& prev,
                                   std::string payload, int lane, std::string type) const {
  protocol::Record r;
  r.device_id = device;
  r.seq = seq;
  r.lane = lane;
  r.type = std::move(type);
  r.uuid = "u-" + std::to_string(seq);
  r.device_time_ms = 1'700'000'000'000 + seq * 1000;
  r.prev = prev;
  r.payload = std::move(payload);
  protocol::SignRecord(r, key);
  return r;
}

hq::DeviceInfo RecordChain::Info() const {
  return hq::DeviceInfo{device, key.Public(), 0, false};
}

std::vector<hq::IngestItem> RecordChain::Items(std::int64_t first, std::int64_t last) const {
  return Items(std::span<const protocol::Record>(records).subspan(
      static_cast<std::size_t>(first - 1), static_cast<std::size_t>(last - first + 1)));
}

std::vector<hq::IngestItem> RecordChain::Items(std::span<const protocol::Record> rs) const {
  std::vector<hq::IngestItem> items;
  for (const auto& r : rs) items.push_back(hq::CheckRecord(Info(), r));
  return items;
}

}  // namespace checkpoint::testing
