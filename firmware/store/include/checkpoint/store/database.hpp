#pragma once
// RAII wrappers over SQLite: Connection, Statement, Transaction. All fallible calls
// return error values; no SQLite type appears here.
//
// Thread-safety: a Connection and its Statements belong to one thread at a time.
// Lifetimes: a Statement must not outlive the Connection that prepared it.
// Several processes may open the same file: WAL mode lets readers run beside the
// one writer, and writers wait up to busy_timeout for each other.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/errors.hpp"

namespace checkpoint::store {

class Statement;

class Connection {
 public:
  struct Options {
    std::filesystem::path path;
    bool read_only = false;
    bool create = true;  // create the file (with `mode`) when missing
    int busy_timeout_ms = 5000;
    // A new file's mode, whatever the umask: 0600, or 0660 where the data directory
    // is shared with another service through its group (ADR 0012). Nothing else.
    unsigned mode = 0600;
  };

  // Opens the file and sets the durability pragmas every connection needs:
  // journal_mode=WAL (unless read-only), synchronous=FULL, foreign_keys=ON,
  // busy_timeout. A new file is created with options.mode before SQLite touches
  // it, so its -wal and -shm companions get the same mode.
  static Expected<Connection> Open(const Options& options);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs one or more statements that return no rows of interest.
  Status Exec(std::string_view sql);
  Expected<Statement> Prepare(std::string_view sql);
  // Runs a query whose first row's first column is an integer.
  Expected<std::int64_t> QueryInt(std::string_view sql);

  std::int64_t LastInsertRowid() const noexcept;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const noexcept;
  bool InTransaction() const noexcept;
  const std::filesystem::path& path() const noexcept;
  // Statements that run past `deadline` stop with StoreErrc::kInterrupted (a
  // hostile search must not hold the store's thread); nullopt lifts it. The
  // connection's thread only.
  void SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline);

 private:
  friend class Statement;
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Blob {
  std::span<const std::uint8_t> bytes;
};

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Status Bind(int index, std::int64_t v);
  Status Bind(int index, int v) { return Bind(index, static_cast<std::int64_t>(v)); }
  Status Bind(int index, double v);
  Status Bind(int index, std::string_view v);
  Status Bind(int index, const std::string& v) { return Bind(index, std::string_view(v)); }
  Status Bind(int index, const char* v) { return Bind(index, std::string_view(v)); }
  Status Bind(int index, Blob v);
  Status Bind(int index, std::nullopt_t);
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
  Expected<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  // Makes the statement ready to run again; bindings are cleared.
  Status Reset();

  int ColumnCount() const noexcept;
  bool IsNull(int column) const noexcept;
  std::int64_t Int(int column) const noexcept;
  double Double(int column) const noexcept;
  std::string Text(int column) const;
  std::string BlobColumn(int column) const;  // bytes as a string

 private:
  friend class Connection;
  struct Impl;
  explicit Statement(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A transaction that rolls back unless committed. BEGIN IMMEDIATE by default: the
// write lock is taken at the start, so two writers never deadlock on an upgrade.
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate, kExclusive };
  static Expected<Transaction> Begin(Connection& db, Mode mode = Mode::kImmediate);

  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Once Commit returns success, the transaction is durable (synchronous=FULL).
  Status Commit();
  Status Rollback();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace checkpoint::store
