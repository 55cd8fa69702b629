// The two programs as an operator runs them: checkpoint-hq init, token and serve;
// checkpoint-sync enroll and run --drain against it, through an injected 500 and 429.
#include <signal.h>

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <regex>
#include <sstream>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/store.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {
// The line of `out` that is a whole token (48 hex digits), or "".
std::string TokenIn(const std::string& out) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (std::regex_match(line, std::regex("[0-9a-f]{48}"))) return line;
  }
  return {};
}
}  // namespace

TEST_CASE("checkpoint-hq and checkpoint-sync: init, token, serve, enroll, drain", "[sync][cli]") {
  TempDir tmp;
  const std::string hq_dir = (tmp / "hq").string();
  const std::string store_path = (tmp / "data" / "checkpoint.db").string();
  const auto minute = std::chrono::seconds(60);

  auto [init_rc, init_out] = RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, minute);
  REQUIRE(init_rc == 0);
  auto [token_rc, token_out] =
      RunCommand({HQ_PATH, "token", "--data", hq_dir, "--device", "CP-CLI"}, {}, minute);
  REQUIRE(token_rc == 0);
  const std::string token = TokenIn(token_out);
  REQUIRE_FALSE(token.empty());
  REQUIRE(common::WriteFileAtomic(tmp / "token.txt", token + "\n", 0600));

  // Serves until SIGTERM; returns HQ's URL once it listens.
  auto serve = [&](Subprocess& server) {
    auto listening = server.ReadLine(minute);
    REQUIRE(listening);
    REQUIRE(listening->rfind("listening 127.0.0.1:", 0) == 0);
    return "https://127.0.0.1:" + listening->substr(listening->rfind(':') + 1);
  };
  auto first = std::make_unique<Subprocess>(
      std::vector<std::string>{HQ_PATH, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0"});
  std::string url = serve(*first);

  // The agent as installed: its settings from the box's configuration file.
  const std::string config = (tmp / "checkpoint.toml").string();
  REQUIRE(common::WriteFileAtomic(config,
                                  "[device]\nid = \"CP-CLI\"\nsite = \"UA-TEST\"\n"
                                  "[paths]\ndata_dir = \"" +
                                      (tmp / "data").string() +
                                      "\"\n"
                                      "[sync]\nhq_url = \"" +
                                      url + "\"\nbatch_records = 20\n",
                                  0644));
  auto [enroll_rc, enroll_out] =
      RunCommand({SYNC_PATH, "enroll", "--config", config, "--hq-ca", hq_dir + "/ca.pem",
                  "--token-file", (tmp / "token.txt").string()},
                 {}, minute);
  INFO(enroll_out);
  REQUIRE(enroll_rc == 0);
  CHECK(enroll_out.find(token) == std::string::npos);

  first->Kill(SIGTERM);
  CHECK(first->Wait(minute) == 0);
  first.reset();

  // HQ restarted with its state, answering 500 and then 429 before it recovers.
  Subprocess server(
      {HQ_PATH, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0", "--fault", "500,429:1"});
  url = serve(server);
  {
    auto st = store::Store::Open({.path = store_path, .device_id = "CP-CLI"});
    REQUIRE(st);
    store::Outbox o = st->outbox();
    for (int i = 0; i < 50; ++i) {
      REQUIRE(o.Enqueue(i == 25 ? store::Lane::kPriority : store::Lane::kRecords, "inspection",
                        "u" + std::to_string(i), "{}", 1'700'000'000'000 + i));
    }
  }
  // HQ has a new port now: the command line overrides the configuration.
  auto [run_rc, run_out] =
      RunCommand({SYNC_PATH, "run", "--config", config, "--hq", url, "--drain"}, {},
                 std::chrono::seconds(120));
  INFO(run_out);
  REQUIRE(run_rc == 0);

  auto st = store::Store::Open({.path = store_path, .device_id = "CP-CLI"});
  REQUIRE(st);
  auto stats = st->outbox().Stats();
  REQUIRE(stats);
  CHECK(stats->pending[0] + stats->pending[1] + stats->pending[2] == 0);
  auto hq_db = store::Connection::Open({.path = tmp / "hq" / "hq.db", .read_only = true});
  REQUIRE(hq_db);
  CHECK(*hq_db->QueryInt("SELECT count(*) FROM records WHERE device_id = 'CP-CLI'") == 50);
  CHECK(*hq_db->QueryInt("SELECT contiguous FROM device_progress WHERE device_id = 'CP-CLI'") ==
        50);
  CHECK(*hq_db->QueryInt("SELECT count(*) FROM flags") == 0);

  server.Kill(SIGTERM);
  CHECK(server.Wait(minute) == 0);
}

TEST_CASE("checkpoint-sync killed with SIGKILL at random points: every record once",
          "[sync][cli][crash]") {
  TempDir tmp;
  const std::string hq_dir = (tmp / "hq").string();
  const std::string agent_dir = (tmp / "agent").string();
  const std::string store_path = (tmp / "store.db").string();
  const auto minute = std::chrono::seconds(60);
  REQUIRE(RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, minute).first == 0);
  auto [token_rc, token_out] =
      RunCommand({HQ_PATH, "token", "--data", hq_dir, "--device", "CP-KILL"}, {}, minute);
  REQUIRE(token_rc == 0);
  Subprocess server({HQ_PATH, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0"});
  auto listening = server.ReadLine(minute);
  REQUIRE(listening);
  const std::string url = "https://127.0.0.1:" + listening->substr(listening->rfind(':') + 1);
  REQUIRE(RunCommand({SYNC_PATH, "enroll", "--data", agent_dir, "--hq", url, "--hq-ca",
                      hq_dir + "/ca.pem", "--device", "CP-KILL", "--token", TokenIn(token_out)},
                     {}, minute)
              .first == 0);

  constexpr int kRecords = 2000;
  {
    auto st = store::Store::Open({.path = store_path, .device_id = "CP-KILL"});
    REQUIRE(st);
    store::Outbox o = st->outbox();
    for (int i = 0; i < kRecords; ++i) {
      const auto lane = i % 50 == 49 ? store::Lane::kPriority : store::Lane::kRecords;
      REQUIRE(o.Enqueue(lane, "inspection", "u" + std::to_string(i),
                        R"({"level":"clear","n":)" + std::to_string(i) + "}",
                        1'700'000'000'000 + i));
    }
  }
  const std::vector<std::string> run = {
      SYNC_PATH, "run",      "--data",  agent_dir,         "--hq", url,
      "--store", store_path, "--drain", "--batch-records", "5"};
  // Each round lets the agent run for a random time (it may finish), then kills it
  // wherever it is: mid-batch, between signing and sending, before marking synced.
  std::mt19937 rng(Catch::rngSeed());
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    Subprocess agent(run);
    const auto limit = std::chrono::milliseconds(20 + rng() % 200);
    if (!agent.Wait(limit)) {
      agent.Kill(SIGKILL);
      REQUIRE(agent.Wait(minute) == 128 + SIGKILL);
      ++killed;
    }
  }
  auto [final_rc, final_out] = RunCommand(run, {}, std::chrono::seconds(300));
  INFO(final_out);
  REQUIRE(final_rc == 0);

  auto hq_db = store::Connection::Open({.path = tmp / "hq" / "hq.db", .read_only = true});
  REQUIRE(hq_db);
  CHECK(*hq_db->QueryInt("SELECT count(*) FROM records WHERE device_id = 'CP-KILL'") == kRecords);
  CHECK(*hq_db->QueryInt("SELECT contiguous FROM device_progress WHERE device_id = 'CP-KILL'") ==
        kRecords);
  CHECK(*hq_db->QueryInt("SELECT count(*) FROM flags") == 0);
  auto st = store::Store::Open({.path = store_path, .device_id = "CP-KILL"});
  REQUIRE(st);
  auto stats = st->outbox().Stats();
  REQUIRE(stats);
  CHECK(stats->pending[0] + stats->pending[1] + stats->pending[2] == 0);
  CHECK(killed >= 1);  // the first round cannot drain 2000 records in 220 ms
  server.Kill(SIGTERM);
  CHECK(server.Wait(minute) == 0);
}

TEST_CASE("checkpoint-hq publish and signing-key; checkpoint-sync fetch installs", "[sync][cli]") {
  TempDir tmp;
  const std::string hq_dir = (tmp / "hq").string();
  const std::string agent_dir = (tmp / "agent").string();
  const auto minute = std::chrono::seconds(60);
  REQUIRE(RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, minute).first == 0);
  auto [token_rc, token_out] =
      RunCommand({HQ_PATH, "token", "--data", hq_dir, "--device", "CP-FETCH"}, {}, minute);
  REQUIRE(token_rc == 0);
  auto [key_rc, key_out] = RunCommand({HQ_PATH, "signing-key", "--data", hq_dir}, {}, minute);
  REQUIRE(key_rc == 0);
  const auto begin = key_out.find("-----BEGIN PUBLIC KEY-----");
  const std::string end_marker = "-----END PUBLIC KEY-----\n";
  const auto end = key_out.rfind(end_marker);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  REQUIRE(common::WriteFileAtomic(tmp / "keys.pem",
                                  key_out.substr(begin, end + end_marker.size() - begin), 0644));
  CHECK((std::filesystem::status(tmp / "hq" / "signing" / "key-1.pem").permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);

  const std::string rules = R"({"version":3,"rules":[]})";
  REQUIRE(common::WriteFileAtomic(tmp / "rules.json", rules, 0644));
  auto [pub_rc, pub_out] = RunCommand({HQ_PATH, "publish", "--data", hq_dir, "--kind", "rules",
                                       "--file", (tmp / "rules.json").string()},
                                      {}, minute);
  INFO(pub_out);
  REQUIRE(pub_rc == 0);
  CHECK(pub_out.find("published rules version 1") != std::string::npos);
  // Versions only go up; names must be plain file names; kinds are a closed list.
  auto [again_rc, again_out] =
      RunCommand({HQ_PATH, "publish", "--data", hq_dir, "--kind", "rules", "--file",
                  (tmp / "rules.json").string(), "--version", "1"},
                 {}, minute);
  CHECK(again_rc == 1);
  CHECK(again_out.find("not above the latest published") != std::string::npos);
  REQUIRE(common::WriteFileAtomic(tmp / "my rules.json", rules, 0644));
  auto [name_rc, name_out] = RunCommand({HQ_PATH, "publish", "--data", hq_dir, "--kind", "rules",
                                         "--file", (tmp / "my rules.json").string()},
                                        {}, minute);
  CHECK(name_rc == 1);
  CHECK(name_out.find("not a plain file name") != std::string::npos);
  CHECK(RunCommand({HQ_PATH, "publish", "--data", hq_dir, "--kind", "../x", "--file",
                    (tmp / "rules.json").string()},
                   {}, minute)
            .first == 2);

  Subprocess server({HQ_PATH, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0"});
  auto listening = server.ReadLine(minute);
  REQUIRE(listening);
  const std::string url = "https://127.0.0.1:" + listening->substr(listening->rfind(':') + 1);
  auto [enroll_rc, enroll_out] =
      RunCommand({SYNC_PATH, "enroll", "--data", agent_dir, "--hq", url, "--hq-ca",
                  hq_dir + "/ca.pem", "--hq-signing-keys", (tmp / "keys.pem").string(), "--device",
                  "CP-FETCH", "--token", TokenIn(token_out)},
                 {}, minute);
  INFO(enroll_out);
  REQUIRE(enroll_rc == 0);
  const std::vector<std::string> fetch = {SYNC_PATH, "fetch", "--data", agent_dir, "--hq", url};
  auto [fetch_rc, fetch_out] = RunCommand(fetch, {}, minute);
  INFO(fetch_out);
  REQUIRE(fetch_rc == 0);
  CHECK(fetch_out.find("installed rules 1") != std::string::npos);
  CHECK(*common::ReadFile(tmp / "agent" / "bundles" / "rules" / "1.bin") == rules);
  auto [idle_rc, idle_out] = RunCommand(fetch, {}, minute);
  CHECK(idle_rc == 0);
  CHECK(idle_out.find("installed") == std::string::npos);

  // A key list the device does not trust any more: refused, exit 3, rules 1 stays.
  REQUIRE(RunCommand({HQ_PATH, "signing-key", "--data", hq_dir, "--rotate"}, {}, minute).first ==
          0);
  REQUIRE(RunCommand({HQ_PATH, "publish", "--data", hq_dir, "--kind", "rules", "--file",
                      (tmp / "rules.json").string()},
                     {}, minute)
              .first == 0);
  auto [refused_rc, refused_out] = RunCommand(fetch, {}, minute);
  CHECK(refused_rc == 3);
  CHECK(refused_out.find("refused rules 2") != std::string::npos);

  // `run` keeps a downlink thread beside the uplink, and stops it on SIGTERM.
  Subprocess agent({SYNC_PATH, "run", "--data", agent_dir, "--hq", url, "--store",
                    (tmp / "store.db").string(), "--device", "CP-FETCH", "--bundle-poll-s", "1"},
                   {}, /*merge_stderr=*/true);
  bool seen = false;
  while (auto line = agent.ReadLine(minute)) {
    if (line->find("\"bundle refused\"") != std::string::npos &&
        line->find("kind=rules") != std::string::npos) {
      seen = true;
      break;
    }
  }
  CHECK(seen);
  agent.Kill(SIGTERM);
  CHECK(agent.Wait(minute) == 0);
  server.Kill(SIGTERM);
  CHECK(server.Wait(minute) == 0);
}
