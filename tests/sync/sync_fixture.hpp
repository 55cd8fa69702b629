#pragma once
// The real HQ (service + Beast HTTPS server on 127.0.0.1, its own CA made at test
// time) and a real device (store, agent data directory, libcurl client), for the
// sync tests. TLS is real on both sides.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/downlink.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/agent/errors.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/uplink.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hq/bundles.hpp"
#include "checkpoint/hq/ca.hpp"
#include "checkpoint/hq/database.hpp"
#include "checkpoint/hq/http.hpp"
#include "checkpoint/hq/service.hpp"
#include "checkpoint/store/store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

namespace checkpoint::testing {

struct TestHq {
  TempDir dir;
  common::SystemClock clock;
  std::shared_ptr<log::MemorySink> logs = std::make_shared<log::MemorySink>();
  log::Logger log{logs, "hq", log::Level::kDebug};
  std::unique_ptr<hq::HqService> service;
  std::unique_ptr<hq::HttpsServer> server;
  std::uint16_t port = 0;
  hq::SigningKeys keys = Must(hq::SigningKeys::LoadOrCreate(dir / "signing"));

  TestHq() {
    Must(hq::CertificateAuthority::Initialize(dir.path(), {"127.0.0.1"}, clock.WallMs() / 1000));
    service = std::make_unique<hq::HqService>(Must(hq::HqDatabase::Open(dir / "hq.db")),
                                              Must(hq::CertificateAuthority::Load(dir.path())),
                                              clock, log, hq::HqService::Options{});
    Start(0);
  }
  ~TestHq() {
    if (server) server->Stop();
  }
  // Starts the HTTPS server on `at` (0: any free port), e.g. again on the same port
  // after Down(); the service and its database stay.
  void Start(std::uint16_t at) {
    const hq::CaFiles files(dir.path());
    hq::HttpsServer::Options o;
    o.port = at;
    o.cert_chain_file = files.server_cert;
    o.key_file = files.server_key;
    o.client_ca_file = files.ca_cert;
    server = Must(hq::HttpsServer::Start(
        o, [this](const hq::HttpRequest& r) { return service->Handle(r); }, log));
    port = server->port();
  }
  // HQ unreachable: nothing listens on its port any more.
  void Down() {
    server->Stop();
    server.reset();
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }
  std::filesystem::path ca_file() const { return hq::CaFiles(dir.path()).ca_cert; }
  std::int64_t Count(const std::string& device) {
    return service->WithDatabase([&](hq::HqDatabase& db) { return Must(db.RecordCount(device)); });
  }
  std::int64_t Contiguous(const std::string& device) {
    return service->WithDatabase([&](hq::HqDatabase& db) { return Must(db.Contiguous(device)); });
  }
  std::vector<hq::Flag> Flags(const std::string& device) {
    return service->WithDatabase([&](hq::HqDatabase& db) { return Must(db.Flags(device)); });
  }
  // Publishes as `checkpoint-hq publish` does (with the current key unless `key`).
  protocol::BundleManifest Publish(hq::PublishRequest request,
                                   const protocol::DeviceKey* key = nullptr) {
    if (request.name.empty()) request.name = request.kind + ".bin";
    return service->WithDatabase([&](hq::HqDatabase& db) {
      return Must(hq::PublishBundle(db.db(), key ? *key : keys.current(), request, clock.WallMs()));
    });
  }
  void Sql(const std::string& sql) {
    service->WithDatabase([&](hq::HqDatabase& db) {
      Must(db.db().Exec(sql));
      return 0;
    });
  }
};

// Counts requests and can drop HQ's answers (the request reached HQ, the answer
// was lost on the way back) or keep the last body sent.
class TappedClient final : public agent::HttpClient {
 public:
  explicit TappedClient(std::unique_ptr<agent::HttpClient> inner) : inner_(std::move(inner)) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view content_type,
                                   std::string_view body) override {
    ++requests;
    last_body = std::string(body);
    auto r = inner_->Post(path, content_type, body);
    if (r) statuses.push_back(r->status);
    if (drop_answers > 0) {
      --drop_answers;
      return agent::MakeError(agent::SyncErrc::kNetwork, "test: answer lost");
    }
    return r;
  }
  Expected<agent::HttpResult> Get(std::string_view path) override {
    ++requests;
    return inner_->Get(path);
  }
  Expected<agent::DownloadResult> Download(std::string_view path,
                                           const agent::DownloadRequest& request) override {
    ++requests;
    ranges.push_back(request.offset);
    auto r = inner_->Download(path, request);
    if (r) statuses.push_back(r->status);
    return r;
  }
  std::atomic<int> requests{0};  // read by tests while the agent runs in another thread
  int drop_answers = 0;
  std::string last_body;
  std::vector<long> statuses;
  std::vector<std::int64_t> ranges;  // the offset of each download asked for

 private:
  std::unique_ptr<agent::HttpClient> inner_;
};

struct TestDevice {
  explicit TestDevice(std::string id = "CP-T1") : device_id(std::move(id)) {}
  std::string device_id;
  TempDir dir;
  std::filesystem::path data = dir / "agent";
  common::ManualClock clock{common::SystemClock().WallMs()};  // the device's own clock
  std::shared_ptr<log::MemorySink> logs = std::make_shared<log::MemorySink>();
  log::Logger log{logs, "agent", log::Level::kDebug};
  store::Store store = Must(store::Store::Open({.path = dir / "store.db", .device_id = device_id}));
  store::Outbox outbox = store.outbox();

  // Pins `ca` (HQ's by default) and enrolls with a fresh token from `hq`.
  Status Enroll(TestHq& hq, std::optional<std::filesystem::path> ca = std::nullopt) {
    Must(common::EnsurePrivateDirectory(data));
    Must(common::WriteFileAtomic(agent::AgentFiles(data).hq_ca,
                                 Must(common::ReadFile(ca.value_or(hq.ca_file()))), 0644));
    const std::string token = Must(hq.service->CreateToken(device_id, 60'000));
    last_token = token;
    auto client = Must(Client(hq, false));
    return agent::Enroll(*client, data, device_id, token, log);
  }
  // A client of HQ, or of `url` (a proxy in front of HQ) when given.
  Expected<std::unique_ptr<agent::HttpClient>> Client(TestHq& hq, bool with_cert,
                                                      const std::string& url = {}) {
    const agent::AgentFiles files(data);
    agent::HttpClientOptions o;
    o.base_url = url.empty() ? hq.url() : url;
    o.ca_file = files.hq_ca;
    o.timeout = std::chrono::seconds(30);
    if (with_cert) {
      o.cert_file = files.cert;
      o.key_file = files.key;
    }
    return agent::MakeCurlHttpClient(o);
  }
  protocol::DeviceKey Key() { return Must(protocol::DeviceKey::Load(data / "device.key")); }
  void Enqueue(int n, store::Lane lane = store::Lane::kRecords) {
    for (int i = 0; i < n; ++i) {
      Must(outbox.Enqueue(lane, lane == store::Lane::kPriority ? "alert" : "inspection",
                          "uuid-" + std::to_string(next_uuid++),
                          R"({"level":"clear","score":)" + std::to_string(i) + "}",
                          1'700'000'000'000 + i));
    }
  }
  std::int64_t Pending() {
    auto s = Must(outbox.Stats());
    return s.pending[0] + s.pending[1] + s.pending[2];
  }
  // Provisions the pinned HQ content-signing keys, as `enroll --hq-signing-keys` does.
  void PinSigningKeys(const std::vector<protocol::PublicKey>& keys) {
    std::string pem;
    for (const auto& k : keys) pem += protocol::PublicKeyPem(k);
    Must(common::WriteFileAtomic(data / agent::kSigningKeysFile, pem, 0644));
  }
  std::string last_token;
  int next_uuid = 1;
};

inline agent::UplinkOptions FastOptions(std::size_t max_records = 100) {
  agent::UplinkOptions o;
  o.max_records = max_records;
  o.backoff.initial = std::chrono::milliseconds(5);
  o.backoff.max = std::chrono::milliseconds(50);
  o.heartbeat_every = std::chrono::milliseconds(0);
  o.idle_poll = std::chrono::milliseconds(10);
  return o;
}

// The agent's pieces for one device, wired as checkpoint-sync wires them.
struct TestAgent {
  TestAgent(TestDevice& d, TestHq& hq, agent::UplinkOptions options = FastOptions(),
            const std::string& url = {})
      : key(d.Key()),
        chain(Must(agent::ChainState::Open(agent::AgentFiles(d.data).state))),
        client(std::make_unique<TappedClient>(Must(d.Client(hq, true, url)))),
        uplink(d.outbox, chain, key, *client, d.clock, d.log, options) {}
  protocol::DeviceKey key;
  agent::ChainState chain;
  std::unique_ptr<TappedClient> client;
  agent::Uplink uplink;
};

// The downlink of one device, wired as checkpoint-sync wires it; the pinned keys
// are read from the device's file at construction.
struct TestDownlink {
  TestDownlink(TestDevice& d, TestHq& hq, const std::string& url = {},
               common::DirectoryAccess access = {})
      : dir(d.dir / "bundles"),
        chain(Must(agent::ChainState::Open(agent::AgentFiles(d.data).state))),
        client(std::make_unique<TappedClient>(Must(d.Client(hq, true, url)))),
        trusted(d.clock),
        downlink(*client, chain, trusted, d.log, Options(d, access)) {}
  agent::DownlinkOptions Options(TestDevice& d, const common::DirectoryAccess& access) {
    agent::DownlinkOptions o;
    o.dir = dir;
    o.access = access;
    o.pinned = Must(agent::LoadPinnedSigningKeys(d.data / agent::kSigningKeysFile));
    return o;
  }
  std::int64_t Installed(const std::string& kind) {
    auto i = Must(agent::ReadInstalled(dir, kind));
    return i ? i->version() : 0;
  }
  std::string Payload(const protocol::BundleManifest& m) {
    return Must(common::ReadFile(agent::PayloadPath(dir, m), 64u << 20));
  }
  std::filesystem::path dir;
  agent::ChainState chain;
  std::unique_ptr<TappedClient> client;
  agent::TrustedTime trusted;
  agent::Downlink downlink;
};

}  // namespace checkpoint::testing
