#pragma once
// Ed25519 with OpenSSL EVP (the protocol library's keys are floor 3; this is the
// updater's own small verify, floor 2).

#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/update/image.hpp"

namespace checkpoint::update::detail {

bool Ed25519Verify(const PublicKey& key, std::string_view message, const Signature& sig);

struct Signed {
  PublicKey key{};
  Signature sig{};
};
Expected<Signed> Ed25519Sign(std::string_view private_key_pem, std::string_view message);

}  // namespace checkpoint::update::detail
