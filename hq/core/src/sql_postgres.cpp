// The PostgreSQL backend of HQ's SQL seam, on libpq (ADR 0011).
//
// Statements: '?'/'?N' become $N; each distinct (SQL, parameter types) is prepared
// once per connection (PQprepare) and run with PQexecPrepared. Parameters travel
// separately from the SQL: integers as int8 text, strings as text and blobs as
// bytea, both in binary format (exact bytes, no escaping, no NUL truncation).
// Results come back in text format (integers parse whatever their width; bytea is
// hex-decoded).
//
// A lost connection (server restart, network) fails the call in flight with
// CommonErrc::kUnavailable; outside a transaction the next call reconnects. Inside
// one it does not: the transaction is gone, and the caller must start again.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "checkpoint/hq/sql.hpp"

namespace checkpoint::hq {

namespace {

constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;

std::string Trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The condition of a failed result (or of the connection, when there is none).
Error ResultError(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  // The primary message only: the detail may quote row values.
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message =
      std::string(what) + ": " + (primary ? std::string(primary) : Trimmed(PQerrorMessage(conn)));
  if (!code.empty()) message += " (SQLSTATE " + code + ")";
  const bool lost = PQstatus(conn) != CONNECTION_OK || code.starts_with("08") || code == "57P01" ||
                    code == "57P02" || code == "57P03";
  if (lost) return MakeError(CommonErrc::kUnavailable, "PostgreSQL unavailable: " + message);
  if (code == "40001" || code == "40P01" || code == "55P03") {
    return store::MakeError(store::StoreErrc::kBusy, message);
  }
  if (code.starts_with("23")) return store::MakeError(store::StoreErrc::kConstraint, message);
  if (code.starts_with("53")) return store::MakeError(store::StoreErrc::kFull, message);
  return store::MakeError(store::StoreErrc::kIo, message);
}

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

// SQLite's placeholders as PostgreSQL's: '?' is the next number, '?N' is $N.
// Quoted strings and identifiers are copied unchanged. Sets `params` to the highest
// number used.
std::string TranslatePlaceholders(std::string_view sql, int& params) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  params = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = ++next;
    params = std::max(params, n);
    out += '$' + std::to_string(n);
    i = j - 1;
  }
  return out;
}

class PgConnection;

class PgStatement final : public SqlStatement::Backend {
 public:
  PgStatement(PgConnection& conn, std::string sql, int params)
      : conn_(conn), sql_(std::move(sql)), values_(static_cast<std::size_t>(params)) {}

  Status Bind(int index, std::int64_t v) override {
    return Set(index, Value{std::to_string(v), kInt8Oid, 0, false});
  }
  Status Bind(int index, std::string_view v) override {
    return Set(index, Value{std::string(v), kTextOid, 1, false});
  }
  Status Bind(int index, Blob v) override {
    return Set(index,
               Value{std::string(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size()),
                     kByteaOid, 1, false});
  }
  Status BindNull(int index) override { return Set(index, Value{{}, 0, 0, true}); }
  Expected<bool> Step() override;
  Status Reset() override {
    result_.reset();
    row_ = -1;
    for (Value& v : values_) v = Value{};
    return {};
  }
  bool IsNull(int column) const override {
    return !Valid(column) || PQgetisnull(result_.get(), row_, column);
  }
  std::int64_t Int(int column) const override {
    if (IsNull(column)) return 0;
    const char* v = PQgetvalue(result_.get(), row_, column);
    if (PQftype(result_.get(), column) == kBoolOid) return v[0] == 't' ? 1 : 0;
    return std::strtoll(v, nullptr, 10);
  }
  std::string Text(int column) const override {
    if (IsNull(column)) return {};
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::string BlobColumn(int column) const override;

 private:
  struct Value {
    std::string bytes;
    Oid type = 0;
    int format = 0;
    bool null = true;
  };
  Status Set(int index, Value v) {
    if (index < 1 || index > static_cast<int>(values_.size())) {
      return store::MakeError(store::StoreErrc::kMisuse,
                              "no parameter " + std::to_string(index) + " in this statement");
    }
    values_[static_cast<std::size_t>(index - 1)] = std::move(v);
    return {};
  }
  bool Valid(int column) const {
    return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && column >= 0 &&
           column < PQnfields(result_.get());
  }

  PgConnection& conn_;
  std::string sql_;
  std::vector<Value> values_;
  Result result_;
  int row_ = -1;
  friend class PgConnection;
};

class PgConnection final : public SqlConnection {
 public:
  explicit PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgConnection() override {
    if (conn_) PQfinish(conn_);
  }

  Status Connect() {
    if (conn_) PQfinish(conn_);
    prepared_.clear();
    // Defaults first: the caller's string (expanded from "dbname") overrides them.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "checkpoint-hq", conninfo_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (!conn_) return MakeError(CommonErrc::kUnavailable, "PostgreSQL: out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
      return MakeError(CommonErrc::kUnavailable,
                       "PostgreSQL unavailable: cannot connect: " + Trimmed(PQerrorMessage(conn_)));
    }
    // Notices ("relation already exists, skipping") are not HQ's log.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    return {};
  }

  SqlDialect dialect() const noexcept override { return SqlDialect::kPostgres; }

  Status Exec(std::string_view sql) override {
    if (auto s = Ready(); !s) return s;
    Result r(PQexec(conn_, std::string(sql).c_str()));
    const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return ResultError(conn_, r.get(), "PostgreSQL statement failed");
    }
    NoteChanges(r.get());
    return {};
  }

  Expected<SqlStatement> Prepare(std::string_view sql) override {
    int params = 0;
    std::string translated = TranslatePlaceholders(sql, params);
    return SqlStatement(std::make_unique<PgStatement>(*this, std::move(translated), params));
  }

  std::int64_t Changes() const noexcept override { return changes_; }

  Status Begin() override {
    if (tx_open_) return store::MakeError(store::StoreErrc::kMisuse, "transaction already open");
    if (auto s = Exec("BEGIN"); !s) return s;
    tx_open_ = true;
    return {};
  }
  Status Commit() override {
    if (!tx_open_) return store::MakeError(store::StoreErrc::kMisuse, "no transaction open");
    Result r(PQexec(conn_, "COMMIT"));
    const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK) {
      // Whether it committed is unknown when the connection went: every HQ write
      // is idempotent, so the caller's retry is safe either way.
      if (PQstatus(conn_) != CONNECTION_OK) tx_open_ = false;
      return ResultError(conn_, r.get(), "PostgreSQL commit failed");
    }
    tx_open_ = false;
    // COMMIT of a transaction that had failed answers "ROLLBACK".
    if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
      return store::MakeError(store::StoreErrc::kIo, "PostgreSQL rolled the transaction back");
    }
    return {};
  }
  Status Rollback() override {
    if (!tx_open_) return {};
    tx_open_ = false;
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return {};  // the server dropped it
    Result r(PQexec(conn_, "ROLLBACK"));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return ResultError(conn_, r.get(), "PostgreSQL rollback failed");
    }
    return {};
  }
  bool InTransaction() const noexcept override { return tx_open_; }

  Status LockKey(std::string_view key) override {
    if (!tx_open_)
      return store::MakeError(store::StoreErrc::kMisuse, "LockKey outside a transaction");
    auto st = Prepare("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))");
    if (!st) return std::move(st).error();
    if (auto s = st->Bind(1, key); !s) return s;
    auto row = st->Step();
    if (!row) return std::move(row).error();
    return {};
  }

  // Runs a statement's SQL with its bound values; the result is the statement's.
  Expected<Result> Execute(const PgStatement& st) {
    if (auto s = Ready(); !s) return std::move(s).error();
    std::string key = st.sql_;
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const auto& v : st.values_) {
      types.push_back(v.type);
      values.push_back(v.null ? nullptr : v.bytes.data());
      lengths.push_back(static_cast<int>(v.bytes.size()));
      formats.push_back(v.format);
      key += '\x1f' + std::to_string(v.type);
    }
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = "hq_" + std::to_string(++statements_);
      Result p(PQprepare(conn_, name.c_str(), st.sql_.c_str(), static_cast<int>(types.size()),
                         types.data()));
      if (!p || PQresultStatus(p.get()) != PGRES_COMMAND_OK) {
        return ResultError(conn_, p.get(), "PostgreSQL cannot prepare a statement");
      }
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    Result r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                            values.data(), lengths.data(), formats.data(), 0));
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return ResultError(conn_, r.get(), "PostgreSQL statement failed");
    }
    NoteChanges(r.get());
    return r;
  }

 private:
  // Reconnects a lost connection, unless a transaction was open on it.
  Status Ready() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
    if (tx_open_) {
      return MakeError(CommonErrc::kUnavailable,
                       "PostgreSQL connection lost; the transaction was rolled back");
    }
    return Connect();
  }
  void NoteChanges(const PGresult* r) {
    const char* status = PQcmdStatus(const_cast<PGresult*>(r));
    if (std::strncmp(status, "INSERT", 6) == 0 || std::strncmp(status, "UPDATE", 6) == 0 ||
        std::strncmp(status, "DELETE", 6) == 0) {
      changes_ = std::strtoll(PQcmdTuples(const_cast<PGresult*>(r)), nullptr, 10);
    }
  }

  std::string conninfo_;  // never logged: it may hold a password
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL and types -> name
  std::int64_t statements_ = 0;
  std::int64_t changes_ = 0;
  bool tx_open_ = false;
};

Expected<bool> PgStatement::Step() {
  if (!result_) {
    auto r = conn_.Execute(*this);
    if (!r) return std::move(r).error();
    result_ = std::move(*r);
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

std::string PgStatement::BlobColumn(int column) const {
  if (IsNull(column)) return {};
  if (PQftype(result_.get(), column) != kByteaOid) return Text(column);
  // Text format of bytea: "\x" and two hex digits a byte.
  const char* v = PQgetvalue(result_.get(), row_, column);
  const std::size_t n = static_cast<std::size_t>(PQgetlength(result_.get(), row_, column));
  if (n < 2 || v[0] != '\\' || v[1] != 'x') return Text(column);
  auto hex = [](char h) { return h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10; };
  std::string out((n - 2) / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(hex(v[2 + 2 * i]) * 16 + hex(v[3 + 2 * i]));
  }
  return out;
}

}  // namespace

Expected<std::unique_ptr<SqlConnection>> OpenPostgres(std::string_view conninfo) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(std::string(conninfo).c_str(), &err);
  if (err) PQfreemem(err);  // may quote the string: not repeated
  if (!parsed) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "the PostgreSQL connection string does not parse");
  }
  PQconninfoFree(parsed);
  auto c = std::make_unique<PgConnection>(std::string(conninfo));
  if (auto s = c->Connect(); !s) return std::move(s).error();
  return std::unique_ptr<SqlConnection>(std::move(c));
}

std::string RedactedConninfo(std::string_view conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return "postgresql (connection string does not parse)";
  std::string user, host, port, db;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  PQconninfoFree(opts);
  return "postgresql://" + (user.empty() ? "" : user + "@") + host +
         (port.empty() ? "" : ":" + port) + "/" + db;
}

}  // namespace checkpoint::hq
