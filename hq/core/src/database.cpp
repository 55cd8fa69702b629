#include "checkpoint/hq/database.hpp"

#include <chrono>
#include <cstring>
#include <unordered_map>

#include "checkpoint/common/sha256.hpp"
#include "try.hpp"

namespace checkpoint::hq {

namespace {
// RELEASED MIGRATIONS ARE NEVER EDITED: add a new one instead.
constexpr store::Migration kMigrations[] = {
    {1, "devices_tokens_records",
     R"sql(
CREATE TABLE devices (
  device_id      TEXT    PRIMARY KEY,
  public_key     BLOB    NOT NULL CHECK (length(public_key) = 32),
  certificate    TEXT    NOT NULL,
  enrolled_at_ms INTEGER NOT NULL,
  last_seen_ms   INTEGER,
  clock_offset_ms INTEGER,
  revoked        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE enroll_tokens (
  token_sha256  TEXT    PRIMARY KEY,
  device_id     TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  used_at_ms    INTEGER
);
CREATE TABLE records (
  device_id      TEXT    NOT NULL,
  seq            INTEGER NOT NULL CHECK (seq > 0),
  lane           INTEGER NOT NULL CHECK (lane BETWEEN 0 AND 2),
  record_type    TEXT    NOT NULL,
  record_uuid    TEXT    NOT NULL,
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  prev           BLOB    NOT NULL,
  hash           BLOB    NOT NULL,
  payload        BLOB    NOT NULL,
  signature      BLOB    NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE TABLE device_progress (
  device_id  TEXT    PRIMARY KEY,
  contiguous INTEGER NOT NULL
);
CREATE TABLE flags (
  id        INTEGER PRIMARY KEY,
  device_id TEXT    NOT NULL,
  seq       INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  detail    TEXT    NOT NULL,
  at_ms     INTEGER NOT NULL
);
CREATE INDEX flags_by_device ON flags(device_id, seq);
)sql",
     R"sql(
DROP TABLE flags;
DROP TABLE device_progress;
DROP TABLE records;
DROP TABLE enroll_tokens;
DROP TABLE devices;
)sql"},
    {2, "sites_api_tokens_time_index",
     R"sql(
ALTER TABLE enroll_tokens ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN site TEXT NOT NULL DEFAULT '';
CREATE TABLE api_tokens (
  token_sha256  TEXT    PRIMARY KEY,
  name          TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_by_time ON records(device_time_ms, device_id, seq);
)sql",
     R"sql(
DROP INDEX records_by_time;
DROP TABLE api_tokens;
ALTER TABLE devices DROP COLUMN site;
ALTER TABLE enroll_tokens DROP COLUMN site;
)sql"},
    {3, "bundles",
     R"sql(
CREATE TABLE bundles (
  kind         TEXT    NOT NULL,
  version      INTEGER NOT NULL CHECK (version > 0),
  base_version INTEGER,
  manifest     TEXT    NOT NULL,
  sha256       TEXT    NOT NULL,
  payload      BLOB    NOT NULL,
  published_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, version)
) WITHOUT ROWID;
)sql",
     "DROP TABLE bundles;"},
    // A record (~1.1 KB with hash, prev and signature) is larger than what a leaf of
    // a WITHOUT ROWID table keeps inline (~1,000 bytes of a 4 KiB page), so each one
    // also took an overflow page: 4.5 KB a record on disk, twice through the WAL. A
    // rowid table keeps rows whole; (device_id, seq) stays unique by its index, which
    // also serves the contiguous-prefix walk without reading the rows.
    {4, "records_rowid",
     R"sql(
CREATE TABLE records_v2 (
  id             INTEGER PRIMARY KEY,
  device_id      TEXT    NOT NULL,
  seq            INTEGER NOT NULL CHECK (seq > 0),
  lane           INTEGER NOT NULL CHECK (lane BETWEEN 0 AND 2),
  record_type    TEXT    NOT NULL,
  record_uuid    TEXT    NOT NULL,
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  prev           BLOB    NOT NULL,
  hash           BLOB    NOT NULL,
  payload        BLOB    NOT NULL,
  signature      BLOB    NOT NULL,
  UNIQUE (device_id, seq)
);
INSERT INTO records_v2(device_id, seq, lane, record_type, record_uuid, device_time_ms,
                       received_at_ms, prev, hash, payload, signature)
  SELECT device_id, seq, lane, record_type, record_uuid, device_time_ms, received_at_ms, prev,
         hash, payload, signature FROM records ORDER BY device_id, seq;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE INDEX records_by_time ON records(device_time_ms, device_id, seq);
)sql",
     R"sql(
CREATE TABLE records_v1 (
  device_id      TEXT    NOT NULL,
  seq            INTEGER NOT NULL CHECK (seq > 0),
  lane           INTEGER NOT NULL CHECK (lane BETWEEN 0 AND 2),
  record_type    TEXT    NOT NULL,
  record_uuid    TEXT    NOT NULL,
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  prev           BLOB    NOT NULL,
  hash           BLOB    NOT NULL,
  payload        BLOB    NOT NULL,
  signature      BLOB    NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
INSERT INTO records_v1 SELECT device_id, seq, lane, record_type, record_uuid, device_time_ms,
  received_at_ms, prev, hash, payload, signature FROM records;
DROP TABLE records;
ALTER TABLE records_v1 RENAME TO records;
CREATE INDEX records_by_time ON records(device_time_ms, device_id, seq);
)sql"},
};

// The same schema for PostgreSQL, version for version (ADR 0011). Text compares
// byte-wise (COLLATE "C"), as SQLite's does, so pages and cursors order alike;
// integers are BIGINT (milliseconds, sequence numbers), blobs bytea.
// RELEASED MIGRATIONS ARE NEVER EDITED: add a new one instead.
constexpr store::Migration kPostgresMigrations[] = {
    {1, "devices_tokens_records",
     R"sql(
CREATE TABLE devices (
  device_id       TEXT COLLATE "C" PRIMARY KEY,
  public_key      BYTEA   NOT NULL CHECK (length(public_key) = 32),
  certificate     TEXT    NOT NULL,
  enrolled_at_ms  BIGINT  NOT NULL,
  last_seen_ms    BIGINT,
  clock_offset_ms BIGINT,
  revoked         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE enroll_tokens (
  token_sha256  TEXT COLLATE "C" PRIMARY KEY,
  device_id     TEXT COLLATE "C" NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  used_at_ms    BIGINT
);
CREATE TABLE records (
  device_id      TEXT COLLATE "C" NOT NULL,
  seq            BIGINT  NOT NULL CHECK (seq > 0),
  lane           INTEGER NOT NULL CHECK (lane BETWEEN 0 AND 2),
  record_type    TEXT COLLATE "C" NOT NULL,
  record_uuid    TEXT COLLATE "C" NOT NULL,
  device_time_ms BIGINT  NOT NULL,
  received_at_ms BIGINT  NOT NULL,
  prev           BYTEA   NOT NULL,
  hash           BYTEA   NOT NULL,
  payload        BYTEA   NOT NULL,
  signature      BYTEA   NOT NULL,
  PRIMARY KEY (device_id, seq)
);
CREATE TABLE device_progress (
  device_id  TEXT COLLATE "C" PRIMARY KEY,
  contiguous BIGINT NOT NULL
);
CREATE TABLE flags (
  id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  device_id TEXT COLLATE "C" NOT NULL,
  seq       BIGINT NOT NULL,
  kind      TEXT COLLATE "C" NOT NULL,
  detail    TEXT   NOT NULL,
  at_ms     BIGINT NOT NULL
);
CREATE INDEX flags_by_device ON flags(device_id, seq);
)sql",
     R"sql(
DROP TABLE flags;
DROP TABLE device_progress;
DROP TABLE records;
DROP TABLE enroll_tokens;
DROP TABLE devices;
)sql"},
    // hq_payload_level: what SQLite's json_valid/json_type/json_extract give the
    // query API, the payload's "level" when it is a JSON string, else ''. Payloads
    // that are not UTF-8 JSON give '' instead of failing the query.
    {2, "sites_api_tokens_time_index",
     R"sql(
ALTER TABLE enroll_tokens ADD COLUMN site TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN site TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE TABLE api_tokens (
  token_sha256  TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT COLLATE "C" NOT NULL,
  created_at_ms BIGINT  NOT NULL,
  expires_at_ms BIGINT  NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_by_time ON records(device_time_ms, device_id, seq);
CREATE FUNCTION hq_payload_level(p BYTEA) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  j JSONB;
BEGIN
  j := convert_from(p, 'UTF8')::jsonb;
  IF jsonb_typeof(j) = 'object' AND jsonb_typeof(j -> 'level') = 'string' THEN
    RETURN j ->> 'level';
  END IF;
  RETURN '';
EXCEPTION WHEN OTHERS THEN
  RETURN '';
END
$fn$;
)sql",
     R"sql(
DROP FUNCTION hq_payload_level(BYTEA);
DROP INDEX records_by_time;
DROP TABLE api_tokens;
ALTER TABLE devices DROP COLUMN site;
ALTER TABLE enroll_tokens DROP COLUMN site;
)sql"},
    {3, "bundles",
     R"sql(
CREATE TABLE bundles (
  kind         TEXT COLLATE "C" NOT NULL,
  version      BIGINT NOT NULL CHECK (version > 0),
  base_version BIGINT,
  manifest     TEXT   NOT NULL,
  sha256       TEXT   NOT NULL,
  payload      BYTEA  NOT NULL,
  published_ms BIGINT NOT NULL,
  PRIMARY KEY (kind, version)
);
)sql",
     "DROP TABLE bundles;"},
    // SQLite's migration 4 moved records into a rowid table (rows whole, not on
    // overflow pages); PostgreSQL's heap already keeps them so. The step is recorded
    // so that a version number means the same schema on both.
    {4, "records_rowid", "SELECT 1;", "SELECT 1;"},
};

// Rows a multi-row INSERT of Ingest writes at most (11 parameters each: far below
// SQLite's 32,766 and PostgreSQL's 65,535 parameters a statement).
constexpr std::size_t kRowsPerInsert = 100;

// One lock key for HQ's schema changes, whatever the database.
constexpr std::string_view kSchemaLock = "checkpoint-hq schema migrations";

constexpr std::string_view kPostgresBootstrap = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  up_sha256     TEXT    NOT NULL,
  down_sql      TEXT    NOT NULL,
  applied_at_ms BIGINT  NOT NULL
);
)sql";

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One step of PostgreSQL's migration towards `target`, in its own transaction under
// the schema lock: true when a step was taken, false when the schema is there.
Expected<bool> PostgresMigrationStep(SqlConnection& db, std::optional<int> target) {
  const auto known = std::span<const store::Migration>(kPostgresMigrations);
  auto tx = SqlTransaction::Begin(db);
  if (!tx) return std::move(tx).error();
  if (auto s = db.LockKey(kSchemaLock); !s) return std::move(s).error();
  if (auto s = db.Exec(kPostgresBootstrap); !s) return std::move(s).error();
  auto rows = db.Prepare("SELECT version, name, up_sha256 FROM schema_migrations ORDER BY version");
  if (!rows) return std::move(rows).error();
  int current = 0;
  while (true) {
    auto row = rows->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    const int v = static_cast<int>(rows->Int(0));
    if (v != current + 1) {
      return store::MakeError(store::StoreErrc::kMigration,
                              "schema_migrations has a gap at " + std::to_string(current + 1));
    }
    current = v;
    if (v > static_cast<int>(known.size())) continue;  // a newer HQ's: rolled back below
    const store::Migration& m = known[static_cast<std::size_t>(v) - 1];
    if (rows->Text(1) != m.name || rows->Text(2) != common::ToHex(common::Sha256::Of(m.up))) {
      return store::MakeError(store::StoreErrc::kMigration,
                              "migration " + std::to_string(v) +
                                  " differs from the one applied to this database: released "
                                  "migrations must never be edited");
    }
  }
  const int want = target.value_or(static_cast<int>(known.size()));
  if (want < 0 || want > std::max(current, static_cast<int>(known.size()))) {
    return store::MakeError(store::StoreErrc::kMigration,
                            "no schema version " + std::to_string(want) + " to migrate to");
  }
  if (current == want) {
    if (auto s = tx->Commit(); !s) return std::move(s).error();
    return false;
  }
  if (current < want) {
    const store::Migration& m = known[static_cast<std::size_t>(current)];
    if (auto s = db.Exec(m.up); !s) {
      return std::move(s).error().WithContext("migration " + std::to_string(m.version));
    }
    auto ins = db.Prepare(
        "INSERT INTO schema_migrations(version, name, up_sha256, down_sql, applied_at_ms) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!ins) return std::move(ins).error();
    CP_TRY(ins->BindAll(std::int64_t{m.version}, m.name, common::ToHex(common::Sha256::Of(m.up)),
                        m.down, NowMs()));
    CP_TRY(ins->Run());
  } else {
    auto sel = db.Prepare("SELECT down_sql FROM schema_migrations WHERE version = ?");
    if (!sel) return std::move(sel).error();
    CP_TRY(sel->Bind(1, std::int64_t{current}));
    auto row = sel->Step();
    if (!row) return std::move(row).error();
    if (!*row) return store::MakeError(store::StoreErrc::kMigration, "no rollback SQL stored");
    if (auto s = db.Exec(sel->Text(0)); !s) {
      return std::move(s).error().WithContext("rollback of migration " + std::to_string(current));
    }
    auto del = db.Prepare("DELETE FROM schema_migrations WHERE version = ?");
    if (!del) return std::move(del).error();
    CP_TRY(del->Bind(1, std::int64_t{current}));
    CP_TRY(del->Run());
  }
  if (auto s = tx->Commit(); !s) return std::move(s).error();
  return true;
}

store::Blob AsBlob(std::span<const std::uint8_t> b) {
  return store::Blob{b};
}
store::Blob AsBlob(std::string_view s) {
  return store::Blob{
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())};
}
template <std::size_t N>
bool CopyFixed(const std::string& bytes, std::array<std::uint8_t, N>& out) {
  if (bytes.size() != N) return false;
  std::memcpy(out.data(), bytes.data(), N);
  return true;
}
}  // namespace

std::string TokenDigest(std::string_view token) {
  return common::ToHex(common::Sha256::Of(token));
}

std::span<const store::Migration> HqMigrations() {
  return kMigrations;
}

std::span<const store::Migration> HqPostgresMigrations() {
  return kPostgresMigrations;
}

Expected<int> MigrateSchema(SqlConnection& db, std::optional<int> target) {
  if (store::Connection* lite = db.sqlite()) {
    auto r = store::Migrate(*lite, HqMigrations(), target);
    if (!r) return std::move(r).error();
    return r->to;
  }
  while (true) {
    auto stepped = RetryTransaction([&] { return PostgresMigrationStep(db, target); });
    if (!stepped) return std::move(stepped).error();
    if (!*stepped) break;
  }
  return SchemaVersion(db);
}

Expected<int> SchemaVersion(SqlConnection& db) {
  if (store::Connection* lite = db.sqlite()) return store::SchemaVersion(*lite);
  auto exists = db.QueryInt(
      "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations' "
      "AND schemaname = current_schema()");
  if (!exists) return std::move(exists).error();
  if (*exists == 0) return 0;
  auto v = db.QueryInt("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return std::move(v).error();
  return static_cast<int>(*v);
}

Expected<HqDatabase> HqDatabase::Adopt(std::unique_ptr<SqlConnection> db) {
  auto m = MigrateSchema(*db);
  if (!m) return std::move(m).error().WithContext("cannot migrate the HQ database");
  return HqDatabase(std::move(db));
}

Expected<HqDatabase> HqDatabase::Open(const std::filesystem::path& path) {
  auto c = OpenSqlite(path);
  if (!c) return std::move(c).error().WithContext("cannot open the HQ database");
  return Adopt(std::move(*c));
}

Expected<HqDatabase> HqDatabase::OpenPostgres(std::string_view conninfo) {
  auto c = hq::OpenPostgres(conninfo);
  if (!c) return std::move(c).error().WithContext("cannot open the HQ database");
  return Adopt(std::move(*c));
}

namespace {
bool IsPostgresSpec(std::string_view spec) {
  return spec.starts_with("postgresql://") || spec.starts_with("postgres://") ||
         (spec.find('=') != std::string_view::npos && !spec.starts_with("sqlite:"));
}
}  // namespace

Expected<HqDatabase> HqDatabase::OpenSpec(std::string_view spec,
                                          const std::filesystem::path& data) {
  if (spec.empty()) return Open(data / "hq.db");
  if (spec.starts_with("sqlite:")) return Open(std::filesystem::path(spec.substr(7)));
  if (IsPostgresSpec(spec)) return OpenPostgres(spec);
  return MakeError(CommonErrc::kInvalidArgument,
                   "the database must be postgresql://..., key=value ... (PostgreSQL) or "
                   "sqlite:PATH");
}

std::string HqDatabase::Describe(std::string_view spec, const std::filesystem::path& data) {
  if (spec.empty()) return "sqlite:" + (data / "hq.db").string();
  if (spec.starts_with("sqlite:")) return std::string(spec);
  if (IsPostgresSpec(spec)) return RedactedConninfo(spec);
  return "(not a database)";
}

Status HqDatabase::AddToken(std::string_view token, std::string_view device_id, std::int64_t now_ms,
                            std::int64_t expires_at_ms, std::string_view site) {
  auto st = db_->Prepare(
      "INSERT INTO enroll_tokens(token_sha256, device_id, created_at_ms, expires_at_ms, site) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  // A default string_view has no data and would bind as NULL: bind a string.
  CP_TRY(st->BindAll(TokenDigest(token), device_id, now_ms, expires_at_ms, std::string(site)));
  return st->Run();
}

Expected<bool> HqDatabase::ConsumeToken(std::string_view token, std::string_view device_id,
                                        std::int64_t now_ms) {
  auto st = db_->Prepare(
      "UPDATE enroll_tokens SET used_at_ms = ? WHERE token_sha256 = ? AND device_id = ? "
      "AND used_at_ms IS NULL AND expires_at_ms > ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(now_ms, TokenDigest(token), device_id, now_ms));
  CP_TRY(st->Run());
  return db_->Changes() == 1;
}

Status HqDatabase::PutDevice(std::string_view device_id, const protocol::PublicKey& key,
                             std::string_view cert_pem, std::int64_t now_ms) {
  auto st = db_->Prepare(
      "INSERT INTO devices(device_id, public_key, certificate, enrolled_at_ms) VALUES (?,?,?,?) "
      "ON CONFLICT(device_id) DO UPDATE SET public_key = excluded.public_key, "
      "certificate = excluded.certificate, enrolled_at_ms = excluded.enrolled_at_ms, revoked = 0");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(device_id, AsBlob(key), cert_pem, now_ms));
  CP_TRY(st->Run());
  // The crossing point named by the device's newest used token (checkpoint-hq token
  // --site), kept when that token named none.
  auto site = db_->Prepare(
      "UPDATE devices SET site = (SELECT site FROM enroll_tokens WHERE device_id = ?1 "
      "AND used_at_ms IS NOT NULL AND site != '' ORDER BY used_at_ms DESC LIMIT 1) "
      "WHERE device_id = ?1 AND EXISTS (SELECT 1 FROM enroll_tokens WHERE device_id = ?1 "
      "AND used_at_ms IS NOT NULL AND site != '')");
  if (!site) return std::move(site).error();
  CP_TRY(site->Bind(1, device_id));
  return site->Run();
}

Expected<std::optional<DeviceInfo>> HqDatabase::FindDevice(std::string_view device_id) {
  auto st =
      db_->Prepare("SELECT public_key, enrolled_at_ms, revoked FROM devices WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, device_id));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<DeviceInfo>();
  DeviceInfo d;
  d.device_id = std::string(device_id);
  if (!CopyFixed(st->BlobColumn(0), d.public_key)) {
    return store::MakeError(store::StoreErrc::kCorrupt, "device key of the wrong size");
  }
  d.enrolled_at_ms = st->Int(1);
  d.revoked = st->Int(2) != 0;
  return std::optional<DeviceInfo>(std::move(d));
}

Status HqDatabase::SetCertificate(std::string_view device_id, std::string_view cert_pem) {
  auto st = db_->Prepare("UPDATE devices SET certificate = ? WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(cert_pem, device_id));
  return st->Run();
}

Expected<bool> HqDatabase::RevokeDevice(std::string_view device_id) {
  auto st = db_->Prepare("UPDATE devices SET revoked = 1 WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, device_id));
  CP_TRY(st->Run());
  return db_->Changes() == 1;
}

Status HqDatabase::TouchDevice(std::string_view device_id, std::int64_t now_ms,
                               std::int64_t offset_ms) {
  auto st =
      db_->Prepare("UPDATE devices SET last_seen_ms = ?, clock_offset_ms = ? WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(now_ms, offset_ms, device_id));
  return st->Run();
}

Status HqDatabase::AddFlag(std::string_view device_id, std::int64_t seq, std::string_view kind,
                           std::string_view detail, std::int64_t now_ms) {
  auto st =
      db_->Prepare("INSERT INTO flags(device_id, seq, kind, detail, at_ms) VALUES (?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(device_id, seq, kind, detail, now_ms));
  return st->Run();
}

IngestItem CheckRecord(const DeviceInfo& device, const protocol::Record& record) {
  IngestItem item;
  item.record = &record;
  if (record.device_id != device.device_id || !protocol::ValidateRecord(record)) {
    item.check = IngestItem::Check::kInvalid;
    return item;
  }
  // The canonical bytes once, for the signature and the hash (VerifyRecord and
  // RecordHash would build them each).
  const std::string bytes = protocol::CanonicalBytes(record);
  if (!protocol::Verify(device.public_key, bytes, record.sig)) {
    item.check = IngestItem::Check::kBadSignature;
  } else {
    item.hash = common::Sha256::Of(bytes);
  }
  return item;
}

Expected<protocol::Ack> HqDatabase::Ingest(std::string_view device_id,
                                           std::span<const IngestItem> items, std::int64_t now_ms) {
  // The whole batch again after a deadlock, a serialization failure or a lost
  // connection: nothing of a failed attempt stays, and what another instance stored
  // meanwhile counts as duplicates.
  return RetryTransaction([&] { return IngestOnce(device_id, items, now_ms); });
}

Expected<protocol::Ack> HqDatabase::IngestOnce(std::string_view device_id,
                                               std::span<const IngestItem> items,
                                               std::int64_t now_ms) {
  auto tx = SqlTransaction::Begin(*db_);
  if (!tx) return std::move(tx).error();
  // One batch of a device at a time, across every HQ instance on the database: the
  // duplicate and conflict checks, the chain links and the contiguous counter read
  // what the batch before committed (a retry through another instance after a load
  // balancer switch meets the first attempt here).
  CP_TRY(db_->LockKey("device:" + std::string(device_id)));
  auto find = db_->Prepare("SELECT hash, prev FROM records WHERE device_id = ? AND seq = ?");
  if (!find) return std::move(find).error();
  auto insert = db_->Prepare(
      "INSERT INTO records(device_id, seq, lane, record_type, record_uuid, device_time_ms, "
      "received_at_ms, prev, hash, payload, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT (device_id, seq) DO NOTHING");
  if (!insert) return std::move(insert).error();
  // What is held around the batch, read in one query when the batch's sequence
  // numbers lie close together (as they do): (hash, prev) by seq, from the record
  // before the first to the one after the last, kept up to date as the batch goes
  // in. One round trip instead of three a record (they count on PostgreSQL).
  using Held = std::pair<std::string, std::string>;
  std::unordered_map<std::int64_t, Held> near;
  std::int64_t lo = 0, hi = -1;  // the range `near` covers
  {
    std::int64_t first = 0, last = 0;
    std::size_t ok = 0;
    for (const IngestItem& item : items) {
      if (item.check != IngestItem::Check::kOk) continue;
      first = ok == 0 ? item.record->seq : std::min(first, item.record->seq);
      last = ok == 0 ? item.record->seq : std::max(last, item.record->seq);
      ++ok;
    }
    if (ok > 0 && last - first <= static_cast<std::int64_t>(4 * ok + 64)) {
      lo = first - 1;
      hi = last + 1;
      auto range = db_->Prepare(
          "SELECT seq, hash, prev FROM records WHERE device_id = ? AND seq BETWEEN ? AND ?");
      if (!range) return std::move(range).error();
      CP_TRY(range->BindAll(device_id, lo, hi));
      while (true) {
        auto row = range->Step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        near.emplace(range->Int(0), Held(range->BlobColumn(1), range->BlobColumn(2)));
      }
    }
  }
  // The stored (hash, prev) of device's record `seq`, if any.
  auto lookup = [&](std::int64_t seq) -> Expected<std::optional<Held>> {
    if (seq >= lo && seq <= hi) {
      auto it = near.find(seq);
      return it == near.end() ? std::optional<Held>() : std::optional<Held>(it->second);
    }
    CP_TRY(find->Reset());
    CP_TRY(find->BindAll(device_id, seq));
    auto row = find->Step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<std::pair<std::string, std::string>>();
    return std::optional(std::pair(find->BlobColumn(0), find->BlobColumn(1)));
  };
  auto bytes = [](const protocol::Hash& h) {
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
  };

  protocol::Ack ack;
  std::vector<const IngestItem*> pending;  // new, in `near`'s range, not yet written
  for (const IngestItem& item : items) {
    const protocol::Record& r = *item.record;
    if (item.check == IngestItem::Check::kInvalid) {
      ack.rejected.push_back({r.seq, "invalid"});
      CP_TRY(AddFlag(device_id, r.seq, "invalid", "record fails validation", now_ms));
      continue;
    }
    if (item.check == IngestItem::Check::kBadSignature) {
      ack.rejected.push_back({r.seq, "bad_signature"});
      CP_TRY(AddFlag(device_id, r.seq, "bad_signature",
                     "signature does not verify with the device key", now_ms));
      continue;
    }
    const protocol::Hash& hash = item.hash;
    auto held = lookup(r.seq);
    if (!held) return std::move(held).error();
    if (*held) {
      if ((*held)->first == bytes(hash)) {
        ack.acked.push_back(r.seq);
        ++ack.duplicates;
      } else {
        ack.rejected.push_back({r.seq, "conflict"});
        CP_TRY(AddFlag(device_id, r.seq, "conflict",
                       "a different record is held for this sequence number", now_ms));
      }
      continue;
    }
    if (r.seq >= lo && r.seq <= hi) {
      // Judged against `near`; written below, many rows a statement.
      near.emplace(r.seq, Held(bytes(hash), bytes(r.prev)));
      pending.push_back(&item);
    } else {
      CP_TRY(insert->Reset());
      CP_TRY(insert->BindAll(device_id, r.seq, r.lane, r.type, r.uuid, r.device_time_ms, now_ms,
                             AsBlob(r.prev), AsBlob(hash), AsBlob(r.payload), AsBlob(r.sig)));
      CP_TRY(insert->Run());
      if (db_->Changes() != 1) {
        // Cannot happen under the device lock; if the unique key is ever met, the
        // batch is run again and the held record is judged like any other.
        return store::MakeError(store::StoreErrc::kBusy, "record stored meanwhile");
      }
    }
    ack.acked.push_back(r.seq);
    // The chain, in both directions: our prev against the record before, and the
    // record after (if it came first, e.g. from the priority lane) against us.
    if (r.seq > 1) {
      auto before = lookup(r.seq - 1);
      if (!before) return std::move(before).error();
      if (*before && (*before)->first != bytes(r.prev)) {
        CP_TRY(AddFlag(device_id, r.seq, "chain_break", "prev is not the hash of the record before",
                       now_ms));
      }
    }
    auto after = lookup(r.seq + 1);
    if (!after) return std::move(after).error();
    if (*after && (*after)->second != bytes(hash)) {
      CP_TRY(AddFlag(device_id, r.seq + 1, "chain_break",
                     "prev is not the hash of the record before", now_ms));
    }
  }

  // The new records judged against `near`, up to kRowsPerInsert a statement.
  for (std::size_t at = 0; at < pending.size(); at += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, pending.size() - at);
    std::string sql =
        "INSERT INTO records(device_id, seq, lane, record_type, record_uuid, device_time_ms, "
        "received_at_ms, prev, hash, payload, signature) VALUES ";
    for (std::size_t i = 0; i < n; ++i)
      sql += i ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)";
    sql += " ON CONFLICT (device_id, seq) DO NOTHING";
    auto rows = db_->Prepare(sql);
    if (!rows) return std::move(rows).error();
    int p = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const IngestItem& item = *pending[at + i];
      const protocol::Record& r = *item.record;
      CP_TRY(rows->Bind(++p, device_id));
      CP_TRY(rows->Bind(++p, r.seq));
      CP_TRY(rows->Bind(++p, r.lane));
      CP_TRY(rows->Bind(++p, r.type));
      CP_TRY(rows->Bind(++p, r.uuid));
      CP_TRY(rows->Bind(++p, r.device_time_ms));
      CP_TRY(rows->Bind(++p, now_ms));
      CP_TRY(rows->Bind(++p, AsBlob(r.prev)));
      CP_TRY(rows->Bind(++p, AsBlob(item.hash)));
      CP_TRY(rows->Bind(++p, AsBlob(r.payload)));
      CP_TRY(rows->Bind(++p, AsBlob(r.sig)));
    }
    CP_TRY(rows->Run());
    if (db_->Changes() != static_cast<std::int64_t>(n)) {
      return store::MakeError(store::StoreErrc::kBusy, "records stored meanwhile");
    }
  }

  // Advance the contiguous prefix over what is now held.
  std::int64_t contiguous = 0;
  {
    auto st = db_->Prepare("SELECT contiguous FROM device_progress WHERE device_id = ?");
    if (!st) return std::move(st).error();
    CP_TRY(st->Bind(1, device_id));
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (*row) contiguous = st->Int(0);
  }
  auto next = db_->Prepare(
      "SELECT seq FROM records WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT 100000");
  if (!next) return std::move(next).error();
  CP_TRY(next->BindAll(device_id, contiguous));
  while (true) {
    auto row = next->Step();
    if (!row) return std::move(row).error();
    if (!*row || next->Int(0) != contiguous + 1) break;
    ++contiguous;
  }
  auto up = db_->Prepare(
      "INSERT INTO device_progress(device_id, contiguous) VALUES (?, ?) "
      "ON CONFLICT(device_id) DO UPDATE SET contiguous = excluded.contiguous");
  if (!up) return std::move(up).error();
  CP_TRY(up->BindAll(device_id, contiguous));
  CP_TRY(up->Run());
  // No statement may still be reading at the commit: one that is keeps a read
  // transaction open, and SQLite's automatic checkpoint then never copies the WAL
  // back (it grew by gigabytes over a long backlog).
  CP_TRY(find->Reset());
  CP_TRY(next->Reset());
  CP_TRY(tx->Commit());
  ack.contiguous = contiguous;
  ack.hq_time_ms = now_ms;
  return ack;
}

Expected<std::int64_t> HqDatabase::Contiguous(std::string_view device_id) {
  auto st = db_->Prepare("SELECT contiguous FROM device_progress WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, device_id));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  return *row ? st->Int(0) : std::int64_t{0};
}

Expected<std::int64_t> HqDatabase::RecordCount(std::string_view device_id) {
  auto st = db_->Prepare("SELECT count(*) FROM records WHERE device_id = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, device_id));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  return st->Int(0);
}

Expected<std::vector<Flag>> HqDatabase::Flags(std::string_view device_id) {
  auto st =
      db_->Prepare("SELECT seq, kind, detail, at_ms FROM flags WHERE device_id = ? ORDER BY id");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, device_id));
  std::vector<Flag> out;
  while (true) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back({std::string(device_id), st->Int(0), st->Text(1), st->Text(2), st->Int(3)});
  }
  return out;
}

Expected<std::optional<protocol::Record>> HqDatabase::FindRecord(std::string_view device_id,
                                                                 std::int64_t seq) {
  auto st = db_->Prepare(
      "SELECT lane, record_type, record_uuid, device_time_ms, prev, payload, signature "
      "FROM records WHERE device_id = ? AND seq = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(device_id, seq));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<protocol::Record>();
  protocol::Record r;
  r.device_id = std::string(device_id);
  r.seq = seq;
  r.lane = static_cast<int>(st->Int(0));
  r.type = st->Text(1);
  r.uuid = st->Text(2);
  r.device_time_ms = st->Int(3);
  r.payload = st->BlobColumn(5);
  if (!CopyFixed(st->BlobColumn(4), r.prev) || !CopyFixed(st->BlobColumn(6), r.sig)) {
    return store::MakeError(store::StoreErrc::kCorrupt, "stored record of the wrong shape");
  }
  return std::optional<protocol::Record>(std::move(r));
}

}  // namespace checkpoint::hq
