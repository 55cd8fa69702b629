// Sync uplink, end to end on loopback (issue 6 item 7): a real device outbox with a
// backlog of typical records, a real checkpoint-hq (child process: mutual TLS, a
// fresh SQLite database, synchronous=FULL), enrollment, then the real Uplink and
// libcurl client draining the backlog. In the same run: a naive upload (one HTTPS
// request per record, no pipelining) on a smaller backlog, and HQ's ingest rate alone
// (the drain's request bodies replayed into an in-process HqService, no TLS, no
// agent competing for the cores). Then HQ's database is checked: every record held
// exactly once (count and contiguous prefix equal to the backlog, no flags).
//
//   sync_bench [--records N] [--naive N] [--batch-records R] [--batch-bytes B]
//              [--no-pipeline] [--replay N] [--replay-postgres CONNINFO] [--keep] [--quick]
//     --records N      backlog drained (default 1,000,000; --quick: 20,000)
//     --naive N        backlog of the naive upload (default N/200, at least 500)
//     --replay N       records of the drain replayed for HQ's ingest rate (default
//                      min(N, 200,000); 0: skip)
//     --replay-postgres CONNINFO  also replay into PostgreSQL (an empty database; e.g.
//                      a throwaway cluster of scripts/pg.sh: bench/run.sh sync-pg)
//     --keep           keep the temporary directory (printed)
// Prints a human summary and one JSON line (prefix "RESULT ").
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/uplink.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hq/ca.hpp"
#include "checkpoint/hq/database.hpp"
#include "checkpoint/hq/service.hpp"
#include "checkpoint/protocol/batch.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/store/store.hpp"
#include "support/forwarding_client.hpp"

extern char** environ;

using namespace checkpoint;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_bench: %s\n", what.c_str());
  std::exit(1);
}
template <typename T>
T Must(Expected<T> e, const char* what) {
  if (!e) Die(std::string(what) + ": " + e.error().String());
  return std::move(e).value();
}
void Must(Status s, const char* what) {
  if (!s) Die(std::string(what) + ": " + s.error().String());
}

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU seconds (user + system) of this process, and of a child by /proc.
double SelfCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double ChildCpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(s.substr(close + 2));
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoll(f);
    if (i == 15) stime = std::stoll(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// checkpoint-hq as a child process; stdout on a pipe, stderr (its log) to a file.
struct Child {
  pid_t pid = -1;
  int out = -1;
};
Child Spawn(const std::vector<std::string>& args, const fs::path& log) {
  int p[2];
  if (pipe(p) != 0) Die("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child c;
  if (posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0)
    Die("spawn " + args[0]);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  c.out = p[0];
  return c;
}
std::string ReadLine(int fd) {
  std::string line;
  char ch = 0;
  while (read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  return line;
}
int WaitChild(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
std::string RunHq(const std::vector<std::string>& args, const fs::path& log) {
  Child c = Spawn(args, log);
  std::string out = ReadLine(c.out);
  close(c.out);
  if (WaitChild(c.pid) != 0) Die("`" + args[1] + "` failed; see " + log.string());
  return out;
}

// A typical record of a vehicle or traveller inspection, ~800 bytes of JSON, varied
// enough that zlib meets realistic redundancy (no PII: generated identifiers).
struct Gen {
  std::uint64_t s = 0x9e3779b97f4a7c15ULL;
  std::uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::string Digits(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += static_cast<char>('0' + Next() % 10);
    return out;
  }
  std::string Letters(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += static_cast<char>('A' + Next() % 26);
    return out;
  }
  std::string Hex(int n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < n; ++i) out += kHex[Next() % 16];
    return out;
  }
};

std::string Uuid(Gen& g) {
  return g.Hex(8) + "-" + g.Hex(4) + "-4" + g.Hex(3) + "-8" + g.Hex(3) + "-" + g.Hex(12);
}

// The inspection's id is the record's uuid, as the appliance writes it.
std::string VehiclePayload(Gen& g, const std::string& uuid, std::int64_t i, std::int64_t t) {
  static const char* kLanes[] = {"car-1", "car-2", "truck-1", "truck-2", "bus-1"};
  static const char* kDecisions[] = {"clear", "clear", "clear", "secondary", "refer"};
  static const char* kMakes[] = {"Volvo", "Scania", "MAN", "DAF", "Iveco", "Skoda", "Renault"};
  static const char* kCountries[] = {"DE", "PL", "LT", "LV", "FI", "EE", "UA", "SE"};
  std::string p;
  p.reserve(900);
  p += R"({"kind":"vehicle_inspection","version":3,"inspection_id":")" + uuid + R"(",)";
  p += R"("lane":")" + std::string(kLanes[g.Next() % 5]) + R"(","officer":"OF-)" + g.Digits(5) +
       R"(","started_at_ms":)" + std::to_string(t) + R"(,"finished_at_ms":)" +
       std::to_string(t + 20'000 + static_cast<std::int64_t>(g.Next() % 90'000)) + ",";
  p += R"("vehicle":{"plate":")" + g.Letters(3) + "-" + g.Digits(4) + R"(","plate_country":")" +
       kCountries[g.Next() % 8] + R"(","plate_confidence":0.)" + g.Digits(3) + R"(,"make":")" +
       kMakes[g.Next() % 7] + R"(","axles":)" + std::to_string(2 + g.Next() % 4) +
       R"(,"weight_kg":)" + std::to_string(1200 + g.Next() % 38'000) + "},";
  p += R"("cargo":{"container":")" + g.Letters(4) + g.Digits(7) + R"(","seal":")" + g.Digits(9) +
       R"(","seal_intact":true,"manifest_ref":"MNF-)" + g.Digits(10) +
       R"(","declared_goods":"machine parts","hs_codes":["8483.40","8708.99"]},)";
  p += R"("radiation":{"gamma_cps":)" + std::to_string(80 + g.Next() % 60) + R"(,"neutron_cps":)" +
       std::to_string(g.Next() % 4) +
       R"(,"alarm":false},"documents":[{"type":"passport","issuer":")" + kCountries[g.Next() % 8] +
       R"(","number_tag":")" + g.Hex(16) + R"(","valid":true,"chip_verified":true}],)";
  p += R"("risk":{"score":)" + std::to_string(g.Next() % 100) +
       R"(,"rules_version":2,"hits":[]},"decision":")" + kDecisions[g.Next() % 5] +
       R"(","notes":"routine check, documents and seals in order","seq_hint":)" +
       std::to_string(i) + "}";
  return p;
}
std::string TelemetryPayload(Gen& g, std::int64_t t) {
  return R"({"kind":"health","at_ms":)" + std::to_string(t) + R"(,"cpu_load":0.)" + g.Digits(2) +
         R"(,"disk_free_mb":)" + std::to_string(20'000 + g.Next() % 1000) +
         R"(,"devices":{"mrz":"ok","plate":"ok","rpm":"ok","scale":"ok","seal":"ok"},"outbox_pending":)" +
         std::to_string(g.Next() % 100'000) + "}";
}

struct Fill {
  std::int64_t records = 0;
  std::int64_t payload_bytes = 0;
  double seconds = 0;
};
// Lanes: 1 % priority (alerts), 94 % inspection records, 5 % telemetry.
Fill FillOutbox(store::Store& st, std::int64_t n, std::uint64_t seed) {
  Gen g;
  g.s ^= seed;
  Fill f;
  const auto t0 = SteadyClock::now();
  store::Outbox ob = st.outbox();
  const std::int64_t t_base = 1'795'000'000'000;
  for (std::int64_t done = 0; done < n;) {
    auto tx = Must(store::Transaction::Begin(st.db()), "begin");
    for (int k = 0; k < 10'000 && done < n; ++k, ++done) {
      const std::int64_t t = t_base + done * 1'000;
      const auto r = g.Next() % 100;
      store::Lane lane = r < 1 ? store::Lane::kPriority
                               : (r < 95 ? store::Lane::kRecords : store::Lane::kTelemetry);
      const std::string uuid = Uuid(g);
      std::string payload = lane == store::Lane::kTelemetry ? TelemetryPayload(g, t)
                                                            : VehiclePayload(g, uuid, done, t);
      const char* type = lane == store::Lane::kPriority
                             ? "alert"
                             : (lane == store::Lane::kRecords ? "inspection" : "health");
      f.payload_bytes += static_cast<std::int64_t>(payload.size());
      Must(ob.Enqueue(lane, type, uuid, payload, t), "enqueue");
    }
    Must(tx.Commit(), "commit");
  }
  f.records = n;
  f.seconds = Seconds(t0, SteadyClock::now());
  return f;
}

// Counts what goes on the wire (HTTP request line, headers and body as libcurl sends
// them for this client; the answers) and keeps request bodies for the replay.
// What the drain's connections sent and got back, and the first request bodies
// (kept for the replay), over every connection.
struct Tally {
  std::mutex mu;
  std::int64_t requests = 0, body_bytes = 0, header_bytes = 0, answer_bytes = 0;
  std::vector<std::string> kept;
  std::size_t kept_records = 0;
  std::size_t keep_records = 0;
};

class CountingClient final : public testing::ForwardingClient {
 public:
  CountingClient(std::unique_ptr<agent::HttpClient> inner, std::string host, Tally& tally)
      : ForwardingClient(std::move(inner)), host_(std::move(host)), tally_(tally) {}
  Expected<agent::HttpResult> Post(std::string_view path, std::string_view content_type,
                                   std::string_view body) override {
    auto r = inner().Post(path, content_type, body);
    std::lock_guard lock(tally_.mu);
    ++tally_.requests;
    tally_.body_bytes += static_cast<std::int64_t>(body.size());
    // What CurlHttpClient sends: request line, Host, Content-Type, Accept,
    // Content-Length (Expect: is suppressed).
    tally_.header_bytes += static_cast<std::int64_t>(
        std::string("POST ").size() + path.size() + std::string(" HTTP/1.1\r\nHost: ").size() +
        host_.size() + std::string("\r\nContent-Type: ").size() + content_type.size() +
        std::string("\r\nAccept: application/json\r\nContent-Length: ").size() +
        std::to_string(body.size()).size() + std::string("\r\n\r\n").size());
    if (r) tally_.answer_bytes += static_cast<std::int64_t>(r->body.size());
    if (path == "/v1/records" && tally_.kept_records < tally_.keep_records && r &&
        r->status == 200) {
      auto ack = protocol::ParseAck(r->body);
      if (ack) tally_.kept_records += ack->acked.size();
      tally_.kept.emplace_back(body);
    }
    return r;
  }

 private:
  std::string host_;
  Tally& tally_;
};

struct Device {
  std::string id;
  fs::path dir;
  std::unique_ptr<store::Store> store;
};

// The uplink's own account of its pipelined rounds (its debug log).
class PipelineSink final : public log::Sink {
 public:
  void Write(log::Level level, std::string_view line) override {
    if (level != log::Level::kDebug || line.find("msg=pipeline") == std::string_view::npos) {
      return;
    }
    const std::string l(line);
    auto field = [&](const char* name) {
      const auto at = l.find(std::string(" ") + name + "=");
      return at == std::string::npos ? 0.0 : std::atof(l.c_str() + at + std::strlen(name) + 2);
    };
    std::lock_guard lock(mu_);
    ++rounds;
    prepare_ms += field("prepare_ms");
    wait_ms += field("wait_ms");
    apply_ms += field("apply_ms");
  }
  std::mutex mu_;
  std::int64_t rounds = 0;
  double prepare_ms = 0, wait_ms = 0, apply_ms = 0;
};

struct DrainResult {
  std::int64_t records = 0;
  std::int64_t rounds = 0;
  double prepare_ms = 0, wait_ms = 0, apply_ms = 0;
  double seconds = 0, agent_cpu = 0, hq_cpu = 0;
  std::int64_t requests = 0, body_bytes = 0, header_bytes = 0, answer_bytes = 0;
  std::vector<std::string> kept;
  std::size_t kept_records = 0;
};

agent::HttpClientOptions ClientOptions(const fs::path& data, const std::string& url, bool cert) {
  const agent::AgentFiles files(data);
  agent::HttpClientOptions o;
  o.base_url = url;
  o.ca_file = files.hq_ca;
  if (cert) {
    o.cert_file = files.cert;
    o.key_file = files.key;
  }
  return o;
}

void Enroll(Device& d, const fs::path& hq_dir, const fs::path& hq_log, const std::string& hq_bin,
            const std::string& url, const log::Logger& log) {
  const fs::path data = d.dir / "agent";
  Must(common::EnsurePrivateDirectory(data), "agent dir");
  Must(
      common::WriteFileAtomic(agent::AgentFiles(data).hq_ca,
                              Must(common::ReadFile(hq::CaFiles(hq_dir).ca_cert), "read CA"), 0644),
      "pin CA");
  const std::string token =
      RunHq({hq_bin, "token", "--data", hq_dir.string(), "--device", d.id}, hq_log);
  auto client = Must(agent::MakeCurlHttpClient(ClientOptions(data, url, false)), "client");
  Must(agent::Enroll(*client, data, d.id, token, log), "enroll");
}

// The backlog sealed as the agent seals it while the link is down (each record chained
// and signed once, ADR 0019): before the drain, timed apart. HQ is not asked.
struct SealResult {
  std::size_t records = 0;
  double seconds = 0, cpu = 0;
};
SealResult SealBacklog(Device& d, const std::string& url, agent::UplinkOptions options) {
  const fs::path data = d.dir / "agent";
  const agent::AgentFiles files(data);
  auto key = Must(protocol::DeviceKey::Load(files.key), "device key");
  auto chain = Must(agent::ChainState::Open(files.state), "chain state");
  auto client = Must(agent::MakeCurlHttpClient(ClientOptions(data, url, true)), "client");
  common::SystemClock clock;
  store::Outbox outbox = d.store->outbox();
  agent::Uplink uplink(outbox, chain, key, *client, clock, log::Logger::Null(), options);
  SealResult r;
  const double cpu0 = SelfCpu();
  const auto t0 = SteadyClock::now();
  for (;;) {
    const std::size_t n = Must(uplink.Seal(100'000), "seal");
    if (n == 0) break;
    r.records += n;
  }
  r.seconds = Seconds(t0, SteadyClock::now());
  r.cpu = SelfCpu() - cpu0;
  return r;
}

DrainResult Drain(Device& d, const std::string& url, const std::string& host, pid_t hq_pid,
                  agent::UplinkOptions options, std::size_t keep) {
  const fs::path data = d.dir / "agent";
  const agent::AgentFiles files(data);
  auto key = Must(protocol::DeviceKey::Load(files.key), "device key");
  auto chain = Must(agent::ChainState::Open(files.state), "chain state");
  Tally tally;
  tally.keep_records = keep;
  CountingClient client(Must(agent::MakeCurlHttpClient(ClientOptions(data, url, true)), "client"),
                        host, tally);
  CountingClient second(Must(agent::MakeCurlHttpClient(ClientOptions(data, url, true)), "client"),
                        host, tally);
  common::SystemClock clock;
  store::Outbox outbox = d.store->outbox();
  auto sink = std::make_shared<PipelineSink>();
  agent::Uplink uplink(outbox, chain, key, client, clock,
                       log::Logger(sink, "uplink", log::Level::kDebug), options);
  uplink.AddConnection(second);  // as checkpoint-sync does without a bandwidth cap
  agent::StopSignal stop;
  DrainResult r;
  const double cpu0 = SelfCpu(), hq0 = ChildCpu(hq_pid);
  const auto t0 = SteadyClock::now();
  Must(uplink.Run(stop, true), "drain");
  r.seconds = Seconds(t0, SteadyClock::now());
  r.agent_cpu = SelfCpu() - cpu0;
  r.hq_cpu = ChildCpu(hq_pid) - hq0;
  auto stats = Must(outbox.Stats(), "stats");
  if (stats.pending[0] + stats.pending[1] + stats.pending[2] != 0) Die("records left pending");
  r.records = stats.synced;
  r.requests = tally.requests;
  r.body_bytes = tally.body_bytes;
  r.header_bytes = tally.header_bytes;
  r.answer_bytes = tally.answer_bytes;
  r.kept = std::move(tally.kept);
  r.kept_records = tally.kept_records;
  r.rounds = sink->rounds;
  r.prepare_ms = sink->prepare_ms;
  r.wait_ms = sink->wait_ms;
  r.apply_ms = sink->apply_ms;
  return r;
}

// HQ alone: the drain's request bodies into an in-process HqService with a fresh
// database (same device key), as fast as one caller can hand them over. SQLite in
// `work`, or PostgreSQL when `postgres` (a connection string) is given.
struct Replay {
  std::size_t records = 0;
  double seconds = 0;
};
Replay ReplayIngest(const std::vector<std::string>& bodies, const Device& d, const fs::path& hq_dir,
                    const fs::path& work, std::size_t records, const std::string& postgres = {}) {
  Replay out;
  if (bodies.empty()) return out;
  auto db = Must(postgres.empty() ? hq::HqDatabase::Open(work / "replay.db")
                                  : hq::HqDatabase::OpenPostgres(postgres),
                 "replay db");
  const auto key = Must(protocol::DeviceKey::Load(agent::AgentFiles(d.dir / "agent").key), "key");
  Must(db.PutDevice(d.id, key.Public(), "(bench)", 0), "put device");
  common::SystemClock clock;
  log::Logger quiet(std::make_shared<log::MemorySink>(), "hq", log::Level::kError);
  hq::HqService service(std::move(db), Must(hq::CertificateAuthority::Load(hq_dir), "CA"), clock,
                        quiet, hq::HqService::Options{});
  const auto t0 = SteadyClock::now();
  for (const auto& b : bodies) {
    hq::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/records";
    req.content_type = protocol::kBatchContentType;
    req.body = b;
    req.client_id = d.id;
    auto res = service.Handle(req);
    if (res.status != 200) Die("replay: HTTP " + std::to_string(res.status) + " " + res.body);
  }
  out.seconds = Seconds(t0, SteadyClock::now());
  out.records = records;
  const auto held = service.WithDatabase([&](hq::HqDatabase& h) { return h.RecordCount(d.id); });
  if (!held || static_cast<std::size_t>(*held) != records) Die("replay: records missing");
  return out;
}

// Zstandard's and zlib's levels on a batch of typical records (the drain's first records, signed
// with a throwaway key): CPU a record to compress and bytes a record on the wire.
void CompressionTable(store::Store& st, std::size_t count) {
  auto entries = Must(st.outbox().Range(0, count), "range");
  const auto key = Must(protocol::DeviceKey::Generate(), "key");
  protocol::Batch batch{st.outbox().device_id(), {}};
  protocol::Hash prev = protocol::kGenesisHash;
  for (const auto& e : entries) {
    protocol::Record r{e.device_id,   e.seq,         static_cast<int>(e.lane),
                       e.record_type, e.record_uuid, e.created_at_ms,
                       prev,          e.payload,     {}};
    protocol::SignRecord(r, key);
    prev = protocol::RecordHash(r);
    batch.records.push_back(std::move(r));
  }
  const std::string text = protocol::BatchJsonLines(batch);
  const double n = static_cast<double>(batch.records.size());
  std::printf(
      "a batch of %zu records (%.0f B/record as JSON lines); a record: CPU to compress, "
      "CPU to decompress, bytes\n",
      batch.records.size(), static_cast<double>(text.size()) / n);
  constexpr int kRounds = 5;
  for (auto codec : {protocol::BatchCodec::kZstd, protocol::BatchCodec::kZlib}) {
    const bool zstd = codec == protocol::BatchCodec::kZstd;
    std::printf("  %s%s:", zstd ? "zstd" : "zlib",
                zstd ? " (sent, level 1)" : " (older agents, level 6)");
    for (int level : {1, 2, 3, 6, 9}) {
      auto t0 = SteadyClock::now();
      std::string out;
      for (int i = 0; i < kRounds; ++i)
        out = Must(protocol::Compress(text, codec, level), "compress");
      const double us = 1e6 * Seconds(t0, SteadyClock::now()) / kRounds / n;
      t0 = SteadyClock::now();
      for (int i = 0; i < kRounds; ++i) {
        if (Must(protocol::Decompress(out, codec, text.size()), "decompress") != text) {
          Die("decompressed batch differs");
        }
      }
      const double back_us = 1e6 * Seconds(t0, SteadyClock::now()) / kRounds / n;
      std::printf(" level %d: %.1f us, %.1f us, %.1f B;", level, us, back_us,
                  static_cast<double>(out.size()) / n);
    }
    std::printf("\n");
  }
}

// HQ's own account of the drain's batches (its log): wall time in decoding, checking
// (signatures, hashes; several threads) and storing (SQLite, commit).
struct HqPhases {
  std::int64_t batches = 0;
  double decode_ms = 0, check_ms = 0, store_ms = 0;
};
HqPhases ReadHqPhases(const fs::path& log, const std::string& device) {
  HqPhases p;
  std::ifstream in(log);
  std::string line;
  auto field = [&](const std::string& name) {
    const auto at = line.find(" " + name + "=");
    return at == std::string::npos ? 0.0 : std::atof(line.c_str() + at + name.size() + 2);
  };
  while (std::getline(in, line)) {
    if (line.find("msg=\"batch stored\"") == std::string::npos ||
        line.find(" device=" + device + " ") == std::string::npos) {
      continue;
    }
    ++p.batches;
    p.decode_ms += field("decode_ms");
    p.check_ms += field("check_ms");
    p.store_ms += field("store_ms");
  }
  return p;
}

// Ed25519 as the protocol library does it, one thread, now (the machine is shared:
// measured in the same run as the drain). Every record is signed once and verified
// once, so these bound the drain from below.
struct Crypto {
  double sign_us = 0, verify_us = 0;
};
Crypto MeasureCrypto() {
  const auto key = Must(protocol::DeviceKey::Generate(), "key");
  const std::string message(1000, 'x');
  constexpr int kN = 3000;
  protocol::Signature sig{};
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < kN; ++i) sig = key.Sign(message);
  const auto t1 = SteadyClock::now();
  int ok = 0;
  for (int i = 0; i < kN; ++i) ok += protocol::Verify(key.Public(), message, sig) ? 1 : 0;
  const auto t2 = SteadyClock::now();
  if (ok != kN) Die("Ed25519 self-check failed");
  return {1e6 * Seconds(t0, t1) / kN, 1e6 * Seconds(t1, t2) / kN};
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

std::int64_t Arg(int argc, char** argv, int& i) {
  if (i + 1 >= argc) Die(std::string(argv[i]) + " needs a value");
  return std::atoll(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 1'000'000, naive = -1, replay = -1;
  agent::UplinkOptions options;
  bool keep_dir = false, quick = false, sealed = true;
  bool records_set = false;
  std::string replay_postgres;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--records") {
      n = Arg(argc, argv, i);
      records_set = true;
    } else if (a == "--naive") {
      naive = Arg(argc, argv, i);
    } else if (a == "--replay") {
      replay = Arg(argc, argv, i);
    } else if (a == "--replay-postgres" && i + 1 < argc) {
      replay_postgres = argv[++i];
    } else if (a == "--batch-records") {
      options.max_records = static_cast<std::size_t>(Arg(argc, argv, i));
    } else if (a == "--batch-bytes") {
      options.max_bytes = static_cast<std::size_t>(Arg(argc, argv, i));
    } else if (a == "--no-pipeline") {
      options.pipeline = false;
    } else if (a == "--in-flight") {
      options.max_in_flight = static_cast<std::size_t>(Arg(argc, argv, i));
    } else if (a == "--unsealed") {
      sealed = false;
    } else if (a == "--keep") {
      keep_dir = true;
    } else if (a == "--quick") {
      quick = true;
    } else {
      Die("unknown argument " + a);
    }
  }
  if (quick && !records_set) n = 20'000;
  if (naive < 0) naive = std::max<std::int64_t>(500, n / 200);
  if (replay < 0) replay = std::min<std::int64_t>(n, 200'000);
  options.heartbeat_every = std::chrono::milliseconds(0);
  options.backoff.initial = std::chrono::milliseconds(50);
  options.backoff.max = std::chrono::milliseconds(1000);

  char tmpl[] = "/tmp/sync_bench.XXXXXX";
  if (!mkdtemp(tmpl)) Die("mkdtemp");
  const fs::path work = tmpl;
  const fs::path hq_dir = work / "hq", hq_log = work / "hq.log";
  const std::string hq_bin = HQ_PATH;
  log::Logger log(std::make_shared<log::FdSink>(2), "sync_bench", log::Level::kWarning);

  std::printf("# sync_bench: %lld records (naive %lld), batches of %zu records / %zu bytes, %s\n",
              static_cast<long long>(n), static_cast<long long>(naive), options.max_records,
              options.max_bytes, work.c_str());
  RunHq({hq_bin, "init", "--data", hq_dir.string()}, hq_log);

  Device main{"BENCH-DRAIN", work / "drain", nullptr};
  Device slow{"BENCH-NAIVE", work / "naive", nullptr};
  for (Device* d : {&main, &slow}) {
    fs::create_directories(d->dir);
    d->store = std::make_unique<store::Store>(
        Must(store::Store::Open({.path = d->dir / "store.db", .device_id = d->id}), "store"));
  }
  const Fill fill = FillOutbox(*main.store, n, 1);
  FillOutbox(*slow.store, naive, 2);
  std::printf("outbox filled: %lld records, %.0f payload bytes a record on average, %.1f s\n",
              static_cast<long long>(fill.records),
              static_cast<double>(fill.payload_bytes) / static_cast<double>(n), fill.seconds);
  std::fflush(stdout);

  CompressionTable(*main.store, std::min<std::size_t>(static_cast<std::size_t>(n), 1000));
  const Crypto crypto = MeasureCrypto();
  const double floor_cpu = static_cast<double>(n) * (crypto.sign_us + crypto.verify_us) / 1e6;
  std::printf(
      "Ed25519 now, one thread: sign %.1f us, verify %.1f us; %lld records need %.0f CPU-s "
      "of Ed25519 alone (%.0f s on 2 idle cores); load average %s\n",
      crypto.sign_us, crypto.verify_us, static_cast<long long>(n), floor_cpu, floor_cpu / 2,
      LoadAverage().c_str());
  std::fflush(stdout);

  Child hq = Spawn({hq_bin, "serve", "--data", hq_dir.string(), "--listen", "127.0.0.1:0"}, hq_log);
  const std::string listening = ReadLine(hq.out);  // "listening 127.0.0.1:PORT"
  if (listening.rfind("listening ", 0) != 0) Die("HQ did not start; see " + hq_log.string());
  const std::string host = listening.substr(10);
  const std::string url = "https://" + host;
  Enroll(main, hq_dir, hq_log, hq_bin, url, log);
  Enroll(slow, hq_dir, hq_log, hq_bin, url, log);

  // As the agent leaves a backlog built while the link was down: every record sealed
  // (unless --unsealed: the drain then chains and signs as it goes).
  SealResult seal;
  if (sealed) {
    seal = SealBacklog(main, url, options);
    SealBacklog(slow, url, options);
    std::printf(
        "sealed before the link came back: %zu records in %.1f s, CPU %.1f s (%.1f us/record)\n",
        seal.records, seal.seconds, seal.cpu,
        1e6 * seal.cpu / static_cast<double>(std::max<std::size_t>(1, seal.records)));
  } else {
    std::printf("backlog not sealed (--unsealed): the drain chains and signs it\n");
  }
  std::fflush(stdout);

  DrainResult fast = Drain(main, url, host, hq.pid, options, static_cast<std::size_t>(replay));
  agent::UplinkOptions naive_options = options;
  naive_options.max_records = 1;
  naive_options.pipeline = false;
  DrainResult one = Drain(slow, url, host, hq.pid, naive_options, 0);

  // HQ's database while it still runs: the WAL should stay small (checkpointed).
  {
    std::error_code ec;
    const auto db = fs::file_size(hq_dir / "hq.db", ec);
    const auto wal = fs::file_size(hq_dir / "hq.db-wal", ec);
    std::printf("HQ database before stopping: hq.db %.0f MB, WAL %.0f MB (%.0f B a record)\n",
                static_cast<double>(db) / 1e6, static_cast<double>(wal) / 1e6,
                static_cast<double>(db + wal) / static_cast<double>(n + naive));
  }
  kill(hq.pid, SIGTERM);
  close(hq.out);
  if (const int rc = WaitChild(hq.pid); rc != 0) Die("HQ exited with " + std::to_string(rc));

  // HQ holds every record exactly once, contiguously, with no flags.
  {
    auto db = Must(hq::HqDatabase::Open(hq_dir / "hq.db"), "HQ database");
    for (const auto& [dev, want] : {std::pair{main.id, n}, std::pair{slow.id, naive}}) {
      const auto count = Must(db.RecordCount(dev), "count");
      const auto contiguous = Must(db.Contiguous(dev), "contiguous");
      const auto flags = Must(db.Flags(dev), "flags");
      std::printf("HQ holds %s: count %lld, contiguous %lld, flags %zu (want %lld, %lld, 0)\n",
                  dev.c_str(), static_cast<long long>(count), static_cast<long long>(contiguous),
                  flags.size(), static_cast<long long>(want), static_cast<long long>(want));
      if (count != want || contiguous != want || !flags.empty())
        Die("HQ does not hold every record once");
    }
  }
  const HqPhases phases = ReadHqPhases(hq_log, main.id);
  const Replay rep = ReplayIngest(fast.kept, main, hq_dir, work, fast.kept_records);
  const Replay rep_pg = replay_postgres.empty() ? Replay{}
                                                : ReplayIngest(fast.kept, main, hq_dir, work,
                                                               fast.kept_records, replay_postgres);

  const double rate = static_cast<double>(fast.records) / fast.seconds;
  const double naive_rate = static_cast<double>(one.records) / one.seconds;
  const double b_body = static_cast<double>(fast.body_bytes) / static_cast<double>(fast.records);
  const double b_http =
      static_cast<double>(fast.body_bytes + fast.header_bytes) / static_cast<double>(fast.records);
  const double nb_http =
      static_cast<double>(one.body_bytes + one.header_bytes) / static_cast<double>(one.records);
  const double replay_rate = rep.seconds > 0 ? static_cast<double>(rep.records) / rep.seconds : 0.0;
  const double replay_pg_rate =
      rep_pg.seconds > 0 ? static_cast<double>(rep_pg.records) / rep_pg.seconds : 0.0;
  std::printf(
      "drain: %lld records in %.1f s = %.0f records/s; %lld requests; body %.1f B/record, "
      "with HTTP headers %.1f B/record; answers %.1f B/record\n",
      static_cast<long long>(fast.records), fast.seconds, rate,
      static_cast<long long>(fast.requests), b_body, b_http,
      static_cast<double>(fast.answer_bytes) / static_cast<double>(fast.records));
  std::printf("       CPU: agent %.1f s (%.1f us/record), HQ %.1f s (%.1f us/record)\n",
              fast.agent_cpu, 1e6 * fast.agent_cpu / static_cast<double>(fast.records), fast.hq_cpu,
              1e6 * fast.hq_cpu / static_cast<double>(fast.records));
  {
    const double per = 1e3 / static_cast<double>(fast.records);
    std::printf(
        "       HQ wall per record: decode %.1f us, check %.1f us, store %.1f us "
        "(%lld batches)\n",
        phases.decode_ms * per, phases.check_ms * per, phases.store_ms * per,
        static_cast<long long>(phases.batches));
    if (fast.rounds > 0) {
      std::printf(
          "       agent wall per record: preparing the next batch %.1f us, waiting for HQ "
          "%.1f us, applying the answer %.1f us (%lld pipelined rounds)\n",
          fast.prepare_ms * per, fast.wait_ms * per, fast.apply_ms * per,
          static_cast<long long>(fast.rounds));
    }
  }
  std::printf(
      "naive (one request per record): %lld records in %.1f s = %.0f records/s; "
      "%.1f B/record with headers; CPU agent %.1f s, HQ %.1f s\n",
      static_cast<long long>(one.records), one.seconds, naive_rate, nb_http, one.agent_cpu,
      one.hq_cpu);
  std::printf("ratio drain/naive: %.1fx; load average at the end %s\n", rate / naive_rate,
              LoadAverage().c_str());
  std::printf(
      "HQ ingest alone (replay of %zu records, in-process, no TLS): %.1f s = %.0f records/s\n",
      rep.records, rep.seconds, replay_rate);
  if (rep_pg.records > 0) {
    std::printf(
        "HQ ingest alone on PostgreSQL (replay of %zu records, in-process, loopback): "
        "%.1f s = %.0f records/s\n",
        rep_pg.records, rep_pg.seconds, replay_pg_rate);
  }
  std::printf(
      "RESULT "
      "{\"records\":%lld,\"drain_s\":%.2f,\"records_per_s\":%.0f,\"bytes_per_record_body\":%.1f,"
      "\"bytes_per_record_http\":%.1f,\"agent_cpu_s\":%.2f,\"hq_cpu_s\":%.2f,\"naive_records\":%"
      "lld,"
      "\"naive_records_per_s\":%.0f,\"ratio\":%.1f,\"hq_ingest_records_per_s\":%.0f,"
      "\"hq_ingest_postgres_records_per_s\":%.0f,"
      "\"batch_records\":%zu,\"batch_bytes\":%zu,\"pipeline\":%s,\"in_flight\":%zu,"
      "\"sealed\":%s,"
      "\"seal_s\":%.2f,\"seal_cpu_s\":%.2f}\n",
      static_cast<long long>(fast.records), fast.seconds, rate, b_body, b_http, fast.agent_cpu,
      fast.hq_cpu, static_cast<long long>(one.records), naive_rate, rate / naive_rate, replay_rate,
      replay_pg_rate, options.max_records, options.max_bytes, options.pipeline ? "true" : "false",
      options.max_in_flight, sealed ? "true" : "false", seal.seconds, seal.cpu);
  if (!keep_dir) {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  return 0;
}
