// checkpointd's store fault reporting (daemon/store_faults.hpp): a fault that lasts
// is logged once however many writes fail, a corrupt database is noted for
// `checkpointctl status`, recovery is logged once, errors that are not store faults
// (busy, full) are left to the caller, and a flapping fault is not logged per flap.
#include "checkpoint/daemon/store_faults.hpp"

#include <catch2/catch.hpp>

#include "checkpoint/store/errors.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::daemon::StoreFaults;

namespace {
std::size_t Count(const std::vector<std::string>& lines, std::string_view what) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos ? 1u : 0u;
  return n;
}
}  // namespace

TEST_CASE("a lasting store fault is logged once and noted, and its end once") {
  testing::TempDir dir;
  auto sink = std::make_shared<log::MemorySink>();
  std::vector<std::string> statuses;
  StoreFaults faults(dir.path(), dir.path() / "checkpoint.db", log::Logger(sink, "store"),
                     [&](std::string_view s) { statuses.emplace_back(s); });

  // Not store faults: the caller logs them (busy passes, full is the disk policy's).
  CHECK(faults.OnFailure(store::MakeError(store::StoreErrc::kBusy, "database is locked")));
  CHECK(faults.OnFailure(store::MakeError(store::StoreErrc::kFull, "disk is full")));
  CHECK(faults.current() == store::Fault::kNone);
  CHECK(sink->Lines().empty());

  const auto corrupt =
      store::MakeError(store::StoreErrc::kCorrupt, "database disk image is malformed");
  CHECK(faults.OnFailure(corrupt));
  for (int i = 0; i < 100; ++i) CHECK_FALSE(faults.OnFailure(corrupt));
  CHECK(faults.current() == store::Fault::kCorrupt);
  CHECK(faults.failures() == 101);
  auto lines = sink->Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("level=critical") != std::string::npos);
  CHECK(lines[0].find("database corrupt") != std::string::npos);
  CHECK(lines[0].find((dir.path() / "checkpoint.db").string()) != std::string::npos);
  CHECK(lines[0].find("docs/technician.md") != std::string::npos);
  auto note = store::ReadFaultNote(dir.path());
  REQUIRE(note);
  CHECK(note->find("corrupt") != std::string::npos);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].starts_with("PROBLEM database corrupt"));

  faults.OnSuccess();
  faults.OnSuccess();
  CHECK(faults.current() == store::Fault::kNone);
  lines = sink->Lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].find("store writable again") != std::string::npos);
  CHECK(lines[1].find("failed_writes=101") != std::string::npos);
  CHECK(statuses.back() == "serving");

  // The same fault back at once, and gone again: counted, not logged (flapping).
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(faults.OnFailure(corrupt));
    faults.OnSuccess();
  }
  CHECK(sink->Lines().size() == 2);

  // An I/O error on a directory that still takes files: the database's, said once.
  const auto io = store::MakeError(store::StoreErrc::kIo, "disk I/O error");
  CHECK(faults.OnFailure(io));
  CHECK_FALSE(faults.OnFailure(io));
  lines = sink->Lines();
  REQUIRE(lines.size() == 3);
  CHECK(Count(lines, "database I/O error") == 1);
  CHECK(faults.current() == store::Fault::kIo);
}

TEST_CASE("the probe tells a directory that takes files from one that cannot exist") {
  testing::TempDir dir;
  CHECK(store::ProbeWritable(dir.path()));
  // Nothing is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 0);
  // A missing directory is not a read-only file system.
  CHECK(store::ProbeWritable(dir.path() / "missing"));
  CHECK(store::FaultOf(store::MakeError(store::StoreErrc::kReadOnly, "x")) ==
        store::Fault::kReadOnly);
  CHECK(store::FaultOf(store::MakeError(store::StoreErrc::kConstraint, "x")) ==
        store::Fault::kNone);
  CHECK_FALSE(store::ReadFaultNote(dir.path()));
  REQUIRE(store::WriteFaultNote(dir.path(), "checkpointd found it corrupt"));
  CHECK(store::ReadFaultNote(dir.path()) == "checkpointd found it corrupt");
  store::RemoveFaultNote(dir.path());
  CHECK_FALSE(store::ReadFaultNote(dir.path()));
}
