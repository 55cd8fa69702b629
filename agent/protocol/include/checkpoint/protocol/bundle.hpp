#pragma once
// Signed bundles (the downlink, docs/protocol.md "Bundles", ADR 0010): what HQ
// publishes to the boxes. A bundle is a payload (the bytes of a watchlist, a rule
// bundle, a CSCA master list, a CRL, a configuration or a firmware image) and a
// manifest naming it by kind, version, size and SHA-256, signed with Ed25519 by one
// of HQ's content-signing keys (not the TLS CA key). The device pins a list of
// those keys, so HQ can rotate them.
//
// Canonical bytes (what is signed): the ASCII tag "checkpoint.bundle.v1", then kind,
// version, created_ms, name, size, sha256, not_before_ms, expires_ms, base_version,
// key; integers 8-byte big-endian, strings and bytes with an 8-byte big-endian
// length prefix; an absent optional time or base version is the integer 0.
//
// Parsing is strict like every protocol message: exact keys and types, ranges,
// canonical base64, a kind from the fixed list, a file name that cannot name a path.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/protocol/keys.hpp"

namespace checkpoint::protocol {

// Every kind of bundle this protocol version knows. A kind is also a directory
// name on the device, so the list is closed: an unknown kind is refused.
inline constexpr std::string_view kBundleKinds[] = {"watchlist", "rules",  "csca",
                                                    "crl",       "config", "firmware"};
inline constexpr std::int64_t kMaxBundleBytes = 256LL << 20;  // payload, any kind
inline constexpr std::size_t kMaxManifestBytes = 4u << 10;
inline constexpr std::size_t kMaxBundleListBytes = 1u << 20;
inline constexpr std::size_t kMaxBundleName = 64;
inline constexpr std::string_view kBundleContentType = "application/octet-stream";

bool IsBundleKind(std::string_view kind) noexcept;
// A published file's base name: 1..64 of [A-Za-z0-9._-], not starting with '.'.
// Informative only (the device never uses it as a path), but checked so that no
// manifest carries "../" or a slash anywhere.
bool IsBundleName(std::string_view name) noexcept;

struct BundleManifest {
  std::string kind;                           // one of kBundleKinds
  std::int64_t version = 0;                   // 1 .. 2^53-1, strictly increasing per kind
  std::int64_t created_ms = 0;                // HQ's time at publication
  std::string name;                           // the published file's base name
  std::int64_t size = 0;                      // payload bytes, 0 .. kMaxBundleBytes
  common::Digest256 sha256{};                 // of the payload
  std::optional<std::int64_t> not_before_ms;  // not to be applied before
  std::optional<std::int64_t> expires_ms;     // not to be applied from then on
  // Watchlist deltas only: the watchlist version the delta applies on. Absent for a
  // full list and for every other kind.
  std::optional<std::int64_t> base_version;
  PublicKey key{};  // the HQ content-signing key that signed it
  Signature sig{};

  bool operator==(const BundleManifest&) const = default;
};

std::string BundleCanonicalBytes(const BundleManifest& m);
// Checks the field rules (kind, name, ranges, base only on watchlist deltas).
Status ValidateBundleManifest(const BundleManifest& m);
// Sets m.key and m.sig with `key` (the manifest must validate first).
Status SignBundleManifest(BundleManifest& m, const DeviceKey& key);
// kBadSignature unless m.key is one of `pinned` and m.sig verifies with it.
Status VerifyBundleManifest(const BundleManifest& m, const std::vector<PublicKey>& pinned);

// The manifest's JSON object (one line) and its strict parser (at most
// kMaxManifestBytes).
std::string ToJson(const BundleManifest& m);
Expected<BundleManifest> ParseBundleManifest(std::string_view text);

// GET /v1/bundles: the signed manifests HQ offers (per kind the latest and, for a
// watchlist whose latest is a delta, the chain back to the last full list), with
// HQ's time.
struct BundleList {
  std::vector<BundleManifest> bundles;
  std::int64_t hq_time_ms = 0;
  bool operator==(const BundleList&) const = default;
};
std::string ToJson(const BundleList& m);
Expected<BundleList> ParseBundleList(std::string_view text);

// Ed25519 public keys as PEM ("PUBLIC KEY" blocks, SubjectPublicKeyInfo), one or
// more: the device's pinned list of HQ content-signing keys. Any block that is not an
// Ed25519 public key, or no key at all, is an error.
Expected<std::vector<PublicKey>> ParsePublicKeysPem(std::string_view pem);
std::string PublicKeyPem(const PublicKey& key);
// The short id of a key for logs and listings: hex of the first 8 bytes of its SHA-256.
std::string KeyId(const PublicKey& key);

}  // namespace checkpoint::protocol
