#include <sys/stat.h>

#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

TEST_CASE("a device enrolls with a one-time token and gets a certificate for its key",
          "[sync][enroll]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  const agent::AgentFiles files(d.data);
  struct stat st {};
  REQUIRE(::stat(files.key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(d.data.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  const std::string cert = Must(common::ReadFile(files.cert));
  CHECK(Must(protocol::CertificateCommonName(cert)) == "CP-T1");
  CHECK(Must(protocol::PublicKeyOfCertificate(cert)) == d.Key().Public());
  CHECK(Must(agent::EnrolledDeviceId(d.data)) == "CP-T1");

  // The certificate works for mutual TLS at once.
  TestAgent a(d, hq);
  auto hb = a.uplink.Heartbeat();
  REQUIRE(hb);
  CHECK(std::llabs(hb->offset_ms) < 60'000);

  // The token was used once, and neither side logged it.
  auto client = Must(d.Client(hq, false));
  auto again = agent::Enroll(*client, d.data, "CP-T1", d.last_token, d.log);
  REQUIRE_FALSE(again);
  CHECK(again.error().message().find("bad_token") != std::string::npos);
  for (const auto& line : hq.logs->Lines()) CHECK(line.find(d.last_token) == std::string::npos);
  for (const auto& line : d.logs->Lines()) CHECK(line.find(d.last_token) == std::string::npos);
}

TEST_CASE("HQ keeps its keys and database private", "[sync][enroll]") {
  TestHq hq;
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  CHECK(mode(hq.dir.path()) == 0700);
  CHECK(mode(hq.dir / "ca.key") == 0600);
  CHECK(mode(hq.dir / "server.key") == 0600);
  CHECK(mode(hq.dir / "hq.db") == 0600);
}

TEST_CASE("enrollment refuses a token of another device, a made-up token and no CSR",
          "[sync][enroll]") {
  TestHq hq;
  TestDevice d("CP-T2");
  Must(common::EnsurePrivateDirectory(d.data));
  Must(common::WriteFileAtomic(agent::AgentFiles(d.data).hq_ca,
                               Must(common::ReadFile(hq.ca_file())), 0644));
  auto client = Must(d.Client(hq, false));
  const std::string other = Must(hq.service->CreateToken("CP-OTHER", 60'000));
  CHECK_FALSE(agent::Enroll(*client, d.data, "CP-T2", other, d.log));
  CHECK_FALSE(agent::Enroll(*client, d.data, "CP-T2", "0123456789abcdef", d.log));
  auto res = Must(client->Post("/v1/enroll", "application/json",
                               protocol::ToJson(protocol::EnrollRequest{
                                   "CP-OTHER", other, "-----BEGIN CERTIFICATE REQUEST-----"})));
  CHECK(res.status == 400);
  auto garbage = Must(client->Post("/v1/enroll", "application/json", "{\"device_id\":"));
  CHECK(garbage.status == 400);
  CHECK(Must(protocol::ParseErrorBody(garbage.body)).code == "malformed");
  // The bad CSR did not use up the token.
  Must(d.Enroll(hq));
}

TEST_CASE("the agent refuses an HQ whose certificate is not from the pinned CA",
          "[sync][enroll][tls]") {
  TestHq hq;
  TestHq impostor;  // another CA altogether
  TestDevice d;
  auto wrong = d.Enroll(hq, impostor.ca_file());
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().Is(agent::SyncErrc::kTls));

  // Enrolled with the right CA, then pinned to another one: uploads are refused by
  // the agent before anything is sent, and nothing is marked synced.
  Must(d.Enroll(hq));
  d.Enqueue(3);
  Must(common::WriteFileAtomic(agent::AgentFiles(d.data).hq_ca,
                               Must(common::ReadFile(impostor.ca_file())), 0644));
  TestAgent a(d, hq);
  auto r = a.uplink.SendOnce();
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(agent::SyncErrc::kTls));
  CHECK(d.Pending() == 3);
  CHECK(hq.Count("CP-T1") == 0);
}

TEST_CASE("HQ endpoints other than enrollment need a device certificate", "[sync][enroll][tls]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  auto anonymous = Must(d.Client(hq, false));
  auto res = Must(anonymous->Post("/v1/records", "application/vnd.checkpoint.batch+zlib", "x"));
  CHECK(res.status == 401);
  auto hb = Must(anonymous->Post("/v1/heartbeat", "application/json", "{}"));
  CHECK(hb.status == 401);
  auto with_cert = Must(d.Client(hq, true));
  CHECK(Must(with_cert->Post("/v1/nowhere", "application/json", "{}")).status == 404);
  CHECK(Must(with_cert->Post("/v1/records", "application/json", "{}")).status == 415);
  CHECK(Must(with_cert->Post("/v1/records", "application/vnd.checkpoint.batch+zlib", "garbage"))
            .status == 400);
}

TEST_CASE("a revoked device is refused until it enrolls again", "[sync][enroll]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(2);
  TestAgent a(d, hq);
  CHECK(Must(a.uplink.SendOnce()).acked == 2);
  CHECK(
      hq.service->WithDatabase([](hq::HqDatabase& db) { return Must(db.RevokeDevice("CP-T1")); }));
  CHECK_FALSE(hq.service->WithDatabase(
      [](hq::HqDatabase& db) { return Must(db.RevokeDevice("CP-NOBODY")); }));
  d.Enqueue(1);
  auto refused = a.uplink.SendOnce();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().Is(agent::SyncErrc::kHttp));
  CHECK(refused.error().message().find("403") != std::string::npos);
  CHECK_FALSE(a.uplink.Heartbeat());
  CHECK(d.Pending() == 1);

  Must(d.Enroll(hq));  // a new token from HQ's operator
  TestAgent again(d, hq);
  CHECK(Must(again.uplink.SendOnce()).acked == 1);
  CHECK(hq.Count("CP-T1") == 3);
}

TEST_CASE("HQ's records survive migration 4 (rowid table) forward and back",
          "[sync][hq][migration]") {
  TempDir dir;
  const auto path = dir / "hq.db";
  {
    auto db = Must(store::Connection::Open({.path = path}));
    Must(store::Migrate(db, hq::HqMigrations(), 3));
    Must(
        db.Exec("INSERT INTO records VALUES ('CP-M', 1, 1, 'inspection', 'u1', 5, 6, zeroblob(32), "
                "zeroblob(32), CAST('{}' AS BLOB), zeroblob(64))"));
    Must(store::Migrate(db, hq::HqMigrations(), 4));
    CHECK(Must(db.QueryInt("SELECT count(*) FROM records WHERE device_id = 'CP-M' AND seq = 1")) ==
          1);
    // (device, seq) stays unique.
    CHECK_FALSE(db.Exec(
        "INSERT INTO records(device_id, seq, lane, record_type, record_uuid, device_time_ms, "
        "received_at_ms, prev, hash, payload, signature) VALUES ('CP-M', 1, 1, 't', 'u', 5, 6, "
        "zeroblob(32), zeroblob(32), X'00', zeroblob(64))"));
    Must(store::Migrate(db, hq::HqMigrations(), 3));
    CHECK(Must(db.QueryInt("SELECT count(*) FROM records")) == 1);
    // Migration 2's index on time is there again (the query API uses it).
    CHECK(Must(db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'records_by_time'")) ==
          1);
  }
  auto hq_db = Must(hq::HqDatabase::Open(path));  // forward again, as HQ starts
  auto r = Must(hq_db.FindRecord("CP-M", 1));
  REQUIRE(r);
  CHECK(r->uuid == "u1");
  CHECK(r->payload == "{}");
  CHECK(Must(hq_db.RecordCount("CP-M")) == 1);
}

TEST_CASE("the device certificate is renewed before it ends, for the same key only",
          "[sync][enroll][renew]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  const agent::AgentFiles files(d.data);
  const std::string before = Must(common::ReadFile(files.cert));
  const std::int64_t now_s = common::SystemClock().WallMs() / 1000;
  auto client = Must(d.Client(hq, true));
  // A year left: not due with a month's margin.
  CHECK_FALSE(Must(agent::RenewIfDue(*client, d.data, std::chrono::hours(24 * 30), now_s, d.log)));
  CHECK(Must(common::ReadFile(files.cert)) == before);
  // Due (the margin is longer than what is left): a new certificate for the same key.
  CHECK(Must(agent::RenewIfDue(*client, d.data, std::chrono::hours(24 * 400), now_s, d.log)));
  const std::string after = Must(common::ReadFile(files.cert));
  CHECK(after != before);
  CHECK(Must(protocol::PublicKeyOfCertificate(after)) == d.Key().Public());
  CHECK(Must(protocol::CertificateNotAfter(after)) >= Must(protocol::CertificateNotAfter(before)));
  d.Enqueue(2);
  TestAgent a(d, hq);  // new connections present the renewed certificate
  CHECK(Must(a.uplink.SendOnce()).acked == 2);

  // Another key cannot be slipped in by a renewal; no certificate, no renewal.
  auto other = Must(protocol::DeviceKey::LoadOrCreate(d.dir / "other.key"));
  auto foreign =
      Must(client->Post("/v1/renew", "application/json",
                        protocol::ToJson(protocol::RenewRequest{Must(other.MakeCsrPem("CP-T1"))})));
  CHECK(foreign.status == 400);
  CHECK(Must(protocol::ParseErrorBody(foreign.body)).code == "key_mismatch");
  auto anonymous = Must(d.Client(hq, false));
  auto refused = Must(
      anonymous->Post("/v1/renew", "application/json",
                      protocol::ToJson(protocol::RenewRequest{Must(d.Key().MakeCsrPem("CP-T1"))})));
  CHECK(refused.status == 401);
  CHECK(Must(common::ReadFile(files.cert)) == after);

  // A revoked device is not renewed.
  hq.service->WithDatabase([](hq::HqDatabase& db) { return Must(db.RevokeDevice("CP-T1")); });
  auto revoked = agent::RenewIfDue(*client, d.data, std::chrono::hours(24 * 400), now_s, d.log);
  REQUIRE_FALSE(revoked);
  CHECK(revoked.error().message().find("HTTP 403") != std::string::npos);
  CHECK(Must(common::ReadFile(files.cert)) == after);
}
