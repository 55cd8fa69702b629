#pragma once
// What the inspectors read that changes while the daemon runs: the passive
// authentication trust anchors (built from the trust store once, swapped when the
// store's trust tables change) and the watchlist (loaded by a WatchlistSource at
// start and on refresh).
//
// Thread-safety: SharedAnchors::Get/Set from any thread (one atomic pointer); the
// loaders run where the store lives (the daemon's store worker).

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/documents/passive_auth.hpp"
#include "checkpoint/risk/watchlist.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::inspection {

class SharedAnchors {
 public:
  SharedAnchors() : set_(std::make_shared<const documents::TrustAnchorSet>()) {}
  // Never null: an empty set until the first Set().
  std::shared_ptr<const documents::TrustAnchorSet> Get() const { return set_.load(); }
  void Set(std::shared_ptr<const documents::TrustAnchorSet> set) {
    if (set) set_.store(std::move(set));
  }

 private:
  std::atomic<std::shared_ptr<const documents::TrustAnchorSet>> set_;
};

// The trust store's CSCAs and CRLs, parsed once (TrustStore::LoadAnchors then
// TrustAnchorSet::Build). Run on the store's thread.
Expected<std::shared_ptr<const documents::TrustAnchorSet>> LoadTrustAnchors(store::Store& store);

// A short text that changes whenever a CSCA or CRL is added or removed (counts and
// highest row ids of both tables): cheap enough to poll on every heartbeat.
Expected<std::string> TrustGeneration(store::Store& store);

// Where the daemon's watchlist comes from. Load() is called at start and on every
// refresh (SIGHUP), on the store's thread; it replaces the list's content (and on
// error leaves the list in force as it was).
class WatchlistSource {
 public:
  virtual ~WatchlistSource() = default;
  virtual std::string_view name() const = 0;
  virtual Status Load(store::Store& store, risk::Watchlist& into) = 0;
};

// The lists kept in the store (`checkpointctl watchlist import`, HQ's bundles),
// streamed entry by entry into the indexes: the records are never all in memory.
class StoreWatchlistSource final : public WatchlistSource {
 public:
  std::string_view name() const override { return "store"; }
  Status Load(store::Store& store, risk::Watchlist& into) override;
};

// No listed entries at all (tests, and a box with no store list yet behaves the same
// through StoreWatchlistSource).
class EmptyWatchlistSource final : public WatchlistSource {
 public:
  std::string_view name() const override { return "empty"; }
  Status Load(store::Store&, risk::Watchlist& into) override {
    return into.Replace(risk::WatchlistData{});
  }
};

}  // namespace checkpoint::inspection
