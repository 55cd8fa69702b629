#pragma once
// HQ's record database: devices and their keys, one-time enrollment tokens,
// records deduplicated by (device, seq), each device's contiguous acknowledged
// sequence number, and flags (tampering, chain breaks, conflicts). SQLite by
// default (the store's Connection and migration runner), PostgreSQL for several HQ
// instances on one database (ADR 0011); the same numbered migrations for both, each
// in its dialect.
//
// Thread-safety: none; HqService serialises access within one process. Across
// processes (several instances on one PostgreSQL database) every write is safe:
// Ingest holds a per-device lock, tokens are consumed by one conditional UPDATE,
// and a publication holds a per-kind lock.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/hq/sql.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "checkpoint/protocol/record.hpp"
#include "checkpoint/store/migrations.hpp"

namespace checkpoint::hq {

// HQ's schema, numbered: for SQLite (the store's runner) and for PostgreSQL (HQ's
// runner, same numbers, same tables). A version means the same schema on both.
std::span<const store::Migration> HqMigrations();
std::span<const store::Migration> HqPostgresMigrations();
// Brings the schema to `target` (default: the newest) forward or, with the rollback
// SQL stored in the database, backward. On PostgreSQL each step is a transaction
// under an advisory lock, so instances starting together apply each step once.
// Returns the version reached.
Expected<int> MigrateSchema(SqlConnection& db, std::optional<int> target = std::nullopt);
Expected<int> SchemaVersion(SqlConnection& db);

// What HQ stores instead of a token (enrollment or API): SHA-256, lower-case hex.
std::string TokenDigest(std::string_view token);

struct DeviceInfo {
  std::string device_id;
  protocol::PublicKey public_key{};
  std::int64_t enrolled_at_ms = 0;
  bool revoked = false;
};

struct Flag {
  std::string device_id;
  std::int64_t seq = 0;
  std::string kind;  // "bad_signature", "chain_break", "conflict", "invalid"
  std::string detail;
  std::int64_t at_ms = 0;
};

// A record of a batch with what can be known of it without the database: its hash
// and whether it is valid and signed by the device. CheckRecord is pure (no lock).
struct IngestItem {
  enum class Check { kOk, kInvalid, kBadSignature };
  const protocol::Record* record = nullptr;
  protocol::Hash hash{};
  Check check = Check::kOk;
};
IngestItem CheckRecord(const DeviceInfo& device, const protocol::Record& record);

class HqDatabase {
 public:
  // SQLite file at `path` (created when missing).
  static Expected<HqDatabase> Open(const std::filesystem::path& path);
  // PostgreSQL: a libpq connection string (key=value pairs or a postgresql:// URI).
  static Expected<HqDatabase> OpenPostgres(std::string_view conninfo);
  // Either, by `spec`: empty for <data>/hq.db; "postgresql://...", "postgres://..."
  // or "key=value ..." for PostgreSQL; "sqlite:PATH" for another SQLite file.
  static Expected<HqDatabase> OpenSpec(std::string_view spec, const std::filesystem::path& data);
  // The database `spec` names, for logs: never a password.
  static std::string Describe(std::string_view spec, const std::filesystem::path& data);
  // Migrates an open connection and takes it.
  static Expected<HqDatabase> Adopt(std::unique_ptr<SqlConnection> db);

  // Stores SHA-256(token) for `device_id`, valid until expires_at_ms. The device
  // enrolled with it belongs to crossing point `site` ("": unchanged).
  Status AddToken(std::string_view token, std::string_view device_id, std::int64_t now_ms,
                  std::int64_t expires_at_ms, std::string_view site = {});
  // Marks the token used if it is valid for `device_id` at `now_ms`; false when it
  // is unknown, used, expired or for another device.
  Expected<bool> ConsumeToken(std::string_view token, std::string_view device_id,
                              std::int64_t now_ms);
  // Registers (or re-registers, replacing the key) a device.
  Status PutDevice(std::string_view device_id, const protocol::PublicKey& key,
                   std::string_view cert_pem, std::int64_t now_ms);
  Expected<std::optional<DeviceInfo>> FindDevice(std::string_view device_id);
  // Records a renewed certificate (same key) for the device.
  Status SetCertificate(std::string_view device_id, std::string_view cert_pem);
  // Refuses the device's uploads from now on (until it enrolls again with a new
  // token). False when the device is unknown.
  Expected<bool> RevokeDevice(std::string_view device_id);
  Status TouchDevice(std::string_view device_id, std::int64_t now_ms, std::int64_t offset_ms);

  // Stores a batch of the device's checked records (CheckRecord) in one transaction
  // and returns the acknowledgement. Invalid records, bad signatures and a seq
  // already held with other content are rejected and flagged; a record whose prev
  // does not match its neighbour's hash is stored (the device signed it) and flagged.
  Expected<protocol::Ack> Ingest(std::string_view device_id, std::span<const IngestItem> items,
                                 std::int64_t now_ms);

  Expected<std::int64_t> Contiguous(std::string_view device_id);
  Expected<std::int64_t> RecordCount(std::string_view device_id);
  Expected<std::vector<Flag>> Flags(std::string_view device_id);
  // The stored record, as received.
  Expected<std::optional<protocol::Record>> FindRecord(std::string_view device_id,
                                                       std::int64_t seq);

  SqlConnection& db() noexcept { return *db_; }

 private:
  explicit HqDatabase(std::unique_ptr<SqlConnection> db) : db_(std::move(db)) {}
  Expected<protocol::Ack> IngestOnce(std::string_view device_id, std::span<const IngestItem> items,
                                     std::int64_t now_ms);
  Status AddFlag(std::string_view device_id, std::int64_t seq, std::string_view kind,
                 std::string_view detail, std::int64_t now_ms);
  std::unique_ptr<SqlConnection> db_;
};

}  // namespace checkpoint::hq
