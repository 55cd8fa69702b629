#include "checkpoint/store/watchlist_store.hpp"

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::store {

namespace {

// The columns kept beside the canonical JSON.
struct Columns {
  std::string_view agency;
  std::int64_t valid_from_ms = 0, valid_until_ms = 0;
};

Columns ColumnsOf(const risk::WatchlistEntry& e) {
  return std::visit(
      [](const auto& r) -> Columns {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, risk::PersonRecord>) {
          return Columns{.agency = r.agency,
                         .valid_from_ms = r.valid_from_ms,
                         .valid_until_ms = r.valid_until_ms};
        } else if constexpr (std::is_same_v<T, std::monostate>) {
          return Columns{.agency = {}, .valid_from_ms = 0, .valid_until_ms = 0};
        } else {
          return Columns{.agency = r.listing.agency,
                         .valid_from_ms = r.listing.valid_from_ms,
                         .valid_until_ms = r.listing.valid_until_ms};
        }
      },
      e.record);
}

Expected<WatchlistCounts> Count(Connection& db) {
  auto st = db.Prepare("SELECT kind, count(*) FROM watchlist_entries GROUP BY kind");
  if (!st) return std::move(st).error();
  WatchlistCounts c;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    const std::string kind = st->Text(0);
    const std::int64_t n = st->Int(1);
    if (kind == "person") c.persons = n;
    if (kind == "document") c.documents = n;
    if (kind == "vehicle") c.vehicles = n;
    if (kind == "container") c.containers = n;
  }
  return c;
}

constexpr std::string_view kVersionColumns =
    "version, kind, imported_at_ms, source, sha256, upserts, removals, removed, persons, "
    "documents, vehicles, containers";

WatchlistVersion VersionFrom(const Statement& st) {
  return WatchlistVersion{.version = st.Int(0),
                          .kind = st.Text(1),
                          .imported_at_ms = st.Int(2),
                          .source = st.Text(3),
                          .sha256 = st.Text(4),
                          .upserts = st.Int(5),
                          .removals = st.Int(6),
                          .removed = st.Int(7),
                          .counts = WatchlistCounts{.persons = st.Int(8),
                                                    .documents = st.Int(9),
                                                    .vehicles = st.Int(10),
                                                    .containers = st.Int(11)}};
}

Status InsertVersion(Connection& db, const WatchlistVersion& v) {
  auto ins = db.Prepare("INSERT INTO watchlist_versions(" + std::string(kVersionColumns) +
                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return std::move(ins).error();
  if (auto s = ins->BindAll(v.version, v.kind, v.imported_at_ms, v.source, v.sha256, v.upserts,
                            v.removals, v.removed, v.counts.persons, v.counts.documents,
                            v.counts.vehicles, v.counts.containers);
      !s) {
    return s;
  }
  return ins->Run();
}

// The source's reader, hashing what it reads into `hash` (the version's SHA-256).
risk::WatchlistReadFn Hashing(const WatchlistSource& source, common::Sha256& hash) {
  return [&source, &hash](std::span<char> buffer) -> Expected<std::size_t> {
    auto n = source.read(buffer);
    if (n && *n > 0 && *n <= buffer.size()) hash.Update(std::string_view(buffer.data(), *n));
    return n;
  };
}

// A full import writes the new list beside the one in force, then swaps the two.
constexpr const char* kEntriesTable = "watchlist_entries";
constexpr const char* kNextTable = "watchlist_entries_next";
constexpr const char* kPreviousTable = "watchlist_entries_previous";
constexpr std::size_t kImportChunk = 5000;

}  // namespace

Expected<WatchlistVersion> WatchlistStore::ImportFull(const WatchlistSource& source,
                                                      std::int64_t now_ms,
                                                      const risk::WatchlistProgressFn& progress) {
  // Inside a caller's transaction nothing can be committed in steps: one transaction.
  if (db_.InTransaction()) return Import(false, source, now_ms, progress, nullptr);
  if (!source.read) return MakeError(StoreErrc::kMisuse, "watchlist source without a reader");
  // Left by an import that was killed (before its swap, or after it before the old
  // list was dropped): neither is the list in force.
  for (const char* t : {kNextTable, kPreviousTable}) {
    if (auto s = db_.Exec(std::string("DROP TABLE IF EXISTS ") + t); !s) {
      return std::move(s).error();
    }
  }
  // The new list goes into a table of the same definition as the one in force,
  // committed every kImportChunk entries, so that other writers (checkpointd
  // recording inspections) wait for one chunk at most, never for the whole list.
  auto ddl = db_.Prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!ddl) return std::move(ddl).error();
  if (auto s = ddl->Bind(1, std::string_view(kEntriesTable)); !s) return std::move(s).error();
  auto found = ddl->Step();
  if (!found) return std::move(found).error();
  if (!*found) return MakeError(StoreErrc::kCorrupt, "no watchlist_entries table");
  std::string create = ddl->Text(0);
  if (auto s = ddl->Reset(); !s) return std::move(s).error();  // no read open on the schema
  const auto name_at = create.find(kEntriesTable);
  if (name_at == std::string::npos) return MakeError(StoreErrc::kCorrupt, "unexpected table DDL");
  create.replace(name_at, std::string_view(kEntriesTable).size(), kNextTable);
  if (auto s = db_.Exec(create); !s) return std::move(s).error();
  auto drop_next = [&] { (void)db_.Exec(std::string("DROP TABLE IF EXISTS ") + kNextTable); };

  auto next = db_.QueryInt("SELECT coalesce(max(version), 0) + 1 FROM watchlist_versions");
  if (!next) return std::move(next).error();
  WatchlistVersion v;
  v.version = *next;
  v.kind = "full";
  v.imported_at_ms = now_ms;
  v.source = source.name;
  auto upsert = db_.Prepare(
      std::string("INSERT INTO ") + kNextTable +
      "(id, kind, agency, valid_from_ms, valid_until_ms, version, entry) VALUES (?,?,?,?,?,?,?) "
      "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, agency = excluded.agency, "
      "valid_from_ms = excluded.valid_from_ms, valid_until_ms = excluded.valid_until_ms, "
      "version = excluded.version, entry = excluded.entry");
  if (!upsert) {
    drop_next();
    return std::move(upsert).error();
  }
  // Entries are parsed into memory kImportChunk at a time (no lock held), then
  // written in one short transaction: while the next chunk is parsed, the database
  // is free for the others.
  struct Row {
    std::string id, kind, json, agency;  // owned: the entry is gone by the write
    std::int64_t valid_from_ms, valid_until_ms;
  };
  std::vector<Row> chunk;
  chunk.reserve(kImportChunk);
  auto flush = [&]() -> Status {
    if (chunk.empty()) return {};
    auto tx = Transaction::Begin(db_);
    if (!tx) return std::move(tx).error();
    for (const Row& r : chunk) {
      if (auto s = upsert->Reset(); !s) return s;
      if (auto s = upsert->BindAll(r.id, r.kind, r.agency, r.valid_from_ms, r.valid_until_ms,
                                   v.version, r.json);
          !s) {
        return s;
      }
      if (auto s = upsert->Run(); !s) return s;
    }
    chunk.clear();
    return tx->Commit();
  };
  common::Sha256 hash;
  const risk::WatchlistReadFn hashed = Hashing(source, hash);
  const auto sink = [&](risk::WatchlistEntry&& e, std::size_t) -> Status {
    const Columns c = ColumnsOf(e);
    chunk.push_back(Row{e.id, std::string(risk::KindName(e.kind())), risk::CanonicalJson(e),
                        std::string(c.agency), c.valid_from_ms, c.valid_until_ms});
    return chunk.size() < kImportChunk ? Status() : flush();
  };
  auto p = risk::ParseWatchlistStream(hashed, risk::WatchlistParseOptions{.delta = false}, sink,
                                      progress);
  Status written = p ? flush() : Status();
  if (!p || !written) {
    drop_next();
    return p ? std::move(written).error() : std::move(p).error();
  }
  v.upserts = static_cast<std::int64_t>(p->upserts);
  v.sha256 = common::ToHex(hash.Final());
  // The swap: two renames and the version row, one short transaction. Readers see
  // the old list or the new one, whole.
  auto swap = [&]() -> Status {
    for (const std::string& sql :
         {std::string("ALTER TABLE ") + kEntriesTable + " RENAME TO " + kPreviousTable,
          std::string("ALTER TABLE ") + kNextTable + " RENAME TO " + kEntriesTable}) {
      if (auto s = db_.Exec(sql); !s) return s;
    }
    auto counts = Count(db_);
    if (!counts) return std::move(counts).error();
    v.counts = *counts;
    return InsertVersion(db_, v);
  };
  {
    auto tx = Transaction::Begin(db_);
    Status s = tx ? swap() : Status(std::move(tx).error());
    if (s) s = tx->Commit();
    if (!s) {
      if (tx) (void)tx->Rollback();
      drop_next();
      return std::move(s).error();
    }
  }
  // The old list, no longer in force: dropped after the swap is durable. Failing
  // here changes nothing the daemon sees (the next import drops it).
  (void)db_.Exec(std::string("DROP TABLE IF EXISTS ") + kPreviousTable);
  return v;
}

Expected<WatchlistVersion> WatchlistStore::ApplyDelta(const WatchlistSource& source,
                                                      std::int64_t now_ms,
                                                      const risk::WatchlistProgressFn& progress,
                                                      risk::WatchlistDelta* applied) {
  return Import(true, source, now_ms, progress, applied);
}

Expected<WatchlistVersion> WatchlistStore::Import(bool delta, const WatchlistSource& source,
                                                  std::int64_t now_ms,
                                                  const risk::WatchlistProgressFn& progress,
                                                  risk::WatchlistDelta* applied) {
  if (!source.read) return MakeError(StoreErrc::kMisuse, "watchlist source without a reader");
  risk::WatchlistDelta parsed;
  auto r = InTransaction(db_, [&]() -> Expected<WatchlistVersion> {
    auto next = db_.QueryInt("SELECT coalesce(max(version), 0) + 1 FROM watchlist_versions");
    if (!next) return std::move(next).error();
    WatchlistVersion v;
    v.version = *next;
    v.kind = delta ? "delta" : "full";
    v.imported_at_ms = now_ms;
    v.source = source.name;
    if (!delta) {
      if (auto s = db_.Exec("DELETE FROM watchlist_entries"); !s) return std::move(s).error();
    }
    auto upsert = db_.Prepare(
        "INSERT INTO watchlist_entries(id, kind, agency, valid_from_ms, valid_until_ms, version, "
        "entry) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
        "agency = excluded.agency, valid_from_ms = excluded.valid_from_ms, "
        "valid_until_ms = excluded.valid_until_ms, version = excluded.version, "
        "entry = excluded.entry");
    if (!upsert) return std::move(upsert).error();
    auto remove = db_.Prepare("DELETE FROM watchlist_entries WHERE id = ?");
    if (!remove) return std::move(remove).error();

    common::Sha256 hash;
    const risk::WatchlistReadFn hashed = Hashing(source, hash);
    const auto sink = [&](risk::WatchlistEntry&& e, std::size_t) -> Status {
      if (e.remove) {
        if (auto s = remove->Reset(); !s) return s;
        if (auto s = remove->Bind(1, e.id); !s) return s;
        if (auto s = remove->Run(); !s) return s;
        v.removed += db_.Changes();
        if (applied) parsed.remove_ids.push_back(std::move(e.id));
        return {};
      }
      const Columns c = ColumnsOf(e);
      if (auto s = upsert->Reset(); !s) return s;
      if (auto s = upsert->BindAll(e.id, risk::KindName(e.kind()), c.agency, c.valid_from_ms,
                                   c.valid_until_ms, v.version, risk::CanonicalJson(e));
          !s) {
        return s;
      }
      if (auto s = upsert->Run(); !s) return s;
      if (applied) risk::AddTo(parsed.upsert, std::move(e));
      return {};
    };
    auto p = risk::ParseWatchlistStream(hashed, risk::WatchlistParseOptions{.delta = delta}, sink,
                                        progress);
    if (!p) return std::move(p).error();
    v.upserts = static_cast<std::int64_t>(p->upserts);
    v.removals = static_cast<std::int64_t>(p->removals);
    v.sha256 = common::ToHex(hash.Final());
    auto counts = Count(db_);
    if (!counts) return std::move(counts).error();
    v.counts = *counts;
    if (auto s = InsertVersion(db_, v); !s) return std::move(s).error();
    return v;
  });
  if (r && applied) *applied = std::move(parsed);
  return r;
}

Status WatchlistStore::ForEach(const std::function<Status(risk::WatchlistEntry&&)>& fn) {
  auto st = db_.Prepare("SELECT id, entry FROM watchlist_entries ORDER BY rowid");
  if (!st) return std::move(st).error();
  for (std::size_t row_number = 1;; ++row_number) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) return {};
    const std::string id = st->Text(0);
    auto e = risk::ParseWatchlistLine(st->Text(1), row_number);
    if (!e || e->remove || e->id != id) {
      return MakeError(StoreErrc::kCorrupt, "watchlist entry \"" + id +
                                                "\" in the store does not parse" +
                                                (e ? std::string() : ": " + e.error().message()));
    }
    if (auto s = fn(std::move(*e)); !s) return s;
  }
}

Expected<risk::WatchlistData> WatchlistStore::Load() {
  risk::WatchlistData data;
  auto s = ForEach([&](risk::WatchlistEntry&& e) -> Status {
    risk::AddTo(data, std::move(e));
    return {};
  });
  if (!s) return std::move(s).error();
  return data;
}

Expected<std::optional<WatchlistVersion>> WatchlistStore::Current() {
  auto h = History(1);
  if (!h) return std::move(h).error();
  if (h->empty()) return std::optional<WatchlistVersion>();
  return std::optional<WatchlistVersion>(std::move(h->front()));
}

Expected<std::vector<WatchlistVersion>> WatchlistStore::History(std::size_t limit) {
  auto st = db_.Prepare("SELECT " + std::string(kVersionColumns) +
                        " FROM watchlist_versions ORDER BY version DESC LIMIT ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, static_cast<std::int64_t>(limit)); !s) return std::move(s).error();
  std::vector<WatchlistVersion> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(VersionFrom(*st));
  }
  return out;
}

}  // namespace checkpoint::store
