#pragma once
// The outbox: every record that must reach HQ, numbered per device by a strictly
// increasing sequence (never reused, even after synced rows are purged), and sorted
// into priority lanes so that alerts and officer decisions overtake a backlog.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

enum class Lane : int {
  kPriority = 0,   // alerts, officer decisions
  kRecords = 1,    // inspection records
  kTelemetry = 2,  // health and statistics: the only lane that may be shed under disk pressure
};

struct OutboxEntry {
  std::string device_id;
  std::int64_t seq = 0;
  Lane lane = Lane::kRecords;
  std::string record_type;
  std::string record_uuid;
  std::string payload;  // bytes
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> synced_at_ms;
  std::int64_t attempts = 0;
};

struct OutboxStats {
  std::int64_t pending[3] = {0, 0, 0};  // per lane
  std::int64_t pending_bytes = 0;
  std::int64_t synced = 0;
  std::int64_t last_seq = 0;
};

class Outbox {
 public:
  Outbox(Connection& db, std::string device_id) : db_(db), device_id_(std::move(device_id)) {}

  // Allocates the next sequence number and stores the entry, in the caller's
  // transaction if one is open (otherwise in its own). Returns the sequence number.
  Expected<std::int64_t> Enqueue(Lane lane, std::string_view record_type,
                                 std::string_view record_uuid, std::string_view payload,
                                 std::int64_t created_at_ms);

  // The oldest unsynced entries, priority lane first, then by sequence. Stops at
  // max_count entries or before max_bytes of payload; always returns at least one
  // entry when any is pending, so an oversized entry cannot block the queue.
  // Entries whose seq is in `skip` (sorted ascending; e.g. a batch in flight) are
  // passed over.
  Expected<std::vector<OutboxEntry>> PendingBatch(std::size_t max_count, std::size_t max_bytes,
                                                  std::span<const std::int64_t> skip = {});
  // Entries with seq > after_seq, synced or not, in sequence order, at most
  // max_count (the sync agent hashes its chain in this order).
  Expected<std::vector<OutboxEntry>> Range(std::int64_t after_seq, std::size_t max_count);
  // The highest sequence number allocated so far (0 when none): one row, cheap.
  Expected<std::int64_t> LastSeq();

  // The lowest sequence number not yet synced, in any lane; nullopt when none is.
  Expected<std::optional<std::int64_t>> OldestPending();

  // Marks entries synced and counts the attempt that carried them (idempotent:
  // already-synced entries keep their first time and count). Returns how many changed.
  Expected<std::int64_t> MarkSynced(std::span<const std::int64_t> seqs, std::int64_t now_ms);
  // Counts an attempt that did not sync the entries (failed, rejected, unanswered).
  Status RecordAttempt(std::span<const std::int64_t> seqs);

  Expected<OutboxStats> Stats();
  // Deletes synced entries synced before `before_ms`. Returns how many.
  Expected<std::int64_t> PurgeSynced(std::int64_t before_ms);
  Expected<std::optional<OutboxEntry>> Find(std::int64_t seq);

  const std::string& device_id() const noexcept { return device_id_; }

 private:
  Connection& db_;
  std::string device_id_;
};

}  // namespace checkpoint::store
