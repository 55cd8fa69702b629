#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "checkpoint/protocol/batch.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "support/fault_proxy.hpp"
#include "support/forwarding_client.hpp"
#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {
std::int64_t CountFlags(const std::vector<hq::Flag>& flags, std::string_view kind) {
  std::int64_t n = 0;
  for (const auto& f : flags) n += f.kind == kind;
  return n;
}
}  // namespace

TEST_CASE("N records reach HQ exactly once, chained and verified", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(250);
  TestAgent a(d, hq, FastOptions(40));
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 250);
  CHECK(hq.Contiguous("CP-T1") == 250);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
  CHECK(a.client->requests == 7);  // ceil(250 / 40) batches, nothing more

  // Every stored record verifies with the device key and chains to the one before.
  hq.service->WithDatabase([&](hq::HqDatabase& db) {
    protocol::Hash prev = protocol::kGenesisHash;
    for (std::int64_t seq = 1; seq <= 250; ++seq) {
      auto r = Must(db.FindRecord("CP-T1", seq));
      REQUIRE(r);
      CHECK(r->prev == prev);
      CHECK(protocol::VerifyRecord(*r, a.key.Public()));
      prev = protocol::RecordHash(*r);
    }
    return 0;
  });

  // Later records continue the same chain, across a restart of the agent.
  d.Enqueue(5);
  TestAgent again(d, hq);
  Must(again.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 255);
  CHECK(hq.Contiguous("CP-T1") == 255);
  CHECK(hq.Flags("CP-T1").empty());
}

TEST_CASE("alerts overtake a backlog and the chain still verifies", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(30);
  d.Enqueue(1, store::Lane::kPriority);  // seq 31
  TestAgent a(d, hq, FastOptions(10));
  auto first = Must(a.uplink.SendOnce());
  CHECK(first.sent == 10);
  CHECK(hq.service->WithDatabase(
      [](hq::HqDatabase& db) { return Must(db.FindRecord("CP-T1", 31)).has_value(); }));
  CHECK(first.contiguous == 9);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 31);
  CHECK(hq.Contiguous("CP-T1") == 31);
  CHECK(hq.Flags("CP-T1").empty());
}

TEST_CASE("HQ answering 500 and 429 is retried with backoff and Retry-After", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(20);
  hq.service->InjectFaults({{500, -1}, {429, 1}, {500, -1}});
  TestAgent a(d, hq, FastOptions(50));
  agent::StopSignal stop;
  const auto start = std::chrono::steady_clock::now();
  Must(a.uplink.Run(stop, true));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(a.client->statuses == std::vector<long>{500, 429, 500, 200});
  CHECK(took >= std::chrono::seconds(1));  // the Retry-After was honoured
  CHECK(hq.Count("CP-T1") == 20);
  CHECK(d.Pending() == 0);

  // Retry-After is capped by the agent.
  hq.service->InjectFaults({{429, 100'000}});
  d.Enqueue(1);
  auto capped = FastOptions();
  capped.max_retry_after = std::chrono::milliseconds(20);
  TestAgent b(d, hq, capped);
  Must(b.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 21);
}

TEST_CASE("a lost acknowledgement and a replayed batch never duplicate", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(12);
  TestAgent a(d, hq, FastOptions(100));
  a.client->drop_answers = 1;  // HQ stores the batch; the agent never hears so
  auto lost = a.uplink.SendOnce();
  REQUIRE_FALSE(lost);
  CHECK(hq.Count("CP-T1") == 12);
  CHECK(d.Pending() == 12);
  auto resent = Must(a.uplink.SendOnce());
  CHECK(resent.acked == 12);
  CHECK(resent.duplicates == 12);
  CHECK(d.Pending() == 0);

  // The same bytes again (a replay by anyone who recorded them): acknowledged as
  // held, stored once.
  auto client = Must(d.Client(hq, true));
  auto replay = Must(client->Post("/v1/records", protocol::kBatchContentType, a.client->last_body));
  REQUIRE(replay.status == 200);
  auto ack = Must(protocol::ParseAck(replay.body));
  CHECK(ack.duplicates == 12);
  CHECK(ack.contiguous == 12);
  CHECK(hq.Count("CP-T1") == 12);
  CHECK(hq.Flags("CP-T1").empty());
}

TEST_CASE("tampered, conflicting and mis-chained records are rejected or flagged",
          "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  const protocol::DeviceKey key = d.Key();
  auto client = Must(d.Client(hq, true));
  protocol::Batch b{"CP-T1", {}};
  protocol::Hash prev = protocol::kGenesisHash;
  for (int seq = 1; seq <= 3; ++seq) {
    protocol::Record r{"CP-T1",
                       seq,
                       1,
                       "inspection",
                       "u" + std::to_string(seq),
                       1000 + seq,
                       prev,
                       "{\"level\":\"clear\"}",
                       {}};
    protocol::SignRecord(r, key);
    prev = protocol::RecordHash(r);
    b.records.push_back(r);
  }
  b.records[1].payload = "{\"level\":\"alert\"}";  // changed after signing
  auto send = [&](const protocol::Batch& batch,
                  protocol::BatchCodec codec = protocol::kBatchCodec) {
    auto res = Must(client->Post("/v1/records", protocol::BatchContentType(codec),
                                 Must(protocol::EncodeBatch(batch, codec))));
    REQUIRE(res.status == 200);
    return Must(protocol::ParseAck(res.body));
  };
  // The first batch as an older agent sends it (zlib): HQ takes both codecs.
  auto ack = send(b, protocol::BatchCodec::kZlib);
  CHECK(ack.acked == std::vector<std::int64_t>{1, 3});
  REQUIRE(ack.rejected.size() == 1);
  CHECK(ack.rejected[0].seq == 2);
  CHECK(ack.rejected[0].reason == "bad_signature");
  CHECK(ack.contiguous == 1);
  CHECK(hq.Count("CP-T1") == 2);
  CHECK(CountFlags(hq.Flags("CP-T1"), "bad_signature") == 1);

  // A different record under a sequence number HQ holds: a conflict, not stored.
  protocol::Record other{"CP-T1", 1, 1, "inspection", "x", 5, protocol::kGenesisHash, "{}", {}};
  protocol::SignRecord(other, key);
  auto conflict = send({"CP-T1", {other}});
  REQUIRE(conflict.rejected.size() == 1);
  CHECK(conflict.rejected[0].reason == "conflict");
  CHECK(CountFlags(hq.Flags("CP-T1"), "conflict") == 1);

  // Seq 2 signed correctly but not chained to seq 1: stored (the device signed it)
  // and flagged, against seq 1 and against seq 3 that names the real seq 2.
  protocol::Record unlinked{"CP-T1", 2, 1, "inspection", "u2", 1002, protocol::Hash{1}, "{}", {}};
  protocol::SignRecord(unlinked, key);
  auto linked = send({"CP-T1", {unlinked}});
  CHECK(linked.acked == std::vector<std::int64_t>{2});
  CHECK(linked.contiguous == 3);
  CHECK(CountFlags(hq.Flags("CP-T1"), "chain_break") == 2);

  // A batch naming another device than the certificate's is refused outright.
  auto res = Must(client->Post("/v1/records", protocol::kBatchContentType,
                               Must(protocol::EncodeBatch({"CP-OTHER", {}}))));
  CHECK(res.status == 403);
  // A body in a codec HQ does not know is refused by its content type (415), and a
  // zstd body sent as zlib is refused as malformed (400): nothing is stored.
  auto zstd_body = Must(protocol::EncodeBatch({"CP-T1", {other}}));
  CHECK(Must(client->Post("/v1/records", "application/vnd.checkpoint.batch+brotli", zstd_body))
            .status == 415);
  CHECK(Must(client->Post("/v1/records", protocol::kBatchContentTypeZlib, zstd_body)).status ==
        400);
  CHECK(hq.Count("CP-T1") == 3);
}

TEST_CASE("synced records are purged after the retention and the chain goes on", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(10);
  auto options = FastOptions(4);
  options.retention = std::chrono::milliseconds(0);
  TestAgent a(d, hq, options);
  agent::StopSignal stop;
  CHECK(Must(a.uplink.Purge()) == 0);  // nothing synced yet: nothing goes
  Must(a.uplink.Run(stop, true));
  d.clock.Advance(std::chrono::milliseconds(1));
  CHECK(Must(a.uplink.Purge()) == 10);
  CHECK(Must(d.outbox.Stats()).synced == 0);
  CHECK_FALSE(Must(d.outbox.Find(10)).has_value());
  // Record 11 names the hash of the purged record 10 from the agent's chain state.
  d.Enqueue(3);
  Must(a.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 13);
  CHECK(hq.Contiguous("CP-T1") == 13);
  CHECK(hq.Flags("CP-T1").empty());

  // Pending records are never purged, whatever the retention.
  d.Enqueue(2);
  d.clock.Advance(std::chrono::milliseconds(1));
  CHECK(Must(a.uplink.Purge()) == 3);
  CHECK(d.Pending() == 2);
}

TEST_CASE("an agent that lost its chain state continues the chain from HQ's record",
          "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(10);
  auto options = FastOptions(4);
  options.retention = std::chrono::milliseconds(0);
  agent::StopSignal stop;
  {
    TestAgent a(d, hq, options);
    Must(a.uplink.Run(stop, true));
    d.clock.Advance(std::chrono::milliseconds(1));
    CHECK(Must(a.uplink.Purge()) == 10);
  }
  // sync.db is lost (a replaced card, a restore without it); the outbox now starts at
  // 11, and the hash of record 10 exists only at HQ.
  const auto state = agent::AgentFiles(d.data).state;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(state.string() + suffix);
  d.Enqueue(5);
  {
    TestAgent a(d, hq, options);
    Must(a.uplink.Run(stop, true));
    CHECK(a.client->requests == 3);  // the anchor, then two batches of 4 and 1
  }
  CHECK(hq.Count("CP-T1") == 15);
  CHECK(hq.Contiguous("CP-T1") == 15);
  CHECK(hq.Flags("CP-T1").empty());  // record 11 chains to HQ's record 10: no break
  CHECK(d.Pending() == 0);

  // Lost again, and this time HQ does not hold the record before the outbox's oldest
  // (records 16-17 were purged from the outbox without reaching HQ: a restored
  // outbox): the records still go up, and HQ shows the gap instead of a silent join.
  d.Enqueue(4);  // 16..19
  const std::int64_t lost[] = {16, 17};
  Must(d.outbox.MarkSynced(lost, d.clock.WallMs()));
  d.clock.Advance(std::chrono::milliseconds(1));
  CHECK(Must(d.outbox.PurgeSynced(d.clock.WallMs())) == 7);  // 11-15 and the two lost
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(state.string() + suffix);
  {
    TestAgent a(d, hq, options);
    Must(a.uplink.Run(stop, true));
  }
  CHECK(hq.Count("CP-T1") == 17);
  CHECK(hq.Contiguous("CP-T1") == 15);  // 16 and 17 never arrive
  CHECK(d.Pending() == 0);
}

TEST_CASE("HQ answers a chain anchor only for the device's own records", "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(3);
  TestAgent a(d, hq);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  auto anchor = Must(a.client->Get("/v1/chain/2"));
  REQUIRE(anchor.status == 200);
  const auto parsed = Must(protocol::ParseChainAnchor(anchor.body));
  CHECK(parsed.seq == 2);
  hq.service->WithDatabase([&](hq::HqDatabase& db) {
    CHECK(parsed.hash == protocol::RecordHash(*Must(db.FindRecord("CP-T1", 2))));
    return 0;
  });
  CHECK(Must(a.client->Get("/v1/chain/4")).status == 404);
  for (const char* bad : {"/v1/chain/0", "/v1/chain/-1", "/v1/chain/", "/v1/chain/2x",
                          "/v1/chain/99999999999999999999", "/v1/chain/9007199254740992"}) {
    INFO(bad);
    CHECK(Must(a.client->Get(bad)).status == 400);
  }
  CHECK(Must(a.client->Post("/v1/chain/2", "application/json", "{}")).status == 405);
  // Without a device certificate: refused before anything is looked up.
  auto anonymous = Must(d.Client(hq, false));
  CHECK(Must(anonymous->Get("/v1/chain/2")).status == 401);
}

TEST_CASE("connections cut in the handshake, mid-batch or mid-answer never duplicate or skip",
          "[sync][uplink][network]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(300);
  d.Enqueue(5, store::Lane::kPriority);
  // The first twelve connections are reset after a random number of bytes: during
  // the TLS handshake, in the middle of a batch, or before HQ's answer is through.
  std::mt19937 rng(Catch::rngSeed());
  std::vector<std::size_t> budgets;
  for (int i = 0; i < 12; ++i) budgets.push_back(200 + rng() % 12'000);
  FaultProxy proxy(hq.port, [budgets](int i) -> std::optional<std::size_t> {
    if (i < static_cast<int>(budgets.size())) return budgets[static_cast<std::size_t>(i)];
    return std::nullopt;
  });
  TestAgent a(d, hq, FastOptions(40), "https://127.0.0.1:" + std::to_string(proxy.port()));
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(proxy.cuts() >= 1);
  CHECK(hq.Count("CP-T1") == 305);
  CHECK(hq.Contiguous("CP-T1") == 305);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
}

TEST_CASE("the agent reaches HQ through an HTTP proxy", "[sync][uplink][network]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(20);
  FaultProxy proxy(hq.port, nullptr, /*http_connect=*/true);
  const agent::AgentFiles files(d.data);
  agent::HttpClientOptions o;
  o.base_url = hq.url();
  o.ca_file = files.hq_ca;
  o.cert_file = files.cert;
  o.key_file = files.key;
  o.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  auto client = Must(agent::MakeCurlHttpClient(o));
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(files.state));
  agent::Uplink uplink(d.outbox, chain, key, *client, d.clock, d.log, FastOptions(8));
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(proxy.tunnels() >= 1);
  CHECK(hq.Count("CP-T1") == 20);
}

TEST_CASE("HQ down for a while: the agent backs off and drains when it is back",
          "[sync][uplink][network]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(500);  // a backlog built while the link was down
  d.Enqueue(3, store::Lane::kPriority);
  const std::uint16_t port = hq.port;
  hq.Down();
  TestAgent a(d, hq, FastOptions(100));
  agent::StopSignal stop;
  Status result;
  std::thread agent_thread([&] { result = a.uplink.Run(stop, true); });
  // Wait (with a deadline) until the agent has failed a few times against no HQ.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (a.client->requests.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    stop.WaitFor(std::chrono::milliseconds(5));
  }
  CHECK(a.client->requests.load() >= 4);
  hq.Start(port);
  agent_thread.join();
  Must(result);
  CHECK(hq.Count("CP-T1") == 503);
  CHECK(hq.Contiguous("CP-T1") == 503);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
}

TEST_CASE("a record whose acknowledgement was lost is resent after later ones went through",
          "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  TestAgent a(d, hq, FastOptions(5));
  d.Enqueue(1);
  CHECK(Must(a.uplink.SendOnce()).acked == 1);
  d.Enqueue(1, store::Lane::kTelemetry);  // seq 2: stored at HQ, but the answer is lost
  a.client->drop_answers = 1;
  CHECK_FALSE(a.uplink.SendOnce());
  d.Enqueue(20);  // seqs 3..22 overtake it (lane 1 before telemetry), HQ's contiguous passes it
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(d.Pending() == 0);
  CHECK(hq.Count("CP-T1") == 22);
  CHECK(hq.Contiguous("CP-T1") == 22);
  CHECK(hq.Flags("CP-T1").empty());
}

TEST_CASE("with the disk low, synced records are purged at once, pending ones never",
          "[sync][uplink]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(10);
  bool low = false;
  auto options = FastOptions(4);  // a week's retention
  options.disk_low = [&low] { return low; };
  options.disk_check_every = std::chrono::milliseconds(0);
  TestAgent a(d, hq, options);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  d.clock.Advance(std::chrono::milliseconds(1));
  d.Enqueue(2);
  CHECK(Must(a.uplink.Purge()) == 0);  // disk fine: the retention holds them
  CHECK(Must(d.outbox.Stats()).synced == 10);

  low = true;
  Must(a.uplink.Run(stop, true));  // purges first, then sends the two
  CHECK_FALSE(Must(d.outbox.Find(10)).has_value());
  CHECK(hq.Count("CP-T1") == 12);
  CHECK(hq.Contiguous("CP-T1") == 12);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(Must(d.outbox.Stats()).synced == 2);  // synced in this run, purged on the next check
  d.Enqueue(1);
  d.clock.Advance(std::chrono::milliseconds(1));
  CHECK(Must(a.uplink.Purge()) == 2);
  CHECK(d.Pending() == 1);
}

namespace {
// Runs `hook(i)` before forwarding request i (0-based) of the uplink; the hook runs
// on the uplink's worker thread while the uplink prepares the next batch.
class HookClient final : public ForwardingClient {
 public:
  HookClient(std::unique_ptr<agent::HttpClient> inner, std::function<void(int)> hook)
      : ForwardingClient(std::move(inner)), hook_(std::move(hook)) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view content_type,
                                   std::string_view body) override {
    const int i = requests++;
    hook_(i);
    bodies.emplace_back(body);
    auto r = inner().Post(path, content_type, body);
    if (drop_answer == i) return agent::MakeError(agent::SyncErrc::kNetwork, "test: answer lost");
    return r;
  }
  int requests = 0;
  int drop_answer = -1;
  std::vector<std::string> bodies;

 private:
  std::function<void(int)> hook_;
};

// Calls `in` with each request's body before it goes and `out` when it is answered.
class WatchedClient final : public ForwardingClient {
 public:
  WatchedClient(std::unique_ptr<agent::HttpClient> inner, std::function<void(std::string_view)> in,
                std::function<void()> out)
      : ForwardingClient(std::move(inner)), in_(std::move(in)), out_(std::move(out)) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view type,
                                   std::string_view body) override {
    in_(body);
    auto r = inner().Post(path, type, body);
    out_();
    return r;
  }

 private:
  std::function<void(std::string_view)> in_;
  std::function<void()> out_;
};
}  // namespace

TEST_CASE("the next batch is prepared while one is in flight, and alerts still overtake",
          "[sync][uplink][pipeline]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(100);
  // The test's own connections to the agent's files (the uplink's are busy).
  auto chain_view = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  auto writer = Must(store::Store::Open({.path = d.dir / "store.db", .device_id = d.device_id}));
  bool prepared_in_flight = false;
  HookClient client(Must(d.Client(hq, true)), [&](int i) {
    if (i != 0) return;
    // While batch 1 (seqs 1..25) is in flight, the uplink chains batch 2 (26..50).
    agent::StopSignal never;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Must(chain_view.Head()) >= 50) {
        prepared_in_flight = true;
        break;
      }
      never.WaitFor(std::chrono::milliseconds(2));
    }
    // An alert raised now goes out before the rest of the backlog (seq 101).
    Must(writer.outbox().Enqueue(store::Lane::kPriority, "alert", "u-alert", "{}", 5));
  });
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  agent::Uplink uplink(d.outbox, chain, key, client, d.clock, d.log, FastOptions(25));
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(prepared_in_flight);
  CHECK(hq.Count("CP-T1") == 101);
  CHECK(hq.Contiguous("CP-T1") == 101);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
  // Batch 2 was prepared before the alert existed; batch 3 carries it first.
  REQUIRE(client.bodies.size() == 5);
  auto third = Must(protocol::DecodeBatch(client.bodies[2], protocol::kBatchCodec));
  CHECK(third.records.front().seq == 101);
}

TEST_CASE("a pipelined drain through failures mid-backlog stores every record exactly once",
          "[sync][uplink][pipeline]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(400);
  d.Enqueue(20, store::Lane::kTelemetry);
  d.Enqueue(10, store::Lane::kPriority);
  d.Enqueue(170);
  // Request 2 gets a 500 and request 4 a 429 (neither stored), the answer to request
  // 6 is lost (stored): each time the batch prepared meanwhile is dropped.
  auto client = std::make_unique<HookClient>(Must(d.Client(hq, true)), [&](int i) {
    if (i == 2) hq.service->InjectFaults({{500, -1}});
    if (i == 4) hq.service->InjectFaults({{429, 0}});
  });
  client->drop_answer = 6;
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  agent::Uplink uplink(d.outbox, chain, key, *client, d.clock, d.log, FastOptions(50));
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 600);
  CHECK(hq.Contiguous("CP-T1") == 600);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
  // 12 batches, and the three that failed sent again.
  CHECK(client->requests == 15);
}

namespace {
std::int64_t CountLines(const log::MemorySink& sink, std::string_view text) {
  std::int64_t n = 0;
  for (const auto& line : sink.Lines()) n += line.find(text) != std::string::npos;
  return n;
}
}  // namespace

TEST_CASE("records are sealed while HQ is down and go up with the signatures made then",
          "[sync][uplink][seal]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(450);
  const std::uint16_t port = hq.port;
  hq.Down();
  // The test's own views of the agent's state and the store (the uplink's
  // connections are busy in its thread).
  auto chain_view = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  auto store_view =
      Must(store::Store::Open({.path = d.dir / "store.db", .device_id = d.device_id}));
  TestAgent a(d, hq, FastOptions(50));  // a failed batch seals 50; waiting seals the rest
  agent::StopSignal stop;
  Status result;
  std::thread agent_thread([&] { result = a.uplink.Run(stop, true); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Must(chain_view.Head()) < 450 && std::chrono::steady_clock::now() < deadline) {
    stop.WaitFor(std::chrono::milliseconds(5));
  }
  const std::int64_t sealed_offline = Must(chain_view.Head());
  const int tries_offline = a.client->requests.load();
  // Every seal is the device's signature over the record as it is in the outbox.
  std::vector<std::int64_t> seqs(450);
  for (std::size_t i = 0; i < seqs.size(); ++i) seqs[i] = static_cast<std::int64_t>(i) + 1;
  const auto seals = Must(chain_view.SealsOf(seqs));
  std::vector<protocol::Signature> sealed_sigs;
  int verified = 0;
  for (std::size_t i = 0; i < seals.size(); ++i) {
    REQUIRE(seals[i].self);
    REQUIRE(seals[i].self->sig);
    REQUIRE(seals[i].prev);
    const auto e = Must(store_view.outbox().Find(seqs[i]));
    REQUIRE(e);
    protocol::Record r{e->device_id,   e->seq,         static_cast<int>(e->lane),
                       e->record_type, e->record_uuid, e->created_at_ms,
                       *seals[i].prev, e->payload,     *seals[i].self->sig};
    verified += protocol::VerifyRecord(r, a.key.Public()) ? 1 : 0;
    CHECK(protocol::RecordHash(r) == seals[i].self->hash);
    sealed_sigs.push_back(*seals[i].self->sig);
  }
  hq.Start(port);
  agent_thread.join();
  Must(result);
  CHECK(sealed_offline == 450);
  CHECK(tries_offline >= 1);
  CHECK(verified == 450);
  CHECK(CountLines(*d.logs, "records sealed while waiting") >= 1);
  CHECK(hq.Count("CP-T1") == 450);
  CHECK(hq.Contiguous("CP-T1") == 450);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
  // HQ holds the signatures made offline: none was made when the batches were.
  CHECK(a.uplink.signed_when_sent() == 0);
  int same = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    auto held = hq.service->WithDatabase(
        [&](hq::HqDatabase& db) { return Must(db.FindRecord("CP-T1", seqs[i])); });
    REQUIRE(held);
    same += held->sig == sealed_sigs[i] ? 1 : 0;
  }
  CHECK(same == 450);
  CHECK(CountLines(*d.logs, "changed after it was sealed") == 0);
}

TEST_CASE("Seal seals in steps, only what is unsealed, and nothing twice", "[sync][uplink][seal]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  TestAgent a(d, hq, FastOptions(100));
  CHECK(Must(a.uplink.Seal(1000)) == 0);  // an empty outbox
  d.Enqueue(30);
  CHECK(Must(a.uplink.Seal(0)) == 0);
  CHECK(Must(a.uplink.Seal(12)) == 12);
  CHECK(Must(a.uplink.Seal(1000)) == 18);
  CHECK(Must(a.uplink.Seal(1000)) == 0);
  CHECK(Must(a.chain.Head()) == 30);
  CHECK(a.client->requests.load() == 0);  // sealing needs no network
  d.Enqueue(5, store::Lane::kPriority);
  CHECK(Must(a.uplink.Seal(1000)) == 5);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 35);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(a.uplink.signed_when_sent() == 0);
}

TEST_CASE("a record altered in the outbox after it was sealed is logged and HQ flags the chain",
          "[sync][uplink][seal]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(3);
  TestAgent a(d, hq);
  CHECK(Must(a.uplink.Seal(10)) == 3);
  // Someone with the store's file changes record 2 before it is sent.
  Must(d.store.db().Exec(
      "UPDATE outbox SET payload = CAST('{\"level\":\"clear\",\"score\":99}' AS BLOB) "
      "WHERE seq = 2"));
  const auto r = Must(a.uplink.SendOnce());
  CHECK(r.sent == 3);
  CHECK(r.rejected == 0);
  // Sent as it is now, signed now; record 3 names the hash record 2 was sealed with.
  CHECK(hq.Count("CP-T1") == 3);
  const auto flags = hq.Flags("CP-T1");
  REQUIRE(CountFlags(flags, "chain_break") == 1);
  CHECK(flags.front().seq == 3);
  CHECK(CountLines(*d.logs, "changed after it was sealed") == 1);
  CHECK(a.uplink.signed_when_sent() == 1);
  CHECK(CountLines(*d.logs, "seq=2") >= 1);
}

TEST_CASE("links chained before sealing existed (no signature) are signed when sent",
          "[sync][uplink][seal]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(40);
  {
    TestAgent a(d, hq);
    CHECK(Must(a.uplink.Seal(100)) == 40);
  }
  // As an agent of the previous version left its state: hashes, no signatures.
  {
    auto c = Must(store::Connection::Open({.path = agent::AgentFiles(d.data).state}));
    Must(c.Exec("UPDATE chain SET sig = NULL WHERE seq > 20"));
  }
  TestAgent a(d, hq);
  agent::StopSignal stop;
  Must(a.uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 40);
  CHECK(hq.Contiguous("CP-T1") == 40);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(CountLines(*d.logs, "changed after it was sealed") == 0);
  CHECK(a.uplink.signed_when_sent() == 20);
}

TEST_CASE("the chain state keeps seals whole and finds each record's and its predecessor's",
          "[sync][uplink][seal]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(2);
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  const agent::ChainLink ok{1, protocol::Hash{7}, protocol::Signature{}};
  Must(chain.Append(std::span(&ok, 1)));
  // The schema's CHECK keeps a short signature out.
  auto c = Must(store::Connection::Open({.path = agent::AgentFiles(d.data).state}));
  CHECK_FALSE(c.Exec("INSERT INTO chain(seq, hash, sig) VALUES (2, zeroblob(32), zeroblob(10))"));
  const std::int64_t seqs[] = {1, 2};
  const auto seals = Must(chain.SealsOf(seqs));
  REQUIRE(seals.size() == 2);
  CHECK(seals[0].prev == protocol::kGenesisHash);
  REQUIRE(seals[0].self);
  CHECK(seals[0].self->hash == protocol::Hash{7});
  CHECK(seals[1].prev == protocol::Hash{7});
  CHECK_FALSE(seals[1].self);
}

TEST_CASE("two batches travel at once on two connections, and failures never duplicate or skip",
          "[sync][uplink][pipeline]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(300);
  d.Enqueue(15, store::Lane::kTelemetry);
  d.Enqueue(210);
  std::atomic<int> second_started{0};
  bool overlapped = false;
  // The first request on the first connection waits until the second connection
  // carries one too: both are then on the wire together.
  HookClient first(Must(d.Client(hq, true)), [&](int i) {
    if (i != 0) return;
    agent::StopSignal never;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (second_started.load() == 0 && std::chrono::steady_clock::now() < deadline) {
      never.WaitFor(std::chrono::milliseconds(2));
    }
    overlapped = second_started.load() > 0;
  });
  // On the second connection: request 2 gets a 500 (not stored) and the answer to
  // request 3 is lost (stored).
  HookClient second(Must(d.Client(hq, true)), [&](int i) {
    ++second_started;
    if (i == 2) hq.service->InjectFaults({{500, -1}});
  });
  second.drop_answer = 3;
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  agent::Uplink uplink(d.outbox, chain, key, first, d.clock, d.log, FastOptions(40));
  uplink.AddConnection(second);
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(overlapped);
  CHECK(hq.Count("CP-T1") == 525);
  CHECK(hq.Contiguous("CP-T1") == 525);
  CHECK(hq.Flags("CP-T1").empty());
  CHECK(d.Pending() == 0);
  CHECK(first.requests >= 3);
  CHECK(second.requests >= 4);
  // 14 batches of 40 at least, and the two that failed sent again.
  CHECK(first.requests + second.requests >= 16);
}

TEST_CASE("a batch that carries alerts travels alone, so nothing sent beside it overtakes them",
          "[sync][uplink][pipeline]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(60);
  d.Enqueue(5, store::Lane::kPriority);
  d.Enqueue(60);
  std::mutex mu;
  int active = 0, started = 0;
  std::vector<int> alerts_beside;  // for each batch with alerts: requests on the wire with it
  std::condition_variable begun;
  // Every request counts itself in; one that carries alerts counts the others on the
  // wire, then watches for 200 ms whether another begins (with two connections the
  // agent would start one at once).
  auto hook = [&](std::string_view body) {
    const auto batch = Must(protocol::DecodeBatch(body, protocol::kBatchCodec));
    const bool alerts = std::any_of(batch.records.begin(), batch.records.end(),
                                    [](const protocol::Record& r) { return r.lane == 0; });
    std::unique_lock lock(mu);
    ++active;
    const int before = ++started;
    begun.notify_all();
    if (alerts) {
      const int already = active - 1;
      begun.wait_for(lock, std::chrono::milliseconds(200), [&] { return started > before; });
      alerts_beside.push_back(already + started - before);
    }
  };
  auto done = [&] {
    std::lock_guard lock(mu);
    --active;
  };
  WatchedClient first(Must(d.Client(hq, true)), hook, done);
  WatchedClient second(Must(d.Client(hq, true)), hook, done);
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  agent::Uplink uplink(d.outbox, chain, key, first, d.clock, d.log, FastOptions(20));
  uplink.AddConnection(second);
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(hq.Count("CP-T1") == 125);
  CHECK(hq.Flags("CP-T1").empty());
  REQUIRE(alerts_beside.size() == 1);  // the five alerts lead the first batch
  CHECK(alerts_beside[0] == 0);
  CHECK(started >= 7);
}

TEST_CASE("one connection means one batch on the wire, whatever max_in_flight says",
          "[sync][uplink][pipeline]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(120);
  std::atomic<int> active{0}, most{0};
  WatchedClient only(
      Must(d.Client(hq, true)),
      [&](std::string_view) {
        const int now = ++active;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
      },
      [&] { --active; });
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(agent::AgentFiles(d.data).state));
  auto options = FastOptions(10);
  options.max_in_flight = 4;
  agent::Uplink uplink(d.outbox, chain, key, only, d.clock, d.log, options);
  agent::StopSignal stop;
  Must(uplink.Run(stop, true));
  CHECK(most.load() == 1);
  CHECK(hq.Count("CP-T1") == 120);
  CHECK(hq.Flags("CP-T1").empty());
}
