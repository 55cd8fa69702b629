#pragma once
// HQ's side of the downlink: the content-signing keys, publishing a bundle (sign the
// manifest, store it with the payload in hq.db), and reading what the endpoints
// serve. See docs/protocol.md "Bundles" and ADR 0010.
//
// Signing keys live in <data>/signing/ (0700) as key-<n>.pem (PKCS#8, 0600), n from
// 1; the highest n signs new bundles. They are not the TLS CA key: a leaked TLS key
// cannot sign watchlists, and the signing keys can rotate without re-enrolling boxes.
//
// Thread-safety: none; the functions taking a Connection run under HqService's lock
// (or in the one-shot `checkpoint-hq publish`).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/hq/sql.hpp"
#include "checkpoint/protocol/bundle.hpp"
#include "checkpoint/protocol/keys.hpp"

namespace checkpoint::hq {

class SigningKeys {
 public:
  // Loads every key of `dir`; creates the directory and key-1.pem when there is none.
  static Expected<SigningKeys> LoadOrCreate(const std::filesystem::path& dir);
  // Adds key-<n+1>.pem: it signs from now on; the older keys stay listed (devices
  // pin old and new during a rotation) until their files are removed.
  Status Rotate();

  const protocol::DeviceKey& current() const { return keys_.back(); }
  std::vector<protocol::PublicKey> publics() const;

 private:
  explicit SigningKeys(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::vector<protocol::DeviceKey> keys_;  // by n, ascending; never empty once loaded
  int last_ = 0;                           // highest n
};

struct PublishRequest {
  std::string kind;
  std::string payload{};
  std::string name{};                          // the file's base name
  std::optional<std::int64_t> version{};       // default: the latest of the kind + 1
  std::optional<std::int64_t> base_version{};  // a watchlist delta
  std::optional<std::int64_t> not_before_ms{};
  std::optional<std::int64_t> expires_ms{};
};

// Signs and stores a bundle in one transaction. The version must exceed every
// version of the kind already published (kInvalidArgument otherwise); a delta's base
// must be the latest published watchlist version (deltas form one line).
Expected<protocol::BundleManifest> PublishBundle(SqlConnection& db, const protocol::DeviceKey& key,
                                                 const PublishRequest& request,
                                                 std::int64_t now_ms);

// Stores a manifest's JSON text and payload as given, without checks: what HQ serves
// is what it stored. PublishBundle uses it; tests plant hostile bundles with it.
Status StoreBundleRaw(SqlConnection& db, std::string_view kind, std::int64_t version,
                      std::optional<std::int64_t> base_version, std::string_view manifest_json,
                      std::string_view sha256_hex, std::string_view payload, std::int64_t now_ms);

// The manifests (stored JSON text) HQ offers in GET /v1/bundles: per kind the latest
// version and, when that is a watchlist delta, every version back to the latest full
// list, ascending.
Expected<std::vector<std::string>> OfferedManifests(SqlConnection& db);

struct StoredBundle {
  std::int64_t size = 0;
  std::string sha256_hex;  // the ETag
};
Expected<std::optional<StoredBundle>> FindBundle(SqlConnection& db, std::string_view kind,
                                                 std::int64_t version);
// Bytes [offset, offset + length) of the payload (fewer at its end).
Expected<std::string> ReadBundlePayload(SqlConnection& db, std::string_view kind,
                                        std::int64_t version, std::int64_t offset,
                                        std::int64_t length);

}  // namespace checkpoint::hq
