#pragma once
// Ed25519 public keys as PEM "PUBLIC KEY" blocks (SubjectPublicKeyInfo), the form in
// which signing keys are pinned on the box: HQ's content-signing keys for bundles and
// the firmware-signing keys for updates. A list is one or more blocks, so that keys
// rotate.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::common {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;  // raw

// Every PUBLIC KEY block of `pem`, in order. A block that is not an Ed25519 key, a
// list over 64 KiB, or no key at all is an error (kInvalidArgument) naming which.
Expected<std::vector<Ed25519PublicKey>> ParseEd25519PublicKeysPem(std::string_view pem);
// One PEM PUBLIC KEY block.
std::string Ed25519PublicKeyPem(const Ed25519PublicKey& key);
// A short name for logs: the first 8 bytes of the key's SHA-256, in hex.
std::string Ed25519KeyId(const Ed25519PublicKey& key);

}  // namespace checkpoint::common
