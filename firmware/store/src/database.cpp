#include "checkpoint/store/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sqlite_error.hpp"

namespace checkpoint::store {

using detail::SqliteError;

namespace {
class StoreCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "store"; }
  std::string message(int c) const override {
    switch (static_cast<StoreErrc>(c)) {
      case StoreErrc::kOpen:
        return "cannot open database";
      case StoreErrc::kBusy:
        return "database busy";
      case StoreErrc::kCorrupt:
        return "database corrupt";
      case StoreErrc::kFull:
        return "disk full";
      case StoreErrc::kReadOnly:
        return "database read-only";
      case StoreErrc::kConstraint:
        return "constraint violated";
      case StoreErrc::kMigration:
        return "schema migration failed";
      case StoreErrc::kTampered:
        return "audit chain does not verify";
      case StoreErrc::kNotFound:
        return "not found";
      case StoreErrc::kIo:
        return "database I/O error";
      case StoreErrc::kMisuse:
        return "database API misuse";
      case StoreErrc::kInterrupted:
        return "query took longer than allowed";
    }
    return "unknown store error";
  }
};
}  // namespace

const std::error_category& StoreCategory() noexcept {
  static const StoreCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(StoreErrc e) noexcept {
  return {static_cast<int>(e), StoreCategory()};
}

// ---------------------------------------------------------------- Connection

struct Statement::Impl {
  sqlite3_stmt* stmt = nullptr;
  sqlite3* db = nullptr;
  ~Impl() { sqlite3_finalize(stmt); }
};

struct Connection::Impl {
  sqlite3* db = nullptr;
  std::filesystem::path path;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  ~Impl() {
    // sqlite3_close_v2 defers the close until unfinalized statements are gone,
    // so a misordered destruction cannot leak the handle.
    if (db) sqlite3_close_v2(db);
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Expected<Connection> Connection::Open(const Options& options) {
  if (options.mode != 0600 && options.mode != 0660) {
    return MakeError(StoreErrc::kMisuse, "a database file is 0600 or 0660");
  }
  if (!options.read_only && options.create) {
    // Create the file ourselves so it has options.mode whatever the umask; SQLite
    // gives the -wal and -shm files the mode of the database file.
    int fd = ::open(options.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    const bool created = fd >= 0;
    if (!created && errno == EEXIST) fd = ::open(options.path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      StoreErrc kind = (err == EROFS || err == EACCES) ? StoreErrc::kReadOnly : StoreErrc::kOpen;
      return MakeError(kind, "cannot create " + options.path.string() + ": " +
                                 std::error_code(err, std::generic_category()).message());
    }
    if (created && options.mode != 0600 && ::fchmod(fd, options.mode) != 0) {
      int err = errno;
      ::close(fd);
      return MakeError(StoreErrc::kOpen,
                       "cannot chmod " + options.path.string() + ": " +
                           std::error_code(err, std::generic_category()).message());
    }
    ::close(fd);
  }
  auto impl = std::make_unique<Impl>();
  impl->path = options.path;
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  int rc = sqlite3_open_v2(options.path.c_str(), &impl->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(impl->db, rc, "cannot open " + options.path.string());
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);
  Connection c(std::move(impl));
  // Reading the schema is the first point at which a non-database file is noticed.
  if (auto r = c.QueryInt("SELECT count(*) FROM sqlite_schema"); !r) {
    return std::move(r).error().WithContext("cannot read " + options.path.string());
  }
  if (!options.read_only) {
    auto st = c.Prepare("PRAGMA journal_mode=WAL");
    if (!st) return std::move(st).error();
    auto row = st->Step();
    if (!row) return std::move(row).error().WithContext("cannot enable WAL");
    if (!*row || st->Text(0) != "wal") {
      return MakeError(StoreErrc::kIo, "cannot enable WAL journal on " + options.path.string());
    }
  }
  if (auto s = c.Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !s) return s.error();
  return c;
}

Status Connection::Exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(impl_->db, owned.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return MakeError(detail::FromSqlite(rc), "exec failed: " + msg);
  }
  return {};
}

Expected<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(impl_->db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(impl_->db, rc, "cannot prepare statement");
  }
  if (!stmt) return MakeError(StoreErrc::kMisuse, "empty SQL statement");
  auto impl = std::make_unique<Statement::Impl>();
  impl->stmt = stmt;
  impl->db = impl_->db;
  return Statement(std::move(impl));
}

Expected<std::int64_t> Connection::QueryInt(std::string_view sql) {
  auto st = Prepare(sql);
  if (!st) return std::move(st).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return MakeError(StoreErrc::kNotFound, "query returned no row");
  return st->Int(0);
}

std::int64_t Connection::LastInsertRowid() const noexcept {
  return sqlite3_last_insert_rowid(impl_->db);
}
std::int64_t Connection::Changes() const noexcept {
  return sqlite3_changes64(impl_->db);
}
bool Connection::InTransaction() const noexcept {
  return sqlite3_get_autocommit(impl_->db) == 0;
}
const std::filesystem::path& Connection::path() const noexcept {
  return impl_->path;
}

void Connection::SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  impl_->deadline = deadline;
  if (!deadline) {
    sqlite3_progress_handler(impl_->db, 0, nullptr, nullptr);
    return;
  }
  // Every 1000 virtual machine steps: a clock read, cheap beside the steps.
  sqlite3_progress_handler(
      impl_->db, 1000,
      [](void* p) -> int {
        const auto* impl = static_cast<const Impl*>(p);
        return impl->deadline && std::chrono::steady_clock::now() > *impl->deadline ? 1 : 0;
      },
      impl_.get());
}

// ---------------------------------------------------------------- Statement

Statement::Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;
Statement::~Statement() = default;

namespace {
Status BindResult(sqlite3* db, int rc, int index) {
  if (rc == SQLITE_OK) return {};
  return SqliteError(db, rc, "cannot bind parameter " + std::to_string(index));
}
}  // namespace

Status Statement::Bind(int index, std::int64_t v) {
  return BindResult(impl_->db, sqlite3_bind_int64(impl_->stmt, index, v), index);
}
Status Statement::Bind(int index, double v) {
  return BindResult(impl_->db, sqlite3_bind_double(impl_->stmt, index, v), index);
}
Status Statement::Bind(int index, std::string_view v) {
  return BindResult(
      impl_->db,
      sqlite3_bind_text64(impl_->stmt, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}
Status Statement::Bind(int index, Blob v) {
  // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
  static const std::uint8_t kEmpty = 0;
  const void* p = v.bytes.empty() ? &kEmpty : v.bytes.data();
  return BindResult(impl_->db,
                    sqlite3_bind_blob64(impl_->stmt, index, p, v.bytes.size(), SQLITE_TRANSIENT),
                    index);
}
Status Statement::Bind(int index, std::nullopt_t) {
  return BindResult(impl_->db, sqlite3_bind_null(impl_->stmt, index), index);
}

Expected<bool> Statement::Step() {
  int rc = sqlite3_step(impl_->stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = SqliteError(impl_->db, rc, "statement failed");
  // Leave the statement reusable; the error is already captured.
  sqlite3_reset(impl_->stmt);
  return e;
}

Status Statement::Run() {
  for (;;) {
    auto r = Step();
    if (!r) return std::move(r).error();
    if (!*r) return {};
  }
}

Status Statement::Reset() {
  sqlite3_reset(impl_->stmt);
  sqlite3_clear_bindings(impl_->stmt);
  return {};
}

int Statement::ColumnCount() const noexcept {
  return sqlite3_column_count(impl_->stmt);
}
bool Statement::IsNull(int c) const noexcept {
  return sqlite3_column_type(impl_->stmt, c) == SQLITE_NULL;
}
std::int64_t Statement::Int(int c) const noexcept {
  return sqlite3_column_int64(impl_->stmt, c);
}
double Statement::Double(int c) const noexcept {
  return sqlite3_column_double(impl_->stmt, c);
}
std::string Statement::Text(int c) const {
  const unsigned char* p = sqlite3_column_text(impl_->stmt, c);
  int n = sqlite3_column_bytes(impl_->stmt, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
std::string Statement::BlobColumn(int c) const {
  const void* p = sqlite3_column_blob(impl_->stmt, c);
  int n = sqlite3_column_bytes(impl_->stmt, c);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

// ---------------------------------------------------------------- Transaction

Expected<Transaction> Transaction::Begin(Connection& db, Mode mode) {
  const char* sql = mode == Mode::kImmediate   ? "BEGIN IMMEDIATE"
                    : mode == Mode::kExclusive ? "BEGIN EXCLUSIVE"
                                               : "BEGIN DEFERRED";
  if (auto s = db.Exec(sql); !s)
    return std::move(s).error().WithContext("cannot begin transaction");
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& o) noexcept : db_(o.db_) {
  o.db_ = nullptr;
}

Transaction::~Transaction() {
  if (db_) (void)Rollback();
}

Status Transaction::Commit() {
  if (!db_) return MakeError(StoreErrc::kMisuse, "transaction already finished");
  Status s = db_->Exec("COMMIT");
  if (!s) {
    // A failed COMMIT (e.g. disk full) may leave the transaction open; roll it back
    // so the connection is usable and nothing partial remains.
    (void)Rollback();
    return std::move(s).error().WithContext("cannot commit");
  }
  db_ = nullptr;
  return {};
}

Status Transaction::Rollback() {
  if (!db_) return {};
  Connection* db = db_;
  db_ = nullptr;
  if (!db->InTransaction()) return {};  // SQLite already rolled back (e.g. after SQLITE_FULL)
  return db->Exec("ROLLBACK");
}

}  // namespace checkpoint::store
