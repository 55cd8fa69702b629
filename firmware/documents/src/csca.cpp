#include "checkpoint/documents/csca.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>

#include <algorithm>
#include <string_view>

#include "checkpoint/common/sha256.hpp"
#include "der.hpp"
#include "sod_internal.hpp"

namespace checkpoint::documents {

namespace {

using namespace detail;

constexpr std::string_view kMasterListOid = "2.23.136.1.1.2";
constexpr std::size_t kMaxPemSize = 16 * 1024 * 1024;

Error ParseError(std::string message) {
  return MakeError(CommonErrc::kParse, std::move(message));
}
Error Refused(std::string message) {
  return MakeError(CommonErrc::kInvalidArgument, std::move(message));
}

bool IsPem(std::span<const std::uint8_t> bytes) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                        std::min<std::size_t>(bytes.size(), 4096));
  const auto pos = text.find(kBegin);
  return pos != std::string_view::npos &&
         text.substr(0, pos).find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string Sha256Hex(std::span<const std::uint8_t> der) {
  return common::ToHex(
      common::Sha256::Of(std::string_view(reinterpret_cast<const char*>(der.data()), der.size())));
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  char* hex = bn ? BN_bn2hex(bn.get()) : nullptr;
  if (!hex) return "?";
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::string Country(const X509_NAME* name) {
  const int i = X509_NAME_get_index_by_NID(name, NID_countryName, -1);
  if (i < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  if (!s || ASN1_STRING_length(s) <= 0 || ASN1_STRING_length(s) > 8) return {};
  std::string c(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                static_cast<std::size_t>(ASN1_STRING_length(s)));
  return std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })
             ? c
             : std::string();
}

CertificateInfo Describe(X509* x) {
  CertificateInfo info;
  info.der = ToDer(x);
  info.fingerprint = Sha256Hex(info.der);
  info.subject = NameString(X509_get_subject_name(x));
  info.issuer = NameString(X509_get_issuer_name(x));
  info.country = Country(X509_get_subject_name(x));
  info.serial = SerialHex(X509_get0_serialNumber(x));
  info.not_before = EpochSeconds(X509_get0_notBefore(x));
  info.not_after = EpochSeconds(X509_get0_notAfter(x));
  const std::uint32_t flags = X509_get_extension_flags(x);
  info.ca = (flags & EXFLAG_CA) != 0;
  const std::uint32_t ku = X509_get_key_usage(x);
  info.key_cert_sign = ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN);
  info.crl_sign = ku != UINT32_MAX && (ku & KU_CRL_SIGN);
  EVP_PKEY* key = X509_get0_pubkey(x);
  info.self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 && key &&
                     X509_verify(x, key) == 1;
  ERR_clear_error();
  return info;
}

Expected<std::vector<X509Ptr>> ReadCertificates(std::span<const std::uint8_t> bytes,
                                                bool just_one) {
  ERR_clear_error();
  std::vector<X509Ptr> out;
  if (bytes.empty()) return ParseError("no certificate: empty input");
  if (IsPem(bytes)) {
    if (bytes.size() > kMaxPemSize) return ParseError("PEM input too large");
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    for (;;) {
      X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
      if (!x) break;
      out.push_back(std::move(x));
    }
    const unsigned long err = ERR_peek_last_error();
    const bool clean_end = out.size() > 0 && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    if (!clean_end && (out.empty() || err != 0)) {
      return ParseError("PEM input holds no readable certificate (or a damaged one)");
    }
  } else {
    auto x = ParseDerCertificate(bytes);
    if (!x) return ParseError(TakeOpenSslError("not a DER or PEM certificate"));
    out.push_back(std::move(x));
  }
  if (just_one && out.size() != 1) {
    return ParseError("expected one certificate, found " + std::to_string(out.size()));
  }
  return out;
}

}  // namespace

Expected<CertificateInfo> InspectCertificate(std::span<const std::uint8_t> der_or_pem) {
  auto certs = ReadCertificates(der_or_pem, true);
  if (!certs) return std::move(certs).error();
  return Describe((*certs)[0].get());
}

Expected<std::vector<CertificateInfo>> InspectCertificates(
    std::span<const std::uint8_t> der_or_pem) {
  auto certs = ReadCertificates(der_or_pem, false);
  if (!certs) return std::move(certs).error();
  std::vector<CertificateInfo> out;
  for (const auto& x : *certs) out.push_back(Describe(x.get()));
  return out;
}

bool IsIssuedBy(const CertificateInfo& subject, const CertificateInfo& issuer) {
  auto s = ParseDerCertificate(subject.der);
  auto i = ParseDerCertificate(issuer.der);
  if (!s || !i) return ERR_clear_error(), false;
  EVP_PKEY* key = X509_get0_pubkey(i.get());
  const bool ok =
      X509_NAME_cmp(X509_get_issuer_name(s.get()), X509_get_subject_name(i.get())) == 0 && key &&
      X509_verify(s.get(), key) == 1;
  ERR_clear_error();
  return ok;
}

Status CheckCscaProfile(const CertificateInfo& cert) {
  if (!cert.ca) return Refused("not a CA certificate (basicConstraints cA is not set)");
  if (!cert.key_cert_sign || !cert.crl_sign) {
    return Refused("keyUsage lacks keyCertSign or cRLSign (not a CSCA profile)");
  }
  return {};
}

Expected<CrlInfo> InspectCrl(std::span<const std::uint8_t> der_or_pem) {
  ERR_clear_error();
  if (der_or_pem.empty()) return ParseError("no CRL: empty input");
  CrlPtr crl;
  if (IsPem(der_or_pem)) {
    if (der_or_pem.size() > kMaxPemSize) return ParseError("PEM input too large");
    BioPtr bio(BIO_new_mem_buf(der_or_pem.data(), static_cast<int>(der_or_pem.size())));
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    crl = ParseDerCrl(der_or_pem);
  }
  if (!crl) return ParseError(TakeOpenSslError("not a DER or PEM CRL"));
  CrlInfo info;
  unsigned char* buf = nullptr;
  const int n = i2d_X509_CRL(crl.get(), &buf);
  if (n <= 0) return ParseError(TakeOpenSslError("CRL cannot be encoded"));
  info.der.assign(buf, buf + n);
  OPENSSL_free(buf);
  info.fingerprint = Sha256Hex(info.der);
  info.issuer = NameString(X509_CRL_get_issuer(crl.get()));
  info.country = Country(X509_CRL_get_issuer(crl.get()));
  info.this_update = EpochSeconds(X509_CRL_get0_lastUpdate(crl.get()));
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get())) {
    info.next_update = EpochSeconds(next);
  }
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  info.revoked = revoked ? static_cast<std::size_t>(sk_X509_REVOKED_num(revoked)) : 0;
  ERR_clear_error();
  return info;
}

bool IsCrlSignedBy(const CrlInfo& crl, const CertificateInfo& csca) {
  auto c = ParseDerCrl(crl.der);
  auto x = ParseDerCertificate(csca.der);
  if (!c || !x) return ERR_clear_error(), false;
  EVP_PKEY* key = X509_get0_pubkey(x.get());
  const bool ok =
      X509_NAME_cmp(X509_CRL_get_issuer(c.get()), X509_get_subject_name(x.get())) == 0 && key &&
      X509_CRL_verify(c.get(), key) == 1;
  ERR_clear_error();
  return ok;
}

namespace {

Expected<std::vector<Bytes>> ParseCertList(std::span<const std::uint8_t> content) {
  DerReader top(content);
  auto seq = top.Expect(0x30, "CscaMasterList");
  if (!seq) return ParseError("CscaMasterList: " + top.error());
  if (!top.empty()) return ParseError("CscaMasterList: bytes after the object");
  DerReader s(seq->value);
  auto version = s.Expect(0x02, "version");
  if (!version) return ParseError("CscaMasterList version: " + s.error());
  auto v = SmallUnsigned(version->value, 0);
  if (!v) return ParseError("CscaMasterList: version is not 0");
  auto set = s.Expect(0x31, "certList");
  if (!set) return ParseError("CscaMasterList certList: " + s.error());
  if (!s.empty()) return ParseError("CscaMasterList: bytes after certList");
  std::vector<Bytes> out;
  DerReader certs(set->value);
  while (!certs.empty()) {
    auto c = certs.Expect(0x30, "Certificate");
    if (!c) return ParseError("CscaMasterList certificate: " + certs.error());
    if (!ParseDerCertificate(c->whole)) {
      ERR_clear_error();
      return ParseError("CscaMasterList: certificate #" + std::to_string(out.size() + 1) +
                        " does not parse");
    }
    out.emplace_back(c->whole.begin(), c->whole.end());
  }
  if (out.empty()) return ParseError("CscaMasterList: no certificate");
  return out;
}

bool HasMasterListEku(X509* x) {
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr));
  if (!eku) return false;
  bool found = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    found = found || OidText(sk_ASN1_OBJECT_value(eku, i)) == kMasterListSignerEku;
  }
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return found;
}

}  // namespace

Expected<MasterList> OpenMasterList(std::span<const std::uint8_t> bytes,
                                    std::span<const Bytes> anchors,
                                    std::chrono::system_clock::time_point at) {
  ERR_clear_error();
  if (bytes.empty()) return ParseError("master list: empty input");
  if (bytes.size() > kMaxMasterListSize) return ParseError("master list: too large");
  const unsigned char* p = bytes.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
  if (!cms) return ParseError(TakeOpenSslError("master list: not a CMS ContentInfo"));
  if (p != bytes.data() + bytes.size()) return ParseError("master list: bytes after the CMS");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return ParseError("master list: CMS content is not SignedData");
  }
  const ASN1_OBJECT* ect = CMS_get0_eContentType(cms.get());
  if (!ect || OidText(ect) != kMasterListOid) {
    return ParseError("master list: eContentType is not id-icao-cscaMasterList");
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content || !*content || ASN1_STRING_length(*content) <= 0) {
    return ParseError("master list: no content (detached signature)");
  }
  auto list = ParseCertList(std::span<const std::uint8_t>(
      ASN1_STRING_get0_data(*content), static_cast<std::size_t>(ASN1_STRING_length(*content))));
  if (!list) return std::move(list).error();

  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (!signers || sk_CMS_SignerInfo_num(signers) != 1) {
    return Refused("master list: not exactly one signer");
  }
  if (CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(signers, 0)) <= 0) {
    return Refused("master list: no signed attributes");
  }
  if (CMS_verify(cms.get(), nullptr, nullptr, nullptr, nullptr,
                 CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
    return Refused(TakeOpenSslError("master list: the signature does not verify"));
  }
  ShallowX509StackPtr signer_certs(CMS_get0_signers(cms.get()));
  if (!signer_certs || sk_X509_num(signer_certs.get()) != 1) {
    return Refused(TakeOpenSslError("master list: signer certificate not found"));
  }
  X509* signer = sk_X509_value(signer_certs.get(), 0);
  if (!HasMasterListEku(signer)) {
    return Refused("master list: the signer certificate lacks the master list signing key usage");
  }
  if (anchors.empty()) {
    return Refused("master list: no CSCA in the trust store to check its signer against");
  }
  StorePtr store(X509_STORE_new());
  if (!store) return MakeError(CommonErrc::kInternal, TakeOpenSslError("no certificate store"));
  for (const auto& der : anchors) {
    auto x = ParseDerCertificate(der);
    if (!x || X509_STORE_add_cert(store.get(), x.get()) != 1) {
      return ParseError(TakeOpenSslError("master list: a trust anchor does not parse"));
    }
  }
  X509StackPtr untrusted(CMS_get1_certs(cms.get()));
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), signer, untrusted.get()) != 1) {
    return MakeError(CommonErrc::kInternal, TakeOpenSslError("cannot set up path validation"));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, ToTimeT(at));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Refused(std::string("master list: the signer does not chain to a CSCA in the trust "
                               "store: ") +
                   X509_verify_cert_error_string(err));
  }
  X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
  MasterList out;
  out.certificates = std::move(*list);
  out.signer_subject = NameString(X509_get_subject_name(signer));
  if (chain && sk_X509_num(chain.get()) > 0) {
    out.anchor_fingerprint =
        Sha256Hex(ToDer(sk_X509_value(chain.get(), sk_X509_num(chain.get()) - 1)));
  }
  ERR_clear_error();
  return out;
}

}  // namespace checkpoint::documents
