#include "checkpoint/protocol/keys.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <system_error>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/errors.hpp"

namespace checkpoint::protocol {

namespace {
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr MemBio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}
std::string BioString(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}
}  // namespace

// libsodium must be initialised once before use (sodium_init is idempotent and
// thread-safe); it fails only without a source of randomness, which signing and
// verifying do not use.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

struct DeviceKey::Impl {
  explicit Impl(PkeyPtr k) : key(std::move(k)) {
    // libsodium's form of the same key: seed (the raw private key) || public key.
    unsigned char seed[crypto_sign_SEEDBYTES];
    std::size_t len = sizeof seed;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (!SodiumReady() || EVP_PKEY_get_raw_private_key(key.get(), seed, &len) != 1 ||
        len != sizeof seed || crypto_sign_seed_keypair(pk, secret.data(), seed) != 0) {
      std::abort();  // an Ed25519 private key always has a 32-byte seed
    }
    sodium_memzero(seed, sizeof seed);
  }
  ~Impl() { sodium_memzero(secret.data(), secret.size()); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  PkeyPtr key;
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret{};
};

DeviceKey::DeviceKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceKey::DeviceKey(DeviceKey&&) noexcept = default;
DeviceKey& DeviceKey::operator=(DeviceKey&&) noexcept = default;
DeviceKey::~DeviceKey() = default;

Expected<DeviceKey> DeviceKey::Generate() {
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!k) return MakeError(ProtocolErrc::kCrypto, "cannot generate an Ed25519 key");
  return DeviceKey(std::make_unique<Impl>(std::move(k)));
}

Expected<DeviceKey> DeviceKey::FromPem(std::string_view pem) {
  if (pem.size() > 16384) return MakeError(ProtocolErrc::kBadKey, "key file too large");
  BioPtr bio = MemBio(pem);
  PkeyPtr k(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!k) return MakeError(ProtocolErrc::kBadKey, "not a PEM private key");
  if (EVP_PKEY_get_id(k.get()) != EVP_PKEY_ED25519) {
    return MakeError(ProtocolErrc::kBadKey, "the device key must be Ed25519");
  }
  return DeviceKey(std::make_unique<Impl>(std::move(k)));
}

Expected<DeviceKey> DeviceKey::Load(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(path.string(), errno);
  if ((st.st_mode & 077) != 0) {
    return MakeError(ProtocolErrc::kBadKey,
                     path.string() + ": readable by group or others; refusing to use it");
  }
  auto pem = common::ReadFile(path, 16384);
  if (!pem) return std::move(pem).error().WithContext("cannot read the device key");
  auto k = FromPem(*pem);
  if (!k) return std::move(k).error().WithContext(path.string());
  return k;
}

Expected<DeviceKey> DeviceKey::LoadOrCreate(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return Load(path);
  if (errno != ENOENT) return ErrnoError(path.string(), errno);
  auto k = Generate();
  if (!k) return k;
  if (auto s = common::WriteFileAtomic(path, k->PrivatePem(), 0600); !s) {
    return std::move(s).error().WithContext("cannot write the device key");
  }
  return k;
}

std::string DeviceKey::PrivatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    std::abort();  // out of memory: nothing sane to return
  }
  return BioString(bio.get());
}

PublicKey DeviceKey::Public() const {
  PublicKey pk{};
  std::size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(impl_->key.get(), pk.data(), &len) != 1 || len != pk.size()) {
    std::abort();  // an Ed25519 key always has a 32-byte public key
  }
  return pk;
}

Signature DeviceKey::Sign(std::string_view message) const {
  Signature sig{};
  if (crypto_sign_detached(sig.data(), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           impl_->secret.data()) != 0) {
    std::abort();  // Ed25519 signing cannot fail on a valid key
  }
  return sig;
}

Expected<std::string> DeviceKey::MakeCsrPem(std::string_view device_id) const {
  std::unique_ptr<X509_REQ, ReqFree> req(X509_REQ_new());
  if (!req) return MakeError(ProtocolErrc::kCrypto, "out of memory");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(device_id.data()),
                                 static_cast<int>(device_id.size()), -1, 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), impl_->key.get()) != 1 ||
      X509_REQ_sign(req.get(), impl_->key.get(), nullptr) <= 0) {
    return MakeError(ProtocolErrc::kCrypto, "cannot build the certificate request");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    return MakeError(ProtocolErrc::kCrypto, "cannot encode the certificate request");
  }
  return BioString(bio.get());
}

bool Verify(const PublicKey& key, std::string_view message, const Signature& signature) {
  static_assert(sizeof(PublicKey) == crypto_sign_PUBLICKEYBYTES &&
                sizeof(Signature) == crypto_sign_BYTES);
  return SodiumReady() &&
         crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

Expected<PublicKey> PublicKeyOfCertificate(std::string_view cert_pem) {
  BioPtr bio = MemBio(cert_pem);
  std::unique_ptr<X509, X509Free> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                           : nullptr);
  if (!cert) return MakeError(ProtocolErrc::kBadKey, "not a PEM certificate");
  EVP_PKEY* k = X509_get0_pubkey(cert.get());
  if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    return MakeError(ProtocolErrc::kBadKey, "the certificate's key is not Ed25519");
  }
  PublicKey pk{};
  std::size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(k, pk.data(), &len) != 1 || len != pk.size()) {
    return MakeError(ProtocolErrc::kBadKey, "cannot read the certificate's public key");
  }
  return pk;
}

bool CertificateIssuedBy(std::string_view cert_pem, std::string_view issuer_pem) {
  BioPtr a = MemBio(cert_pem);
  BioPtr b = MemBio(issuer_pem);
  std::unique_ptr<X509, X509Free> cert(a ? PEM_read_bio_X509(a.get(), nullptr, nullptr, nullptr)
                                         : nullptr);
  std::unique_ptr<X509, X509Free> issuer(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)
                                           : nullptr);
  if (!cert || !issuer) return false;
  EVP_PKEY* k = X509_get0_pubkey(issuer.get());
  return k && X509_verify(cert.get(), k) == 1;
}

Expected<std::string> CertificateCommonName(std::string_view cert_pem) {
  BioPtr bio = MemBio(cert_pem);
  std::unique_ptr<X509, X509Free> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                           : nullptr);
  if (!cert) return MakeError(ProtocolErrc::kBadKey, "not a PEM certificate");
  char cn[256] = {};
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  if (n <= 0) return MakeError(ProtocolErrc::kBadKey, "the certificate has no common name");
  return std::string(cn, static_cast<std::size_t>(n));
}

Expected<std::int64_t> CertificateNotAfter(std::string_view cert_pem) {
  BioPtr bio = MemBio(cert_pem);
  std::unique_ptr<X509, X509Free> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                           : nullptr);
  if (!cert) return MakeError(ProtocolErrc::kBadKey, "not a PEM certificate");
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return MakeError(ProtocolErrc::kBadKey, "the certificate's notAfter does not parse");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace checkpoint::protocol
