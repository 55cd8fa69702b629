#pragma once
// The agent's own state (sync.db in its directory, separate from the appliance
// store): the last HQ time it saw, and the seal of every record it has chained: the
// record's hash, so that record seq can name the hash of seq-1 even when seq-1 was
// sent, acknowledged and purged long ago, and the device's signature over it, made
// when the record reached the outbox (link or no link) and sent as it is (see
// docs/adr/0019). The uplink prunes below what HQ holds contiguously and below the
// oldest unacknowledged record; the newest entry is always kept. It also keeps the
// downlink's anti-rollback floor per bundle kind.
//
// Thread-safety: one thread at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/protocol/record.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::agent {

// One chained record: its hash and, when the agent sealed it, its signature (an
// anchor from HQ, and records chained by agents before sealing, have none).
struct ChainLink {
  std::int64_t seq = 0;
  protocol::Hash hash{};
  std::optional<protocol::Signature> sig;
};

// What the chain holds for one record: the hash of the record before it (the
// genesis hash for seq 1) and the record's own link.
struct SealOf {
  std::optional<protocol::Hash> prev;
  std::optional<ChainLink> self;
};

class ChainState {
 public:
  static Expected<ChainState> Open(const std::filesystem::path& path);

  // The highest chained seq (0 when none).
  Expected<std::int64_t> Head();
  // The hash of record `seq` (the genesis hash for 0); nullopt when not chained or pruned.
  Expected<std::optional<protocol::Hash>> HashOf(std::int64_t seq);
  // SealOf for each of `seqs`, read by ranges (a batch's seqs lie mostly together).
  Expected<std::vector<SealOf>> SealsOf(std::span<const std::int64_t> seqs);
  // Appends links in one transaction (seqs must continue the head).
  Status Append(std::span<const ChainLink> links);
  // Forgets hashes of seq < before, always keeping the head.
  Status Prune(std::int64_t before);

  // The last HQ time stored (TrustedTime's floor after a restart).
  Expected<std::optional<std::int64_t>> LastHqTime();
  Status SetLastHqTime(std::int64_t hq_time_ms);

  // The highest version of a bundle kind ever installed (0 when none): the
  // downlink's anti-rollback floor, kept apart from the bundle directory so that
  // losing or restoring that directory cannot bring an older version back.
  Expected<std::int64_t> BundleFloor(std::string_view kind);
  // Raises the floor (never lowers it).
  Status RaiseBundleFloor(std::string_view kind, std::int64_t version);

 private:
  explicit ChainState(std::unique_ptr<store::Connection> db) : db_(std::move(db)) {}
  std::unique_ptr<store::Connection> db_;
};

}  // namespace checkpoint::agent
