#include "checkpoint/common/ed25519_pem.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <memory>
#include <span>

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/common/text.hpp"

namespace checkpoint::common {

namespace {
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
}  // namespace

Expected<std::vector<Ed25519PublicKey>> ParseEd25519PublicKeysPem(std::string_view pem) {
  if (pem.size() > 64u << 10) return MakeError(CommonErrc::kInvalidArgument, "key list too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return MakeError(CommonErrc::kInternal, "out of memory");
  std::vector<Ed25519PublicKey> keys;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    const std::string type = name;
    OPENSSL_free(name);
    OPENSSL_free(header);
    const unsigned char* p = data;
    PkeyPtr k(type == "PUBLIC KEY" ? d2i_PUBKEY(nullptr, &p, len) : nullptr);
    OPENSSL_free(data);
    Ed25519PublicKey pk{};
    std::size_t n = pk.size();
    if (!k || EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(k.get(), pk.data(), &n) != 1 || n != pk.size()) {
      return MakeError(CommonErrc::kInvalidArgument,
                       "key " + std::to_string(keys.size() + 1) +
                           ": not an Ed25519 public key (PEM PUBLIC KEY)");
    }
    keys.push_back(pk);
  }
  if (keys.empty()) return MakeError(CommonErrc::kInvalidArgument, "no public key in the key list");
  return keys;
}

std::string Ed25519PublicKeyPem(const Ed25519PublicKey& key) {
  PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!k || !bio || PEM_write_bio_PUBKEY(bio.get(), k.get()) != 1) std::abort();  // out of memory
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string Ed25519KeyId(const Ed25519PublicKey& key) {
  const auto d =
      Sha256::Of(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  return ToHex(std::span<const std::uint8_t>(d.data(), 8));
}

}  // namespace checkpoint::common
