#pragma once
// checkpointd's side of the downlink: it applies what checkpoint-sync verified and
// installed in the bundle directory (<paths.data_dir>/bundles, docs/protocol.md
// "Bundles"), without a restart. The agent writes <kind>/installed.json (the signed
// manifests in force) last, atomically; the daemon looks at it at start, on every
// heartbeat and on SIGHUP, and applies a version it has not applied yet:
//   rules      RuleEngine::Load of the payload; the HQ bundle supersedes the
//              operator's file (risk.rules) from then on
//   watchlist  a full list: WatchlistStore::ImportFull, then the in-memory list
//              rebuilt from the store and swapped in; a delta: ApplyDelta on the
//              store and Watchlist::Apply on the indexes (no rebuild)
//   csca, crl  TrustStore::ImportMasterList / AddCrl; the anchors are rebuilt when
//              the trust generation moves, as for checkpointctl's imports
//   config, firmware   staged only: applying them belongs to the A/B update
// Defence in depth: every payload's size and SHA-256 are checked again against the
// installed manifest, on the open file that is then parsed. The signature itself is
// checked by the agent (the daemon, on a lower floor, does not link the protocol
// library; ADR 0010).
//
// What was applied is kept in the store's device state (bundle.<kind>.applied), so
// a restart does not apply a list twice; rules are loaded into memory at each start.
//
// Thread-safety: Run and ForgetRules on the store's thread only.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/inspection/sources.hpp"
#include "checkpoint/risk/rules.hpp"
#include "checkpoint/risk/watchlist.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::daemon {

// One bundle of <dir>/<kind>/installed.json, as far as the daemon needs it.
struct InstalledEntry {
  std::int64_t version = 0;
  std::optional<std::int64_t> base_version;  // a watchlist delta
  std::int64_t size = 0;
  common::Digest256 sha256{};
};
// The chain in force for `kind` (a full bundle, then deltas), empty when none.
Expected<std::vector<InstalledEntry>> ReadInstalledChain(const std::filesystem::path& dir,
                                                         std::string_view kind);

class BundlePickup {
 public:
  struct Targets {
    risk::RuleEngine& rules;
    risk::Watchlist& watchlist;
    inspection::WatchlistSource& source;  // reloads the list from the store
  };
  struct Outcome {
    std::vector<std::string> applied;  // "rules 3", "watchlist 7" ...
    std::vector<std::string> errors;   // each logged too; what was in force stays
    bool trust_changed = false;        // rebuild the passive authentication anchors
  };

  BundlePickup(std::filesystem::path dir, log::Logger logger)
      : dir_(std::move(dir)), log_(std::move(logger)) {}

  Outcome Run(store::Store& st, const Targets& targets, std::int64_t now_ms);
  // The operator's rule file was loaded again (SIGHUP): the next Run loads HQ's.
  void ForgetRules() {
    rules_version_ = 0;
    failed_.clear();
  }

 private:
  void Rules(const Targets& t, Outcome& out);
  void Watchlist(store::Store& st, const Targets& t, std::int64_t now_ms, Outcome& out);
  void Trust(store::Store& st, std::string_view kind, std::int64_t now_ms, Outcome& out);
  void Staged(std::string_view kind, Outcome& out);

  std::filesystem::path dir_;
  log::Logger log_;
  std::int64_t rules_version_ = 0;  // of the HQ rules bundle in memory
  // A version that failed is not tried again on every heartbeat (only a new one, or
  // after SIGHUP); staged versions are logged once.
  std::map<std::string, std::int64_t, std::less<>> failed_, staged_;
};

}  // namespace checkpoint::daemon
