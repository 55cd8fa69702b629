#pragma once
// The record envelope: what the device signs and HQ verifies and stores.
//
// Canonical bytes (docs/protocol.md): the domain tag "checkpoint.record.v1" and then
// every field except the signature, integers as 8-byte big-endian, strings and bytes
// with an 8-byte big-endian length prefix, in this order: device_id, seq, lane, type,
// uuid, device_time_ms, prev, payload. The record hash is SHA-256 of the canonical
// bytes; the signature is Ed25519 over them. `prev` is the hash of the same
// device's record seq-1 (all zero for seq 1), so the records of a device form one
// chain in sequence order, whatever order they travel in.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/protocol/keys.hpp"

namespace checkpoint::protocol {

using Hash = common::Digest256;
inline constexpr Hash kGenesisHash{};

inline constexpr std::size_t kMaxIdLength = 64;            // device_id, type
inline constexpr std::size_t kMaxUuidLength = 64;          // record_uuid
inline constexpr std::size_t kMaxPayloadBytes = 1u << 20;  // one record's payload
inline constexpr std::int64_t kMaxSeq = 9007199254740991;  // 2^53-1: exact in every JSON reader

struct Record {
  std::string device_id;
  std::int64_t seq = 0;  // 1, 2, 3 ... per device, never reused
  int lane = 1;          // 0 priority, 1 records, 2 telemetry
  std::string type;
  std::string uuid;
  std::int64_t device_time_ms = 0;  // the device's wall clock when recorded (may be wrong)
  Hash prev{};
  std::string payload;  // bytes
  Signature sig{};

  bool operator==(const Record&) const = default;
};

// Checks the field rules (lengths, character sets, ranges) shared by both ends.
Status ValidateRecord(const Record& r);
// A device or record type identifier: 1..64 of [A-Za-z0-9._:-].
bool IsIdentifier(std::string_view s) noexcept;

std::string CanonicalBytes(const Record& r);
Hash RecordHash(const Record& r);
// Sets r.sig over the canonical bytes (r.prev must already be set).
void SignRecord(Record& r, const DeviceKey& key);
// kBadSignature when the signature does not verify.
Status VerifyRecord(const Record& r, const PublicKey& key);

}  // namespace checkpoint::protocol
