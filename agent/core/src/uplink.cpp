#include "checkpoint/agent/uplink.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_set>

#include "checkpoint/agent/errors.hpp"
#include "checkpoint/common/parallel.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/protocol/batch.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::agent {

void StopSignal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

bool StopSignal::WaitFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return stopped_; });
}

namespace {
protocol::Record ToRecord(const store::OutboxEntry& e, const protocol::Hash& prev) {
  protocol::Record r;
  r.device_id = e.device_id;
  r.seq = e.seq;
  r.lane = static_cast<int>(e.lane);
  r.type = e.record_type;
  r.uuid = e.record_uuid;
  r.device_time_ms = e.created_at_ms;
  r.prev = prev;
  r.payload = e.payload;
  return r;
}

std::string Describe(const HttpResult& res) {
  auto body = protocol::ParseErrorBody(res.body);
  std::string m = "HTTP " + std::to_string(res.status);
  if (body) m += " " + body->code;
  return m;
}
}  // namespace

Uplink::Uplink(store::Outbox& outbox, ChainState& chain, const protocol::DeviceKey& key,
               HttpClient& http, const common::Clock& clock, log::Logger logger,
               UplinkOptions options, TrustedTime* trusted)
    : outbox_(outbox),
      chain_(chain),
      key_(key),
      http_(http),
      clock_(clock),
      log_(std::move(logger)),
      options_(options),
      backoff_(options.backoff),
      trusted_(trusted),
      connections_{&http_} {}

void Uplink::ObserveHqTime(std::int64_t hq_time_ms) {
  if (trusted_) trusted_->ObserveHq(hq_time_ms);
  // Stored at most once a minute: it is a floor for the next start, not a log.
  const std::int64_t now = clock_.SteadyMs();
  if (hq_time_stored_at_ && now - *hq_time_stored_at_ < 60'000) return;
  if (auto s = chain_.SetLastHqTime(hq_time_ms); !s) {
    log_.Warning("cannot store HQ time", {{"error", s.error().String()}});
    return;
  }
  hq_time_stored_at_ = now;
}

Status Uplink::Reanchor(std::int64_t before_seq) {
  const std::int64_t seq = before_seq - 1;
  auto res = http_.Get("/v1/chain/" + std::to_string(seq));
  if (!res) return std::move(res).error();
  if (res->retry_after) last_retry_after_ = res->retry_after;
  protocol::Hash anchor = protocol::kGenesisHash;
  if (res->status == 200) {
    auto answer = protocol::ParseChainAnchor(res->body);
    if (!answer) return MakeError(SyncErrc::kProtocol, answer.error().message());
    if (answer->seq != seq) {
      return MakeError(SyncErrc::kProtocol, "chain anchor for " + std::to_string(answer->seq) +
                                                ", asked for " + std::to_string(seq));
    }
    anchor = answer->hash;
    log_.Warning("chain state lost: the chain continues from HQ's record",
                 {{"seq", seq}, {"next", before_seq}});
  } else if (res->status == 404) {
    // HQ holds no such record (it was never sent, or HQ lost it): the records
    // still go up, signed, and HQ shows the gap before them. Holding them back
    // would not bring the missing one back.
    log_.Error("chain state lost and HQ holds no anchor: HQ will show a gap",
               {{"seq", seq}, {"next", before_seq}});
  } else {
    return MakeError(SyncErrc::kHttp, "chain anchor: " + Describe(*res));
  }
  const ChainLink link{seq, anchor, std::nullopt};
  return chain_.Append(std::span(&link, 1));
}

Status Uplink::ExtendChain(std::int64_t up_to, bool may_ask_hq) {
  auto head = chain_.Head();
  if (!head) return std::move(head).error();
  if (*head >= up_to) return {};
  if (*head == 0) {
    auto first = outbox_.Range(0, 1);
    if (!first) return std::move(first).error();
    if (!first->empty() && first->front().seq > 1) {
      if (!may_ask_hq) return MakeError(SyncErrc::kChain, "the chain needs an anchor from HQ");
      if (auto s = Reanchor(first->front().seq); !s) return s;
      head = chain_.Head();
      if (!head) return std::move(head).error();
    }
  }
  auto prev = chain_.HashOf(*head);
  if (!prev) return std::move(prev).error();
  if (!*prev) return MakeError(SyncErrc::kChain, "the chain head's hash is missing");
  protocol::Hash hash = **prev;
  std::int64_t seq = *head;
  while (seq < up_to) {
    // Chunks of up to 4,000: one commit (fsync) each, ~8 MB of entries and their
    // canonical bytes at a time.
    const auto chunk = static_cast<std::size_t>(std::min<std::int64_t>(4'000, up_to - seq));
    auto entries = outbox_.Range(seq, chunk);
    if (!entries) return std::move(entries).error();
    if (entries->empty() || entries->front().seq != seq + 1) {
      return MakeError(SyncErrc::kChain, "outbox entry " + std::to_string(seq + 1) +
                                             " is missing: the chain cannot continue");
    }
    // The hashes in order (each names the one before), then the signatures on every
    // core.
    std::vector<ChainLink> add;
    std::vector<std::string> bytes;
    add.reserve(entries->size());
    bytes.reserve(entries->size());
    for (const auto& e : *entries) {
      if (e.seq != seq + 1 || seq >= up_to) break;
      bytes.push_back(protocol::CanonicalBytes(ToRecord(e, hash)));
      hash = common::Sha256::Of(bytes.back());
      seq = e.seq;
      add.push_back({seq, hash, std::nullopt});
    }
    common::ParallelFor(add.size(), 128, options_.sign_threads,
                        [&](std::size_t i) { add[i].sig = key_.Sign(bytes[i]); });
    if (auto s = chain_.Append(add); !s) return s;
  }
  return {};
}

Expected<std::size_t> Uplink::Seal(std::size_t max_records) {
  auto head = chain_.Head();
  if (!head) return std::move(head).error();
  auto last = outbox_.LastSeq();
  if (!last) return std::move(last).error();
  if (*last <= *head || max_records == 0) return std::size_t{0};
  const std::int64_t up_to =
      *head + std::min<std::int64_t>(*last - *head, static_cast<std::int64_t>(max_records));
  if (auto s = ExtendChain(up_to, true); !s) return std::move(s).error();
  auto now = chain_.Head();
  if (!now) return std::move(now).error();
  return static_cast<std::size_t>(*now - *head);
}

void Uplink::SealWhileWaiting(StopSignal& stop, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  std::size_t sealed = 0;
  while (!stop.stopped() && std::chrono::steady_clock::now() < until) {
    auto n = Seal(options_.seal_step);
    if (!n) {
      log_.Warning("cannot seal records now", {{"error", n.error().String()}});
      break;
    }
    if (*n == 0) break;
    sealed += *n;
  }
  if (sealed > 0) log_.Info("records sealed while waiting", {{"count", sealed}});
  const auto left = until - std::chrono::steady_clock::now();
  if (left > left.zero()) {
    stop.WaitFor(std::chrono::ceil<std::chrono::milliseconds>(left));
  }
}

Expected<Uplink::Prepared> Uplink::Prepare(std::span<const std::int64_t> in_flight) {
  auto pending = outbox_.PendingBatch(options_.max_records, options_.max_bytes, in_flight);
  if (!pending) return std::move(pending).error().WithContext("cannot read the outbox");
  Prepared out;
  if (pending->empty()) return out;

  std::int64_t max_seq = 0;
  for (const auto& e : *pending) max_seq = std::max(max_seq, e.seq);
  if (auto s = ExtendChain(max_seq, in_flight.empty()); !s) return std::move(s).error();

  protocol::Batch batch;
  batch.device_id = outbox_.device_id();
  batch.records.reserve(pending->size());
  out.seqs.reserve(pending->size());
  std::vector<std::int64_t> seqs;
  seqs.reserve(pending->size());
  for (const auto& e : *pending) seqs.push_back(e.seq);
  auto seals = chain_.SealsOf(seqs);
  if (!seals) return std::move(seals).error();
  for (std::size_t i = 0; i < pending->size(); ++i) {
    const store::OutboxEntry& e = (*pending)[i];
    const auto& prev = (*seals)[i].prev;
    if (!prev) {
      return MakeError(SyncErrc::kChain,
                       "no hash for record " + std::to_string(e.seq - 1) + " in the chain");
    }
    protocol::Record r = ToRecord(e, *prev);
    if (auto s = protocol::ValidateRecord(r); !s) {
      return MakeError(SyncErrc::kRejected, "outbox entry cannot be sent: " + s.error().message());
    }
    out.seqs.push_back(r.seq);
    out.priority = out.priority || e.lane == store::Lane::kPriority;
    batch.records.push_back(std::move(r));
  }
  SignAll(batch.records, *seals);
  auto body = protocol::EncodeBatch(batch);
  if (!body) return std::move(body).error();
  out.body = std::move(*body);
  return out;
}

void Uplink::SignAll(std::span<protocol::Record> records, std::span<const SealOf> seals) {
  // A sealed record whose bytes still hash to its seal goes with the seal's
  // signature. Any other is signed now (DeviceKey::Sign is thread-safe): one chained
  // before sealing existed, or one altered in the outbox after it was sealed, which
  // goes as it is now and shows at HQ as a chain break (the next record names the
  // hash it was sealed with).
  enum : std::uint8_t { kSealed, kSignedNow, kAltered };
  std::vector<std::uint8_t> how(records.size(), kSealed);
  common::ParallelFor(records.size(), 128, options_.sign_threads, [&](std::size_t i) {
    const std::string bytes = protocol::CanonicalBytes(records[i]);
    const std::optional<ChainLink>& self = seals[i].self;
    if (self) {
      const bool same = common::Sha256::Of(bytes) == self->hash;
      if (same && self->sig) {
        records[i].sig = *self->sig;
        return;
      }
      how[i] = same ? kSignedNow : kAltered;
    } else {
      how[i] = kSignedNow;
    }
    records[i].sig = key_.Sign(bytes);
  });
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (how[i] != kSealed) ++signed_when_sent_;
    if (how[i] == kAltered) {
      log_.Error(
          "an outbox record changed after it was sealed: sent as it is now, HQ will "
          "flag the chain",
          {{"seq", records[i].seq}});
    }
  }
}

Expected<RoundResult> Uplink::Apply(const Prepared& batch, Expected<HttpResult> res) {
  RoundResult result;
  result.sent = batch.seqs.size();
  // The attempt is counted with its outcome: with the synced mark, or here.
  auto failed = [&](Error e) -> Expected<RoundResult> {
    if (auto s = outbox_.RecordAttempt(batch.seqs); !s) {
      log_.Warning("cannot count the attempt", {{"error", s.error().String()}});
    }
    return e;
  };
  if (!res) return failed(std::move(res).error());
  result.http_status = res->status;
  if (res->status != 200) {
    last_retry_after_ = res->retry_after;
    return failed(MakeError(SyncErrc::kHttp, "batch of " + std::to_string(result.sent) +
                                                 " records: " + Describe(*res)));
  }
  auto ack = protocol::ParseAck(res->body);
  if (!ack) return failed(MakeError(SyncErrc::kProtocol, ack.error().message()));
  ObserveHqTime(ack->hq_time_ms);

  // Only what this batch carried: an answer naming other records changes nothing.
  std::unordered_set<std::int64_t> unacked(batch.seqs.begin(), batch.seqs.end());
  std::vector<std::int64_t> acked;
  acked.reserve(ack->acked.size());
  for (std::int64_t s : ack->acked) {
    if (unacked.erase(s) == 1) acked.push_back(s);
  }
  auto marked = outbox_.MarkSynced(acked, clock_.WallMs());
  if (!marked) return std::move(marked).error().WithContext("cannot mark records synced");
  if (!unacked.empty()) {
    const std::vector<std::int64_t> rest(unacked.begin(), unacked.end());
    if (auto s = outbox_.RecordAttempt(rest); !s) return std::move(s).error();
  }
  result.acked = static_cast<std::size_t>(*marked);
  result.duplicates = static_cast<std::size_t>(ack->duplicates);
  result.rejected = ack->rejected.size();
  result.contiguous = ack->contiguous;
  for (const auto& r : ack->rejected) {
    log_.Error("HQ rejected a record", {{"seq", r.seq}, {"reason", r.reason}});
  }
  // A pending record needs the hash of the one before it, even below HQ's contiguous
  // prefix (its acknowledgement may have been lost while later records went
  // through): keep every hash from the one before the oldest pending record.
  auto oldest = outbox_.OldestPending();
  if (!oldest) return std::move(oldest).error();
  const std::int64_t keep_from = std::min(ack->contiguous, oldest->value_or(ack->contiguous)) - 1;
  if (keep_from > 0) {
    if (auto s = chain_.Prune(keep_from); !s) return std::move(s).error();
  }
  log_.Debug("batch acknowledged", {{"records", result.sent},
                                    {"acked", result.acked},
                                    {"duplicates", result.duplicates},
                                    {"contiguous", result.contiguous}});
  return result;
}

Expected<RoundResult> Uplink::SendOnce() {
  last_retry_after_.reset();
  auto batch = Prepare({});
  if (!batch) return std::move(batch).error();
  if (batch->seqs.empty()) return RoundResult{};
  return Apply(*batch, http_.Post("/v1/records", protocol::kBatchContentType, batch->body));
}

Expected<protocol::HeartbeatResponse> Uplink::Heartbeat() {
  protocol::HeartbeatRequest hb;
  hb.device_time_ms = std::max<std::int64_t>(0, clock_.WallMs());
  auto stats = outbox_.Stats();
  if (!stats) return std::move(stats).error();
  hb.pending = stats->pending[0] + stats->pending[1] + stats->pending[2];
  hb.last_seq = stats->last_seq;
  auto res = http_.Post("/v1/heartbeat", "application/json", protocol::ToJson(hb));
  if (!res) return std::move(res).error();
  if (res->status != 200) return MakeError(SyncErrc::kHttp, "heartbeat: " + Describe(*res));
  auto answer = protocol::ParseHeartbeatResponse(res->body);
  if (!answer) return MakeError(SyncErrc::kProtocol, answer.error().message());
  clock_offset_ms_ = answer->offset_ms;
  ObserveHqTime(answer->hq_time_ms);
  return answer;
}

Expected<std::int64_t> Uplink::Purge() {
  // The chain state keeps its own head, so purging never breaks the chain.
  return outbox_.PurgeSynced(clock_.WallMs() - (disk_low_ ? 0 : options_.retention.count()));
}

void Uplink::Housekeeping(std::int64_t& next_heartbeat, std::int64_t& next_purge,
                          std::int64_t& next_disk_check, bool http_free) {
  if (options_.disk_low && clock_.SteadyMs() >= next_disk_check) {
    next_disk_check = clock_.SteadyMs() + options_.disk_check_every.count();
    const bool low = options_.disk_low();
    if (low && !disk_low_) log_.Warning("disk low: synced records are purged at once");
    disk_low_ = low;
    if (low) next_purge = clock_.SteadyMs();
  }
  if (clock_.SteadyMs() >= next_purge) {
    next_purge = clock_.SteadyMs() + options_.purge_every.count();
    auto purged = Purge();
    if (!purged) {
      log_.Warning("purge failed", {{"error", purged.error().String()}});
    } else if (*purged > 0) {
      log_.Info("purged synced records", {{"count", *purged}});
    }
  }
  // The heartbeat needs the HTTP client, which a batch in flight is using.
  if (http_free && options_.heartbeat_every.count() > 0 && clock_.SteadyMs() >= next_heartbeat) {
    next_heartbeat = clock_.SteadyMs() + options_.heartbeat_every.count();
    auto hb = Heartbeat();
    if (hb) {
      log_.Info("heartbeat", {{"clock_offset_ms", hb->offset_ms}, {"contiguous", hb->contiguous}});
    } else {
      log_.Warning("heartbeat failed", {{"error", hb.error().String()}});
    }
  }
}

namespace {
// A batch on the wire: its request runs on a worker thread, with a connection of its
// own (the worker is declared last, so it is joined before the rest goes).
struct Flight {
  std::vector<std::int64_t> seqs;
  std::string body;
  std::size_t connection = 0;
  bool priority = false;
  std::optional<Expected<HttpResult>> answer;
  std::jthread worker;
};
}  // namespace

void Uplink::AddConnection(HttpClient& another) {
  connections_.push_back(&another);
}

Status Uplink::Run(StopSignal& stop, bool until_empty) {
  std::int64_t next_heartbeat = clock_.SteadyMs();
  std::int64_t next_purge = clock_.SteadyMs();
  std::int64_t next_disk_check = clock_.SteadyMs();
  std::int64_t next_housekeeping = clock_.SteadyMs();
  // At most one batch prepared and not yet on the wire (made while others were).
  std::optional<Prepared> ready;
  std::deque<std::unique_ptr<Flight>> flights;  // oldest first
  const std::size_t max_flights =
      options_.pipeline ? std::clamp<std::size_t>(options_.max_in_flight, 1, connections_.size())
                        : 1;
  auto launch = [&](Prepared p) {
    auto f = std::make_unique<Flight>();
    f->seqs = std::move(p.seqs);
    f->body = std::move(p.body);
    f->priority = p.priority;
    // A connection no other batch on the wire uses.
    for (std::size_t c = 0; c < connections_.size(); ++c) {
      if (std::none_of(flights.begin(), flights.end(),
                       [c](const auto& other) { return other->connection == c; })) {
        f->connection = c;
        break;
      }
    }
    Flight* raw = f.get();
    HttpClient* http = connections_[f->connection];
    raw->worker = std::jthread([raw, http] {
      raw->answer.emplace(http->Post("/v1/records", protocol::kBatchContentType, raw->body));
    });
    flights.push_back(std::move(f));
  };
  // The seqs of every batch on the wire, sorted (Prepare leaves them out).
  auto in_flight = [&] {
    std::vector<std::int64_t> seqs;
    for (const auto& f : flights) seqs.insert(seqs.end(), f->seqs.begin(), f->seqs.end());
    std::sort(seqs.begin(), seqs.end());
    return seqs;
  };
  // Waits for the oldest batch on the wire: what it carried, and HQ's answer.
  struct Landed {
    Prepared batch;
    Expected<HttpResult> answer;
  };
  auto take_oldest = [&] {
    std::unique_ptr<Flight> f = std::move(flights.front());
    flights.pop_front();
    f->worker.join();
    return Landed{Prepared{std::move(f->seqs), {}}, std::move(*f->answer)};
  };
  // The same, and HQ's answer applied.
  auto land = [&]() -> Expected<RoundResult> {
    Landed l = take_oldest();
    return Apply(l.batch, std::move(l.answer));
  };
  // After a failure: every batch still on the wire is finished first, its answer
  // applied (its records are marked only if HQ acknowledged them), and the batch
  // prepared meanwhile dropped (its records are read again).
  auto land_all = [&] {
    while (!flights.empty()) {
      auto also = land();
      if (!also) log_.Warning("batch in flight failed", {{"error", also.error().String()}});
    }
    ready.reset();
  };
  // Room for another batch on the wire: a connection free, and no batch there that
  // carries alerts (were it to fail, one sent beside it would overtake them).
  auto room = [&] {
    return flights.size() < max_flights &&
           std::none_of(flights.begin(), flights.end(), [](const auto& f) { return f->priority; });
  };
  // Work that needs the HTTP client is due: no batch may be on the wire for it.
  auto http_work_due = [&] {
    const std::int64_t now = clock_.SteadyMs();
    return (options_.housekeeping && now >= next_housekeeping) ||
           (options_.heartbeat_every.count() > 0 && now >= next_heartbeat);
  };
  while (!stop.stopped()) {
    if (flights.empty() && options_.housekeeping && clock_.SteadyMs() >= next_housekeeping) {
      next_housekeeping = clock_.SteadyMs() + options_.housekeeping_every.count();
      options_.housekeeping();
    }
    Housekeeping(next_heartbeat, next_purge, next_disk_check, flights.empty());
    last_retry_after_.reset();
    Expected<RoundResult> r = [&]() -> Expected<RoundResult> {
      if (!options_.pipeline) {
        auto p = Prepare({});
        if (!p) return std::move(p).error();
        if (p->seqs.empty()) return RoundResult{};
        return Apply(*p, http_.Post("/v1/records", protocol::kBatchContentType, p->body));
      }
      // Batches onto the wire while there is room: the one prepared last round
      // first, then new ones (prepared while the others travel). While work that
      // needs the HTTP client is due, none is added, so the wire empties for it.
      while (flights.empty() || (room() && !http_work_due())) {
        Prepared p;
        if (ready) {
          p = std::move(*ready);
          ready.reset();
        } else {
          auto q = Prepare(in_flight());
          if (!q) {
            land_all();
            return std::move(q).error();
          }
          p = std::move(*q);
        }
        if (p.seqs.empty()) break;
        launch(std::move(p));
      }
      if (flights.empty()) return RoundResult{};
      // The next batch here, from the records not on the wire, while HQ works.
      const auto t0 = std::chrono::steady_clock::now();
      std::optional<Error> prepare_error;
      if (!ready) {
        auto next = Prepare(in_flight());
        if (!next) {
          prepare_error = std::move(next).error();
        } else if (!next->seqs.empty()) {
          ready = std::move(*next);
        }
      }
      const auto t1 = std::chrono::steady_clock::now();
      auto [current, answer] = take_oldest();
      const auto t2 = std::chrono::steady_clock::now();
      // HQ took the batch: the next one goes on the wire at once, so that HQ works
      // on it while this answer is applied here (unless work that needs the HTTP
      // client is due: then it goes after that work).
      if (answer && answer->status == 200 && ready && room() && !http_work_due()) {
        launch(std::move(*ready));
        ready.reset();
      }
      auto applied = Apply(current, std::move(answer));
      // Where a round's time goes: preparing the next batch while others were in
      // flight, then waiting for HQ's answer (zero when preparing took longer), then
      // applying the answer (while the next batch is already in flight).
      auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
      log_.Debug("pipeline", {{"records", current.seqs.size()},
                              {"prepare_ms", ms(t1 - t0)},
                              {"wait_ms", ms(t2 - t1)},
                              {"apply_ms", ms(std::chrono::steady_clock::now() - t2)}});
      if (!applied || applied->rejected > 0) {
        // The failure takes its course (backoff, or stop) once the wire is empty.
        land_all();
        return applied;
      }
      if (prepare_error) {
        land_all();
        return std::move(*prepare_error);
      }
      return applied;
    }();
    if (r && r->rejected == 0) {
      backoff_.Reset();
      if (r->sent > 0) continue;
      if (until_empty) return {};
      stop.WaitFor(options_.idle_poll);
      continue;
    }
    if (!r && (r.error().Is(SyncErrc::kChain) || r.error().Is(SyncErrc::kRejected))) {
      log_.Critical("uplink stopped", {{"error", r.error().String()}});
      return std::move(r).error();
    }
    auto wait = backoff_.NextInterval();
    if (last_retry_after_) {
      const auto hq =
          std::min<std::chrono::milliseconds>(*last_retry_after_, options_.max_retry_after);
      wait = std::max(wait, hq);
    }
    log_.Warning("uplink will retry",
                 {{"error", r ? std::string("records rejected") : r.error().String()},
                  {"wait_ms", static_cast<std::int64_t>(wait.count())},
                  {"attempt", backoff_.attempts()}});
    SealWhileWaiting(stop, wait);
  }
  // Stopped with batches on the wire: their answers are still applied.
  land_all();
  return {};
}

}  // namespace checkpoint::agent
