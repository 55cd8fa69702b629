// The two programs as an operator runs them: checkpoint-hq init, token and serve;
// checkpoint-sync enroll and run --drain against it, through an injected 500 and 429.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <regex>
#include <sstream>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/store.hpp"
#include "support/notify_socket.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {

// HQ initialised and serving on 127.0.0.1, a device enrolled with checkpoint-sync,
// and `records` records in the device's outbox (every `priority_every`th an alert):
// what the crash tests start from.
struct EnrolledPair {
  TempDir tmp;
  std::string hq_dir = (tmp / "hq").string();
  std::string agent_dir = (tmp / "agent").string();
  std::string store_path = (tmp / "store.db").string();
  std::string device, port, url;
  std::unique_ptr<Subprocess> server;

  EnrolledPair(std::string id, int records, int priority_every) : device(std::move(id)) {
    const auto minute = std::chrono::seconds(60);
    REQUIRE(RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, minute).first == 0);
    auto [token_rc, token_out] =
        RunCommand({HQ_PATH, "token", "--data", hq_dir, "--device", device}, {}, minute);
    REQUIRE(token_rc == 0);
    Serve("0");
    REQUIRE(RunCommand({SYNC_PATH, "enroll", "--data", agent_dir, "--hq", url, "--hq-ca",
                        hq_dir + "/ca.pem", "--device", device, "--token", TokenIn(token_out)},
                       {}, minute)
                .first == 0);
    auto st = store::Store::Open({.path = store_path, .device_id = device});
    REQUIRE(st);
    store::Outbox o = st->outbox();
    for (int i = 0; i < records; ++i) {
      auto seq =
          o.Enqueue(i % priority_every == 0 ? store::Lane::kPriority : store::Lane::kRecords,
                    "inspection", "u" + std::to_string(i),
                    R"({"level":"clear","n":)" + std::to_string(i) + "}", 1'700'000'000'000 + i);
      if (!seq) FAIL(seq.error().String());
    }
  }
  // (Re)starts checkpoint-hq serve on `at` ("0": any free port) and waits until it
  // listens.
  void Serve(const std::string& at) {
    server = std::make_unique<Subprocess>(std::vector<std::string>{
        HQ_PATH, "serve", "--data", hq_dir, "--listen", "127.0.0.1:" + at});
    auto listening = server->ReadLine(std::chrono::seconds(60));
    REQUIRE(listening);
    REQUIRE(listening->rfind("listening 127.0.0.1:", 0) == 0);
    port = listening->substr(listening->rfind(':') + 1);
    url = "https://127.0.0.1:" + port;
  }
  std::vector<std::string> Run() const {
    return {SYNC_PATH, "run",      "--data",  agent_dir,         "--hq", url,
            "--store", store_path, "--drain", "--batch-records", "5"};
  }
  // HQ holds every record once, contiguous, unflagged, in an intact database; the
  // device has nothing pending.
  void CheckExactlyOnce(int records) {
    auto hq_db = store::Connection::Open({.path = tmp / "hq" / "hq.db", .read_only = true});
    REQUIRE(hq_db);
    auto check = hq_db->Prepare("PRAGMA integrity_check");
    REQUIRE(check);
    REQUIRE(check->Step().value_or(false));
    CHECK(check->Text(0) == "ok");
    const std::string where = " WHERE device_id = '" + device + "'";
    CHECK(*hq_db->QueryInt("SELECT count(*) FROM records" + where) == records);
    CHECK(*hq_db->QueryInt("SELECT contiguous FROM device_progress" + where) == records);
    CHECK(*hq_db->QueryInt("SELECT count(*) FROM flags") == 0);
    auto st = store::Store::Open({.path = store_path, .device_id = device});
    REQUIRE(st);
    auto stats = st->outbox().Stats();
    REQUIRE(stats);
    CHECK(stats->pending[0] + stats->pending[1] + stats->pending[2] == 0);
  }
};
}  // namespace

TEST_CASE("checkpoint-hq and checkpoint-sync: init, token, serve, enroll, drain", "[sync][cli]") {
  TempDir tmp;
  const std::string hq_dir = (tmp / "hq").string();
  const std::string store_path = (tmp / "data" / "checkpoint.db").string();
  const auto minute = std::chrono::seconds(60);

  auto [init_rc, init_out] = RunCommand({HQ_PATH, "init", "--data", hq_dir}, {}, minute);
  REQUIRE(init_rc == 0);
  auto [token_rc, token_out] = RunCommand(
      {HQ_PATH, "token", "--data", hq_dir, "--device", "CP-CLI", "--site", "UA-TEST"}, {}, minute);
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

  // The operator's summary and an API token, from the same data directory.
  auto [sum_rc, sum_out] =
      RunCommand({HQ_PATH, "summary", "--data", hq_dir, "--site", "UA-TEST"}, {}, minute);
  CHECK(sum_rc == 0);
  INFO(sum_out);
  CHECK(sum_out.find(R"("records":50,)") != std::string::npos);
  CHECK(sum_out.find(R"("devices":1,)") != std::string::npos);
  CHECK(sum_out.find(R"("site":"UA-TEST")") != std::string::npos);
  auto [api_rc, api_out] =
      RunCommand({HQ_PATH, "api-token", "--data", hq_dir, "--name", "analyst"}, {}, minute);
  CHECK(api_rc == 0);
  CHECK_FALSE(TokenIn(api_out).empty());
  auto [rev_rc, rev_out] =
      RunCommand({HQ_PATH, "api-revoke", "--data", hq_dir, "--name", "analyst"}, {}, minute);
  CHECK(rev_rc == 0);
  CHECK(rev_out.find("1 revoked") != std::string::npos);
  auto [bad_rc, bad_out] =
      RunCommand({HQ_PATH, "summary", "--data", hq_dir, "--from", "yesterday"}, {}, minute);
  CHECK(bad_rc == 2);
  CHECK(bad_out.find("--from needs milliseconds since the epoch") != std::string::npos);

  server.Kill(SIGTERM);
  CHECK(server.Wait(minute) == 0);
}

TEST_CASE("checkpoint-sync killed with SIGKILL at random points: every record once",
          "[sync][cli][crash]") {
  constexpr int kRecords = 2000;
  EnrolledPair p("CP-KILL", kRecords, 50);
  const auto minute = std::chrono::seconds(60);
  // Each round lets the agent run for a random time (it may finish), then kills it
  // wherever it is: mid-batch, between signing and sending, before marking synced.
  std::mt19937 rng(Catch::rngSeed());
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    Subprocess agent(p.Run());
    const auto limit = std::chrono::milliseconds(20 + rng() % 200);
    if (!agent.Wait(limit)) {
      agent.Kill(SIGKILL);
      REQUIRE(agent.Wait(minute) == 128 + SIGKILL);
      ++killed;
    }
  }
  auto [final_rc, final_out] = RunCommand(p.Run(), {}, std::chrono::seconds(300));
  INFO(final_out);
  REQUIRE(final_rc == 0);
  p.CheckExactlyOnce(kRecords);
  CHECK(killed >= 1);  // the first round cannot drain 2000 records in 220 ms
  p.server->Kill(SIGTERM);
  CHECK(p.server->Wait(minute) == 0);
}

TEST_CASE("checkpoint-hq killed with SIGKILL while the agent drains: every record once",
          "[sync][cli][crash]") {
  constexpr int kRecords = 3000;
  EnrolledPair p("CP-HQKILL", kRecords, 40);
  const auto minute = std::chrono::seconds(60);
  Subprocess agent(p.Run());
  // HQ dies wherever it is (mid-transaction, after commit before the answer, in a
  // handshake) and comes back on the same port, again and again.
  std::mt19937 rng(Catch::rngSeed());
  int killed_while_draining = 0;
  for (int round = 0; round < 6; ++round) {
    (void)p.server->Wait(std::chrono::milliseconds(30 + rng() % 250));  // HQ runs on meanwhile
    if (!agent.Wait(std::chrono::milliseconds(0))) ++killed_while_draining;
    p.server->Kill(SIGKILL);
    REQUIRE(p.server->Wait(minute) == 128 + SIGKILL);
    const std::string port = p.port;
    p.Serve(port);
    REQUIRE(p.port == port);
  }
  auto rc = agent.Wait(std::chrono::seconds(300));
  REQUIRE(rc);
  CHECK(*rc == 0);
  CHECK(killed_while_draining >= 1);
  p.CheckExactlyOnce(kRecords);
  p.server->Kill(SIGTERM);
  CHECK(p.server->Wait(minute) == 0);
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

TEST_CASE("checkpoint-hq serve and checkpoint-sync run speak the systemd notify protocol",
          "[sync][cli][notify]") {
  EnrolledPair pair("CP-NOTIFY", 3, 2);
  {
    // A second HQ on the same data: what checkpoint-hq.service runs.
    NotifySocket sock(pair.tmp / "hq.sock");
    Subprocess hq({HQ_PATH, "serve", "--data", pair.hq_dir, "--listen", "127.0.0.1:0"},
                  NotifyEnv(sock));
    CheckNotifyLifecycle(sock, hq, "serving on 127.0.0.1:0");
  }
  {
    // The agent without --drain, as checkpoint-sync.service runs it.
    NotifySocket sock(pair.tmp / "sync.sock");
    Subprocess agent(
        {SYNC_PATH, "run", "--data", pair.agent_dir, "--hq", pair.url, "--store", pair.store_path},
        NotifyEnv(sock));
    CheckNotifyLifecycle(sock, agent, "syncing; device CP-NOTIFY");
  }
  // Without NOTIFY_SOCKET nothing changes: the drain of the other tests still works.
  auto [rc, out] = RunCommand(pair.Run(), {}, std::chrono::seconds(60));
  INFO(out);
  CHECK(rc == 0);
  pair.CheckExactlyOnce(3);
}

TEST_CASE("checkpoint-sync run on a corrupt database exits 3 and leaves it as it is",
          "[sync][cli]") {
  EnrolledPair pair("CP-CORRUPT", 3, 2);
  {
    std::fstream f(pair.store_path, std::ios::in | std::ios::out | std::ios::binary);
    f.write(std::string(100, '\xA5').data(), 100);
  }
  std::ifstream before_in(pair.store_path, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(before_in)), {});
  auto [rc, out] = RunCommand(pair.Run(), {}, std::chrono::seconds(60));
  INFO(out);
  CHECK(rc == 3);  // the unit's RestartPreventExitStatus
  CHECK(out.find("file is not a database") != std::string::npos);
  CHECK(out.find("docs/technician.md") != std::string::npos);
  std::ifstream after_in(pair.store_path, std::ios::binary);
  CHECK(std::string((std::istreambuf_iterator<char>(after_in)), {}) == before);
}
