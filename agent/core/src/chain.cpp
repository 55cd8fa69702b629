#include "checkpoint/agent/chain.hpp"

#include <algorithm>
#include <cstring>

#include "checkpoint/store/migrations.hpp"

namespace checkpoint::agent {

namespace {
// RELEASED MIGRATIONS ARE NEVER EDITED: add a new one instead.
constexpr store::Migration kMigrations[] = {
    {1, "chain",
     R"sql(
CREATE TABLE chain (
  seq  INTEGER PRIMARY KEY CHECK (seq > 0),
  hash BLOB    NOT NULL CHECK (length(hash) = 32)
);
)sql",
     "DROP TABLE chain;"},
    {2, "agent_state",
     R"sql(
CREATE TABLE agent_state (
  key   TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql",
     "DROP TABLE agent_state;"},
    {3, "chain_signatures",
     R"sql(
ALTER TABLE chain ADD COLUMN sig BLOB CHECK (sig IS NULL OR length(sig) = 64);
)sql",
     "ALTER TABLE chain DROP COLUMN sig;"},
};

template <typename T>
bool CopyBlob(const std::string& b, T& out) {
  if (b.size() != out.size()) return false;
  std::memcpy(out.data(), b.data(), out.size());
  return true;
}
}  // namespace

Expected<ChainState> ChainState::Open(const std::filesystem::path& path) {
  auto c = store::Connection::Open({.path = path});
  if (!c) return std::move(c).error().WithContext("cannot open the sync state");
  auto db = std::make_unique<store::Connection>(std::move(*c));
  auto m = store::Migrate(*db, kMigrations);
  if (!m) return std::move(m).error().WithContext("cannot migrate the sync state");
  return ChainState(std::move(db));
}

Expected<std::int64_t> ChainState::Head() {
  return db_->QueryInt("SELECT coalesce(max(seq), 0) FROM chain");
}

Expected<std::optional<protocol::Hash>> ChainState::HashOf(std::int64_t seq) {
  if (seq == 0) return std::optional<protocol::Hash>(protocol::kGenesisHash);
  auto st = db_->Prepare("SELECT hash FROM chain WHERE seq = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, seq); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<protocol::Hash>();
  protocol::Hash h{};
  if (!CopyBlob(st->BlobColumn(0), h)) {
    return store::MakeError(store::StoreErrc::kCorrupt, "chain hash of the wrong size");
  }
  return std::optional<protocol::Hash>(h);
}

Expected<std::vector<SealOf>> ChainState::SealsOf(std::span<const std::int64_t> seqs) {
  // Every seq needed (each record's own and the one before it), sorted, then read
  // one contiguous run at a time.
  std::vector<std::int64_t> need;
  need.reserve(2 * seqs.size());
  for (const std::int64_t seq : seqs) {
    if (seq > 1) need.push_back(seq - 1);
    need.push_back(seq);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  auto st = db_->Prepare("SELECT seq, hash, sig FROM chain WHERE seq BETWEEN ? AND ? ORDER BY seq");
  if (!st) return std::move(st).error();
  std::vector<ChainLink> held;  // sorted by seq
  held.reserve(need.size());
  for (std::size_t i = 0; i < need.size();) {
    std::size_t j = i + 1;
    while (j < need.size() && need[j] == need[j - 1] + 1) ++j;
    if (auto s = st->Reset(); !s) return std::move(s).error();
    if (auto s = st->BindAll(need[i], need[j - 1]); !s) return std::move(s).error();
    for (;;) {
      auto row = st->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      ChainLink link;
      link.seq = st->Int(0);
      if (!CopyBlob(st->BlobColumn(1), link.hash)) {
        return store::MakeError(store::StoreErrc::kCorrupt, "chain hash of the wrong size");
      }
      if (!st->IsNull(2)) {
        protocol::Signature sig{};
        if (!CopyBlob(st->BlobColumn(2), sig)) {
          return store::MakeError(store::StoreErrc::kCorrupt, "chain signature of the wrong size");
        }
        link.sig = sig;
      }
      held.push_back(link);
    }
    i = j;
  }
  auto find = [&](std::int64_t seq) -> const ChainLink* {
    auto it = std::lower_bound(held.begin(), held.end(), seq,
                               [](const ChainLink& l, std::int64_t s) { return l.seq < s; });
    return it != held.end() && it->seq == seq ? &*it : nullptr;
  };
  std::vector<SealOf> out;
  out.reserve(seqs.size());
  for (const std::int64_t seq : seqs) {
    SealOf s;
    if (seq == 1) {
      s.prev = protocol::kGenesisHash;
    } else if (const ChainLink* before = find(seq - 1)) {
      s.prev = before->hash;
    }
    if (const ChainLink* self = find(seq)) s.self = *self;
    out.push_back(std::move(s));
  }
  return out;
}

Status ChainState::Append(std::span<const ChainLink> links) {
  auto tx = store::Transaction::Begin(*db_);
  if (!tx) return std::move(tx).error();
  auto st = db_->Prepare("INSERT INTO chain(seq, hash, sig) VALUES (?, ?, ?)");
  if (!st) return std::move(st).error();
  for (const ChainLink& link : links) {
    if (auto s = st->Reset(); !s) return s;
    if (auto s = link.sig ? st->BindAll(link.seq, store::Blob{link.hash}, store::Blob{*link.sig})
                          : st->BindAll(link.seq, store::Blob{link.hash}, std::nullopt);
        !s) {
      return s;
    }
    if (auto s = st->Run(); !s) return s;
  }
  return tx->Commit();
}

Status ChainState::Prune(std::int64_t before) {
  auto st = db_->Prepare("DELETE FROM chain WHERE seq < ? AND seq < (SELECT max(seq) FROM chain)");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, before); !s) return s;
  return st->Run();
}

Expected<std::optional<std::int64_t>> ChainState::LastHqTime() {
  auto st = db_->Prepare("SELECT value FROM agent_state WHERE key = 'last_hq_time_ms'");
  if (!st) return std::move(st).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(st->Int(0));
}

Status ChainState::SetLastHqTime(std::int64_t hq_time_ms) {
  auto st = db_->Prepare(
      "INSERT INTO agent_state(key, value) VALUES ('last_hq_time_ms', ?) "
      "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, hq_time_ms); !s) return s;
  return st->Run();
}

Expected<std::int64_t> ChainState::BundleFloor(std::string_view kind) {
  auto st = db_->Prepare("SELECT value FROM agent_state WHERE key = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, "bundle_floor:" + std::string(kind)); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  return *row ? st->Int(0) : std::int64_t{0};
}

Status ChainState::RaiseBundleFloor(std::string_view kind, std::int64_t version) {
  auto st = db_->Prepare(
      "INSERT INTO agent_state(key, value) VALUES (?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll("bundle_floor:" + std::string(kind), version); !s) return s;
  return st->Run();
}

}  // namespace checkpoint::agent
