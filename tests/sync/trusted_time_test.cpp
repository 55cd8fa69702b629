#include "checkpoint/agent/trusted_time.hpp"

#include <chrono>

#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

TEST_CASE("trusted time: a floor, the stored HQ time, then HQ's time plus monotonic time",
          "[sync][clock]") {
  common::ManualClock clock(0);  // a box that booted in 1970
  agent::TrustedTime fresh(clock);
  CHECK(fresh.NowMs() == agent::kTimeFloorMs);
  CHECK_FALSE(fresh.last_hq_ms());

  agent::TrustedTime restarted(clock, agent::kTimeFloorMs, 1'800'000'000'000);
  CHECK(restarted.NowMs() == 1'800'000'000'000);
  clock.SetWall(1'900'000'000'000);  // ahead of every floor: taken as is, until HQ speaks
  CHECK(restarted.NowMs() == 1'900'000'000'000);
  restarted.ObserveHq(1'850'000'000'000);
  clock.Advance(std::chrono::seconds(5));
  CHECK(restarted.NowMs() == 1'850'000'005'000);  // HQ's time runs on the monotonic clock
  clock.SetWall(0);
  CHECK(restarted.NowMs() == 1'850'000'005'000);
}

TEST_CASE("a box whose clock says 1970 checks HQ's certificate at a sane time",
          "[sync][clock][tls]") {
  TestHq hq;
  TestDevice d;
  Must(d.Enroll(hq));
  d.Enqueue(3);
  d.clock.SetWall(0);
  const agent::AgentFiles files(d.data);
  auto client_at = [&](agent::TrustedTime& t) {
    agent::HttpClientOptions o;
    o.base_url = hq.url();
    o.ca_file = files.hq_ca;
    o.cert_file = files.cert;
    o.key_file = files.key;
    o.verify_time_s = [&t] { return t.NowMs() / 1000; };
    return Must(agent::MakeCurlHttpClient(o));
  };
  const protocol::DeviceKey key = d.Key();
  auto chain = Must(agent::ChainState::Open(files.state));

  // At 1970 HQ's certificate is not yet valid: the verification time is really ours.
  agent::TrustedTime at_1970(d.clock, /*floor_ms=*/0);
  auto http_1970 = client_at(at_1970);
  agent::Uplink refused(d.outbox, chain, key, *http_1970, d.clock, d.log, FastOptions());
  auto r = refused.SendOnce();
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(agent::SyncErrc::kTls));

  // With the HQ time stored by an earlier run, the same box connects, and learns and
  // stores HQ's time again from the acknowledgement.
  const std::int64_t hq_now = common::SystemClock().WallMs();
  agent::TrustedTime trusted(d.clock, agent::kTimeFloorMs, hq_now - 60'000);
  auto http = client_at(trusted);
  agent::Uplink uplink(d.outbox, chain, key, *http, d.clock, d.log, FastOptions(), &trusted);
  CHECK(Must(uplink.SendOnce()).acked == 3);
  REQUIRE(trusted.last_hq_ms());
  CHECK(*trusted.last_hq_ms() >= hq_now);
  auto stored = Must(chain.LastHqTime());
  REQUIRE(stored);
  CHECK(*stored == *trusted.last_hq_ms());
  CHECK(hq.Count("CP-T1") == 3);
}
