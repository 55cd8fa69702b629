#include "checkpoint/documents/sod.hpp"

#include <algorithm>
#include <array>

#include "der.hpp"
#include "sod_internal.hpp"

namespace checkpoint::documents {

namespace {

using detail::DerReader;

constexpr std::string_view kLdsSecurityObjectOid = "2.23.136.1.1.1";

struct HashOid {
  HashAlgorithm algorithm;
  std::array<std::uint8_t, 9> content;  // the OID's DER content bytes
  std::size_t length;
};
constexpr HashOid kHashOids[] = {
    {HashAlgorithm::kSha1, {0x2B, 0x0E, 0x03, 0x02, 0x1A}, 5},
    {HashAlgorithm::kSha224, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04}, 9},
    {HashAlgorithm::kSha256, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, 9},
    {HashAlgorithm::kSha384, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, 9},
    {HashAlgorithm::kSha512, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, 9},
};

Error ParseError(std::string message) {
  return MakeError(CommonErrc::kParse, std::move(message));
}
Error DerError(const char* where, const DerReader& r) {
  return ParseError(std::string(where) + ": " + r.error());
}

bool IsPrintableString(std::span<const std::uint8_t> v) {
  return std::all_of(v.begin(), v.end(), [](std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view(" '()+,-./:=?").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

const EVP_MD* Md(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kSha1:
      return EVP_sha1();
    case HashAlgorithm::kSha224:
      return EVP_sha224();
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::string_view HashAlgorithmName(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kSha1:
      return "sha1";
    case HashAlgorithm::kSha224:
      return "sha224";
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSha384:
      return "sha384";
    case HashAlgorithm::kSha512:
      return "sha512";
  }
  return "?";
}

std::size_t DigestLength(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kSha1:
      return 20;
    case HashAlgorithm::kSha224:
      return 28;
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

Expected<LdsSecurityObject> ParseLdsSecurityObject(std::span<const std::uint8_t> der) {
  DerReader top(der);
  auto seq = top.Expect(0x30, "LDSSecurityObject");
  if (!seq) return DerError("LDSSecurityObject", top);
  if (!top.empty()) return ParseError("LDSSecurityObject: bytes after the object");

  LdsSecurityObject lds;
  DerReader s(seq->value);
  auto version = s.Expect(0x02, "version");
  if (!version) return DerError("LDSSecurityObject version", s);
  auto v = detail::SmallUnsigned(version->value, 1);
  if (!v) return ParseError("LDSSecurityObject: version is not 0 or 1");
  lds.version = static_cast<int>(*v);

  auto alg = s.Expect(0x30, "hashAlgorithm");
  if (!alg) return DerError("LDSSecurityObject hashAlgorithm", s);
  DerReader a(alg->value);
  auto oid = a.Expect(0x06, "algorithm");
  if (!oid) return DerError("LDSSecurityObject hashAlgorithm", a);
  const HashOid* known = nullptr;
  for (const auto& h : kHashOids) {
    if (std::equal(oid->value.begin(), oid->value.end(), h.content.begin(),
                   h.content.begin() + static_cast<std::ptrdiff_t>(h.length))) {
      known = &h;
    }
  }
  if (!known) return ParseError("LDSSecurityObject: unsupported hash algorithm");
  lds.hash_algorithm = known->algorithm;
  if (!a.empty()) {  // parameters: absent or NULL
    auto params = a.Next();
    if (!params || params->tag != 0x05 || !params->value.empty() || !a.empty()) {
      return ParseError("LDSSecurityObject: hash algorithm parameters are not NULL");
    }
  }

  auto hashes = s.Expect(0x30, "dataGroupHashValues");
  if (!hashes) return DerError("LDSSecurityObject dataGroupHashValues", s);
  DerReader d(hashes->value);
  while (!d.empty()) {
    auto item = d.Expect(0x30, "DataGroupHash");
    if (!item) return DerError("LDSSecurityObject DataGroupHash", d);
    DerReader it(item->value);
    auto number = it.Expect(0x02, "dataGroupNumber");
    if (!number) return DerError("LDSSecurityObject dataGroupNumber", it);
    auto n = detail::SmallUnsigned(number->value, 16);
    if (!n || *n < 1) return ParseError("LDSSecurityObject: data group number outside 1..16");
    auto hash = it.Expect(0x04, "dataGroupHashValue");
    if (!hash) return DerError("LDSSecurityObject dataGroupHashValue", it);
    if (!it.empty()) return ParseError("LDSSecurityObject: bytes after a data group hash");
    const int dg = static_cast<int>(*n);
    if (hash->value.size() != DigestLength(lds.hash_algorithm)) {
      return ParseError("LDSSecurityObject: hash of DG" + std::to_string(dg) + " is " +
                        std::to_string(hash->value.size()) + " bytes, " +
                        std::string(HashAlgorithmName(lds.hash_algorithm)) + " gives " +
                        std::to_string(DigestLength(lds.hash_algorithm)));
    }
    if (!lds.data_group_hashes.emplace(dg, Bytes(hash->value.begin(), hash->value.end())).second) {
      return ParseError("LDSSecurityObject: DG" + std::to_string(dg) + " listed twice");
    }
  }
  if (lds.data_group_hashes.empty()) return ParseError("LDSSecurityObject: no data group hash");

  if (!s.empty()) {
    auto info = s.Expect(0x30, "ldsVersionInfo");
    if (!info) return DerError("LDSSecurityObject ldsVersionInfo", s);
    DerReader vi(info->value);
    auto lv = vi.Expect(0x13, "ldsVersion");
    if (!lv) return DerError("LDSSecurityObject ldsVersion", vi);
    auto uv = vi.Expect(0x13, "unicodeVersion");
    if (!uv) return DerError("LDSSecurityObject unicodeVersion", vi);
    if (!vi.empty()) return ParseError("LDSSecurityObject: bytes after ldsVersionInfo");
    if (!IsPrintableString(lv->value) || !IsPrintableString(uv->value)) {
      return ParseError("LDSSecurityObject: ldsVersionInfo is not a PrintableString");
    }
    lds.lds_version = std::string(lv->value.begin(), lv->value.end());
    lds.unicode_version = std::string(uv->value.begin(), uv->value.end());
    if (!s.empty()) return ParseError("LDSSecurityObject: bytes after ldsVersionInfo");
  }
  // Part 10: ldsVersionInfo is present exactly in version 1.
  if ((lds.version == 1) != lds.lds_version.has_value()) {
    return ParseError(lds.version == 1 ? "LDSSecurityObject: version 1 without ldsVersionInfo"
                                       : "LDSSecurityObject: version 0 with ldsVersionInfo");
  }
  return lds;
}

namespace detail {

std::string OidText(const ASN1_OBJECT* oid) {
  char buf[80];
  const int n = OBJ_obj2txt(buf, sizeof buf, oid, 1);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

Bytes Digest(HashAlgorithm algorithm, std::span<const std::uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, Md(algorithm), nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  out.resize(n);
  return out;
}

Expected<ParsedSod> ParseSodWithCms(std::span<const std::uint8_t> bytes) {
  ERR_clear_error();
  if (bytes.empty()) return ParseError("EF.SOD is empty");
  if (bytes.size() > kMaxSodSize) {
    return ParseError("EF.SOD is larger than " + std::to_string(kMaxSodSize) + " bytes");
  }
  DerReader r(bytes);
  auto outer = r.Next();
  if (!outer) return DerError("EF.SOD", r);
  if (outer->tag != 0x77) return ParseError("EF.SOD: tag is not 0x77");
  if (!r.empty()) return ParseError("EF.SOD: bytes after the 0x77 object");

  const auto ci = outer->value;
  if (ci.empty()) return ParseError("EF.SOD: empty 0x77 object");
  const unsigned char* p = ci.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(ci.size())));
  if (!cms) return ParseError(TakeOpenSslError("EF.SOD: not a CMS ContentInfo"));
  if (p != ci.data() + ci.size()) return ParseError("EF.SOD: bytes after the CMS ContentInfo");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return ParseError("EF.SOD: CMS content is not SignedData");
  }
  const ASN1_OBJECT* ect = CMS_get0_eContentType(cms.get());
  if (!ect || OidText(ect) != kLdsSecurityObjectOid) {
    return ParseError("EF.SOD: eContentType is not id-icao-mrtd-security-ldsSecurityObject");
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content || !*content) return ParseError("EF.SOD: no eContent (detached signature)");
  const auto* data = ASN1_STRING_get0_data(*content);
  const int length = ASN1_STRING_length(*content);
  if (!data || length <= 0) return ParseError("EF.SOD: empty eContent");

  ParsedSod out;
  out.sod.content_info.assign(ci.begin(), ci.end());
  out.sod.econtent.assign(data, data + length);
  auto lds = ParseLdsSecurityObject(out.sod.econtent);
  if (!lds) return std::move(lds).error().WithContext("EF.SOD");
  out.sod.lds = std::move(*lds);

  X509StackPtr certs(CMS_get1_certs(cms.get()));
  if (certs) {
    for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
      auto der = ToDer(sk_X509_value(certs.get(), i));
      if (der.empty()) return ParseError("EF.SOD: an embedded certificate cannot be encoded");
      out.sod.certificates.push_back(std::move(der));
    }
  }
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  out.sod.signer_count = signers ? static_cast<std::size_t>(sk_CMS_SignerInfo_num(signers)) : 0;
  out.cms = std::move(cms);
  ERR_clear_error();
  return out;
}

}  // namespace detail

Expected<Sod> ParseSod(std::span<const std::uint8_t> bytes) {
  auto parsed = detail::ParseSodWithCms(bytes);
  if (!parsed) return std::move(parsed).error();
  return std::move(parsed->sod);
}

Expected<std::vector<std::string>> ParseDg1(std::span<const std::uint8_t> dg1) {
  if (dg1.empty()) return ParseError("DG1 is empty");
  if (dg1.size() > kMaxDg1Size) return ParseError("DG1 is too large");
  DerReader r(dg1);
  auto outer = r.Expect(0x61, "DG1");
  if (!outer) return DerError("DG1", r);
  if (!r.empty()) return ParseError("DG1: bytes after the 0x61 object");
  DerReader in(outer->value);
  auto mrz = in.Expect(0x5F1F, "MRZ");
  if (!mrz) return DerError("DG1 MRZ", in);
  if (!in.empty()) return ParseError("DG1: bytes after the MRZ");
  std::size_t line = 0;
  switch (mrz->value.size()) {
    case 90:
      line = 30;
      break;
    case 88:
      line = 44;
      break;
    case 72:
      line = 36;
      break;
    default:
      return ParseError("DG1: MRZ of " + std::to_string(mrz->value.size()) +
                        " characters (expected 90, 88 or 72)");
  }
  for (std::size_t i = 0; i < mrz->value.size(); ++i) {
    const char c = static_cast<char>(mrz->value[i]);
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')) {
      return ParseError("DG1: MRZ character " + std::to_string(i + 1) + " is not A-Z, 0-9 or <");
    }
  }
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < mrz->value.size(); i += line) {
    lines.emplace_back(mrz->value.begin() + static_cast<std::ptrdiff_t>(i),
                       mrz->value.begin() + static_cast<std::ptrdiff_t>(i + line));
  }
  return lines;
}

}  // namespace checkpoint::documents
