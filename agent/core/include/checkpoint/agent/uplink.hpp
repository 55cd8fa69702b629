#pragma once
// The uplink: outbox → signed, chained, compressed batches → HQ → acknowledgement →
// synced. A record is marked synced only when HQ's acknowledgement lists it; until
// then it is sent again (HQ deduplicates by device and seq), so a lost answer, a
// crash or a cut connection can repeat a record but never lose or duplicate it at HQ.
//
// Order: the outbox gives the priority lane (alerts, officer decisions) first, then
// by sequence; the chain is by sequence whatever the sending order.
//
// Sealing (docs/adr/0019): a record is chained and signed once, as soon as the
// agent sees it in the outbox, whether HQ is reachable or not (Run seals while it
// waits out a failure), and its seal is kept in the chain state. Sending reuses the
// seal after checking that the record still hashes to it, so a backlog built during
// an outage goes up without being signed then, and a record altered in the outbox
// after sealing is logged and shows at HQ as a break in the chain.
//
// Pipelining (UplinkOptions::pipeline): while batches are in flight, Run reads,
// chains and compresses the next one (records not in flight). Up to max_in_flight
// requests are in flight at a time, one a connection (AddConnection gives more than
// the first), and a record is still marked synced only when the answer to the batch
// that carried it lists it; a failed round lets the others land and discards the
// prepared batch (its records are read again). A batch that carries priority-lane
// records travels alone: nothing sent beside it can overtake it if it fails. Each
// HttpClient is used by one
// worker thread at a time during Run; the outbox and chain state stay on the
// calling thread.
//
// Thread-safety: an Uplink and everything it was given belong to one thread (Run
// hands each HttpClient to a worker only while that client has no other use);
// StopSignal::Stop may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/trusted_time.hpp"
#include "checkpoint/common/backoff.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "checkpoint/store/outbox.hpp"

namespace checkpoint::agent {

// Wakes a waiting loop early when asked to stop. Thread-safe.
class StopSignal {
 public:
  void Stop();
  bool stopped() const;
  // Waits up to `d`; true when stopped (at once or during the wait).
  bool WaitFor(std::chrono::milliseconds d);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

struct UplinkOptions {
  std::size_t max_records = 2000;    // per batch
  std::size_t max_bytes = 2u << 20;  // payload bytes per batch (one larger record goes alone)
  // Run prepares the next batch while the current one is in flight.
  bool pipeline = true;
  // With pipelining, batches on the wire at once, each on a connection of its own
  // (AddConnection): HQ checks one while it stores another. Capped by the
  // connections there are.
  std::size_t max_in_flight = 2;
  // Threads that sign records (the calling thread included); 0: one per core.
  unsigned sign_threads = 0;
  // Records sealed at a time while Run waits out a failure (it looks at `stop`
  // between steps).
  std::size_t seal_step = 2000;
  common::ExponentialBackoff::Options backoff{};
  std::chrono::milliseconds max_retry_after{3'600'000};  // cap on HQ's Retry-After
  std::chrono::milliseconds idle_poll{2'000};            // outbox empty: look again after
  std::chrono::milliseconds heartbeat_every{60'000};
  // Synced records stay in the outbox this long (by the device clock at which they
  // were acknowledged), then Run purges them, at most every purge_every.
  std::chrono::milliseconds retention{7LL * 24 * 3'600'000};
  std::chrono::milliseconds purge_every{3'600'000};
  // True while the data directory's disk is low (store/disk.hpp): synced records are
  // then purged at once, whatever their retention. Asked at most every
  // disk_check_every. Empty: never.
  std::function<bool()> disk_low;
  std::chrono::milliseconds disk_check_every{10'000};
  // Housekeeping on the uplink's thread (and with its HTTP client), at start and then
  // every `housekeeping_every`: checkpoint-sync renews the device certificate there.
  std::function<void()> housekeeping;
  std::chrono::milliseconds housekeeping_every{3'600'000};
};

struct RoundResult {
  std::size_t sent = 0;        // records in the batch (0: nothing pending)
  std::size_t acked = 0;       // newly marked synced
  std::size_t duplicates = 0;  // HQ already held them
  std::size_t rejected = 0;
  long http_status = 0;
  std::int64_t contiguous = 0;
  std::optional<std::chrono::seconds> retry_after;
};

class Uplink {
 public:
  // `trusted` (may be null) learns HQ's time from every answer; it must outlive the
  // Uplink.
  Uplink(store::Outbox& outbox, ChainState& chain, const protocol::DeviceKey& key, HttpClient& http,
         const common::Clock& clock, log::Logger logger, UplinkOptions options,
         TrustedTime* trusted = nullptr);

  // Another connection to HQ, for Run's batches only (heartbeats, anchors and
  // housekeeping use the first): one more batch on the wire at a time. It must
  // outlive the Uplink and is used by one worker thread at a time during Run.
  void AddConnection(HttpClient& another);

  // Sends one batch and applies HQ's answer. An HTTP error status (429, 5xx) is an
  // Error of kind SyncErrc::kHttp with the RoundResult's retry_after available via
  // last_retry_after(); transport failures are kNetwork or kTls.
  Expected<RoundResult> SendOnce();
  // Reports the device clock and backlog; returns HQ's answer (clock offset).
  Expected<protocol::HeartbeatResponse> Heartbeat();

  // Seals (chains and signs) up to `max_records` outbox records past the chain head,
  // without the network unless the chain state was lost (then HQ is asked for an
  // anchor). Returns how many were sealed: 0 when every record already is.
  Expected<std::size_t> Seal(std::size_t max_records);

  // Deletes records synced more than `retention` ago. Returns how many.
  Expected<std::int64_t> Purge();

  // Sends until `stop`, or (until_empty) until the outbox has nothing pending.
  // Failures wait per the backoff (or Retry-After, whichever is longer) and retry.
  // Returns an error only for what retrying cannot fix (kChain, storage errors).
  Status Run(StopSignal& stop, bool until_empty);

  std::optional<std::chrono::seconds> last_retry_after() const { return last_retry_after_; }
  std::optional<std::int64_t> last_clock_offset_ms() const { return clock_offset_ms_; }
  // Records signed when a batch was made rather than sealed before: none in a
  // steady state; the records of an older agent's chain state, or altered ones.
  std::uint64_t signed_when_sent() const { return signed_when_sent_; }

 private:
  // A batch ready to send: the records' seqs and the encoded body.
  struct Prepared {
    std::vector<std::int64_t> seqs;  // in batch order
    std::string body;
    bool priority = false;  // carries priority-lane records
  };
  // Reads the next batch (leaving out `in_flight`, sorted), chains, signs and encodes
  // it, and counts the attempt; an empty Prepared when nothing else is pending.
  Expected<Prepared> Prepare(std::span<const std::int64_t> in_flight);
  // Applies HQ's answer to a sent batch: marks acknowledged records synced.
  Expected<RoundResult> Apply(const Prepared& batch, Expected<HttpResult> res);
  // Gives every record its sealed signature when it still hashes to its seal, and
  // signs the others now; on options_.sign_threads threads.
  void SignAll(std::span<protocol::Record> records, std::span<const SealOf> seals);
  // Seals the outbox's records up to seq up_to. may_ask_hq: nothing is in flight,
  // so HQ may be asked for an anchor (the client is not shared with a request).
  Status ExtendChain(std::int64_t up_to, bool may_ask_hq);
  // Waits `wait` (or until stopped), sealing what is unsealed meanwhile.
  void SealWhileWaiting(StopSignal& stop, std::chrono::milliseconds wait);
  // With no chain state at all (sync.db lost or replaced) and an outbox that no
  // longer starts at seq 1: anchors the chain on HQ's hash of the record before the
  // oldest one in the outbox (GET /v1/chain/{seq}).
  Status Reanchor(std::int64_t before_seq);
  void ObserveHqTime(std::int64_t hq_time_ms);
  // Disk check and purge when due; the heartbeat too when http_free (no batch in flight).
  void Housekeeping(std::int64_t& next_heartbeat, std::int64_t& next_purge,
                    std::int64_t& next_disk_check, bool http_free);

  store::Outbox& outbox_;
  ChainState& chain_;
  const protocol::DeviceKey& key_;
  HttpClient& http_;
  const common::Clock& clock_;
  log::Logger log_;
  UplinkOptions options_;
  bool disk_low_ = false;  // purge synced records now
  common::ExponentialBackoff backoff_;
  std::optional<std::chrono::seconds> last_retry_after_;
  std::optional<std::int64_t> clock_offset_ms_;
  TrustedTime* trusted_;
  std::optional<std::int64_t> hq_time_stored_at_;  // steady ms of the last SetLastHqTime
  std::uint64_t signed_when_sent_ = 0;
  std::vector<HttpClient*> connections_;  // http_ first
};

}  // namespace checkpoint::agent
