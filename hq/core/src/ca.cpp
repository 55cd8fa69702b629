#include "checkpoint/hq/ca.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <system_error>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::hq {

namespace {
using protocol::ProtocolErrc;

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using BioPtr = std::unique_ptr<BIO, Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;

Error CryptoError(std::string what) {
  return protocol::MakeError(ProtocolErrc::kCrypto, std::move(what));
}

BioPtr MemBio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}
std::string BioString(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}
std::string CertPem(X509* x) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), x) != 1) return {};
  return BioString(b.get());
}
std::string KeyPem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return BioString(b.get());
}
CertPtr ReadCert(std::string_view pem) {
  BioPtr b = MemBio(pem);
  return CertPtr(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}
KeyPtr ReadKey(std::string_view pem) {
  BioPtr b = MemBio(pem);
  return KeyPtr(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

struct Ext {
  int nid;
  std::string value;
};

// A certificate for subject_key signed by issuer_key (issuer null: self-signed).
Expected<CertPtr> MakeCert(EVP_PKEY* subject_key, std::string_view cn, X509* issuer,
                           EVP_PKEY* issuer_key, std::int64_t not_before_s,
                           std::int64_t not_after_s, const std::vector<Ext>& exts) {
  CertPtr x(X509_new());
  if (!x) return CryptoError("out of memory");
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return CryptoError("no randomness");
  serial_bytes[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, Free> bn(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!bn || X509_set_version(x.get(), 2) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) ||
      !ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before_s)) ||
      !ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after_s)) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1 ||
      X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(x.get(), subject_key) != 1) {
    return CryptoError("cannot fill in the certificate");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  for (const Ext& e : exts) {
    std::unique_ptr<X509_EXTENSION, Free> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, e.nid, e.value.c_str()));
    if (!ext || X509_add_ext(x.get(), ext.get(), -1) != 1) {
      return CryptoError("cannot add the extension " + e.value);
    }
  }
  if (X509_sign(x.get(), issuer_key, EVP_sha256()) <= 0) return CryptoError("cannot sign");
  return x;
}

bool IsIpAddress(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789.") == std::string::npos;
}

constexpr std::int64_t kDay = 86'400;
}  // namespace

struct CertificateAuthority::Impl {
  KeyPtr key;
  CertPtr cert;
  std::string pem;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;
CertificateAuthority::~CertificateAuthority() = default;

Status CertificateAuthority::Initialize(const std::filesystem::path& dir,
                                        const std::vector<std::string>& server_names,
                                        std::int64_t now_s) {
  if (auto s = common::EnsurePrivateDirectory(dir); !s) return s;
  const CaFiles files(dir);
  std::error_code ec;
  if (!std::filesystem::exists(files.ca_cert, ec)) {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return CryptoError("cannot generate the CA key");
    auto cert = MakeCert(key.get(), "Checkpoint HQ CA", nullptr, key.get(), now_s - 3600,
                         now_s + 20 * 365 * kDay,
                         {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                          {NID_key_usage, "critical,keyCertSign,cRLSign"},
                          {NID_subject_key_identifier, "hash"}});
    if (!cert) return std::move(cert).error();
    if (auto s = common::WriteFileAtomic(files.ca_key, KeyPem(key.get()), 0600); !s) return s;
    if (auto s = common::WriteFileAtomic(files.ca_cert, CertPem(cert->get()), 0644); !s) return s;
  }
  if (std::filesystem::exists(files.server_cert, ec)) return {};
  auto ca = Load(dir);
  if (!ca) return std::move(ca).error();
  std::string san;
  for (const std::string& n : server_names) {
    if (!san.empty()) san += ',';
    san += (IsIpAddress(n) ? "IP:" : "DNS:") + n;
  }
  if (san.empty()) san = "IP:127.0.0.1,DNS:localhost";
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return CryptoError("cannot generate the server key");
  auto cert = MakeCert(key.get(), "checkpoint-hq", ca->impl_->cert.get(), ca->impl_->key.get(),
                       now_s - 3600, now_s + 2 * 365 * kDay,
                       {{NID_basic_constraints, "critical,CA:FALSE"},
                        {NID_key_usage, "critical,digitalSignature"},
                        {NID_ext_key_usage, "serverAuth"},
                        {NID_subject_alt_name, san},
                        {NID_authority_key_identifier, "keyid"}});
  if (!cert) return std::move(cert).error();
  if (auto s = common::WriteFileAtomic(files.server_key, KeyPem(key.get()), 0600); !s) return s;
  return common::WriteFileAtomic(files.server_cert,
                                 CertPem(cert->get()) + CertPem(ca->impl_->cert.get()), 0644);
}

Expected<CertificateAuthority> CertificateAuthority::Load(const std::filesystem::path& dir) {
  const CaFiles files(dir);
  auto key_pem = common::ReadFile(files.ca_key, 16384);
  if (!key_pem) return std::move(key_pem).error().WithContext("cannot read the CA key");
  auto cert_pem = common::ReadFile(files.ca_cert, 65536);
  if (!cert_pem) return std::move(cert_pem).error().WithContext("cannot read the CA certificate");
  auto impl = std::make_unique<Impl>();
  impl->key = ReadKey(*key_pem);
  impl->cert = ReadCert(*cert_pem);
  if (!impl->key || !impl->cert) {
    return protocol::MakeError(ProtocolErrc::kBadKey, "the CA key or certificate is unreadable");
  }
  if (X509_check_private_key(impl->cert.get(), impl->key.get()) != 1) {
    return protocol::MakeError(ProtocolErrc::kBadKey, "the CA key does not match its certificate");
  }
  impl->pem = CertPem(impl->cert.get());
  return CertificateAuthority(std::move(impl));
}

Expected<std::string> CertificateAuthority::IssueDeviceCertificate(std::string_view csr_pem,
                                                                   std::string_view device_id,
                                                                   std::int64_t now_s,
                                                                   int days) const {
  auto bad = [](std::string m) { return protocol::MakeError(ProtocolErrc::kBadKey, std::move(m)); };
  if (!protocol::IsIdentifier(device_id)) return bad("the device id is not an identifier");
  BioPtr b = MemBio(csr_pem);
  std::unique_ptr<X509_REQ, Free> req(b ? PEM_read_bio_X509_REQ(b.get(), nullptr, nullptr, nullptr)
                                        : nullptr);
  if (!req) return bad("not a PEM certificate request");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (!pub || EVP_PKEY_get_id(pub) != EVP_PKEY_ED25519)
    return bad("the request's key is not Ed25519");
  if (X509_REQ_verify(req.get(), pub) != 1) return bad("the request's signature does not verify");
  char cn[protocol::kMaxIdLength + 2] = {};
  const int n = X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn,
                                          sizeof cn);
  if (n < 0 || std::string_view(cn, static_cast<std::size_t>(n)) != device_id) {
    return bad("the request's common name is not the device id");
  }
  auto cert = MakeCert(pub, device_id, impl_->cert.get(), impl_->key.get(), now_s - 3600,
                       now_s + days * kDay,
                       {{NID_basic_constraints, "critical,CA:FALSE"},
                        {NID_key_usage, "critical,digitalSignature"},
                        {NID_ext_key_usage, "clientAuth"},
                        {NID_authority_key_identifier, "keyid"}});
  if (!cert) return std::move(cert).error();
  return CertPem(cert->get());
}

const std::string& CertificateAuthority::ca_pem() const noexcept {
  return impl_->pem;
}

}  // namespace checkpoint::hq
