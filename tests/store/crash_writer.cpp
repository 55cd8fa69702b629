// Victim of the crash test: records inspections as fast as it can and, after each
// RecordInspection returns, reports "<uuid> <seq> <audit_id>" on stdout with one
// write(2). The parent kills it with SIGKILL at arbitrary points; every reported
// record must then be in the database with its audit and outbox entries.
//
//   store_crash_writer DB_PATH SEED
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "checkpoint/common/random.hpp"
#include "checkpoint/store/store.hpp"

int main(int argc, char** argv) {
  using namespace checkpoint;
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer DB_PATH SEED\n");
    return 2;
  }
  auto st = store::Store::Open({.path = argv[1], .device_id = "CP-CRASH"});
  if (!st) {
    std::fprintf(stderr, "open: %s\n", st.error().String().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::stoull(argv[2]));
  std::uniform_int_distribution<int> size(16, 16384), lane(0, 2);
  for (std::int64_t i = 0;; ++i) {
    store::InspectionRecord rec{common::NewUuid(),     "traveller", "B1",
                                1'700'000'000'000 + i, "clear",     ""};
    rec.payload_json = "{\"pad\":\"" + std::string(static_cast<size_t>(size(rng)), 'x') + "\"}";
    store::AuditEvent audit{rec.created_at_ms, "checkpointd", "inspection.recorded", rec.uuid,
                            "{}"};
    auto r = st->RecordInspection(rec, audit, static_cast<store::Lane>(lane(rng)));
    if (!r) {
      std::fprintf(stderr, "record: %s\n", r.error().String().c_str());
      return 1;
    }
    std::string line =
        rec.uuid + " " + std::to_string(r->seq) + " " + std::to_string(r->audit_id) + "\n";
    if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
}
