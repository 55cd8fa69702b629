#include "identity.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"

namespace checkpoint::console {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Error Ssl(const std::string& what) {
  return MakeError(CommonErrc::kInternal, "console identity: " + what);
}

std::string BioText(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string FingerprintOf(X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) return {};
  const auto d = common::Sha256::Of(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return common::ToHex(d);
}

}  // namespace

Expected<std::string> Fingerprint(const std::filesystem::path& certificate) {
  auto pem = common::ReadFile(certificate, 1u << 20);
  if (!pem) return std::move(pem).error();
  BioPtr b(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  CertPtr cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!cert) return Ssl("not a PEM certificate: " + certificate.string());
  return FingerprintOf(cert.get());
}

Expected<Identity> EnsureSelfSigned(const std::filesystem::path& dir, const std::string& cn,
                                    const std::vector<std::string>& addresses) {
  Identity id{dir / "console.crt", dir / "console.key", {}, false};
  std::error_code ec;
  if (std::filesystem::exists(id.certificate, ec) && std::filesystem::exists(id.private_key, ec)) {
    auto fp = Fingerprint(id.certificate);
    if (!fp) return std::move(fp).error();
    id.fingerprint = *fp;
    return id;
  }
  if (auto s = common::EnsurePrivateDirectory(dir); !s) return std::move(s).error();

  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Ssl("no P-256 key");
  CertPtr cert(X509_new());
  if (!cert) return Ssl("no certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Ssl("no random serial");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string subject = "checkpoint console " + cn;
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(subject.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& a : addresses) {
    std::string host = a.substr(0, a.rfind(':'));
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host != "127.0.0.1" && host != "::1" && host != "0.0.0.0" && host != "::") {
      san += ",IP:" + host;
    }
  }
  if (!AddExtension(cert.get(), NID_subject_alt_name, san) ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth")) {
    return Ssl("cannot add extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return Ssl("cannot sign");

  BioPtr kb(BIO_new(BIO_s_mem()));
  BioPtr cb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), cert.get()) != 1) {
    return Ssl("cannot encode");
  }
  if (auto s = common::WriteFileAtomic(id.private_key, BioText(kb.get()), 0600); !s) {
    return std::move(s).error();
  }
  if (auto s = common::WriteFileAtomic(id.certificate, BioText(cb.get()), 0644); !s) {
    return std::move(s).error();
  }
  id.fingerprint = FingerprintOf(cert.get());
  id.created = true;
  return id;
}

}  // namespace checkpoint::console
