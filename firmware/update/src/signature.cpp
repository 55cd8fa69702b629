#include "signature.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "checkpoint/common/ed25519_pem.hpp"
#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

namespace {
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

BioPtr MemBio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}
const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

namespace detail {

bool Ed25519Verify(const PublicKey& key, std::string_view message, const Signature& sig) {
  PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return k && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), Bytes(message), message.size()) == 1;
}

Expected<Signed> Ed25519Sign(std::string_view private_key_pem, std::string_view message) {
  BioPtr bio = MemBio(private_key_pem);
  PkeyPtr k(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!k || EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return MakeError(UpdateErrc::kBadSignature, "the signing key is not an Ed25519 private key");
  }
  Signed out;
  std::size_t n = out.key.size();
  if (EVP_PKEY_get_raw_public_key(k.get(), out.key.data(), &n) != 1 || n != out.key.size()) {
    return MakeError(UpdateErrc::kBadSignature, "cannot read the signing key's public half");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  n = out.sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(ctx.get(), out.sig.data(), &n, Bytes(message), message.size()) != 1 ||
      n != out.sig.size()) {
    return MakeError(UpdateErrc::kBadSignature, "Ed25519 signing failed");
  }
  return out;
}

}  // namespace detail

Expected<std::vector<PublicKey>> ParsePublicKeysPem(std::string_view pem) {
  auto keys = common::ParseEd25519PublicKeysPem(pem);
  if (!keys) {
    return MakeError(UpdateErrc::kBadSignature, "firmware-signing keys: " + keys.error().message());
  }
  return std::move(*keys);
}

std::string PublicKeyPem(const PublicKey& key) {
  return common::Ed25519PublicKeyPem(key);
}

std::string KeyId(const PublicKey& key) {
  return common::Ed25519KeyId(key);
}

}  // namespace checkpoint::update
