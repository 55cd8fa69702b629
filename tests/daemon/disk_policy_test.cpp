// checkpointd's disk policy: telemetry shed while the disk is low and counted in the
// next telemetry record, the level recorded for `checkpointctl status`, the reserve
// released on "disk full". A real store; the free space comes from the test.
#include "checkpoint/daemon/disk_policy.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

using checkpoint::daemon::DiskPolicy;
using checkpoint::store::DiskLevel;

namespace {
constexpr std::uint64_t kMiB = 1ULL << 20;
}

TEST_CASE("telemetry is shed while the disk is low, counted, and inspections' state is kept") {
  checkpoint::testing::TempDir dir;
  auto st = checkpoint::store::Store::Open({.path = dir.path() / "c.db", .device_id = "CP-D"});
  REQUIRE(st);
  std::uint64_t free = 500 * kMiB;
  checkpoint::log::Logger log(std::make_shared<checkpoint::log::MemorySink>(), "disk",
                              checkpoint::log::Level::kDebug);
  DiskPolicy policy(
      checkpoint::store::DiskGuard(
          dir.path(), {.low_bytes = 100 * kMiB, .critical_bytes = 10 * kMiB, .reserve_bytes = 4096},
          [&]() -> checkpoint::Expected<std::uint64_t> { return free; }),
      log);
  const std::string health = R"({"devices":[]})";

  CHECK(policy.Check(*st, 1000) == DiskLevel::kOk);
  auto first = policy.RecordTelemetry(*st, "t-1", health, 1000);
  REQUIRE(first);
  CHECK(*first > 0);

  free = 50 * kMiB;
  CHECK(policy.Check(*st, 2000) == DiskLevel::kLow);
  for (int i = 0; i < 3; ++i) {
    auto shed = policy.RecordTelemetry(*st, "t-shed", health, 2000 + i);
    REQUIRE(shed);
    CHECK(*shed == 0);
  }
  auto state = st->state().Get("store.disk");
  REQUIRE(state);
  REQUIRE(*state);
  const auto disk = nlohmann::json::parse(**state);
  CHECK(disk["level"] == "low");
  CHECK(disk["free_bytes"] == 50 * kMiB);

  // A traveller's record is never shed: the store takes it whatever the level.
  auto seq =
      st->outbox().Enqueue(checkpoint::store::Lane::kRecords, "inspection", "i-1", "{}", 2500);
  REQUIRE(seq);

  free = 500 * kMiB;
  CHECK(policy.Check(*st, 3000) == DiskLevel::kOk);
  auto next = policy.RecordTelemetry(*st, "t-2", health, 3000);
  REQUIRE(next);
  REQUIRE(*next > *seq);
  auto row = st->outbox().Find(*next);
  REQUIRE(row);
  REQUIRE(*row);
  CHECK((*row)->lane == checkpoint::store::Lane::kTelemetry);
  const auto payload = nlohmann::json::parse((*row)->payload);
  CHECK(payload["shed_before"] == 3);
  CHECK(payload["health"]["devices"].is_array());
  CHECK(payload["disk"]["level"] == "ok");
  // Exactly two telemetry records and the inspection: nothing else was written.
  auto stats = st->outbox().Stats();
  REQUIRE(stats);
  CHECK(stats->pending[1] == 1);
  CHECK(stats->pending[2] == 2);
  CHECK(nlohmann::json::parse(**st->state().Get("store.disk"))["telemetry_shed"] == 3);
}

TEST_CASE("disk full releases the reserve once") {
  checkpoint::testing::TempDir dir;
  auto st = checkpoint::store::Store::Open({.path = dir.path() / "c.db", .device_id = "CP-D"});
  REQUIRE(st);
  checkpoint::log::Logger log(std::make_shared<checkpoint::log::MemorySink>(), "disk",
                              checkpoint::log::Level::kDebug);
  DiskPolicy policy(
      checkpoint::store::DiskGuard(
          dir.path(), {.low_bytes = 100 * kMiB, .critical_bytes = 10 * kMiB, .reserve_bytes = 4096},
          []() -> checkpoint::Expected<std::uint64_t> { return 500 * kMiB; }),
      log);
  CHECK(policy.Check(*st, 1) == DiskLevel::kOk);
  REQUIRE(policy.guard().reserve_held());
  CHECK(policy.OnDiskFull());
  CHECK_FALSE(policy.guard().reserve_held());
  CHECK(policy.level() == DiskLevel::kCritical);
  CHECK_FALSE(policy.OnDiskFull());
  // Telemetry is shed until a check finds space again.
  auto shed = policy.RecordTelemetry(*st, "t", "{}", 2);
  REQUIRE(shed);
  CHECK(*shed == 0);
}

TEST_CASE("the console's banner codes: the store's fault, then the disk's level") {
  using checkpoint::daemon::BoxProblems;
  using checkpoint::store::Fault;
  CHECK(BoxProblems(Fault::kNone, DiskLevel::kOk).empty());
  CHECK(BoxProblems(Fault::kReadOnly, DiskLevel::kOk) ==
        std::vector<std::string>{"storage.readOnly"});
  CHECK(BoxProblems(Fault::kCorrupt, DiskLevel::kLow) ==
        std::vector<std::string>{"storage.corrupt", "disk.low"});
  CHECK(BoxProblems(Fault::kIo, DiskLevel::kCritical) ==
        std::vector<std::string>{"storage.io", "disk.full"});
  CHECK(BoxProblems(Fault::kNone, DiskLevel::kCritical) == std::vector<std::string>{"disk.full"});
}
