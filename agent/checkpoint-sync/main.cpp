// checkpoint-sync: the sync agent.
//   checkpoint-sync enroll [--config FILE] --hq-ca FILE (--token-file FILE | --token T)
//   checkpoint-sync run    [--config FILE] [--drain]
//   checkpoint-sync fetch  [--config FILE]      one round of the downlink (bundles)
// Settings come from the [device], [paths] and [sync] sections of the configuration;
// command-line options override them (and stand in for them without --config).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/downlink.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/trusted_time.hpp"
#include "checkpoint/agent/uplink.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/common/systemd.hpp"
#include "checkpoint/config/config.hpp"
#include "checkpoint/store/disk.hpp"
#include "checkpoint/store/faults.hpp"
#include "checkpoint/store/store.hpp"

namespace {
using namespace checkpoint;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// run: the database is corrupt or its directory refuses writes (ADR 0017); the unit
// does not restart on it (a restart cannot fix it), a technician acts.
constexpr int kExitStorage = 3;

void Usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: checkpoint-sync enroll [--config FILE] --hq-ca FILE (--token-file FILE | --token T)\n"
      "                              [--hq-signing-keys FILE]\n"
      "       checkpoint-sync run    [--config FILE] [--drain]\n"
      "       checkpoint-sync fetch  [--config FILE]\n"
      "  enroll  pins the HQ CA (and HQ's content-signing keys), creates the device\n"
      "          key (0600) and a CSR, and exchanges the one-time token for the\n"
      "          device certificate\n"
      "  run     sends the outbox to HQ until SIGTERM (--drain: until it is empty),\n"
      "          and installs HQ's signed bundles every --bundle-poll-s (300) seconds;\n"
      "          exit 3 when the database is corrupt or its directory read-only\n"
      "  fetch   one round of bundles: lists, downloads, verifies and installs what\n"
      "          is new; exit 3 when a bundle was refused\n"
      "options overriding the configuration ([device], [paths], [sync]):\n"
      "  --data DIR                the agent's directory (default: <paths.data_dir>/sync)\n"
      "  --store DB                the appliance database (default: "
      "<paths.data_dir>/checkpoint.db)\n"
      "  --hq URL                  HQ (sync.hq_url)\n"
      "  --device ID               this box (device.id)\n"
      "  --proxy URL               HTTP proxy for HQ (sync.proxy; https_proxy is ignored)\n"
      "  --max-send-bytes-per-s N  upload bandwidth cap (sync.max_send_bytes_per_s)\n"
      "  --batch-records N         records per batch at most (sync.batch_records)\n"
      "  --retention-days N        keep synced records N days (sync.retention_days)\n"
      "  --bundles DIR             installed bundles (default: <paths.data_dir>/bundles)\n"
      "  --bundle-poll-s N         seconds between bundle rounds in run (default 300)\n");
}

int Fail(const Error& e) {
  std::fprintf(stderr, "checkpoint-sync: %s\n", e.String().c_str());
  return kExitFailure;
}

struct Settings {
  std::filesystem::path data, store, hq_ca, token_file, bundles, signing_keys;
  long long bundle_poll_s = 300;
  std::string hq_url, device, token;
  config::SyncConfig sync;
  std::uint64_t disk_low_bytes = 256ULL << 20;  // store.disk_low_mib
  // [paths] group: the data directory is shared with checkpointd through it (ADR
  // 0012): the database is created 0660 and the bundles are readable by the group.
  std::string data_group;
  bool drain = false;
};

// The bundle directory's access, and the database's mode, for `s.data_group`.
struct SharedAccess {
  common::DirectoryAccess bundles;
  unsigned db_mode = 0600;
};
Expected<SharedAccess> Access(const Settings& s) {
  if (s.data_group.empty()) return SharedAccess{};
  auto gid = common::SharedGroup(s.data_group);
  if (!gid) return std::move(gid).error().WithContext("cannot share the data directory");
  return SharedAccess{{0750, *gid}, 0660};
}

int Enroll(const Settings& s, agent::HttpClientOptions http, const log::Logger& log) {
  if (s.device.empty() || s.hq_ca.empty() || (s.token.empty() && s.token_file.empty())) {
    std::fprintf(stderr, "checkpoint-sync: enroll needs a device id, --hq-ca and a token\n");
    return kExitUsage;
  }
  std::string token = s.token;
  if (!s.token_file.empty()) {
    auto t = common::ReadFile(s.token_file, 4096);
    if (!t) return Fail(t.error());
    token = *t;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  if (auto st = common::EnsurePrivateDirectory(s.data); !st) return Fail(st.error());
  auto ca = common::ReadFile(s.hq_ca, 65536);
  if (!ca) return Fail(ca.error());
  const agent::AgentFiles files(s.data);
  if (auto st = common::WriteFileAtomic(files.hq_ca, *ca, 0644); !st) return Fail(st.error());
  if (!s.signing_keys.empty()) {
    // Pinned like the CA: checked here, so a bad file is found by the technician.
    auto keys = agent::LoadPinnedSigningKeys(s.signing_keys);
    if (!keys) return Fail(keys.error());
    auto pem = common::ReadFile(s.signing_keys, 65536);
    if (!pem) return Fail(pem.error());
    if (auto st = common::WriteFileAtomic(s.data / agent::kSigningKeysFile, *pem, 0644); !st) {
      return Fail(st.error());
    }
  }
  common::SystemClock clock;
  agent::TrustedTime trusted(clock);  // no HQ time yet: the device clock, floored
  http.verify_time_s = [&trusted] { return trusted.NowMs() / 1000; };
  auto client = agent::MakeCurlHttpClient(http);
  if (!client) return Fail(client.error());
  if (auto st = agent::Enroll(**client, s.data, s.device, token, log); !st) return Fail(st.error());
  std::printf("enrolled %s\n", s.device.c_str());
  return kExitOk;
}

// The options of an enrolled device's client: its certificate, and HQ's certificate
// checked at a sane time, not at whatever the device clock says.
agent::HttpClientOptions DeviceHttp(agent::HttpClientOptions http, const agent::AgentFiles& files,
                                    agent::TrustedTime& trusted) {
  http.verify_time_s = [&trusted] { return trusted.NowMs() / 1000; };
  http.cert_file = files.cert;
  http.key_file = files.key;
  return http;
}

int Run(const Settings& s, agent::HttpClientOptions http, const log::Logger& log) {
  if (s.store.empty()) {
    std::fprintf(stderr, "checkpoint-sync: run needs the database (--store or --config)\n");
    return kExitUsage;
  }
  const agent::AgentFiles files(s.data);
  auto device_id = agent::EnrolledDeviceId(s.data);
  if (!device_id) return Fail(device_id.error());
  if (!s.device.empty() && s.device != *device_id) {
    return Fail(MakeError(CommonErrc::kInvalidArgument,
                          "enrolled as " + *device_id + " but configured as " + s.device));
  }
  // Never a new key here: it would not match the certificate HQ issued.
  auto key = protocol::DeviceKey::Load(files.key);
  if (!key) return Fail(key.error().WithContext("the device key (enroll again?)"));
  auto access = Access(s);
  if (!access) return Fail(access.error());
  auto st = store::Store::Open({.path = s.store, .device_id = *device_id, .mode = access->db_mode});
  if (!st) {
    const store::Fault fault = store::FaultOf(st.error());
    if (fault == store::Fault::kCorrupt || fault == store::Fault::kReadOnly ||
        !store::ProbeWritable(s.store.parent_path())) {
      std::fprintf(stderr,
                   "checkpoint-sync: %s\ncheckpoint-sync: the store needs a technician (database "
                   "%s, or its directory refuses writes): see docs/technician.md, 'Storage "
                   "faults'; not restarting\n",
                   st.error().String().c_str(), s.store.c_str());
      return kExitStorage;
    }
    return Fail(st.error());
  }
  auto chain = agent::ChainState::Open(files.state);
  if (!chain) return Fail(chain.error());
  common::SystemClock clock;
  auto stored_hq = chain->LastHqTime();
  agent::TrustedTime trusted(clock, agent::kTimeFloorMs,
                             stored_hq ? *stored_hq : std::optional<std::int64_t>());
  http = DeviceHttp(std::move(http), files, trusted);
  auto client = agent::MakeCurlHttpClient(http);
  if (!client) return Fail(client.error());
  store::Outbox outbox = st->outbox();
  agent::UplinkOptions options;
  options.max_records = s.sync.batch_records;
  options.max_bytes = s.sync.batch_bytes;
  options.retention = s.sync.retention;
  options.heartbeat_every = s.sync.heartbeat_interval;
  // The disk policy (store/disk.hpp): while the store's disk is low, synced records go
  // at once.
  options.disk_low = [dir = s.store.parent_path(), low = s.disk_low_bytes] {
    auto free = store::FreeBytes(dir.empty() ? std::filesystem::path(".") : dir);
    return free && *free < low;
  };
  // The device certificate is renewed a month before it ends (checked hourly, at the
  // trusted time); a failed renewal is retried at the next check.
  options.housekeeping = [&, renew_log = log.Child("enroll")] {
    auto renewed = agent::RenewIfDue(**client, s.data, std::chrono::hours(24 * 30),
                                     trusted.NowMs() / 1000, renew_log);
    if (!renewed) {
      renew_log.Error("certificate renewal failed", {{"error", renewed.error().String()}});
    }
  };
  agent::Uplink uplink(outbox, *chain, *key, **client, clock, log.Child("uplink"), options,
                       &trusted);
  // A second connection for batches: HQ checks one batch while it stores the other.
  // Not with a bandwidth cap, which libcurl applies per connection.
  std::unique_ptr<agent::HttpClient> second;
  if (s.sync.max_send_bytes_per_s == 0) {
    auto c = agent::MakeCurlHttpClient(http);
    if (!c) return Fail(c.error());
    second = std::move(*c);
    uplink.AddConnection(*second);
  }

  // SIGTERM/SIGINT stop the loop between batches: a signal thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  agent::StopSignal stop;
  // The systemd protocol (READY=1, WATCHDOG=1, STOPPING=1) from this thread, which
  // waits for the signal: everything the loops need is open by now.
  common::SystemdNotifier notifier;
  std::thread signals([&set, &stop, &notifier, &log, device = *device_id] {
    common::WaitForSignal(set, notifier, "syncing; device " + device);
    log.Info("stopping");
    stop.Stop();
  });
  // The downlink runs beside the uplink, with its own connection and state handle.
  std::thread downlink;
  auto pinned = agent::LoadPinnedSigningKeys(s.data / agent::kSigningKeysFile);
  if (!pinned) {
    log.Warning("downlink off: no pinned HQ signing keys", {{"error", pinned.error().String()}});
  } else if (!s.drain) {
    auto down_client = agent::MakeCurlHttpClient(http);
    auto down_state = agent::ChainState::Open(files.state);
    if (!down_client) return Fail(down_client.error());
    if (!down_state) return Fail(down_state.error());
    downlink = std::thread([&, c = std::move(*down_client), ds = std::move(*down_state),
                            keys = std::move(*pinned)]() mutable {
      agent::DownlinkOptions o;
      o.dir = s.bundles;
      o.access = access->bundles;
      o.pinned = std::move(keys);
      o.poll = std::chrono::seconds(s.bundle_poll_s);
      agent::Downlink d(*c, ds, trusted, log.Child("downlink"), o);
      d.Run(stop);
    });
  }
  log.Info("started", {{"device", *device_id}});
  const Status result = uplink.Run(stop, s.drain);
  if (!stop.stopped()) {
    stop.Stop();
    pthread_kill(signals.native_handle(), SIGTERM);
  }
  signals.join();
  if (downlink.joinable()) downlink.join();
  if (!result) return Fail(result.error());
  return kExitOk;
}

int Fetch(const Settings& s, agent::HttpClientOptions http, const log::Logger& log) {
  const agent::AgentFiles files(s.data);
  auto device_id = agent::EnrolledDeviceId(s.data);
  if (!device_id) return Fail(device_id.error());
  auto pinned = agent::LoadPinnedSigningKeys(s.data / agent::kSigningKeysFile);
  if (!pinned) return Fail(pinned.error());
  auto state = agent::ChainState::Open(files.state);
  if (!state) return Fail(state.error());
  common::SystemClock clock;
  auto stored_hq = state->LastHqTime();
  agent::TrustedTime trusted(clock, agent::kTimeFloorMs,
                             stored_hq ? *stored_hq : std::optional<std::int64_t>());
  auto client = agent::MakeCurlHttpClient(DeviceHttp(std::move(http), files, trusted));
  if (!client) return Fail(client.error());
  auto access = Access(s);
  if (!access) return Fail(access.error());
  agent::DownlinkOptions o;
  o.dir = s.bundles;
  o.access = access->bundles;
  o.pinned = std::move(*pinned);
  agent::Downlink downlink(**client, *state, trusted, log.Child("downlink"), o);
  auto round = downlink.SyncOnce();
  if (!round) return Fail(round.error());
  for (const auto& b : round->installed) {
    std::printf("installed %s %lld\n", b.kind.c_str(), static_cast<long long>(b.version));
  }
  for (const auto& b : round->postponed) {
    std::printf("postponed %s %lld: %s\n", b.kind.c_str(), static_cast<long long>(b.version),
                b.reason.c_str());
  }
  for (const auto& b : round->refused) {
    std::printf("refused %s %lld: %s\n", b.kind.c_str(), static_cast<long long>(b.version),
                b.reason.c_str());
  }
  return round->refused.empty() ? kExitOk : 3;
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    Usage(stderr);
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    Usage(stdout);
    return kExitOk;
  }
  if (cmd != "enroll" && cmd != "run" && cmd != "fetch") {
    Usage(stderr);
    return kExitUsage;
  }
  // Options first, so that they can override the configuration read after them.
  std::optional<std::filesystem::path> config_path, data, store_path, bundles;
  std::optional<long long> bundle_poll;
  std::optional<std::string> hq_url, device, proxy;
  std::optional<long long> max_send, batch_records, retention_days;
  Settings s;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    auto number = [&](std::optional<long long>& out) {
      char* end = nullptr;
      out = std::strtoll(argv[++i], &end, 10);
      return end && *end == '\0';
    };
    bool ok = true;
    if (a == "--config" && has) {
      config_path = argv[++i];
    } else if (a == "--data" && has) {
      data = argv[++i];
    } else if (a == "--hq" && has) {
      hq_url = argv[++i];
    } else if (a == "--hq-ca" && has) {
      s.hq_ca = argv[++i];
    } else if (a == "--device" && has) {
      device = argv[++i];
    } else if (a == "--token" && has) {
      s.token = argv[++i];
    } else if (a == "--token-file" && has) {
      s.token_file = argv[++i];
    } else if (a == "--store" && has) {
      store_path = argv[++i];
    } else if (a == "--proxy" && has) {
      proxy = argv[++i];
    } else if (a == "--max-send-bytes-per-s" && has) {
      ok = number(max_send) && *max_send >= 0;
    } else if (a == "--batch-records" && has) {
      ok = number(batch_records) && *batch_records >= 1 && *batch_records <= 10'000;
    } else if (a == "--retention-days" && has) {
      ok = number(retention_days) && *retention_days >= 0 && *retention_days <= 3650;
    } else if (a == "--hq-signing-keys" && has) {
      s.signing_keys = argv[++i];
    } else if (a == "--bundles" && has) {
      bundles = argv[++i];
    } else if (a == "--bundle-poll-s" && has) {
      ok = number(bundle_poll) && *bundle_poll >= 1 && *bundle_poll <= 86'400;
    } else if (a == "--drain") {
      s.drain = true;
    } else {
      std::fprintf(stderr, "checkpoint-sync: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return kExitUsage;
    }
    if (!ok) {
      std::fprintf(stderr, "checkpoint-sync: bad value for %s\n", a.c_str());
      return kExitUsage;
    }
  }
  if (config_path) {
    auto c = config::LoadConfig(*config_path);
    if (!c) {
      std::fprintf(stderr, "checkpoint-sync: %s\n", c.error().message().c_str());
      return kExitUsage;
    }
    s.data = c->SyncDir();
    s.store = c->DatabasePath();
    s.device = c->device_id;
    s.hq_url = c->sync.hq_url;
    s.sync = c->sync;
    s.disk_low_bytes = static_cast<std::uint64_t>(c->disk_low_mib) << 20;
    s.bundles = c->BundlesDir();
    s.data_group = c->data_group;
  }
  if (data) s.data = *data;
  if (bundles) s.bundles = *bundles;
  if (bundle_poll) s.bundle_poll_s = *bundle_poll;
  if (s.bundles.empty() && !s.data.empty()) s.bundles = s.data / "bundles";
  if (store_path) s.store = *store_path;
  if (device) s.device = *device;
  if (hq_url) s.hq_url = *hq_url;
  if (proxy) s.sync.proxy = *proxy;
  if (max_send) s.sync.max_send_bytes_per_s = *max_send;
  if (batch_records) s.sync.batch_records = static_cast<std::size_t>(*batch_records);
  if (retention_days) s.sync.retention = std::chrono::hours(24 * *retention_days);
  if (s.data.empty() || s.hq_url.empty()) {
    std::fprintf(stderr,
                 "checkpoint-sync: no agent directory or HQ URL (--config or --data, --hq)\n");
    return kExitUsage;
  }

  log::Logger log(std::make_shared<log::FdSink>(2), "checkpoint-sync");
  agent::HttpClientOptions http;
  http.base_url = s.hq_url;
  http.ca_file = agent::AgentFiles(s.data).hq_ca;
  http.proxy = s.sync.proxy;
  http.max_send_bytes_per_s = s.sync.max_send_bytes_per_s;
  if (cmd == "enroll") return Enroll(s, http, log);
  return cmd == "fetch" ? Fetch(s, http, log) : Run(s, http, log);
} catch (const std::exception& e) {
  std::fprintf(stderr, "checkpoint-sync: %s\n", e.what());
  return 1;
}
