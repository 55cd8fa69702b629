// HqDatabase's contract on both backends: the same calls give the same answers on
// SQLite and on PostgreSQL (ingest with its duplicates, conflicts and chain breaks,
// tokens, bundles, queries with paging, CSV, summary and flags).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checkpoint/hq/bundles.hpp"
#include "checkpoint/hq/query.hpp"
#include "hq_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {

constexpr std::int64_t kNow = 1'750'000'000'000;

std::string AckText(const protocol::Ack& a) {
  std::string s = "acked";
  for (auto q : a.acked) s += " " + std::to_string(q);
  s += " rejected";
  for (const auto& r : a.rejected) s += " " + std::to_string(r.seq) + ":" + r.reason;
  return s + " dup " + std::to_string(a.duplicates) + " contiguous " + std::to_string(a.contiguous);
}

std::string FlagText(const std::vector<hq::Flag>& flags) {
  std::string s;
  for (const auto& f : flags) s += std::to_string(f.seq) + ":" + f.kind + " ";
  return s;
}

// Records, devices and flags through HqDatabase; returns what it answered, to compare
// between the backends.
std::vector<std::string> IngestScenario(hq::HqDatabase& db) {
  std::vector<std::string> out;
  RecordChain chain("CP-A", 14);
  Must(db.PutDevice(chain.device, chain.key.Public(), "cert", kNow));
  auto ingest = [&](std::vector<hq::IngestItem> items) {
    auto ack = Must(db.Ingest(chain.device, items, kNow));
    out.push_back(AckText(ack));
    return ack;
  };
  auto a = ingest(chain.Items(1, 5));
  CHECK(a.acked.size() == 5);
  CHECK(a.contiguous == 5);
  a = ingest(chain.Items(3, 7));  // a retry overlapping what is held
  CHECK(a.duplicates == 3);
  CHECK(a.contiguous == 7);
  a = ingest(chain.Items(10, 10));  // a gap: the priority lane first
  CHECK(a.contiguous == 7);
  a = ingest(chain.Items(8, 9));
  CHECK(a.contiguous == 10);

  // Another record for a held seq: refused and flagged.
  std::vector<protocol::Record> odd{
      chain.Make(4, protocol::RecordHash(chain.records[2]), "{\"other\":1}")};
  a = ingest(chain.Items(odd));
  REQUIRE(a.rejected.size() == 1);
  CHECK(a.rejected[0].reason == "conflict");
  // A signed record whose prev is not its neighbour's hash: kept and flagged, and so
  // is the next one, whose prev is not the hash of this record.
  odd = {chain.Make(11, protocol::kGenesisHash, "{\"level\":\"refer\"}")};
  a = ingest(chain.Items(odd));
  CHECK(a.acked == std::vector<std::int64_t>{11});
  CHECK(a.contiguous == 11);
  // 13 before 12, then 12: checked both ways.
  ingest(chain.Items(13, 13));
  a = ingest(chain.Items(12, 12));
  CHECK(a.contiguous == 13);
  // Signed by another key; and of another device.
  RecordChain stranger("CP-A", 14);
  odd = {stranger.records[13]};
  a = ingest(chain.Items(odd));
  REQUIRE(a.rejected.size() == 1);
  CHECK(a.rejected[0].reason == "bad_signature");
  RecordChain other("CP-B", 1);
  odd = {other.records[0]};
  a = ingest(chain.Items(odd));
  REQUIRE(a.rejected.size() == 1);
  CHECK(a.rejected[0].reason == "invalid");

  CHECK(Must(db.RecordCount("CP-A")) == 13);
  CHECK(Must(db.Contiguous("CP-A")) == 13);
  const std::string flags = FlagText(Must(db.Flags("CP-A")));
  CHECK(flags == "4:conflict 11:chain_break 12:chain_break 14:bad_signature 1:invalid ");
  out.push_back(flags);
  // As received, bytes for bytes.
  auto held = Must(db.FindRecord("CP-A", 7));
  REQUIRE(held);
  CHECK(*held == chain.records[6]);
  CHECK_FALSE(Must(db.FindRecord("CP-A", 99)));
  return out;
}

// Runs `scenario` on a fresh database of each backend; the answers must be equal.
void SameOnBoth(std::vector<std::string> (*scenario)(hq::HqDatabase&)) {
  SqliteBackend lite;
  PostgresBackend pg;
  auto a = lite.Open();
  auto b = pg.Open();
  const auto from_sqlite = scenario(a);
  const auto from_postgres = scenario(b);
  REQUIRE(from_sqlite.size() == from_postgres.size());
  for (std::size_t i = 0; i < from_sqlite.size(); ++i) {
    INFO("answer " << i);
    CHECK(from_sqlite[i] == from_postgres[i]);
  }
}

}  // namespace

TEST_CASE("HQ ingest: the same answers on SQLite and PostgreSQL", "[hq][db][pg]") {
  SameOnBoth(IngestScenario);
}

TEMPLATE_TEST_CASE("HQ tokens and devices", "[hq][db][pg]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.Open();
  Must(db.AddToken("t-1", "CP-1", kNow, kNow + 1000, "UA-KRK"));
  Must(db.AddToken("t-2", "CP-2", kNow, kNow + 1000));
  CHECK_FALSE(Must(db.ConsumeToken("t-1", "CP-2", kNow)));         // another device's
  CHECK_FALSE(Must(db.ConsumeToken("t-2", "CP-2", kNow + 1000)));  // expired
  CHECK(Must(db.ConsumeToken("t-1", "CP-1", kNow)));
  CHECK_FALSE(Must(db.ConsumeToken("t-1", "CP-1", kNow)));  // once only
  CHECK_FALSE(Must(db.ConsumeToken("nope", "CP-1", kNow)));

  RecordChain chain("CP-1", 0);
  CHECK_FALSE(Must(db.FindDevice("CP-1")));
  Must(db.PutDevice("CP-1", chain.key.Public(), "cert", kNow));
  auto d = Must(db.FindDevice("CP-1"));
  REQUIRE(d);
  CHECK(d->public_key == chain.key.Public());
  CHECK_FALSE(d->revoked);
  CHECK(Must(db.db().QueryInt("SELECT count(*) FROM devices WHERE site = 'UA-KRK'")) == 1);
  Must(db.SetCertificate("CP-1", "cert 2"));
  Must(db.TouchDevice("CP-1", kNow + 5, -3));
  CHECK(Must(db.RevokeDevice("CP-1")));
  CHECK_FALSE(Must(db.RevokeDevice("CP-9")));
  CHECK(Must(db.FindDevice("CP-1"))->revoked);
  Must(db.PutDevice("CP-1", chain.key.Public(), "cert 3", kNow + 9));  // enrolled again
  CHECK_FALSE(Must(db.FindDevice("CP-1"))->revoked);

  Must(hq::AddApiToken(db.db(), "api-1", "analyst", kNow, kNow + 100));
  Must(hq::AddApiToken(db.db(), "api-2", "analyst", kNow, kNow + 100));
  CHECK(Must(hq::CheckApiToken(db.db(), "api-1", kNow)) == std::optional<std::string>("analyst"));
  CHECK_FALSE(Must(hq::CheckApiToken(db.db(), "api-1", kNow + 100)));
  CHECK(Must(hq::RevokeApiTokens(db.db(), "analyst")) == 2);
  CHECK_FALSE(Must(hq::CheckApiToken(db.db(), "api-2", kNow)));
}

TEMPLATE_TEST_CASE("HQ bundles: versions, deltas, ranged reads of binary payloads", "[hq][db][pg]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db = backend.Open();
  const auto key = Must(protocol::DeviceKey::Generate());
  std::string payload;
  for (int i = 0; i < 3000; ++i) payload += static_cast<char>(i * 7);  // NUL, 0xff ...
  auto m1 = Must(hq::PublishBundle(db.db(), key, {"rules", payload, "r.bin"}, kNow));
  CHECK(m1.version == 1);
  auto m2 = Must(hq::PublishBundle(db.db(), key, {"rules", "v2", "r.bin"}, kNow));
  CHECK(m2.version == 2);
  auto again = hq::PublishBundle(db.db(), key, {"rules", "x", "r.bin", 2}, kNow);
  REQUIRE_FALSE(again);
  CHECK(again.error().Is(CommonErrc::kInvalidArgument));
  Must(hq::PublishBundle(db.db(), key, {"watchlist", "full", "w"}, kNow));
  Must(hq::PublishBundle(db.db(), key, {"watchlist", "d1", "w", std::nullopt, 1}, kNow));
  CHECK_FALSE(hq::PublishBundle(db.db(), key, {"watchlist", "d", "w", std::nullopt, 1}, kNow));
  const auto offered = Must(hq::OfferedManifests(db.db()));
  REQUIRE(offered.size() == 3);  // rules 2; watchlist 1 and its delta 2
  CHECK(offered[0].find("\"rules\"") != std::string::npos);

  auto found = Must(hq::FindBundle(db.db(), "rules", 1));
  REQUIRE(found);
  CHECK(found->size == 3000);
  CHECK(found->sha256_hex == common::ToHex(m1.sha256));
  CHECK_FALSE(Must(hq::FindBundle(db.db(), "rules", 3)));
  CHECK(Must(hq::ReadBundlePayload(db.db(), "rules", 1, 0, 3000)) == payload);
  CHECK(Must(hq::ReadBundlePayload(db.db(), "rules", 1, 1000, 24)) == payload.substr(1000, 24));
  CHECK(Must(hq::ReadBundlePayload(db.db(), "rules", 1, 2990, 100)) == payload.substr(2990));
  auto missing = hq::ReadBundlePayload(db.db(), "rules", 7, 0, 10);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().Is(CommonErrc::kNotFound));
}

namespace {
// Records of three devices at two sites, pages of every size, every filter: the
// answers as text.
std::vector<std::string> QueryScenario(hq::HqDatabase& db) {
  std::vector<std::string> out;
  auto payload = [](int i) -> std::string {
    switch (i % 6) {
      case 0:
        return R"({"level":"clear","watchlist":[]})";
      case 1:
        return R"({"level":"alert","watchlist":{"persons":[{"agency":"police"}]}})";
      case 2:
        return R"({"kind":"decision","decision":"admit"})";
      case 3:
        return std::string("\xff\x00\x01 not json", 12);
      case 4:
        return R"({"level":5})";
      default:
        return R"([{"level":"refer"}])";
    }
  };
  int n = 0;
  for (const char* device : {"CP-b", "CP-A", "CP-c"}) {
    RecordChain chain(device, 9, payload);
    Must(db.AddToken(std::string("tok-") + device, device, kNow, kNow + 10,
                     device == std::string("CP-c") ? "UA-LVIV" : "UA-KRK"));
    CHECK(Must(db.ConsumeToken(std::string("tok-") + device, device, kNow)));
    Must(db.PutDevice(device, chain.key.Public(), "cert", kNow));
    Must(db.Ingest(device, chain.Items(1, 9), kNow + n++));
  }
  std::vector<hq::RecordFilter> filters(5);
  filters[1].site = "UA-KRK";
  filters[2].device = "CP-A";
  filters[2].level = "alert";
  filters[3].level = "";
  filters[4].lane = 1;
  filters[4].from_ms = 1'700'000'003'000;
  for (std::size_t limit : {1u, 2u, 5u, 100u}) {
    for (const auto& filter : filters) {
      std::string all;
      std::optional<hq::RecordCursor> after;
      int pages = 0;
      do {
        auto page = Must(hq::QueryRecords(db.db(), filter, after, limit));
        all += hq::RecordsJson(page) + hq::RecordsCsv(page.rows, pages == 0);
        after = page.next;
        REQUIRE(++pages < 100);
      } while (after);
      out.push_back(all);
    }
  }
  hq::RecordFilter alerts;
  alerts.level = "alert";
  auto one = Must(hq::QueryRecords(db.db(), alerts, std::nullopt, 100));
  CHECK(one.rows.size() == 6);  // records 1 and 7 of each device
  out.push_back(hq::SummaryJson(Must(hq::Summarise(db.db(), std::nullopt, std::nullopt, {})),
                                std::nullopt, std::nullopt));
  out.push_back(
      hq::SummaryJson(Must(hq::Summarise(db.db(), 1'700'000'002'000, 1'700'000'006'000, "UA-LVIV")),
                      1'700'000'002'000, 1'700'000'006'000));
  out.push_back(Must(hq::FlagsJson(db.db(), std::nullopt, 0, 10)));
  return out;
}
}  // namespace

TEST_CASE("HQ queries: the same pages, CSV and summaries on SQLite and PostgreSQL",
          "[hq][db][pg]") {
  SameOnBoth(QueryScenario);
}
