// The disk policy (store/disk.hpp): levels and the reserve file against a probe the
// test controls, then a real full file system (a small tmpfs in a private mount
// namespace) where the reserve lets a traveller's record be written after the disk
// filled, and nothing acknowledged is lost.
#include "checkpoint/store/disk.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "checkpoint/store/errors.hpp"
#include "store_fixture.hpp"
#include "support/forked.hpp"

using checkpoint::store::DiskGuard;
using checkpoint::store::DiskLevel;
using checkpoint::store::DiskThresholds;
namespace fs = std::filesystem;

namespace {
constexpr std::uint64_t kMiB = 1ULL << 20;
}

TEST_CASE("disk levels follow free space; the reserve is taken, released and taken back") {
  checkpoint::testing::TempDir dir;
  std::uint64_t free = 1000 * kMiB;
  // The reserve file uses what it holds, as on a real disk.
  DiskGuard guard(
      dir.path(),
      DiskThresholds{
          .low_bytes = 100 * kMiB, .critical_bytes = 20 * kMiB, .reserve_bytes = 1 * kMiB},
      [&]() -> checkpoint::Expected<std::uint64_t> { return free; });
  auto level = guard.Check();
  REQUIRE(level);
  CHECK(*level == DiskLevel::kOk);
  REQUIRE(guard.reserve_held());
  CHECK(fs::file_size(guard.reserve_path()) == 1 * kMiB);
  CHECK((fs::status(guard.reserve_path()).permissions() & fs::perms::others_all) ==
        fs::perms::none);

  free = 50 * kMiB;
  CHECK(*guard.Check() == DiskLevel::kLow);
  CHECK(guard.reserve_held());  // low: telemetry is shed, the reserve kept

  free = 10 * kMiB;
  CHECK(*guard.Check() == DiskLevel::kCritical);
  CHECK_FALSE(guard.reserve_held());  // critical: released for the records that matter

  // Back over low but not over low + reserve: taking the reserve could push the
  // level down again, so it waits.
  free = 100 * kMiB + kMiB / 2;
  CHECK(*guard.Check() == DiskLevel::kOk);
  CHECK_FALSE(guard.reserve_held());
  free = 102 * kMiB;
  CHECK(*guard.Check() == DiskLevel::kOk);
  CHECK(guard.reserve_held());

  // A write failed with "disk full": the reserve goes at once, once.
  CHECK(guard.OnDiskFull());
  CHECK(guard.level() == DiskLevel::kCritical);
  CHECK_FALSE(guard.reserve_held());
  CHECK_FALSE(guard.OnDiskFull());
}

TEST_CASE("a failing free-space probe is an error and keeps the level") {
  checkpoint::testing::TempDir dir;
  bool fail = false;
  DiskGuard guard(
      dir.path(), DiskThresholds{.low_bytes = 10, .critical_bytes = 5, .reserve_bytes = 0},
      [&]() -> checkpoint::Expected<std::uint64_t> {
        if (fail) {
          return checkpoint::store::MakeError(checkpoint::store::StoreErrc::kIo, "statvfs failed");
        }
        return std::uint64_t{7};
      });
  CHECK(*guard.Check() == DiskLevel::kLow);
  fail = true;
  auto again = guard.Check();
  REQUIRE_FALSE(again);
  CHECK(again.error().Is(checkpoint::store::StoreErrc::kIo));
  CHECK(guard.level() == DiskLevel::kLow);
  CHECK_FALSE(guard.reserve_held());  // reserve_bytes 0: none, ever
}

TEST_CASE("FreeBytes reads the real file system and names a missing path") {
  checkpoint::testing::TempDir dir;
  auto free = checkpoint::store::FreeBytes(dir.path());
  REQUIRE(free);
  CHECK(*free > 0);
  auto missing = checkpoint::store::FreeBytes(dir.path() / "no" / "such");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("no/such") != std::string::npos);
}

namespace {

// In a child with its own mount namespace: fills a 4 MiB tmpfs with inspection
// records until the store says "disk full", releases the reserve, records one more
// (the traveller at the booth), reopens and checks that every acknowledged record is
// there and the database is intact. Exit status: 0 pass, 77 cannot mount (not
// root), 1 fail (the reason on stderr).
int FillTheDisk(const fs::path& mount_point) {
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=4m,mode=0700") != 0) {
    return 77;
  }
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "disk-full child: %s\n", why.c_str());
    return 1;
  };
  using checkpoint::testing::SampleAudit;
  using checkpoint::testing::SampleRecord;
  const fs::path db = mount_point / "checkpoint.db";
  DiskGuard guard(
      mount_point,
      DiskThresholds{.low_bytes = 2 * kMiB, .critical_bytes = 1 * kMiB, .reserve_bytes = 1 * kMiB});
  auto level = guard.Check();
  if (!level || *level != DiskLevel::kOk || !guard.reserve_held()) {
    return fail("the reserve was not taken on an empty 4 MiB disk");
  }
  std::int64_t acknowledged = 0;
  {
    auto st = checkpoint::store::Store::Open({.path = db, .device_id = "CP-FULL"});
    if (!st) return fail("open: " + st.error().String());
    // A record of about 2 KiB, so that the disk fills in a few thousand.
    const std::string big(2000, 'x');
    for (int i = 0; i < 100'000; ++i) {
      auto r = SampleRecord(1'700'000'000'000 + i);
      r.payload_json = R"({"pad":")" + big + R"("})";
      auto stored = st->RecordInspection(r, SampleAudit(r.uuid), checkpoint::store::Lane::kRecords);
      if (stored) {
        ++acknowledged;
        continue;
      }
      if (!stored.error().Is(checkpoint::store::StoreErrc::kFull)) {
        return fail("expected disk full, got " + stored.error().String());
      }
      break;
    }
    if (acknowledged == 0 || acknowledged == 100'000) return fail("the disk never filled");
    // The traveller at the booth: released reserve, then written.
    if (!guard.OnDiskFull()) return fail("no reserve to release");
    auto r = SampleRecord(1'800'000'000'000, "alert");
    auto stored = st->RecordInspection(r, SampleAudit(r.uuid), checkpoint::store::Lane::kPriority);
    if (!stored) return fail("after the reserve was released: " + stored.error().String());
    ++acknowledged;
  }
  auto st = checkpoint::store::Store::Open({.path = db, .device_id = "CP-FULL"});
  if (!st) return fail("reopen: " + st.error().String());
  auto ok = st->IntegrityCheck();
  if (!ok || *ok != "ok") return fail("integrity_check: " + (ok ? *ok : ok.error().String()));
  auto stats = st->outbox().Stats();
  if (!stats) return fail("stats: " + stats.error().String());
  const std::int64_t pending = stats->pending[0] + stats->pending[1] + stats->pending[2];
  if (pending != acknowledged || stats->pending[0] != 1) {
    return fail("acknowledged " + std::to_string(acknowledged) + ", outbox holds " +
                std::to_string(pending));
  }
  auto verified = st->audit().Verify();
  if (!verified) return fail("audit chain: " + verified.error().String());
  return 0;
}

}  // namespace

TEST_CASE("a full disk: the reserve lets the traveller's record in, nothing acknowledged is lost") {
  checkpoint::testing::TempDir dir;
  checkpoint::testing::RunForked([&] { return FillTheDisk(dir.path()); },
                                 "not root: no private tmpfs, the full-disk case did not run");
}
