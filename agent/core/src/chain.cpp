#include "checkpoint/agent/chain.hpp"

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
};
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
  const std::int64_t one[] = {seq};
  auto hashes = HashesOf(one);
  if (!hashes) return std::move(hashes).error();
  return hashes->front();
}

Expected<std::vector<std::optional<protocol::Hash>>> ChainState::HashesOf(
    std::span<const std::int64_t> seqs) {
  auto st = db_->Prepare("SELECT hash FROM chain WHERE seq = ?");
  if (!st) return std::move(st).error();
  std::vector<std::optional<protocol::Hash>> out;
  out.reserve(seqs.size());
  for (const std::int64_t seq : seqs) {
    if (seq == 0) {
      out.emplace_back(protocol::kGenesisHash);
      continue;
    }
    if (auto s = st->Reset(); !s) return std::move(s).error();
    if (auto s = st->Bind(1, seq); !s) return std::move(s).error();
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) {
      out.emplace_back();
      continue;
    }
    const std::string b = st->BlobColumn(0);
    protocol::Hash h{};
    if (b.size() != h.size()) {
      return store::MakeError(store::StoreErrc::kCorrupt, "chain hash of the wrong size");
    }
    std::memcpy(h.data(), b.data(), h.size());
    out.emplace_back(h);
  }
  return out;
}

Status ChainState::Append(std::span<const std::pair<std::int64_t, protocol::Hash>> entries) {
  auto tx = store::Transaction::Begin(*db_);
  if (!tx) return std::move(tx).error();
  auto st = db_->Prepare("INSERT INTO chain(seq, hash) VALUES (?, ?)");
  if (!st) return std::move(st).error();
  for (const auto& [seq, hash] : entries) {
    if (auto s = st->Reset(); !s) return s;
    if (auto s = st->BindAll(seq, store::Blob{hash}); !s) return s;
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
