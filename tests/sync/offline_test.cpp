// The link over time: a week of records while HQ is unreachable, then the drain with
// alerts first; and a device whose certificate has expired, refused in the TLS
// handshake with nothing stored and nothing lost.
#include <algorithm>

#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

TEST_CASE("a week offline, then reconnect: every record once, alerts first", "[sync][offline]") {
  TestHq hq;
  TestDevice d("CP-WEEK");
  Must(d.Enroll(hq));
  hq.Down();
  auto options = FastOptions(200);
  TestAgent a(d, hq, options);
  // Seven days, a record every ten minutes, an alert every six hours; every hour the
  // agent tries and fails, and nothing is marked synced.
  const std::int64_t start = d.clock.WallMs();
  int records = 0, alerts = 0, attempts = 0;
  for (int minute = 0; minute < 7 * 24 * 60; minute += 10) {
    const bool alert = minute % (6 * 60) == 0;
    Must(d.outbox.Enqueue(alert ? store::Lane::kPriority : store::Lane::kRecords,
                          alert ? "alert" : "inspection", "w-" + std::to_string(minute),
                          R"({"level":")" + std::string(alert ? "alert" : "clear") + "\"}",
                          d.clock.WallMs()));
    ++records;
    alerts += alert ? 1 : 0;
    if (minute % 60 == 0) {
      auto r = a.uplink.SendOnce();
      CHECK_FALSE(r);
      ++attempts;
    }
    d.clock.Advance(std::chrono::minutes(10));
  }
  CHECK(d.Pending() == records);
  CHECK(d.clock.WallMs() - start == 7LL * 24 * 3'600'000);
  CHECK(attempts == 7 * 24);

  hq.Start(0);
  TestAgent back(d, hq, options, hq.url());  // the same agent state, HQ's new address
  agent::StopSignal stop;
  Must(back.uplink.Run(stop, true));
  CHECK(d.Pending() == 0);
  CHECK(hq.Count("CP-WEEK") == records);
  CHECK(hq.Contiguous("CP-WEEK") == records);
  CHECK(hq.Flags("CP-WEEK").empty());
  // Alerts first: all of them arrived no later than the first inspection did.
  hq.service->WithDatabase([&](hq::HqDatabase& db) {
    const auto last_alert =
        Must(db.db().QueryInt("SELECT max(received_at_ms) FROM records WHERE lane = 0"));
    const auto first_record =
        Must(db.db().QueryInt("SELECT min(received_at_ms) FROM records WHERE lane = 1"));
    CHECK(last_alert <= first_record);
    CHECK(Must(db.db().QueryInt("SELECT count(*) FROM records WHERE lane = 0")) == alerts);
    // Device times are the device's own, a week apart, in order.
    CHECK(Must(db.db().QueryInt("SELECT max(device_time_ms) - min(device_time_ms) FROM records")) ==
          7LL * 24 * 3'600'000 - 600'000);
    return 0;
  });
}

namespace {
// Enrollment straight into a service (no TLS): for a certificate issued at another
// time than now.
class InProcessHq final : public agent::HttpClient {
 public:
  explicit InProcessHq(hq::HqService& s) : s_(s) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view content_type,
                                   std::string_view body) override {
    hq::HttpRequest r;
    r.method = "POST";
    r.target = std::string(path);
    r.content_type = std::string(content_type);
    r.body = std::string(body);
    auto out = s_.Handle(r);
    return agent::HttpResult{out.status, out.body, std::nullopt};
  }
  // Enrollment only posts.
  Expected<agent::HttpResult> Get(std::string_view) override {
    return MakeError(CommonErrc::kInternal, "not used by enrollment");
  }
  Expected<agent::DownloadResult> Download(std::string_view,
                                           const agent::DownloadRequest&) override {
    return MakeError(CommonErrc::kInternal, "not used by enrollment");
  }

 private:
  hq::HqService& s_;
};
}  // namespace

TEST_CASE("an expired device certificate is refused in the handshake; nothing is lost",
          "[sync][tls]") {
  TestHq hq;
  TestDevice d("CP-OLD");
  // HQ issued the certificate three days ago, valid one day.
  common::ManualClock past(common::SystemClock().WallMs() - 3LL * 24 * 3'600'000);
  hq::HqService::Options one_day;
  one_day.device_cert_days = 1;
  hq::HqService issuer(Must(hq::HqDatabase::Open(hq.dir / "hq.db")),
                       Must(hq::CertificateAuthority::Load(hq.dir.path())), past, hq.log, one_day);
  Must(common::EnsurePrivateDirectory(d.data));
  Must(common::WriteFileAtomic(agent::AgentFiles(d.data).hq_ca,
                               Must(common::ReadFile(hq.ca_file())), 0644));
  InProcessHq in_process(issuer);
  Must(agent::Enroll(in_process, d.data, "CP-OLD", Must(issuer.CreateToken("CP-OLD", 60'000)),
                     d.log));
  d.Enqueue(3);
  TestAgent a(d, hq);
  auto r = a.uplink.SendOnce();
  REQUIRE_FALSE(r);
  CHECK((r.error().Is(agent::SyncErrc::kTls) || r.error().Is(agent::SyncErrc::kNetwork)));
  CHECK(hq.Count("CP-OLD") == 0);
  CHECK(d.Pending() == 3);  // kept for when the device has a valid certificate again

  // Enrolled again (a new token, a certificate valid from now): the three go through.
  Must(d.Enroll(hq));
  TestAgent renewed(d, hq);
  agent::StopSignal stop;
  Must(renewed.uplink.Run(stop, true));
  CHECK(hq.Count("CP-OLD") == 3);
  CHECK(hq.Flags("CP-OLD").empty());
}
