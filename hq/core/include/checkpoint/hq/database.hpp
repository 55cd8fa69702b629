#pragma once
// HQ's record database: devices and their keys, one-time enrollment tokens,
// records deduplicated by (device, seq), each device's contiguous acknowledged
// sequence number, and flags (tampering, chain breaks, conflicts). SQLite by
// default (the store's Connection and migration runner, with HQ's own numbered
// migrations).
//
// Thread-safety: none; HqService serialises access.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "checkpoint/protocol/record.hpp"
#include "checkpoint/store/database.hpp"
#include "checkpoint/store/migrations.hpp"

namespace checkpoint::hq {

std::span<const store::Migration> HqMigrations();

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
  static Expected<HqDatabase> Open(const std::filesystem::path& path);

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

  store::Connection& db() noexcept { return *db_; }

 private:
  explicit HqDatabase(std::unique_ptr<store::Connection> db) : db_(std::move(db)) {}
  Status AddFlag(std::string_view device_id, std::int64_t seq, std::string_view kind,
                 std::string_view detail, std::int64_t now_ms);
  std::unique_ptr<store::Connection> db_;
};

}  // namespace checkpoint::hq
