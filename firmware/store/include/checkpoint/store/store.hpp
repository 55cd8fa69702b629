#pragma once
// The appliance's durable store: one SQLite file shared by checkpointd and
// checkpoint-sync (WAL). Store owns a Connection; the repositories are views on it.
//
// Thread-safety: a Store belongs to one thread at a time (the daemon's store worker).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/audit.hpp"
#include "checkpoint/store/database.hpp"
#include "checkpoint/store/device_events.hpp"
#include "checkpoint/store/device_state.hpp"
#include "checkpoint/store/history.hpp"
#include "checkpoint/store/inspections.hpp"
#include "checkpoint/store/migrations.hpp"
#include "checkpoint/store/outbox.hpp"
#include "checkpoint/store/trust_store.hpp"
#include "checkpoint/store/watchlist_store.hpp"

namespace checkpoint::store {

struct StoredRecord {
  std::int64_t record_id = 0;
  std::int64_t seq = 0;       // outbox sequence number
  std::int64_t audit_id = 0;  // audit chain entry
};

class Store {
 public:
  struct Options {
    std::filesystem::path path;  // the database file
    std::string device_id;       // owner of the outbox sequence
    int busy_timeout_ms = 5000;
    bool read_only = false;  // no migration; fails if the schema is not this firmware's
    unsigned mode = 0600;    // of a new file: 0600, or 0660 in a shared data directory
  };

  // Opens (creating if needed) and migrates to this firmware's schema.
  static Expected<Store> Open(const Options& options);

  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) noexcept = default;

  // The one-transaction guarantee: the record, its audit entry and its outbox entry
  // are written together. When this returns a value all three are durable; when it
  // returns an Error none of them was written. Runs in the caller's transaction if
  // one is open (so that side rows, e.g. traveller_history, join it), else in its own.
  Expected<StoredRecord> RecordInspection(const InspectionRecord& record, const AuditEvent& audit,
                                          Lane lane);

  Connection& db() noexcept { return *db_; }
  InspectionRepository inspections() { return InspectionRepository(*db_); }
  Outbox outbox() { return Outbox(*db_, device_id_); }
  AuditChain audit() { return AuditChain(*db_); }
  DeviceState state() { return DeviceState(*db_); }
  DeviceEventLog device_events() { return DeviceEventLog(*db_); }
  TrustStore trust() { return TrustStore(*db_); }
  WatchlistStore watchlist() { return WatchlistStore(*db_); }
  TravellerHistory history() { return TravellerHistory(*db_); }
  const MigrationReport& migration() const noexcept { return migration_; }
  const std::string& device_id() const noexcept { return device_id_; }

  // PRAGMA integrity_check: "ok" or the first problems found.
  Expected<std::string> IntegrityCheck();
  // PRAGMA quick_check: the same, without checking indexes against their tables
  // (O(N), a few seconds for a large database): "ok" or the problems found.
  Expected<std::string> QuickCheck();

 private:
  Store(std::unique_ptr<Connection> db, std::string device_id, MigrationReport m)
      : db_(std::move(db)), device_id_(std::move(device_id)), migration_(std::move(m)) {}

  std::unique_ptr<Connection> db_;  // stable address for the repository views
  std::string device_id_;
  MigrationReport migration_;
};

// Runs `fn` in the open transaction of `db`, or in a new IMMEDIATE one committed
// when `fn` succeeds.
template <typename Fn>
auto InTransaction(Connection& db, Fn&& fn) -> decltype(fn()) {
  if (db.InTransaction()) return fn();
  auto tx = Transaction::Begin(db);
  if (!tx) return std::move(tx).error();
  auto r = fn();
  if (!r) return r;
  if (auto s = tx->Commit(); !s) return std::move(s).error();
  return r;
}

}  // namespace checkpoint::store
