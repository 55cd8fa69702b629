#pragma once
// HQ's SQL seam: one small connection interface with two backends, SQLite (the
// store's Connection, embedded, the default) and PostgreSQL (libpq, for several HQ
// instances on one database). See ADR 0011.
//
// Statements are prepared with '?' or '?N' (1-based) placeholders, SQLite's
// spelling; the PostgreSQL backend translates them to $N. Values are always bound,
// never spliced into SQL text. Blobs are bytes on both sides (BLOB, bytea, sent in
// binary). Where the dialects differ (schema, JSON functions, locks) the caller asks
// dialect() and keeps both spellings side by side.
//
// Errors: the store's conditions on both backends, so callers branch once:
//   StoreErrc::kBusy        lock wait, serialization failure or deadlock: retry the
//                           whole transaction (RetryTransaction does)
//   StoreErrc::kConstraint  a unique or check constraint refused the write
//   CommonErrc::kUnavailable the database server cannot be reached (PostgreSQL: the
//                           connection was lost or refused); the transaction in
//                           flight is gone; the next call reconnects
// Messages never hold the connection string or its password.
//
// Thread-safety: a connection and its statements belong to one thread at a time.
// Lifetimes: a statement must not outlive its connection. On PostgreSQL a
// statement's rows are read when it is first stepped and held until Reset.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"
#include "checkpoint/store/errors.hpp"

namespace checkpoint::hq {

enum class SqlDialect { kSqlite, kPostgres };

using Blob = store::Blob;

class SqlStatement {
 public:
  // What a backend implements; SqlStatement adds the conveniences.
  class Backend {
   public:
    virtual ~Backend() = default;
    virtual Status Bind(int index, std::int64_t v) = 0;
    virtual Status Bind(int index, std::string_view v) = 0;
    virtual Status Bind(int index, Blob v) = 0;
    virtual Status BindNull(int index) = 0;
    virtual Expected<bool> Step() = 0;
    virtual Status Reset() = 0;
    virtual bool IsNull(int column) const = 0;
    virtual std::int64_t Int(int column) const = 0;
    virtual std::string Text(int column) const = 0;
    virtual std::string BlobColumn(int column) const = 0;
  };

  explicit SqlStatement(std::unique_ptr<Backend> impl) : impl_(std::move(impl)) {}

  // Parameters are 1-based.
  Status Bind(int index, std::int64_t v) { return impl_->Bind(index, v); }
  Status Bind(int index, int v) { return impl_->Bind(index, static_cast<std::int64_t>(v)); }
  Status Bind(int index, std::string_view v) { return impl_->Bind(index, v); }
  Status Bind(int index, const std::string& v) { return impl_->Bind(index, std::string_view(v)); }
  Status Bind(int index, const char* v) { return impl_->Bind(index, std::string_view(v)); }
  Status Bind(int index, Blob v) { return impl_->Bind(index, v); }
  Status Bind(int index, std::nullopt_t) { return impl_->BindNull(index); }
  template <typename T>
  Status Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : Bind(index, std::nullopt);
  }
  // Binds every argument in order, from parameter 1.
  template <typename... A>
  Status BindAll(const A&... args) {
    int i = 0;
    Status st;
    ((st ? (st = Bind(++i, args), 0) : 0), ...);
    return st;
  }

  // Advances: true when a row is available, false when the statement is done.
  Expected<bool> Step() { return impl_->Step(); }
  // Steps to completion, expecting no rows.
  Status Run();
  // Makes the statement ready to run again; bindings are cleared.
  Status Reset() { return impl_->Reset(); }

  bool IsNull(int column) const { return impl_->IsNull(column); }
  std::int64_t Int(int column) const { return impl_->Int(column); }
  std::string Text(int column) const { return impl_->Text(column); }
  std::string BlobColumn(int column) const { return impl_->BlobColumn(column); }

 private:
  std::unique_ptr<Backend> impl_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const noexcept = 0;
  // Runs one or more statements that take no parameters and return no rows of
  // interest (schema, fixed SQL only).
  virtual Status Exec(std::string_view sql) = 0;
  virtual Expected<SqlStatement> Prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual std::int64_t Changes() const noexcept = 0;
  // BEGIN: SQLite takes the write lock at once (IMMEDIATE); PostgreSQL runs READ
  // COMMITTED, and writers that must not interleave take a LockKey.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool InTransaction() const noexcept = 0;
  // Inside a transaction: waits until no other transaction (of any HQ instance)
  // holds `key`, and holds it until this one ends. SQLite: a no-op, its one writer
  // is already alone.
  virtual Status LockKey(std::string_view key) = 0;
  // The store connection under the SQLite backend (its migration runner, tests);
  // nullptr on PostgreSQL.
  virtual store::Connection* sqlite() noexcept { return nullptr; }

  // A query whose first row's first column is an integer.
  Expected<std::int64_t> QueryInt(std::string_view sql);
};

// Opens (creating when missing, mode 0600) the SQLite file, with the store's pragmas.
Expected<std::unique_ptr<SqlConnection>> OpenSqlite(const std::filesystem::path& path);
// Connects to PostgreSQL: `conninfo` is a libpq connection string, key=value pairs
// or a postgresql:// URI. Fails with CommonErrc::kUnavailable when the server cannot
// be reached, kInvalidArgument when the string does not parse.
Expected<std::unique_ptr<SqlConnection>> OpenPostgres(std::string_view conninfo);
// `conninfo` without its password, for logs: "postgresql://user@host:port/db".
std::string RedactedConninfo(std::string_view conninfo);

// A transaction that rolls back unless committed.
class SqlTransaction {
 public:
  static Expected<SqlTransaction> Begin(SqlConnection& db);
  SqlTransaction(SqlTransaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  SqlTransaction& operator=(SqlTransaction&&) = delete;
  ~SqlTransaction();
  Status Commit();
  Status Rollback();

 private:
  explicit SqlTransaction(SqlConnection* db) : db_(db) {}
  SqlConnection* db_;
};

// True for the failures after which running the whole transaction again may
// succeed: kBusy (serialization failure, deadlock, lock timeout) and kUnavailable
// (the connection was lost; the next attempt reconnects).
bool Retryable(const Error& e);

// Runs fn (which begins and commits its own transaction) again while it fails with
// a Retryable error, at most `attempts` times in all.
template <typename Fn>
auto RetryTransaction(Fn&& fn, int attempts = 4) -> decltype(fn()) {
  auto r = fn();
  for (int i = 1; i < attempts && !r && Retryable(r.error()); ++i) r = fn();
  return r;
}

}  // namespace checkpoint::hq
