// HQ's query and export API against the real HQ over real TLS on 127.0.0.1, after
// a real device synced inspections, decisions and telemetry through the agent: API
// tokens, filters, keyset pages, CSV (quoting, formula cells), the summary per
// crossing point and agency, and refusals of bad or hostile parameters.
#include "checkpoint/hq/query.hpp"

#include <curl/curl.h>

#include <nlohmann/json.hpp>
#include <set>

#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using nlohmann::json;

namespace {

struct Got {
  long status = 0;
  std::string body;
  std::string headers;
};

// One HTTPS GET with HQ's CA pinned, an optional bearer token and optionally a
// device's certificate.
Got Get(TestHq& hq, const std::string& path, const std::string& token,
        const agent::AgentFiles* device = nullptr) {
  CURL* c = curl_easy_init();
  REQUIRE(c != nullptr);
  Got g;
  const std::string url = hq.url() + path;
  const std::string ca = hq.ca_file().string();
  curl_slist* headers = nullptr;
  if (!token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  auto sink = +[](char* p, size_t n, size_t m, void* out) {
    static_cast<std::string*>(out)->append(p, n * m);
    return n * m;
  };
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const std::string cert = device ? device->cert.string() : "",
                    key = device ? device->key.string() : "";
  if (device) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, key.c_str());
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &g.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &g.headers);
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  REQUIRE(rc == CURLE_OK);
  return g;
}

std::string Traveller(const std::string& level, const std::string& agency) {
  json hits = json::array();
  if (!agency.empty()) {
    hits.push_back({{"id", "P-" + agency},
                    {"kind", "person"},
                    {"score", 0.93},
                    {"agency", agency},
                    {"reasons", json::array()}});
  }
  return json{{"schema", 1},
              {"kind", "traveller"},
              {"booth", "B1"},
              {"level", level},
              {"watchlist", {{"persons", hits}, {"documents", json::array()}}}}
      .dump();
}

// A crossing point's day: 3 travellers (one alert on a police list), a truck that is
// an alert on a customs list with a stolen document of unknown agency, two decisions,
// a telemetry record and a record that is not JSON.
void Day(TestDevice& d) {
  auto put = [&](store::Lane lane, const char* type, const std::string& uuid,
                 const std::string& payload,
                 std::int64_t t) { Must(d.outbox.Enqueue(lane, type, uuid, payload, t)); };
  const std::int64_t t0 = 1'767'225'600'000;  // 2026-01-01
  put(store::Lane::kRecords, "traveller", "t-1", Traveller("clear", ""), t0);
  put(store::Lane::kPriority, "traveller", "t-2", Traveller("alert", "police"), t0 + 1000);
  put(store::Lane::kRecords, "traveller", "=1+1", Traveller("refer", ""), t0 + 2000);
  put(store::Lane::kPriority, "vehicle", "v-1",
      json{{"kind", "vehicle"},
           {"level", "alert"},
           {"note", "a \"quoted\", comma\nnewline"},
           {"watchlist",
            {{{"id", "C-1"}, {"kind", "container"}, {"agency", "customs"}},
             {{"id", "D-9"}, {"kind", "document"}}}}}
          .dump(),
      t0 + 3000);
  put(store::Lane::kPriority, "decision", "d-1",
      json{{"kind", "decision"}, {"decision", "refuse"}, {"inspection", "t-2"}}.dump(), t0 + 4000);
  put(store::Lane::kPriority, "decision", "d-2",
      json{{"kind", "decision"}, {"decision", "admit"}, {"inspection", "t-1"}}.dump(), t0 + 5000);
  put(store::Lane::kTelemetry, "telemetry", "m-1", R"({"health":{}})", t0 + 6000);
  put(store::Lane::kRecords, "blob", "b-1", std::string("\xff\x00\x01", 3), t0 + 7000);
}

}  // namespace

TEST_CASE("HQ's query API: tokens, filters, pages, CSV and the summary", "[sync][query]") {
  TestHq hq;
  TestDevice d("CP-Q1");
  {
    // The device belongs to crossing point UA-KRK (the token says so).
    Must(common::EnsurePrivateDirectory(d.data));
    Must(common::WriteFileAtomic(agent::AgentFiles(d.data).hq_ca,
                                 Must(common::ReadFile(hq.ca_file())), 0644));
    const std::string token = Must(hq.service->CreateToken("CP-Q1", 60'000, "UA-KRK"));
    auto client = Must(d.Client(hq, false));
    Must(agent::Enroll(*client, d.data, "CP-Q1", token, d.log));
  }
  Day(d);
  TestAgent a(d, hq);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  REQUIRE(hq.Count("CP-Q1") == 8);

  const std::string token = Must(hq.service->CreateApiToken("analyst", 3'600'000));

  SECTION("no token, a wrong token, a revoked token: 401; a device certificate is not enough") {
    CHECK(Get(hq, "/v1/query/records", "").status == 401);
    const agent::AgentFiles files(d.data);
    CHECK(Get(hq, "/v1/query/records", "", &files).status == 401);
    CHECK(Get(hq, "/v1/query/records", std::string(48, 'a')).status == 401);
    CHECK(Get(hq, "/v1/query/records", std::string(5000, 'a')).status == 401);
    const std::string other = Must(hq.service->CreateApiToken("leaver", 3'600'000));
    CHECK(Get(hq, "/v1/query/summary", other).status == 200);
    hq.service->WithDatabase([](hq::HqDatabase& db) {
      CHECK(Must(hq::RevokeApiTokens(db.db(), "leaver")) == 1);
      return 0;
    });
    CHECK(Get(hq, "/v1/query/summary", other).status == 401);
    CHECK(Get(hq, "/v1/query/summary", token).status == 200);  // others' tokens unaffected
    // Even a token is not shown in HQ's log.
    for (const auto& line : hq.logs->Lines()) CHECK(line.find(token) == std::string::npos);
  }

  SECTION("records in device-time order, filtered, with payloads as JSON or base64") {
    auto g = Get(hq, "/v1/query/records", token);
    REQUIRE(g.status == 200);
    const json all = json::parse(g.body);
    REQUIRE(all["records"].size() == 8);
    CHECK(all["next"].is_null());
    const json& first = all["records"][0];
    CHECK(first["device"] == "CP-Q1");
    CHECK(first["site"] == "UA-KRK");
    CHECK(first["uuid"] == "t-1");
    CHECK(first["payload"]["booth"] == "B1");
    CHECK(all["records"][7]["payload_b64"] == "/wAB");
    CHECK(all["records"][7]["level"] == "");

    auto alerts = json::parse(Get(hq, "/v1/query/records?level=alert", token).body);
    REQUIRE(alerts["records"].size() == 2);
    CHECK(alerts["records"][0]["uuid"] == "t-2");
    CHECK(alerts["records"][1]["uuid"] == "v-1");
    auto decisions = json::parse(Get(hq, "/v1/query/records?type=decision&lane=0", token).body);
    CHECK(decisions["records"].size() == 2);
    auto window =
        json::parse(Get(hq, "/v1/query/records?from=1767225601000&to=1767225603000", token).body);
    CHECK(window["records"].size() == 2);  // from inclusive, to exclusive
    CHECK(json::parse(Get(hq, "/v1/query/records?site=UA-LVIV", token).body)["records"].empty());
    CHECK(json::parse(Get(hq, "/v1/query/records?device=CP-Q1&site=UA-KRK", token).body)["records"]
              .size() == 8);
  }

  SECTION("pages of 3 cover every record once") {
    std::set<std::string> seen;
    std::string after;
    int pages = 0;
    while (true) {
      auto page = json::parse(
          Get(hq, "/v1/query/records?limit=3" + (after.empty() ? "" : "&after=" + after), token)
              .body);
      ++pages;
      for (const auto& r : page["records"]) CHECK(seen.insert(r["uuid"].get<std::string>()).second);
      if (page["next"].is_null()) break;
      after = page["next"].get<std::string>();
      REQUIRE(pages < 10);
    }
    CHECK(pages == 3);
    CHECK(seen.size() == 8);
  }

  SECTION("CSV: quoted cells, formula cells defused, a next-page header") {
    auto g = Get(hq, "/v1/query/records.csv?limit=4", token);
    REQUIRE(g.status == 200);
    CHECK(g.headers.find("text/csv") != std::string::npos);
    CHECK(g.headers.find("X-Next-Cursor: 1767225603000:4:CP-Q1") != std::string::npos);
    CHECK(g.body.starts_with(
        "device,site,seq,lane,type,uuid,device_time_ms,received_at_ms,level,payload\r\n"));
    CHECK(g.body.find(",'=1+1,") != std::string::npos);  // never a formula
    // The vehicle's payload: quotes doubled, the cell quoted (commas, newline).
    CHECK(g.body.find(R"(""note"":""a \""quoted\"", comma\nnewline"")") != std::string::npos);
    auto rest = Get(hq, "/v1/query/records.csv?after=1767225603000:4:CP-Q1", token);
    CHECK(rest.headers.find("X-Next-Cursor") == std::string::npos);
    CHECK(rest.body.find("base64:/wAB") != std::string::npos);
  }

  SECTION("the summary per crossing point and listing agency") {
    auto s = json::parse(Get(hq, "/v1/query/summary", token).body);
    CHECK(s["records"] == 8);
    REQUIRE(s["sites"].size() == 1);
    const json& krk = s["sites"][0];
    CHECK(krk["site"] == "UA-KRK");
    CHECK(krk["devices"] == 1);
    CHECK(krk["inspections"] == 4);
    CHECK(krk["levels"] == json{{"alert", 2}, {"clear", 1}, {"refer", 1}});
    CHECK(krk["inspections_with_hits"] == 2);
    CHECK(krk["hits"] == 3);
    CHECK(krk["decisions"] == 2);
    CHECK(krk["decided"] == json{{"admit", 1}, {"refuse", 1}});
    CHECK(krk["telemetry"] == 1);
    CHECK(krk["unreadable"] == 1);
    const json want = json::array(
        {{{"agency", "customs"}, {"hits", 1}, {"inspections_with_hits", 1}, {"alerts", 1}},
         {{"agency", "police"}, {"hits", 1}, {"inspections_with_hits", 1}, {"alerts", 1}},
         {{"agency", "unknown"}, {"hits", 1}, {"inspections_with_hits", 1}, {"alerts", 1}}});
    CHECK(krk["agencies"] == want);
    auto early = json::parse(Get(hq, "/v1/query/summary?to=1767225601000", token).body);
    CHECK(early["sites"][0]["inspections"] == 1);
    CHECK(json::parse(Get(hq, "/v1/query/summary?site=UA-LVIV", token).body)["sites"].empty());
  }

  SECTION("the flags HQ raised, by device, in pages") {
    CHECK(json::parse(Get(hq, "/v1/query/flags", token).body)["flags"].empty());
    hq.service->WithDatabase([](hq::HqDatabase& db) {
      for (const char* sql :
           {"INSERT INTO flags(device_id, seq, kind, detail, at_ms) VALUES "
            "('CP-Q1', 3, 'chain_break', 'prev is not the hash of the record before', 1)",
            "INSERT INTO flags(device_id, seq, kind, detail, at_ms) VALUES "
            "('CP-Q1', 9, 'bad_signature', 'signature does not verify', 2)",
            "INSERT INTO flags(device_id, seq, kind, detail, at_ms) VALUES "
            "('CP-OTHER', 1, 'conflict', 'a different record is held', 3)"}) {
        Must(db.db().Exec(sql));
      }
      return 0;
    });
    auto first = json::parse(Get(hq, "/v1/query/flags?device=CP-Q1&limit=1", token).body);
    REQUIRE(first["flags"].size() == 1);
    CHECK(first["flags"][0]["kind"] == "chain_break");
    CHECK(first["flags"][0]["seq"] == 3);
    REQUIRE(first["next"].is_number());
    auto second = json::parse(Get(hq,
                                  "/v1/query/flags?device=CP-Q1&limit=1&after=" +
                                      std::to_string(first["next"].get<std::int64_t>()),
                                  token)
                                  .body);
    REQUIRE(second["flags"].size() == 1);
    CHECK(second["flags"][0]["kind"] == "bad_signature");
    CHECK(json::parse(Get(hq, "/v1/query/flags", token).body)["flags"].size() == 3);
    CHECK(Get(hq, "/v1/query/flags?from=1", token).status == 400);
    CHECK(Get(hq, "/v1/query/flags", "").status == 401);
  }

  SECTION("bad and hostile parameters are refused, naming the parameter") {
    auto error = [&](const std::string& q) {
      auto g = Get(hq, q, token);
      CHECK(g.status == 400);
      return json::parse(g.body)["message"].get<std::string>();
    };
    CHECK(error("/v1/query/records?lane=3") == "parameter lane: must be 0, 1 or 2");
    CHECK(error("/v1/query/records?limit=0") == "parameter limit: must be 1 to 1000");
    CHECK(error("/v1/query/records?frm=1") == "parameter frm: unknown parameter");
    CHECK(error("/v1/query/records?from=-1").starts_with("parameter from:"));
    CHECK(error("/v1/query/records?from=99999999999999999999").starts_with("parameter from:"));
    CHECK(error("/v1/query/records?device=CP%27%20OR%201=1").starts_with("parameter device:"));
    CHECK(error("/v1/query/records?after=garbage").starts_with("parameter after:"));
    CHECK(error("/v1/query/records?type=a&type=b") == "a query parameter appears twice");
    CHECK(error("/v1/query/records?type=%0a") == "bad escape or control character in the query");
    CHECK(error("/v1/query/records?type=%zz") == "bad escape or control character in the query");
    CHECK(error("/v1/query/records?from=5&to=4") == "from is after to");
    CHECK(error("/v1/query/summary?lane=1").starts_with("parameter lane:"));
    CHECK(error("/v1/query/records?x=" + std::string(5000, 'a')) == "query string too long");
    CHECK(Get(hq, "/v1/query/nothing", token).status == 404);
  }
}

TEST_CASE("HQ's migrations go down and up again with the records kept", "[sync][query]") {
  TempDir dir;
  {
    auto db = Must(hq::HqDatabase::Open(dir / "hq.db"));
    Must(db.AddToken("tok", "CP-M", 1, 1'000, "UA-KRK"));
    Must(hq::AddApiToken(db.db(), "api", "analyst", 1, 1'000));
    const int newest = Must(hq::SchemaVersion(db.db()));
    CHECK(newest == static_cast<int>(hq::HqMigrations().size()));
    CHECK(Must(hq::MigrateSchema(db.db(), 1)) == 1);
    CHECK(Must(db.ConsumeToken("tok", "CP-M", 2)));  // version 1's tables still work
  }
  auto again = Must(hq::HqDatabase::Open(dir / "hq.db"));
  CHECK(Must(hq::SchemaVersion(again.db())) == static_cast<int>(hq::HqMigrations().size()));
  CHECK_FALSE(Must(hq::CheckApiToken(again.db(), "api", 2)).has_value());  // dropped with v2
}
