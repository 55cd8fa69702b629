#include "support/test_pki.hpp"

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace checkpoint::testing::pki {

namespace {

// Test setup must not fail quietly: any OpenSSL failure throws, and Catch2 reports it.
void Ok(bool ok, const char* what) {
  if (!ok) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error(std::string("test PKI: ") + what + ": " + buf);
  }
}

template <typename T, auto Free>
std::shared_ptr<T> Own(T* p, const char* what) {
  Ok(p != nullptr, what);
  return std::shared_ptr<T>(p, [](T* q) { Free(q); });
}

// encode(&buf) is an i2d_* call that allocates buf.
template <typename F>
Bytes I2d(F encode) {
  unsigned char* buf = nullptr;
  const int n = encode(&buf);
  Ok(n > 0 && buf != nullptr, "encode");
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

void AddExt(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  if (value.empty()) return;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  Ok(ext != nullptr, "extension");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

Bytes Integer(long v) {
  Bytes content;
  do {
    content.insert(content.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v > 0);
  if (content[0] & 0x80) content.insert(content.begin(), 0);
  return Tlv(0x02, content);
}

Bytes OidOf(int nid) {
  return I2d([&](unsigned char** b) { return i2d_ASN1_OBJECT(OBJ_nid2obj(nid), b); });
}

}  // namespace

Key EcKey() {
  return Own<EVP_PKEY, EVP_PKEY_free>(EVP_EC_gen("P-256"), "EC key");
}
Key RsaKey(int bits) {
  return Own<EVP_PKEY, EVP_PKEY_free>(EVP_RSA_gen(static_cast<unsigned>(bits)), "RSA key");
}

std::time_t Day(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return timegm(&tm);
}
std::chrono::system_clock::time_point At(int year, int month, int day) {
  return std::chrono::system_clock::from_time_t(Day(year, month, day));
}

Cert MakeCert(const CertSpec& spec, const Key& subject_key, const Cert& issuer,
              const Key& issuer_key) {
  auto x = Own<X509, X509_free>(X509_new(), "X509_new");
  Ok(X509_set_version(x.get(), 2) == 1, "version");
  Ok(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), spec.serial) == 1, "serial");
  Ok(ASN1_TIME_set(X509_getm_notBefore(x.get()), spec.not_before) != nullptr, "notBefore");
  Ok(ASN1_TIME_set(X509_getm_notAfter(x.get()), spec.not_after) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(x.get());
  auto add = [&](const char* field, const std::string& v) {
    Ok(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                  0) == 1,
       "name");
  };
  add("C", spec.country);
  add("CN", spec.common_name);
  Ok(X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer.get()) : name) == 1,
     "issuer");
  Ok(X509_set_pubkey(x.get(), subject_key.get()) == 1, "pubkey");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer.get() : x.get(), x.get(), nullptr, nullptr, 0);
  AddExt(x.get(), &ctx, NID_subject_key_identifier, "hash");
  AddExt(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  AddExt(x.get(), &ctx, NID_basic_constraints, spec.basic_constraints);
  AddExt(x.get(), &ctx, NID_key_usage, spec.key_usage);
  AddExt(x.get(), &ctx, NID_ext_key_usage, spec.ext_key_usage);
  if (spec.pss) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> mctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    Ok(EVP_DigestSignInit(mctx.get(), &pctx, EVP_sha256(), nullptr, issuer_key.get()) == 1,
       "sign init");
    Ok(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1, "PSS");
    Ok(X509_sign_ctx(x.get(), mctx.get()) > 0, "sign");
  } else {
    Ok(X509_sign(x.get(), issuer_key.get(), EVP_sha256()) > 0, "sign");
  }
  return x;
}

CertSpec CscaSpec(const std::string& cn, std::time_t from, std::time_t to, long serial) {
  return CertSpec{.common_name = cn,
                  .country = "UT",
                  .serial = serial,
                  .not_before = from,
                  .not_after = to,
                  .basic_constraints = "critical,CA:TRUE,pathlen:0",
                  .key_usage = "critical,keyCertSign,cRLSign",
                  .ext_key_usage = "",
                  .pss = false};
}
CertSpec DsSpec(const std::string& cn, std::time_t from, std::time_t to, long serial) {
  return CertSpec{.common_name = cn,
                  .country = "UT",
                  .serial = serial,
                  .not_before = from,
                  .not_after = to,
                  .basic_constraints = "",
                  .key_usage = "critical,digitalSignature",
                  .ext_key_usage = "",
                  .pss = false};
}

Bytes Der(const Cert& c) {
  return I2d([&](unsigned char** b) { return i2d_X509(c.get(), b); });
}
std::string Pem(const Cert& c) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  Ok(PEM_write_bio_X509(bio.get(), c.get()) == 1, "PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Bytes MakeCrl(const CrlSpec& spec, const Cert& issuer, const Key& issuer_key) {
  auto crl = Own<X509_CRL, X509_CRL_free>(X509_CRL_new(), "X509_CRL_new");
  Ok(X509_CRL_set_version(crl.get(), 1) == 1, "CRL version");
  Ok(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) == 1, "CRL issuer");
  auto t = Own<ASN1_TIME, ASN1_TIME_free>(ASN1_TIME_set(nullptr, spec.this_update), "time");
  Ok(X509_CRL_set1_lastUpdate(crl.get(), t.get()) == 1, "thisUpdate");
  if (spec.next_update != 0) {
    auto n = Own<ASN1_TIME, ASN1_TIME_free>(ASN1_TIME_set(nullptr, spec.next_update), "time");
    Ok(X509_CRL_set1_nextUpdate(crl.get(), n.get()) == 1, "nextUpdate");
  }
  for (long serial : spec.revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    auto s = Own<ASN1_INTEGER, ASN1_INTEGER_free>(ASN1_INTEGER_new(), "serial");
    ASN1_INTEGER_set(s.get(), serial);
    Ok(X509_REVOKED_set_serialNumber(r, s.get()) == 1, "revoked serial");
    Ok(X509_REVOKED_set_revocationDate(r, t.get()) == 1, "revocation date");
    Ok(X509_CRL_add0_revoked(crl.get(), r) == 1, "add revoked");
  }
  X509_CRL_sort(crl.get());
  Ok(X509_CRL_sign(crl.get(), issuer_key.get(), EVP_sha256()) > 0, "CRL sign");
  return I2d([&](unsigned char** b) { return i2d_X509_CRL(crl.get(), b); });
}

Bytes Tlv(std::uint32_t tag, const Bytes& value) {
  Bytes out;
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
  const std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFF) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else if (n <= 0xFFFF) {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x83, static_cast<std::uint8_t>(n >> 16),
                           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Dg1(const std::string& mrz) {
  return Tlv(0x61, Tlv(0x5F1F, Bytes(mrz.begin(), mrz.end())));
}

Bytes LdsSecurityObject(const std::map<int, Bytes>& dgs, const EVP_MD* md, int version) {
  std::vector<Bytes> hashes;
  for (const auto& [n, bytes] : dgs) {
    Bytes h(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    Ok(EVP_Digest(bytes.data(), bytes.size(), h.data(), &len, md, nullptr) == 1, "digest");
    h.resize(len);
    hashes.push_back(Tlv(0x30, Concat({Integer(n), Tlv(0x04, h)})));
  }
  std::vector<Bytes> parts = {Integer(version), Tlv(0x30, OidOf(EVP_MD_get_type(md))),
                              Tlv(0x30, Concat(hashes))};
  if (version == 1) {
    parts.push_back(Tlv(0x30, Concat({Tlv(0x13, {'0', '1', '0', '8'}),
                                      Tlv(0x13, {'0', '4', '0', '0', '0', '0'})})));
  }
  return Tlv(0x30, Concat(parts));
}

Bytes SignCms(const Bytes& econtent, const Cert& signer, const Key& key, const SignSpec& spec) {
  auto cms = Own<CMS_ContentInfo, CMS_ContentInfo_free>(
      CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY), "CMS_sign");
  auto oid = Own<ASN1_OBJECT, ASN1_OBJECT_free>(OBJ_txt2obj(spec.econtent_type.c_str(), 1), "oid");
  Ok(CMS_set1_eContentType(cms.get(), oid.get()) == 1, "eContentType");
  const unsigned flags = CMS_BINARY | CMS_NOSMIMECAP | (spec.embed_signer ? 0u : CMS_NOCERTS) |
                         (spec.pss ? CMS_KEY_PARAM : 0u);
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), signer.get(), key.get(), spec.md, flags);
  Ok(si != nullptr, "CMS_add1_signer");
  if (spec.pss) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    Ok(pctx && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1, "PSS padding");
    Ok(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1, "PSS salt");
  }
  for (const auto& c : spec.extra_certs) Ok(CMS_add1_cert(cms.get(), c.get()) == 1, "add cert");
  auto in = Own<BIO, BIO_free>(BIO_new_mem_buf(econtent.data(), static_cast<int>(econtent.size())),
                               "BIO");
  Ok(CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) == 1, "CMS_final");
  return I2d([&](unsigned char** b) { return i2d_CMS_ContentInfo(cms.get(), b); });
}

Bytes WrapSod(const Bytes& content_info) {
  return Tlv(0x77, content_info);
}

Bytes MakeSod(const std::map<int, Bytes>& dgs, const Cert& signer, const Key& key,
              const SignSpec& spec) {
  return WrapSod(SignCms(LdsSecurityObject(dgs, spec.md), signer, key, spec));
}

Bytes MakeMasterList(const std::vector<Cert>& certs, const Cert& signer, const Key& key,
                     const std::vector<Cert>& extra) {
  std::vector<Bytes> ders;
  for (const auto& c : certs) ders.push_back(Der(c));
  const Bytes content = Tlv(0x30, Concat({Integer(0), Tlv(0x31, Concat(ders))}));
  SignSpec spec;
  spec.econtent_type = "2.23.136.1.1.2";
  spec.extra_certs = extra;
  return SignCms(content, signer, key, spec);
}

std::string SpecimenMrz() {
  return std::string(kSpecimenLine1) + std::string(kSpecimenLine2);
}

const World& TheWorld() {
  static const World world = [] {
    World w;
    w.csca_key = EcKey();
    w.csca = MakeCert(CscaSpec("UT CSCA", Day(2020, 1, 1), Day(2035, 1, 1)), w.csca_key, nullptr,
                      w.csca_key);
    w.ds_key = EcKey();
    w.ds = MakeCert(DsSpec("UT DS 1", Day(2024, 1, 1), Day(2034, 1, 1), 0x1001), w.ds_key, w.csca,
                    w.csca_key);
    w.ds_rsa_key = RsaKey();
    w.ds_rsa = MakeCert(DsSpec("UT DS RSA", Day(2024, 1, 1), Day(2034, 1, 1), 0x1002), w.ds_rsa_key,
                        w.csca, w.csca_key);
    w.mls_key = EcKey();
    CertSpec mls = DsSpec("UT Master List Signer", Day(2024, 1, 1), Day(2030, 1, 1), 0x2001);
    mls.ext_key_usage = "2.23.136.1.1.3";
    w.mls = MakeCert(mls, w.mls_key, w.csca, w.csca_key);
    w.dg1 = Dg1(SpecimenMrz());
    Bytes face(3000);
    for (std::size_t i = 0; i < face.size(); ++i) face[i] = static_cast<std::uint8_t>(i * 7);
    w.dg2 = Tlv(0x75, face);
    return w;
  }();
  return world;
}

}  // namespace checkpoint::testing::pki
