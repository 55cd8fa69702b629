#pragma once
// The update image: what the payload of an HQ "firmware" bundle holds (ADR 0010
// stops at "verified and staged"; docs/update.md continues from there).
//
//   "CPUPDT1\n"                8 bytes, the format tag
//   u32, big-endian            M, the manifest's length (1..kMaxManifestBytes)
//   manifest                   M bytes of JSON (ParseUpdateManifest), the signed bytes
//   key                        32 bytes, the Ed25519 public key that signed it
//   signature                  64 bytes, Ed25519 over kSignatureContext || manifest
//   files                      each file's bytes, in manifest order, sizes from the
//                              manifest; the image ends exactly after the last one
//
// The signature covers the manifest, which binds every file by size and SHA-256 (as
// a bundle's manifest binds its payload), so the parser refuses a foreign or
// unsigned image after reading a few hundred bytes. Every check fails closed: one
// byte too many or too few, an unknown key, a duplicate key, a file name that could
// be a path, a key that is not pinned.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"

namespace checkpoint::update {

using PublicKey = std::array<std::uint8_t, 32>;  // raw Ed25519 public key
using Signature = std::array<std::uint8_t, 64>;

inline constexpr std::string_view kImageMagic = "CPUPDT1\n";
inline constexpr std::string_view kSignatureContext = "checkpoint.update.v1\n";
inline constexpr std::size_t kMaxManifestBytes = 64u << 10;
inline constexpr std::size_t kMaxFiles = 64;
inline constexpr std::uint64_t kMaxImageBytes = 1ull << 30;
// Enough of an image's first bytes for ParseImageHeader, whatever the manifest.
inline constexpr std::size_t kMaxHeaderBytes = 8 + 4 + kMaxManifestBytes + 32 + 64;

struct PayloadFile {
  std::string name;  // [A-Za-z0-9._-]{1,64}, not starting with '.', not "slot.json"
  std::uint64_t size = 0;
  common::Digest256 sha256{};
  std::uint64_t offset = 0;  // where its bytes start in the image (set by the parser)
};

struct UpdateManifest {
  std::int64_t version = 0;      // 1..2^53-1, monotonic per product
  std::string hardware;          // target id: "amd64", "arm64" or a board name
  std::int64_t created_ms = 0;   // build time, informational
  bool allow_downgrade = false;  // only a manifest signed with this may go lower
  std::vector<PayloadFile> files;
};

struct ImageHeader {
  UpdateManifest manifest;
  std::string manifest_text;  // exactly the signed bytes
  PublicKey key{};
  Signature sig{};
  std::uint64_t image_size = 0;
};

// Strict: exact keys ("format" 1, "version", "hardware", "created_ms",
// "allow_downgrade", "files" of {"name", "size", "sha256"}), types and ranges, no
// duplicates, nesting of at most three levels, at most kMaxFiles files.
Expected<UpdateManifest> ParseUpdateManifest(std::string_view text);
std::string UpdateManifestJson(const UpdateManifest& m);

// Parses the header from the image's first bytes (`head`: the whole image or its
// first kMaxHeaderBytes) and checks that the image is exactly `image_size` bytes:
// the header plus the files. Sets each file's offset. No signature check.
Expected<ImageHeader> ParseImageHeader(std::string_view head, std::uint64_t image_size);

// The key must be one of `pinned` and the signature must verify.
Status VerifyImageSignature(const ImageHeader& h, const std::vector<PublicKey>& pinned);

// Opens `image`, parses its header, verifies the signature against `pinned` and then
// every file's size and SHA-256 (streamed, not held in memory).
Expected<ImageHeader> VerifyImageFile(const std::filesystem::path& image,
                                      const std::vector<PublicKey>& pinned);

// What the box accepts: its own hardware, and a version above `floor` (the higher of
// the running slot's version and the highest ever installed) unless the manifest
// is signed with allow_downgrade.
struct Policy {
  std::string hardware;
  std::int64_t floor = 0;
};
Status CheckPolicy(const UpdateManifest& m, const Policy& policy);

// The pinned firmware-signing keys: PEM "PUBLIC KEY" blocks, one or several (key
// rotation: pin old and new, sign with the new, then drop the old).
Expected<std::vector<PublicKey>> ParsePublicKeysPem(std::string_view pem);
std::string PublicKeyPem(const PublicKey& key);
// The first 8 bytes of the key's SHA-256 in hex, for logs and errors.
std::string KeyId(const PublicKey& key);

// The build side (release tooling, tests, the demo): an image of `files` (name,
// bytes) with the manifest's version, hardware, created_ms and allow_downgrade,
// signed with the Ed25519 private key in `private_key_pem`.
Expected<std::string> BuildImage(const UpdateManifest& meta,
                                 const std::vector<std::pair<std::string, std::string>>& files,
                                 std::string_view private_key_pem);

// The hardware id of this machine's architecture ("amd64", "arm64", "armhf", or
// the kernel's machine name).
std::string ThisHardware();

}  // namespace checkpoint::update
