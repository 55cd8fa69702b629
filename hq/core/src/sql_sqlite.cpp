// The SQLite backend of HQ's SQL seam: the store's Connection and Statement, as
// they were used before the seam existed.
#include "checkpoint/hq/sql.hpp"

namespace checkpoint::hq {

namespace {

class SqliteStatement final : public SqlStatement::Backend {
 public:
  explicit SqliteStatement(store::Statement st) : st_(std::move(st)) {}
  Status Bind(int index, std::int64_t v) override { return st_.Bind(index, v); }
  Status Bind(int index, std::string_view v) override { return st_.Bind(index, v); }
  Status Bind(int index, Blob v) override { return st_.Bind(index, v); }
  Status BindNull(int index) override { return st_.Bind(index, std::nullopt); }
  Expected<bool> Step() override { return st_.Step(); }
  Status Reset() override { return st_.Reset(); }
  bool IsNull(int column) const override { return st_.IsNull(column); }
  std::int64_t Int(int column) const override { return st_.Int(column); }
  std::string Text(int column) const override { return st_.Text(column); }
  std::string BlobColumn(int column) const override { return st_.BlobColumn(column); }

 private:
  store::Statement st_;
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(store::Connection db) : db_(std::move(db)) {}
  SqlDialect dialect() const noexcept override { return SqlDialect::kSqlite; }
  Status Exec(std::string_view sql) override { return db_.Exec(sql); }
  Expected<SqlStatement> Prepare(std::string_view sql) override {
    auto st = db_.Prepare(sql);
    if (!st) return std::move(st).error();
    return SqlStatement(std::make_unique<SqliteStatement>(std::move(*st)));
  }
  std::int64_t Changes() const noexcept override { return db_.Changes(); }
  Status Begin() override { return db_.Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return db_.Exec("COMMIT"); }
  Status Rollback() override { return db_.Exec("ROLLBACK"); }
  bool InTransaction() const noexcept override { return db_.InTransaction(); }
  Status LockKey(std::string_view) override { return {}; }
  store::Connection* sqlite() noexcept override { return &db_; }

 private:
  store::Connection db_;
};

}  // namespace

Expected<std::unique_ptr<SqlConnection>> OpenSqlite(const std::filesystem::path& path) {
  auto c = store::Connection::Open({.path = path});
  if (!c) return std::move(c).error();
  return std::unique_ptr<SqlConnection>(std::make_unique<SqliteConnection>(std::move(*c)));
}

}  // namespace checkpoint::hq
