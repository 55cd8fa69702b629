#pragma once
// The local watchlists (docs/risk/screening.md): listed persons, travel documents
// (the local copy of the stolen and lost document list), vehicles and containers,
// each entry with its source agency, reason, requested action and validity, served
// from in-memory indexes built off to the side and published atomically.
//
// Readers (screening) never wait: each call takes the current snapshot (an
// immutable set of indexes) and works on it. Writers build new indexes without a
// lock held and swap them in:
//  - Replace(): a full list; the old one stays in force until the new one is built,
//    and stays in force if building fails;
//  - Apply(): a delta (add, change, remove). Changed and added entries go to a small
//    overlay index and removed or changed ids hide the base's entries, so a delta
//    costs in proportion to its size, not to the list's; when the overlay grows past
//    a share of the base, the next Apply() folds everything into a new base.
//
// Validity: an entry outside [valid_from_ms, valid_until_ms) (0 = open) is skipped at
// screening time, so a list need not be rebuilt when an entry expires.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/risk/person_index.hpp"

namespace checkpoint::risk {

// Who listed an entry, why, what the officer is asked to do, and when it applies.
struct Listing {
  std::string agency, reason, action;
  std::int64_t valid_from_ms = 0, valid_until_ms = 0;  // 0: open
  // The agencies besides `agency` that may see a hit; empty: the owner only; nullopt:
  // the box's default (docs/risk/screening.md, "Sharing policy").
  std::optional<std::vector<std::string>> share_with;
  bool operator==(const Listing&) const = default;
};

struct DocumentRecord {
  std::string id;
  std::string number;         // as listed; compared through DocumentNumberKey
  std::string issuing_state;  // alpha-3 (or "D")
  std::string type;           // e.g. "P", "ID"; informative
  // Validity is kept to the UTC day (from rounded down, until rounded up): an entry
  // may apply for part of a day longer than listed, never shorter.
  Listing listing;
};

struct VehicleRecord {
  std::string id;
  std::string plate;    // as listed (any script); compared through PlateMatchKey
  std::string country;  // the plate's country (ISO alpha-2 or alpha-3); empty: any
  Listing listing;
};

struct ContainerRecord {
  std::string id;
  std::string code;  // ISO 6346; compared through ContainerMatchKey
  Listing listing;
};

struct WatchlistData {
  std::vector<PersonRecord> persons;  // with agency, reason, action and validity
  std::vector<DocumentRecord> documents;
  std::vector<VehicleRecord> vehicles;
  std::vector<ContainerRecord> containers;
};

struct WatchlistDelta {
  WatchlistData upsert;                 // added, or replacing the entry with that id
  std::vector<std::string> remove_ids;  // any kind; unknown ids are ignored
};

// One hit of any kind, explained.
struct WatchlistHit {
  std::string id;
  std::string kind;    // "person", "document", "vehicle", "container"
  double score = 0;    // 0..1; 1 for exact document, vehicle and container matches
  std::string agency;  // who listed it ("" when the list does not say)
  std::optional<std::vector<std::string>> share_with;  // the entry's sharing policy, if any
  std::vector<std::string> reasons;
};

struct WatchlistStats {
  std::size_t persons = 0, documents = 0, vehicles = 0, containers = 0;
  std::size_t overlay_entries = 0, hidden_entries = 0;
  std::uint64_t version = 0;  // increases with every successful Replace or Apply
  std::size_t bytes = 0;      // approximate heap held by the indexes
};

class Watchlist;

// Builds the indexes of a full list entry by entry, so that a list far larger than
// its records' in-memory form (ten million documents) can be loaded from the store
// without holding every record at once. Publish() swaps the result in.
class WatchlistBuilder {
 public:
  WatchlistBuilder();
  ~WatchlistBuilder();
  WatchlistBuilder(const WatchlistBuilder&) = delete;
  WatchlistBuilder& operator=(const WatchlistBuilder&) = delete;

  // Errors (kParse) name the entry's id.
  Status AddPerson(PersonRecord person);
  Status AddDocument(const DocumentRecord& document);
  Status AddVehicle(const VehicleRecord& vehicle);
  Status AddContainer(const ContainerRecord& container);
  // Builds and replaces watchlist's current list; the builder is spent.
  Status Publish(Watchlist& watchlist);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class Watchlist {
 public:
  Watchlist();
  ~Watchlist();
  Watchlist(const Watchlist&) = delete;
  Watchlist& operator=(const Watchlist&) = delete;

  // Builds indexes for data and swaps them in. Errors (kParse) name the entry.
  Status Replace(WatchlistData data);
  Status Apply(WatchlistDelta delta);

  // now_ms: the reference time for validity.
  std::vector<WatchlistHit> ScreenPerson(const PersonQuery& query, const ScreeningOptions& options,
                                         std::int64_t now_ms) const;
  std::vector<WatchlistHit> CheckDocument(std::string_view number, std::string_view issuing_state,
                                          std::int64_t now_ms) const;
  std::vector<WatchlistHit> CheckVehicle(std::string_view plate, std::string_view country,
                                         std::int64_t now_ms) const;
  std::vector<WatchlistHit> CheckContainer(std::string_view code, std::int64_t now_ms) const;

  WatchlistStats stats() const;

  struct Snapshot;

 private:
  friend class WatchlistBuilder;
  void Publish(std::shared_ptr<const Snapshot> next);
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  std::mutex writer_;  // writers only: one Replace or Apply at a time
};

}  // namespace checkpoint::risk
