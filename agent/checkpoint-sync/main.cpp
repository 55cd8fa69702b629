// checkpoint-sync: the sync agent.
//   checkpoint-sync enroll --data DIR --hq URL --hq-ca FILE --device ID --token-file FILE
//   checkpoint-sync run    --data DIR --hq URL --store DB [--drain]
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/uplink.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/store/store.hpp"

namespace {
using namespace checkpoint;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void Usage(std::FILE* out) {
  std::fprintf(out,
               "usage: checkpoint-sync enroll --data DIR --hq URL --hq-ca FILE --device ID\n"
               "                              (--token-file FILE | --token TOKEN)\n"
               "       checkpoint-sync run    --data DIR --hq URL --store DB [--drain]\n"
               "  enroll  pins the HQ CA, creates the device key (0600) and a CSR, and\n"
               "          exchanges the one-time token for the device certificate\n"
               "  run     sends the outbox to HQ until SIGTERM (--drain: until it is empty)\n"
               "  --proxy URL  HTTP proxy for HQ (default: none; https_proxy is ignored)\n"
               "  --max-send-bytes-per-s N  bandwidth cap for uploads\n"
               "  --batch-records N         records per batch at most (default 500)\n"
               "  --retention-days N        keep synced records N days (default 7)\n");
}

int Fail(const Error& e) {
  std::fprintf(stderr, "checkpoint-sync: %s\n", e.String().c_str());
  return kExitFailure;
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
  std::filesystem::path data, hq_ca, store_path, token_file;
  std::string hq_url, device, token, proxy;
  std::int64_t max_send = 0;
  bool drain = false;
  long batch_records = 500;
  long retention_days = 7;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--data" && has) {
      data = argv[++i];
    } else if (a == "--hq" && has) {
      hq_url = argv[++i];
    } else if (a == "--hq-ca" && has) {
      hq_ca = argv[++i];
    } else if (a == "--device" && has) {
      device = argv[++i];
    } else if (a == "--token" && has) {
      token = argv[++i];
    } else if (a == "--token-file" && has) {
      token_file = argv[++i];
    } else if (a == "--store" && has) {
      store_path = argv[++i];
    } else if (a == "--proxy" && has) {
      proxy = argv[++i];
    } else if (a == "--max-send-bytes-per-s" && has) {
      max_send = std::strtoll(argv[++i], nullptr, 10);
    } else if (a == "--batch-records" && has) {
      batch_records = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--retention-days" && has) {
      retention_days = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--drain") {
      drain = true;
    } else {
      std::fprintf(stderr, "checkpoint-sync: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return kExitUsage;
    }
  }
  if (data.empty() || hq_url.empty()) {
    std::fprintf(stderr, "checkpoint-sync: --data and --hq are required\n");
    return kExitUsage;
  }
  log::Logger log(std::make_shared<log::FdSink>(2), "checkpoint-sync");
  const agent::AgentFiles files(data);
  agent::HttpClientOptions http;
  http.base_url = hq_url;
  http.ca_file = files.hq_ca;
  http.proxy = proxy;
  http.max_send_bytes_per_s = max_send;

  if (cmd == "enroll") {
    if (device.empty() || hq_ca.empty() || (token.empty() && token_file.empty())) {
      std::fprintf(stderr, "checkpoint-sync: enroll needs --device, --hq-ca and a token\n");
      return kExitUsage;
    }
    if (!token_file.empty()) {
      auto t = common::ReadFile(token_file, 4096);
      if (!t) return Fail(t.error());
      token = *t;
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    }
    if (auto s = common::EnsurePrivateDirectory(data); !s) return Fail(s.error());
    auto ca = common::ReadFile(hq_ca, 65536);
    if (!ca) return Fail(ca.error());
    if (auto s = common::WriteFileAtomic(files.hq_ca, *ca, 0644); !s) return Fail(s.error());
    auto client = agent::MakeCurlHttpClient(http);
    if (!client) return Fail(client.error());
    if (auto s = agent::Enroll(**client, data, device, token, log); !s) return Fail(s.error());
    std::printf("enrolled %s\n", device.c_str());
    return kExitOk;
  }
  if (cmd != "run") {
    Usage(stderr);
    return kExitUsage;
  }
  if (store_path.empty()) {
    std::fprintf(stderr, "checkpoint-sync: run needs --store DB\n");
    return kExitUsage;
  }
  auto device_id = agent::EnrolledDeviceId(data);
  if (!device_id) return Fail(device_id.error());
  auto key = protocol::DeviceKey::LoadOrCreate(files.key);
  if (!key) return Fail(key.error());
  http.cert_file = files.cert;
  http.key_file = files.key;
  auto client = agent::MakeCurlHttpClient(http);
  if (!client) return Fail(client.error());
  auto st = store::Store::Open({.path = store_path, .device_id = *device_id});
  if (!st) return Fail(st.error());
  auto chain = agent::ChainState::Open(files.state);
  if (!chain) return Fail(chain.error());
  common::SystemClock clock;
  store::Outbox outbox = st->outbox();
  if (batch_records < 1 || batch_records > 10'000 || retention_days < 0) {
    std::fprintf(stderr, "checkpoint-sync: --batch-records 1..10000, --retention-days >= 0\n");
    return kExitUsage;
  }
  agent::UplinkOptions options;
  options.max_records = static_cast<std::size_t>(batch_records);
  options.retention = std::chrono::hours(24) * retention_days;
  agent::Uplink uplink(outbox, *chain, *key, **client, clock, log.Child("uplink"), options);

  // SIGTERM/SIGINT stop the loop between batches: a signal thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  agent::StopSignal stop;
  std::thread signals([&set, &stop] {
    int sig = 0;
    sigwait(&set, &sig);
    stop.Stop();
  });
  log.Info("started", {{"device", *device_id}});
  const Status s = uplink.Run(stop, drain);
  if (!stop.stopped()) {
    stop.Stop();
    pthread_kill(signals.native_handle(), SIGTERM);
  }
  signals.join();
  if (!s) return Fail(s.error());
  return kExitOk;
} catch (const std::exception& e) {
  std::fprintf(stderr, "checkpoint-sync: %s\n", e.what());
  return 1;
}
