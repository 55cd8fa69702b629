#include "checkpoint/hq/sql.hpp"

namespace checkpoint::hq {

Status SqlStatement::Run() {
  auto row = Step();
  if (!row) return std::move(row).error();
  if (*row) return store::MakeError(store::StoreErrc::kMisuse, "statement returned rows");
  return {};
}

Expected<std::int64_t> SqlConnection::QueryInt(std::string_view sql) {
  auto st = Prepare(sql);
  if (!st) return std::move(st).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return store::MakeError(store::StoreErrc::kNotFound, "query returned no row");
  return st->Int(0);
}

Expected<SqlTransaction> SqlTransaction::Begin(SqlConnection& db) {
  if (auto s = db.Begin(); !s) return std::move(s).error().WithContext("cannot begin transaction");
  return SqlTransaction(&db);
}

SqlTransaction::~SqlTransaction() {
  if (db_) (void)Rollback();
}

Status SqlTransaction::Commit() {
  if (!db_) return store::MakeError(store::StoreErrc::kMisuse, "transaction already finished");
  Status s = db_->Commit();
  if (!s) {
    // A failed COMMIT may leave the transaction open; roll it back so the
    // connection is usable and nothing partial remains.
    (void)Rollback();
    return std::move(s).error().WithContext("cannot commit");
  }
  db_ = nullptr;
  return {};
}

Status SqlTransaction::Rollback() {
  if (!db_) return {};
  SqlConnection* db = db_;
  db_ = nullptr;
  if (!db->InTransaction()) return {};  // already rolled back (SQLITE_FULL, lost connection)
  return db->Rollback();
}

bool Retryable(const Error& e) {
  return e.Is(store::StoreErrc::kBusy) || e.Is(CommonErrc::kUnavailable);
}

}  // namespace checkpoint::hq
