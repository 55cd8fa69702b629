#pragma once
// The local watchlists in SQLite (migration 4): persons, travel documents (the
// stolen and lost list), vehicles and containers, one row per entry, each kept as
// its canonical JSON line (risk/watchlist_json.hpp) beside the columns worth
// querying; and one row per list version imported. The daemon loads them into a
// risk::Watchlist at start and applies deltas to both; technicians import lists with
// `checkpointctl watchlist import`.
//
// Ids are unique across kinds (a delta removes by id alone), so `id` is the key.
//
// Atomicity without stalling the daemon: a full import writes the new list into a
// table beside the one in force (watchlist_entries_next), parsing 5 000 entries into
// memory with no lock held and writing each such chunk in one short transaction, so
// other writers (checkpointd recording inspections) get the database between chunks
// instead of waiting for the whole list (a million entries take about ten seconds).
// Then one short transaction swaps the two tables (two renames) and records the
// version; the old table is dropped after. A list refused on any line, a failed
// write, a cancelled or killed import leave the previous list exactly as it was
// (what a killed import left is dropped by the next one). Readers see the old list or
// the new one, whole. Inside a caller's transaction a full import is one transaction.
// A delta writes its changes in ONE transaction with the parse (deltas are small).
//
// Thread-safety: a view on one Connection; use from that connection's thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/risk/watchlist.hpp"
#include "checkpoint/risk/watchlist_json.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

// A list file being imported: its bytes, and the name recorded with the version.
struct WatchlistSource {
  std::string name;
  risk::WatchlistReadFn read;
};

struct WatchlistCounts {
  std::int64_t persons = 0, documents = 0, vehicles = 0, containers = 0;
  std::int64_t total() const { return persons + documents + vehicles + containers; }
  bool operator==(const WatchlistCounts&) const = default;
};

// One imported list or delta (table watchlist_versions).
struct WatchlistVersion {
  std::int64_t version = 0;  // 1, 2, ... one per successful import
  std::string kind;          // "full" or "delta"
  std::int64_t imported_at_ms = 0;
  std::string source;                      // the file name given
  std::string sha256;                      // of the file's bytes, lower-case hex
  std::int64_t upserts = 0, removals = 0;  // entries of the file
  std::int64_t removed = 0;                // removals that found an entry
  WatchlistCounts counts;                  // entries in the store after it
};

class WatchlistStore {
 public:
  explicit WatchlistStore(Connection& db) : db_(db) {}

  // Replaces every entry with the list read from source. Errors: the parser's
  // (CommonErrc::kParse naming the line; kCancelled when progress returned false),
  // the source's read errors, store errors. On any error nothing changed.
  Expected<WatchlistVersion> ImportFull(const WatchlistSource& source, std::int64_t now_ms,
                                        const risk::WatchlistProgressFn& progress = nullptr);
  // Applies a delta file (upserts and {"op":"remove"}); removals of unknown ids are
  // counted, not errors. `applied`, when given, receives the delta as parsed, to
  // apply to an in-memory risk::Watchlist once this returned success.
  Expected<WatchlistVersion> ApplyDelta(const WatchlistSource& source, std::int64_t now_ms,
                                        const risk::WatchlistProgressFn& progress = nullptr,
                                        risk::WatchlistDelta* applied = nullptr);

  // Every stored entry, in the order first imported. An entry that no longer parses
  // is StoreErrc::kCorrupt naming its id.
  Status ForEach(const std::function<Status(risk::WatchlistEntry&&)>& fn);
  Expected<risk::WatchlistData> Load();

  // The newest version (nullopt when no list was ever imported).
  Expected<std::optional<WatchlistVersion>> Current();
  // The newest versions first, at most `limit`.
  Expected<std::vector<WatchlistVersion>> History(std::size_t limit);

 private:
  Expected<WatchlistVersion> Import(bool delta, const WatchlistSource& source, std::int64_t now_ms,
                                    const risk::WatchlistProgressFn& progress,
                                    risk::WatchlistDelta* applied);
  Connection& db_;
};

}  // namespace checkpoint::store
