#include "checkpoint/store/store.hpp"

namespace checkpoint::store {

Expected<Store> Store::Open(const Options& options) {
  if (options.device_id.empty()) {
    return MakeError(StoreErrc::kMisuse, "a device id is required to open the store");
  }
  auto db = Connection::Open({.path = options.path,
                              .read_only = options.read_only,
                              .create = !options.read_only,
                              .busy_timeout_ms = options.busy_timeout_ms,
                              .mode = options.mode});
  if (!db) return std::move(db).error();
  auto conn = std::make_unique<Connection>(std::move(*db));
  MigrationReport report;
  const int latest = static_cast<int>(ProductMigrations().size());
  if (options.read_only) {
    auto v = SchemaVersion(*conn);
    if (!v) return std::move(v).error();
    if (*v != latest) {
      return MakeError(StoreErrc::kMigration, "database schema is version " + std::to_string(*v) +
                                                  ", this firmware needs " +
                                                  std::to_string(latest) +
                                                  " (open it read-write once to migrate)");
    }
    report.from = report.to = latest;
  } else {
    auto m = Migrate(*conn, ProductMigrations());
    if (!m) return std::move(m).error().WithContext("cannot migrate " + options.path.string());
    report = std::move(*m);
  }
  return Store(std::move(conn), options.device_id, std::move(report));
}

Expected<StoredRecord> Store::RecordInspection(const InspectionRecord& record,
                                               const AuditEvent& audit, Lane lane) {
  return InTransaction(*db_, [&]() -> Expected<StoredRecord> {
    StoredRecord out;
    auto id = inspections().Insert(record);
    if (!id) return std::move(id).error().WithContext("while recording an inspection");
    out.record_id = *id;
    auto entry = this->audit().Append(audit);
    if (!entry) return std::move(entry).error().WithContext("while recording an inspection");
    out.audit_id = entry->id;
    auto seq =
        outbox().Enqueue(lane, record.kind, record.uuid, record.payload_json, record.created_at_ms);
    if (!seq) return std::move(seq).error().WithContext("while recording an inspection");
    out.seq = *seq;
    return out;
  });
}

namespace {
Expected<std::string> CheckPragma(Connection& db, const char* pragma) {
  auto st = db.Prepare(pragma);
  if (!st) return std::move(st).error();
  std::string result;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    if (!result.empty()) result += "; ";
    result += st->Text(0);
  }
  return result;
}
}  // namespace

Expected<std::string> Store::IntegrityCheck() {
  return CheckPragma(*db_, "PRAGMA integrity_check");
}

Expected<std::string> Store::QuickCheck() {
  return CheckPragma(*db_, "PRAGMA quick_check");
}

}  // namespace checkpoint::store
