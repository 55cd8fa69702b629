#pragma once
// For the tests of HQ's database: a PostgreSQL database of a test's own, a
// throwaway cluster of a test's own, and a device's chain of signed records.
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/hq/database.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/record.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

namespace checkpoint::testing {

// The admin connection string of the test cluster (CHECKPOINT_TEST_PG, key=value
// form); FAILs, saying how to get one, when it is not set.
std::string TestClusterConninfo();

// A database of its own on the test cluster (or on `admin`), dropped at the end
// (with the connections still on it, e.g. of a killed HQ).
class PgTestDatabase {
 public:
  explicit PgTestDatabase(std::string admin = TestClusterConninfo());
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;
  // key=value connection string of this database.
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string admin_, name_, conninfo_;
};

// A PostgreSQL cluster of this test's own (scripts/pg.sh start), for tests that
// restart the server; stopped and removed at the end.
class PgCluster {
 public:
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  const std::string& conninfo() const { return conninfo_; }
  // Fast shutdown and start again on the same port: every connection is cut.
  void Restart();
  // The server stops (fast shutdown) and, with Resume, starts again on its port.
  void Halt();
  void Resume();

 private:
  void Run(const char* what);
  std::string conninfo_, dir_;
};

// A device's records 1..n, signed and chained. payload(i) gives record i's payload.
struct RecordChain {
  RecordChain(std::string device, int n, const std::function<std::string(int)>& payload = nullptr);
  hq::DeviceInfo Info() const;
  // The records seq first..last (inclusive), checked as HQ checks them.
  std::vector<hq::IngestItem> Items(std::int64_t first, std::int64_t last) const;
  std::vector<hq::IngestItem> Items(std::span<const protocol::Record> records) const;
  // A record signed by this device for `seq` after `prev`, with this payload.
  protocol::Record Make(std::int64_t seq, const protocol::Hash& prev, std::string payload,
                        int lane = 1, std::string type = "inspection") const;

  std::string device;
  protocol::DeviceKey key;
  std::vector<protocol::Record> records;  // records[i] has seq i+1
};

// An HqDatabase on either backend: SQLite in a temporary directory, or PostgreSQL
// in a database of its own.
struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  hq::HqDatabase Open() { return Must(hq::HqDatabase::Open(dir / "hq.db")); }
};
struct PostgresBackend {
  static constexpr const char* kName = "postgresql";
  PgTestDatabase pg;
  hq::HqDatabase Open() { return Must(hq::HqDatabase::OpenPostgres(pg.conninfo())); }
};

}  // namespace checkpoint::testing
