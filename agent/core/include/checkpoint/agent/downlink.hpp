#pragma once
// The downlink: HQ's signed bundles → verified → installed atomically on the box.
// See docs/protocol.md "Bundles" and ADR 0010.
//
// A round lists what HQ offers (GET /v1/bundles), and for each kind with something
// newer than what is installed: verifies the manifest (strict parse, a pinned
// content-signing key, a sane time by TrustedTime), refuses anything at or below the
// installed version and below the anti-rollback floor, downloads the payload into
// <dir>/partial/ (resuming with Range and If-Range after a cut), checks its size and
// SHA-256, then installs it: the payload renamed into <dir>/<kind>/<version>.bin and
// fsync'd, then <dir>/<kind>/installed.json (the signed manifests in force) written
// atomically, which is the commit point, then the floor raised in sync.db. A crash
// at any point leaves the previous bundle in force or the new one, never a mix.
// Every check fails closed: a bundle that fails one is refused, logged with the
// reason, and the installed one stays.
//
// Thread-safety: a Downlink and what it was given belong to one thread (its own
// HttpClient and ChainState); `trusted` may be shared.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/agent/chain.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/trusted_time.hpp"
#include "checkpoint/agent/uplink.hpp"
#include "checkpoint/common/backoff.hpp"
#include "checkpoint/common/error.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/protocol/bundle.hpp"

namespace checkpoint::agent {

// The pinned HQ content-signing keys, provisioned like hq-ca.pem (AgentFiles).
inline constexpr const char* kSigningKeysFile = "hq-signing-keys.pem";
Expected<std::vector<protocol::PublicKey>> LoadPinnedSigningKeys(const std::filesystem::path& file);

struct DownlinkOptions {
  std::filesystem::path dir;  // the bundle directory, shared with checkpointd
  // Of `dir` and its kind directories: private (0700), or 0750 with the group that
  // checkpointd runs in when the two run as different users (ADR 0012); then the
  // installed payloads are 0640. The partial downloads stay private either way.
  common::DirectoryAccess access;
  std::vector<protocol::PublicKey> pinned;
  // A manifest created further than this ahead of the trusted time is refused (HQ
  // and the box disagree about the time, or the manifest is forged).
  std::chrono::milliseconds max_clock_skew{10 * 60'000};
  std::chrono::milliseconds poll{5 * 60'000};  // Run: between rounds
  common::ExponentialBackoff::Options backoff{};
};

struct BundleOutcome {
  std::string kind;
  std::int64_t version = 0;
  std::string reason;  // why refused or postponed (empty when installed)
};

struct DownlinkRound {
  std::vector<BundleOutcome> installed;
  std::vector<BundleOutcome> refused;    // failed a check: never installed
  std::vector<BundleOutcome> postponed;  // not valid yet (not_before)
};

// What is in force for a kind: the signed manifests of installed.json (one, or a
// full watchlist followed by its deltas) and where their payloads are.
struct InstalledBundle {
  std::vector<protocol::BundleManifest> chain;
  std::int64_t version() const { return chain.empty() ? 0 : chain.back().version; }
};
Expected<std::optional<InstalledBundle>> ReadInstalled(const std::filesystem::path& dir,
                                                       std::string_view kind);
std::filesystem::path PayloadPath(const std::filesystem::path& dir,
                                  const protocol::BundleManifest& m);

class Downlink {
 public:
  Downlink(HttpClient& http, ChainState& state, TrustedTime& trusted, log::Logger logger,
           DownlinkOptions options);

  // One round. An Error means the round could not finish (HQ unreachable, a cut
  // download, storage): what was installed stays, partial downloads are kept for
  // the next round. Refusals are not Errors; they are in the result.
  Expected<DownlinkRound> SyncOnce();
  // Rounds every options.poll until `stop`; errors wait per the backoff.
  void Run(StopSignal& stop);

 private:
  Status SyncKind(const std::vector<protocol::BundleManifest>& offered, DownlinkRound& round);
  // Checks signature and time; an empty string when acceptable, else the reason.
  std::string Check(const protocol::BundleManifest& m, bool& postpone) const;
  // Downloads the payload into partial/, resuming; then checks size and hash.
  // Returns the reason for a refusal (empty: good) or an Error to retry later.
  Expected<std::string> Fetch(const protocol::BundleManifest& m);
  // One GET of the payload from byte `have` on, appended to `part`.
  Status Download(const protocol::BundleManifest& m, const std::filesystem::path& part,
                  std::int64_t have);

  HttpClient& http_;
  ChainState& state_;
  TrustedTime& trusted_;
  log::Logger log_;
  DownlinkOptions options_;
};

}  // namespace checkpoint::agent
