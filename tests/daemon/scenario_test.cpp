// The whole HAL through checkpointd: the shipped scenario drives every configured
// device through its real driver (ptys, loopback TCP and HTTP), and the events that
// reach the store are checked.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "checkpoint/store/store.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::testing::RunCommand;
using checkpoint::testing::TempDir;
using nlohmann::json;

namespace {
std::filesystem::path ExampleConfigIn(const TempDir& tmp, const std::string& declarations = "") {
  std::ifstream in(CHECKPOINT_EXAMPLE_CONFIG);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const std::string key = "data_dir = \"/var/lib/checkpoint\"";
  s.replace(s.find(key), key.size(), "data_dir = \"" + (tmp / "data").string() + "\"");
  // The rules from the source tree (the package installs them under /usr/share), and
  // debug logging, so that the check that no personal data is logged covers all of it.
  const std::string rules = "/usr/share/checkpoint/rules/default.json";
  s.replace(s.find(rules), rules.size(), CHECKPOINT_DEFAULT_RULES);
  if (!declarations.empty()) {
    const std::string risk = "[risk]\n";
    s.insert(s.find(risk) + risk.size(), "declarations = \"" + declarations + "\"\n");
  }
  const std::string level = "level = \"info\"";
  s.replace(s.find(level), level.size(), "level = \"debug\"");
  auto path = tmp / "checkpoint.toml";
  std::ofstream(path) << s;
  return path;
}

// The shipped scenario at 20x, checkpointd stopping by itself: (exit code, its log).
std::pair<int, std::string> PlayScenario(const std::filesystem::path& cfg) {
  return RunCommand({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate", CHECKPOINT_SCENARIO,
                     "--time-scale", "0.05", "--exit-after-scenario"},
                    {}, std::chrono::seconds(120));
}
}  // namespace

TEST_CASE("the shipped scenario runs through every real driver into the store",
          "[daemon][simulation]") {
  TempDir tmp;
  auto cfg = ExampleConfigIn(tmp);
  auto [code, out] =
      RunCommand({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate", CHECKPOINT_SCENARIO,
                  "--time-scale", "0.25", "--exit-after-scenario"},
                 {}, std::chrono::seconds(120));
  INFO(out);
  REQUIRE(code == 0);
  CHECK(out.find("scenario played") != std::string::npos);
  // Readings never reach the log; only their kind does (at debug level), and of an
  // inspection only its id, kind, place and verdict.
  for (const char* personal :
       {"ERIKSSON", "ANNA", "SHEVCHENKO", "TARAS", "L898902C3", "D23145890", "FX1234567", "P<UTO",
        "I<UTO", "P<UKR", "740812", "AA1234BB", "BC7781AK", "CSQU3054383", "UA7734120"}) {
    INFO(personal);
    CHECK(out.find(personal) == std::string::npos);
  }
  CHECK(out.find("risk rules loaded") != std::string::npos);
  CHECK(out.find("inspection recorded") != std::string::npos);

  auto st = store::Store::Open(
      {.path = tmp / "data" / "checkpoint.db", .device_id = "CP-DEMO-0001", .read_only = true});
  REQUIRE(st);
  auto rows = st->device_events().After(0, 1000);
  REQUIRE(rows);
  std::map<std::string, int> kinds;
  std::map<std::string, int> faults;
  for (const auto& r : *rows) {
    ++kinds[r.kind];
    if (r.kind == "fault")
      ++faults[r.device_id + ":" + json::parse(r.payload_json)["kind"].get<std::string>()];
  }
  CHECK(kinds["mrz"] == 3);
  CHECK(kinds["chip"] == 1);
  CHECK(kinds["plate"] == 2);
  CHECK(kinds["container"] == 1);
  CHECK(kinds["weight"] == 2);
  CHECK(kinds["radiation"] == 2);
  CHECK(kinds["seal"] == 3);
  CHECK(faults["mrz-b1:malformed"] == 1);     // line noise
  CHECK(faults["anpr-l1:malformed"] == 1);    // broken JSON body
  CHECK(faults["rpm-l1:disconnected"] == 1);  // the monitor's outage

  for (const auto& r : *rows) {
    auto p = json::parse(r.payload_json);
    if (r.kind == "mrz" && p["lines"].size() == 3) {
      CHECK(p["lines"][2] == "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
      CHECK(r.booth == "B1");
    }
    if (r.kind == "weight" && r.device_id == "wb-l1") {
      CHECK((p["gross_kg"] == 38420.0 || p["gross_kg"] == 12960.0));
    }
    if (r.kind == "radiation" && p["gamma_alarm"] == true) {
      CHECK(p["format"] == "N42-2011");
      CHECK(p["gamma_cps"].get<double>() == Approx(2480).epsilon(0.01));
      CHECK(r.booth == "L1");
    }
    if (r.kind == "plate" && p["plate"] == "AA1234BB") {
      CHECK(p["candidates"].size() == 3);
      REQUIRE(r.quality.has_value());
      CHECK(*r.quality == Approx(0.91));
    }
    if (r.kind == "seal" && p["seal_id"] == "UA7734121") CHECK(p["status"] == "tampered");
  }

  // Health of all seven devices is stored; the monitor reconnected once.
  auto health = st->state().Get("hal.health");
  REQUIRE(health);
  REQUIRE(health->has_value());
  auto h = json::parse(**health);
  REQUIRE(h.size() == 7);
  for (const auto& d : h) {
    if (d["id"] == "rpm-l1") CHECK(d["reconnects"] == 1);
    if (d["id"] == "wb-l1") CHECK(d["events"] == 2);
  }
  auto v = st->audit().Verify();
  REQUIRE(v);
  CHECK(v->ok);

  // Inspections: three travellers at B1, two vehicles at L1, each with its outbox
  // entry (alerts in the priority lane) and its audit entry.
  auto recent = st->inspections().Recent(100);
  REQUIRE(recent);
  std::multiset<std::string> travellers, vehicles;
  std::set<std::string> uuids;
  for (const auto& r : *recent) {
    auto p = json::parse(r.payload_json);
    CHECK(p["level"] == r.level);
    uuids.insert(r.uuid);
    if (r.kind == "traveller") {
      travellers.insert(r.level);
      CHECK(r.booth == "B1");
      if (p["document"]["number"] == "L898902C3") {
        CHECK(p["chip"]["status"] == "failed");         // DG1 without an EF.SOD
        CHECK(p["document"]["surname"] == "ERIKSSON");  // the record holds the data
      }
    } else if (r.kind == "vehicle") {
      vehicles.insert(r.level);
      CHECK(r.booth == "L1");
      if (p["plate"]["normalised"] == "AA1234BB") {
        CHECK(r.level == "alert");
        CHECK(p["facts"]["radiation.gammaAlarm"] == true);
        CHECK(p["facts"]["container.codes"] == json::array({"CSQU3054383"}));
        CHECK(p["facts"]["seal.read"].size() == 2);
        CHECK(p["assessment"]["reasons"][0]["rule"] == "cargo.radiationAlarm");
      }
    }
  }
  CHECK(travellers == std::multiset<std::string>{"alert", "clear", "refer"});
  CHECK(vehicles == std::multiset<std::string>{"alert", "clear"});

  std::map<std::string, store::Lane> lanes;
  auto batch = st->outbox().PendingBatch(1000, 1u << 30);
  REQUIRE(batch);
  for (const auto& e : *batch) lanes[e.record_uuid] = e.lane;
  for (const auto& r : *recent) {
    INFO(r.kind << " " << r.level);
    REQUIRE(lanes.contains(r.uuid));
    CHECK(lanes[r.uuid] == (r.level == "alert" ? store::Lane::kPriority : store::Lane::kRecords));
  }
  auto audit = st->db().Prepare(
      "SELECT subject FROM audit_log WHERE action = 'inspection.recorded' ORDER BY id");
  REQUIRE(audit);
  std::set<std::string> audited;
  for (;;) {
    auto row = audit->Step();
    REQUIRE(row);
    if (!*row) break;
    audited.insert(audit->Text(0));
  }
  CHECK(audited == uuids);
  CHECK(uuids.size() == 5);
}

TEST_CASE("a scenario naming an unknown device is refused before anything starts",
          "[daemon][simulation]") {
  TempDir tmp;
  auto cfg = ExampleConfigIn(tmp);
  auto scenario = tmp / "bad.jsonl";
  std::ofstream(scenario) << "{\"t_ms\": 0, \"device\": \"nope\", \"seal\": {\"id\": \"X1234\"}}\n";
  auto [code, out] = RunCommand({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate",
                                 scenario.string(), "--exit-after-scenario"});
  CHECK(code == 2);
  CHECK(out.find("no device 'nope'") != std::string::npos);
  std::ofstream(scenario)
      << "{\"t_ms\": 0, \"device\": \"wb-l1\", \"seal\": {\"id\": \"X1234\"}}\n";
  auto [code2, out2] = RunCommand({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate",
                                   scenario.string(), "--exit-after-scenario"});
  CHECK(code2 == 2);
  CHECK(out2.find("cannot play a seal step") != std::string::npos);
  std::ofstream(scenario) << "{\"t_ms\": 0, \"device\": \"wb-l1\"\n";
  auto [code3, out3] =
      RunCommand({CHECKPOINTD_PATH, "--config", cfg.string(), "--simulate", scenario.string()});
  CHECK(code3 == 2);
  CHECK(out3.find("bad.jsonl:1: not a JSON object") != std::string::npos);
}

TEST_CASE("with the demo's declarations the second truck is referred for its weight",
          "[daemon][simulation]") {
  TempDir tmp;
  auto cfg = ExampleConfigIn(tmp, CHECKPOINT_DEMO_DECLARATIONS);
  auto [code, out] = PlayScenario(cfg);
  INFO(out);
  REQUIRE(code == 0);
  CHECK(out.find("msg=\"customs declarations loaded\"") != std::string::npos);
  CHECK(out.find("declarations=1") != std::string::npos);
  auto st = store::Store::Open(
      {.path = tmp / "data" / "checkpoint.db", .device_id = "CP-DEMO-0001", .read_only = true});
  REQUIRE(st);
  auto recent = st->inspections().Recent(100);
  REQUIRE(recent);
  bool seen = false;
  for (const auto& r : *recent) {
    auto p = json::parse(r.payload_json);
    if (r.kind != "vehicle" || p["plate"]["normalised"] != "BC7781AK") continue;
    seen = true;
    CHECK(r.level == "refer");
    CHECK(p["facts"]["cargo.declaredWeightKg"] == 9800);
    CHECK(p["declaration"]["id"] == "MRN-26UA0000000000412");
    REQUIRE(p["assessment"]["reasons"].size() == 1);
    CHECK(p["assessment"]["reasons"][0]["rule"] == "cargo.weightDeviation");
  }
  CHECK(seen);
}

TEST_CASE("a declarations file that does not parse is logged by line and inspections go on",
          "[daemon][simulation]") {
  TempDir tmp;
  std::ofstream(tmp / "decl.jsonl") << "{\"id\": \"A\", \"plate\": \"BC7781AK\"}\n{\"id\": 5}\n";
  auto cfg = ExampleConfigIn(tmp, (tmp / "decl.jsonl").string());
  auto [code, out] = PlayScenario(cfg);
  INFO(out);
  REQUIRE(code == 0);
  CHECK(out.find("customs declarations not loaded") != std::string::npos);
  CHECK(out.find("decl.jsonl line 2") != std::string::npos);
  CHECK(out.find("inspection recorded") != std::string::npos);
}
