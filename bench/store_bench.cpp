// Store write path, side by side in one run (the machines are shared and noisy, so
// the figure that matters is the ratio, not the absolute rate):
//   A. Store::RecordInspection as shipped: WAL + synchronous=FULL (durable on return)
//   B. the same with synchronous=NORMAL (the usual WAL setting: survives a process
//      crash, may lose the last commits on power loss) as the baseline
// Rounds alternate A and B so that drift in machine load hits both alike.
// Then: audit chain verification throughput.
//
//   store_bench [records_per_round=300] [rounds=6] [audit_entries=50000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/common/random.hpp"
#include "checkpoint/store/store.hpp"

using namespace checkpoint;
using Clock = std::chrono::steady_clock;

namespace {

struct Sample {
  std::vector<double> latencies_us;
  double seconds = 0;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

void Round(store::Store& st, int n, Sample& s) {
  const std::string payload = R"({"mrz":")" + std::string(300, 'X') + R"(","score":12})";
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    store::InspectionRecord rec{common::NewUuid(),     "traveller", "B1",
                                1'700'000'000'000 + i, "clear",     payload};
    store::AuditEvent audit{rec.created_at_ms, "checkpointd", "inspection.recorded", rec.uuid,
                            "{}"};
    auto a = Clock::now();
    auto r = st.RecordInspection(rec, audit, store::Lane::kRecords);
    auto b = Clock::now();
    if (!r) {
      std::fprintf(stderr, "record failed: %s\n", r.error().String().c_str());
      std::exit(1);
    }
    s.latencies_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  s.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
}

store::Store Open(const std::filesystem::path& p, const char* sync) {
  auto st = store::Store::Open({.path = p, .device_id = "CP-BENCH"});
  if (!st) {
    std::fprintf(stderr, "open: %s\n", st.error().String().c_str());
    std::exit(1);
  }
  if (!st->db().Exec(std::string("PRAGMA synchronous=") + sync)) std::exit(1);
  return std::move(st).value();
}

}  // namespace

int main(int argc, char** argv) {
  const int per_round = argc > 1 ? std::atoi(argv[1]) : 300;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 6;
  const int audit_n = argc > 3 ? std::atoi(argv[3]) : 50000;
  char tmpl[] = "/tmp/checkpoint-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const std::filesystem::path dir(tmpl);

  auto full = Open(dir / "full.db", "FULL");
  auto normal = Open(dir / "normal.db", "NORMAL");
  Sample a, b;
  for (int r = 0; r < rounds; ++r) {
    Round(full, per_round, a);
    Round(normal, per_round, b);
  }
  const double n = static_cast<double>(per_round) * rounds;
  std::printf("store write path: %d records each, %d alternating rounds\n", per_round * rounds,
              rounds);
  std::printf("  %-34s %10s %10s %10s\n", "", "rec/s", "p50 us", "p99 us");
  std::printf("  %-34s %10.0f %10.0f %10.0f\n", "A synchronous=FULL (shipped)", n / a.seconds,
              Percentile(a.latencies_us, 0.5), Percentile(a.latencies_us, 0.99));
  std::printf("  %-34s %10.0f %10.0f %10.0f\n", "B synchronous=NORMAL (baseline)", n / b.seconds,
              Percentile(b.latencies_us, 0.5), Percentile(b.latencies_us, 0.99));
  std::printf("  ratio A/B throughput: %.2f\n", (n / a.seconds) / (n / b.seconds));

  // Audit verification: append audit_n entries, then walk the chain.
  auto audit_store = Open(dir / "audit.db", "NORMAL");
  {
    auto tx = store::Transaction::Begin(audit_store.db());
    for (int i = 0; i < audit_n; ++i) {
      store::AuditEvent e{i, "officer:1", "record.viewed", common::NewUuid(), R"({"booth":"B1"})"};
      if (!audit_store.audit().Append(e)) return 1;
    }
    if (!tx->Commit()) return 1;
  }
  auto t0 = Clock::now();
  auto v = audit_store.audit().Verify();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!v || !v->ok) return 1;
  std::printf("audit chain verify: %lld entries in %.3f s (%.0f entries/s)\n",
              static_cast<long long>(v->entries), secs, static_cast<double>(v->entries) / secs);
  std::filesystem::remove_all(dir);
  return 0;
}
