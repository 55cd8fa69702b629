// PostgreSQL failing under HQ: a connection cut between batches is reconnected (the
// batch is stored), a connection cut inside a transaction is an error for that
// transaction only, and a database that stays away is 503 with Retry-After to the
// agent (the drain test in instances_test.cpp sees the batch stored after its return).
#include <catch2/catch.hpp>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hq/service.hpp"
#include "checkpoint/protocol/batch.hpp"
#include "hq_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {
// Cuts every other connection to the test's database (as a server restart or a
// network failure would).
void CutConnections(const std::string& conninfo) {
  auto admin = Must(hq::OpenPostgres(TestClusterConninfo()));
  auto db = Must(hq::OpenPostgres(conninfo));
  const std::string name = [&] {
    auto st = Must(db->Prepare("SELECT current_database()"));
    REQUIRE(Must(st.Step()));
    return st.Text(0);
  }();
  auto st = Must(admin->Prepare(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? "
      "AND pid <> pg_backend_pid()"));
  Must(st.Bind(1, name));
  REQUIRE(Must(st.Step()));
  CHECK(st.Int(0) >= 1);
}
}  // namespace

TEST_CASE("PostgreSQL: a connection cut between batches is reconnected", "[hq][pg][faults]") {
  PgTestDatabase pg;
  auto db = Must(hq::HqDatabase::OpenPostgres(pg.conninfo()));
  RecordChain chain("CP-F", 20);
  Must(db.PutDevice(chain.device, chain.key.Public(), "cert", 1));
  CHECK(Must(db.Ingest(chain.device, chain.Items(1, 10), 2)).contiguous == 10);
  CutConnections(pg.conninfo());
  CHECK(Must(db.Ingest(chain.device, chain.Items(11, 20), 3)).contiguous == 20);
  CHECK(Must(db.RecordCount(chain.device)) == 20);
  CHECK(Must(db.Flags(chain.device)).empty());
}

TEST_CASE("PostgreSQL: a connection cut inside a transaction fails that transaction only",
          "[hq][pg][faults]") {
  PgTestDatabase pg;
  auto db = Must(hq::HqDatabase::OpenPostgres(pg.conninfo()));
  {
    auto tx = Must(hq::SqlTransaction::Begin(db.db()));
    Must(db.AddToken("tok", "CP-F", 1, 100));
    CutConnections(pg.conninfo());
    auto lost = db.AddToken("tok-2", "CP-F", 1, 100);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().Is(CommonErrc::kUnavailable));
    CHECK(hq::Retryable(lost.error()));
    // Not silently reconnected inside the transaction: it stays failed.
    auto still = db.AddToken("tok-3", "CP-F", 1, 100);
    REQUIRE_FALSE(still);
    CHECK(still.error().Is(CommonErrc::kUnavailable));
    auto commit = tx.Commit();
    CHECK_FALSE(commit);
  }
  // The next transaction reconnects; nothing of the lost one was kept.
  CHECK_FALSE(Must(db.ConsumeToken("tok", "CP-F", 2)));
  Must(db.AddToken("tok", "CP-F", 1, 100));
  CHECK(Must(db.ConsumeToken("tok", "CP-F", 2)));
}

TEST_CASE("PostgreSQL gone: HQ answers 503 with Retry-After", "[hq][pg][faults]") {
  TempDir dir;
  common::SystemClock clock;
  Must(hq::CertificateAuthority::Initialize(dir.path(), {"127.0.0.1"}, clock.WallMs() / 1000));
  auto logs = std::make_shared<log::MemorySink>();
  RecordChain chain("CP-G", 10);
  auto upload = [&](hq::HqService& service, std::int64_t first, std::int64_t last) {
    protocol::Batch batch{chain.device, {}};
    for (auto seq = first; seq <= last; ++seq) {
      batch.records.push_back(chain.records[static_cast<std::size_t>(seq - 1)]);
    }
    hq::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/records";
    req.content_type = protocol::kBatchContentType;
    req.body = Must(protocol::EncodeBatch(batch));
    req.client_id = chain.device;
    return service.Handle(req);
  };
  auto pg = std::make_unique<PgTestDatabase>();
  const std::string conninfo = pg->conninfo();
  hq::HqService service(Must(hq::HqDatabase::OpenPostgres(conninfo)),
                        Must(hq::CertificateAuthority::Load(dir.path())), clock,
                        log::Logger(logs, "hq"), {});
  service.WithDatabase([&](hq::HqDatabase& db) {
    Must(db.PutDevice(chain.device, chain.key.Public(), "cert", 1));
    return 0;
  });
  CHECK(upload(service, 1, 5).status == 200);
  // The database goes away (dropped with its connections): every request fails
  // cleanly until it is back.
  pg.reset();
  for (int i = 0; i < 3; ++i) {
    const auto r = upload(service, 6, 10);
    CHECK(r.status == 503);
    CHECK(r.retry_after_s == std::optional<int>(2));
    CHECK(r.body.find("unavailable") != std::string::npos);
  }
  // Its log says why, without the connection string.
  bool said = false;
  for (const auto& line : logs->Lines()) {
    said = said || line.find("PostgreSQL unavailable") != std::string::npos;
    CHECK(line.find(conninfo) == std::string::npos);
  }
  CHECK(said);
}
