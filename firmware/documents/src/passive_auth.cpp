#include "checkpoint/documents/passive_auth.hpp"

#include <openssl/bn.h>

#include <algorithm>

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/common/text.hpp"
#include "sod_internal.hpp"

namespace checkpoint::documents {

struct TrustAnchorSet::Impl {
  detail::StorePtr store;
  std::vector<detail::X509Ptr> cscas;
  std::vector<detail::CrlPtr> crls;
};

namespace {

using namespace detail;

std::string FormatTime(std::int64_t epoch) {
  return epoch == INT64_MIN ? "?" : common::FormatUtc(epoch);
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return "?";
  char* hex = BN_bn2hex(bn.get());
  if (!hex) return "?";
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::string Fingerprint(X509* x) {
  const Bytes der = ToDer(x);
  return common::ToHex(
      common::Sha256::Of(std::string_view(reinterpret_cast<const char*>(der.data()), der.size())));
}

std::string DgList(const std::vector<int>& dgs) {
  std::string out;
  for (int dg : dgs) out += (out.empty() ? "DG" : ", DG") + std::to_string(dg);
  return out;
}

// Key usage bits, or nullopt when the certificate has no keyUsage extension.
std::optional<std::uint32_t> KeyUsage(X509* x) {
  const std::uint32_t ku = X509_get_key_usage(x);
  if (ku == UINT32_MAX) return std::nullopt;
  return ku;
}

void Set(StepResult& r, StepState state, std::string reason) {
  r.state = state;
  r.reason = std::move(reason);
}

struct Context {
  const ChipData& chip;
  std::span<const std::string> printed;
  const TrustAnchorSet::Impl& anchors;
  std::time_t at;
  PassiveAuthReport& report;
  std::optional<ParsedSod> parsed;
  X509* ds = nullptr;  // owned by `certs`
  X509StackPtr certs;  // the SOD's certificates
  X509StackPtr chain;  // DS first, trust anchor last
  StepResult& step(PaStep s) { return report.steps[static_cast<std::size_t>(s)]; }
};

void CheckSod(Context& c) {
  auto& r = c.step(PaStep::kSod);
  if (c.chip.sod.empty()) {
    return Set(r, StepState::kFailed, "no EF.SOD although data groups were read");
  }
  auto parsed = ParseSodWithCms(c.chip.sod);
  if (!parsed) return Set(r, StepState::kFailed, parsed.error().message());
  c.parsed = std::move(*parsed);
  const auto& lds = c.parsed->sod.lds;
  c.report.hash_algorithm = std::string(HashAlgorithmName(lds.hash_algorithm));
  std::vector<int> listed;
  for (const auto& [dg, hash] : lds.data_group_hashes) listed.push_back(dg);
  Set(r, StepState::kPassed,
      "LDS security object v" + std::to_string(lds.version) + ", " + c.report.hash_algorithm +
          ", hashes of " + DgList(listed));
}

// Whether the signed contentType attribute equals the eContentType.
bool ContentTypeAttributeMatches(CMS_ContentInfo* cms, CMS_SignerInfo* si) {
  const auto* attr = static_cast<const ASN1_OBJECT*>(
      CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
  const ASN1_OBJECT* ect = CMS_get0_eContentType(cms);
  return attr && ect && OBJ_cmp(attr, ect) == 0;
}

void CheckSignature(Context& c) {
  auto& r = c.step(PaStep::kSignature);
  if (!c.parsed) return Set(r, StepState::kNotChecked, "EF.SOD did not parse");
  CMS_ContentInfo* cms = c.parsed->cms.get();
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms);
  const int n = signers ? sk_CMS_SignerInfo_num(signers) : 0;
  if (n != 1) {
    return Set(r, StepState::kFailed,
               std::to_string(n) + " signers in the SOD (ICAO requires exactly one)");
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
  X509_ALGOR* sig_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
  if (sig_alg) {
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, sig_alg);
    const int nid = OBJ_obj2nid(oid);
    c.report.signature_algorithm = nid != NID_undef ? OBJ_nid2sn(nid) : OidText(oid);
  }
  c.certs.reset(CMS_get1_certs(cms));
  for (int i = 0; c.certs && i < sk_X509_num(c.certs.get()); ++i) {
    X509* x = sk_X509_value(c.certs.get(), i);
    if (CMS_SignerInfo_cert_cmp(si, x) == 0) {
      c.ds = x;
      break;
    }
  }
  if (!c.ds) {
    ERR_clear_error();
    return Set(r, StepState::kFailed, "the SOD does not contain the Document Signer certificate");
  }
  c.report.ds_subject = NameString(X509_get_subject_name(c.ds));
  c.report.ds_serial = SerialHex(X509_get0_serialNumber(c.ds));
  if (CMS_signed_get_attr_count(si) <= 0) {
    return Set(r, StepState::kFailed, "the SOD has no signed attributes (ICAO requires them)");
  }
  if (!ContentTypeAttributeMatches(cms, si)) {
    ERR_clear_error();
    return Set(r, StepState::kFailed,
               "the signed contentType attribute is missing or differs from the eContentType");
  }
  ERR_clear_error();
  // The certificate path is checked separately (next step), against our anchors only.
  if (CMS_verify(cms, nullptr, nullptr, nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) !=
      1) {
    return Set(r, StepState::kFailed,
               TakeOpenSslError("the SOD signature does not verify with the DS certificate"));
  }
  Set(r, StepState::kPassed,
      "signed by the DS certificate in the SOD (" + c.report.signature_algorithm + ")");
}

void CheckCertificatePath(Context& c) {
  auto& r = c.step(PaStep::kCertificatePath);
  if (!c.ds) return Set(r, StepState::kNotChecked, "no DS certificate to check");
  if (c.anchors.cscas.empty()) {
    c.report.warnings.push_back("the trust store holds no CSCA certificate");
    return Set(r, StepState::kNotChecked, "the trust store holds no CSCA certificate");
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  // Other certificates in the SOD (rarely a link certificate) may serve as
  // intermediates; only the anchors are trusted.
  X509StackPtr untrusted(sk_X509_new_null());
  for (int i = 0; untrusted && c.certs && i < sk_X509_num(c.certs.get()); ++i) {
    X509* x = sk_X509_value(c.certs.get(), i);
    if (x != c.ds) sk_X509_push(untrusted.get(), x);  // borrowed: freed with c.certs
  }
  if (!ctx || !untrusted ||
      X509_STORE_CTX_init(ctx.get(), c.anchors.store.get(), c.ds, untrusted.get()) != 1) {
    return Set(r, StepState::kFailed, TakeOpenSslError("cannot set up path validation"));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, c.at);
  // Every certificate in the trust store is an anchor, link certificates included:
  // the store checked each against a stored CSCA when it was added, and ICAO CSCAs
  // carry pathLenConstraint 0, which a path DS → link → old CSCA would break.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  const int ok = X509_verify_cert(ctx.get());
  // `untrusted` holds borrowed pointers: empty it before it is freed.
  while (sk_X509_num(untrusted.get()) > 0) sk_X509_pop(untrusted.get());
  if (ok != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    std::string which = depth == 0 ? "DS certificate" : "CSCA certificate";
    std::string why = X509_verify_cert_error_string(err);
    if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
        err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
      why = "issued by no CSCA in the trust store (unknown CSCA)";
    }
    return Set(r, StepState::kFailed, which + ": " + why);
  }
  c.chain.reset(X509_STORE_CTX_get1_chain(ctx.get()));
  const int len = c.chain ? sk_X509_num(c.chain.get()) : 0;
  if (len < 2) {
    // The DS itself is a trust anchor: a DS never is.
    return Set(r, StepState::kFailed, "DS certificate: is itself in the trust store as a CSCA");
  }
  auto ds_ku = KeyUsage(c.ds);
  if (!ds_ku || !(*ds_ku & KU_DIGITAL_SIGNATURE)) {
    return Set(r, StepState::kFailed, "DS certificate: keyUsage lacks digitalSignature");
  }
  for (int i = 1; i < len; ++i) {
    X509* ca = sk_X509_value(c.chain.get(), i);
    const std::string name = NameString(X509_get_subject_name(ca));
    if (!(X509_get_extension_flags(ca) & EXFLAG_CA)) {
      return Set(r, StepState::kFailed,
                 "CSCA certificate " + name + ": not a CA (basicConstraints)");
    }
    auto ku = KeyUsage(ca);
    if (!ku || !(*ku & KU_KEY_CERT_SIGN) || !(*ku & KU_CRL_SIGN)) {
      return Set(r, StepState::kFailed,
                 "CSCA certificate " + name + ": keyUsage lacks keyCertSign or cRLSign");
    }
  }
  X509* issuer = sk_X509_value(c.chain.get(), 1);
  X509* anchor = sk_X509_value(c.chain.get(), len - 1);
  c.report.csca_subject = NameString(X509_get_subject_name(anchor));
  c.report.csca_fingerprint = Fingerprint(anchor);
  const bool link = X509_NAME_cmp(X509_get_subject_name(anchor), X509_get_issuer_name(anchor)) != 0;
  Set(r, StepState::kPassed,
      "DS certificate issued by CSCA " + NameString(X509_get_subject_name(issuer)) +
          (link ? " (a link certificate in the trust store)" : "") + ", valid at " +
          FormatTime(static_cast<std::int64_t>(c.at)));
}

void CheckRevocation(Context& c) {
  auto& r = c.step(PaStep::kRevocation);
  if (!c.chain) return Set(r, StepState::kNotChecked, "no certificate path to check");
  X509* issuer = sk_X509_value(c.chain.get(), 1);
  const X509_NAME* issuer_name = X509_get_subject_name(issuer);
  // CRLs named after the issuing CSCA. After a CSCA key rollover the old and new
  // CSCA share the name, and the current CRL, signed with the new key, covers DS
  // certificates of both: any anchor of that name may have signed it.
  X509_CRL* newest = nullptr;
  bool bad_signature = false;
  for (const auto& crl : c.anchors.crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), issuer_name) != 0) continue;
    bool verified = false;
    for (const auto& csca : c.anchors.cscas) {
      if (X509_NAME_cmp(X509_get_subject_name(csca.get()), issuer_name) != 0) continue;
      EVP_PKEY* key = X509_get0_pubkey(csca.get());
      if (key && X509_CRL_verify(crl.get(), key) == 1) {
        verified = true;
        break;
      }
    }
    ERR_clear_error();
    if (!verified) {
      bad_signature = true;
      continue;
    }
    if (!newest || ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crl.get()),
                                     X509_CRL_get0_lastUpdate(newest)) > 0) {
      newest = crl.get();
    }
  }
  if (bad_signature) {
    // The store verifies CRLs before keeping them: one that does not verify now
    // means a damaged or tampered store, so nothing about revocation can be trusted.
    return Set(r, StepState::kFailed,
               "a CRL named after the issuing CSCA has a signature no CSCA of that name made");
  }
  if (!newest) {
    c.report.warnings.push_back("revocation not checked: no CRL of the issuing CSCA");
    return Set(r, StepState::kNotChecked, "no CRL of the issuing CSCA in the trust store");
  }
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(newest);
  const ASN1_TIME* last = X509_CRL_get0_lastUpdate(newest);
  std::time_t at = c.at;
  if (!next) return Set(r, StepState::kFailed, "the CSCA's CRL has no nextUpdate");
  if (X509_cmp_time(last, &at) >= 0) {
    return Set(r, StepState::kFailed,
               "the CSCA's newest CRL is not yet valid (thisUpdate " +
                   FormatTime(EpochSeconds(last)) + "; is the clock right?)");
  }
  if (X509_cmp_time(next, &at) <= 0) {
    return Set(r, StepState::kFailed,
               "the CSCA's newest CRL expired at " + FormatTime(EpochSeconds(next)) +
                   ": a newer CRL is needed from HQ");
  }
  X509_REVOKED* revoked = nullptr;
  const int found = X509_CRL_get0_by_cert(newest, &revoked, c.ds);
  ERR_clear_error();
  if (found == 1) {
    return Set(r, StepState::kFailed,
               "DS certificate revoked on " +
                   FormatTime(EpochSeconds(X509_REVOKED_get0_revocationDate(revoked))));
  }
  Set(r, StepState::kPassed,
      "DS certificate not in the CSCA's CRL of " + FormatTime(EpochSeconds(last)));
}

void CheckDataGroups(Context& c) {
  auto& r = c.step(PaStep::kDataGroupHashes);
  if (!c.parsed) return Set(r, StepState::kNotChecked, "EF.SOD did not parse");
  const auto& lds = c.parsed->sod.lds;
  for (const auto& [dg, hash] : lds.data_group_hashes) {
    if (!c.chip.data_groups.contains(dg)) c.report.data_groups_not_read.push_back(dg);
  }
  if (c.chip.data_groups.empty()) return Set(r, StepState::kNotChecked, "no data group read");
  std::vector<std::string> problems;
  for (const auto& [dg, bytes] : c.chip.data_groups) {
    const std::string name = "DG" + std::to_string(dg);
    if (dg < 1 || dg > 16) {
      problems.push_back("data group number " + std::to_string(dg) + " outside 1..16");
      continue;
    }
    if (bytes.size() > kMaxDataGroupSize) {
      problems.push_back(name + " is larger than " + std::to_string(kMaxDataGroupSize) + " bytes");
      continue;
    }
    auto it = lds.data_group_hashes.find(dg);
    if (it == lds.data_group_hashes.end()) {
      problems.push_back(name + " was read but the SOD has no hash of it");
      continue;
    }
    const Bytes digest = Digest(lds.hash_algorithm, bytes);
    if (digest.empty() || digest != it->second) {
      problems.push_back(name + " does not match its hash in the SOD (altered)");
      continue;
    }
    c.report.data_groups_verified.push_back(dg);
  }
  if (!problems.empty()) {
    std::string reason;
    for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
    return Set(r, StepState::kFailed, reason);
  }
  std::string reason = DgList(c.report.data_groups_verified) + " match the SOD";
  Set(r, StepState::kPassed, reason);
}

std::string Normalised(std::span<const std::string> lines) {
  std::string out;
  for (const auto& l : lines) {
    for (char ch : l) {
      if (ch != '\r' && ch != '\n') out.push_back(ch);
    }
  }
  return out;
}

void CheckMrz(Context& c) {
  auto& r = c.step(PaStep::kMrzMatch);
  if (c.printed.empty()) return Set(r, StepState::kNotChecked, "no printed MRZ supplied");
  auto dg1 = c.chip.data_groups.find(1);
  if (dg1 == c.chip.data_groups.end()) return Set(r, StepState::kNotChecked, "DG1 not read");
  auto lines = ParseDg1(dg1->second);
  if (!lines) return Set(r, StepState::kFailed, lines.error().message());
  const std::string chip = Normalised(*lines);
  const std::string printed = Normalised(c.printed);
  if (chip.size() != printed.size()) {
    return Set(r, StepState::kFailed,
               "DG1 holds an MRZ of " + std::to_string(chip.size()) +
                   " characters, the printed MRZ has " + std::to_string(printed.size()));
  }
  const std::size_t width = (*lines)[0].size();
  for (std::size_t i = 0; i < chip.size(); ++i) {
    if (chip[i] != printed[i]) {
      // Position only: the characters are personal data.
      return Set(r, StepState::kFailed,
                 "DG1 MRZ differs from the printed MRZ at line " + std::to_string(i / width + 1) +
                     ", position " + std::to_string(i % width + 1));
    }
  }
  Set(r, StepState::kPassed, "DG1 MRZ equals the printed MRZ");
}

void Conclude(PassiveAuthReport& report) {
  for (const auto& s : report.steps) {
    if (s.state == StepState::kFailed) {
      report.status = PaStatus::kFailed;
      report.failed_step = s.step;
      return;
    }
  }
  bool all = true;
  for (const auto& s : report.steps) {
    if (s.step == PaStep::kRevocation) continue;  // may be not_checked: see the ADR
    all = all && s.state == StepState::kPassed;
  }
  report.status = all ? PaStatus::kPassed : PaStatus::kNotVerified;
}

PassiveAuthReport EmptyReport() {
  PassiveAuthReport report;
  for (std::size_t i = 0; i < kPaStepCount; ++i) report.steps[i].step = static_cast<PaStep>(i);
  return report;
}

}  // namespace

std::string_view StepName(PaStep step) {
  switch (step) {
    case PaStep::kSod:
      return "sod";
    case PaStep::kSignature:
      return "signature";
    case PaStep::kCertificatePath:
      return "certificate_path";
    case PaStep::kRevocation:
      return "revocation";
    case PaStep::kDataGroupHashes:
      return "data_group_hashes";
    case PaStep::kMrzMatch:
      return "mrz_match";
  }
  return "?";
}

std::string_view StepStateName(StepState state) {
  switch (state) {
    case StepState::kPassed:
      return "passed";
    case StepState::kFailed:
      return "failed";
    case StepState::kNotChecked:
      return "not_checked";
  }
  return "?";
}

std::string_view StatusName(PaStatus status) {
  switch (status) {
    case PaStatus::kNoChip:
      return "no_chip";
    case PaStatus::kNotVerified:
      return "not_verified";
    case PaStatus::kFailed:
      return "failed";
    case PaStatus::kPassed:
      return "passed";
  }
  return "?";
}

TrustAnchorSet::TrustAnchorSet() : impl_(std::make_shared<Impl>()) {}

std::size_t TrustAnchorSet::csca_count() const noexcept {
  return impl_->cscas.size();
}
std::size_t TrustAnchorSet::crl_count() const noexcept {
  return impl_->crls.size();
}

Expected<TrustAnchorSet> TrustAnchorSet::Build(const TrustAnchors& anchors) {
  ERR_clear_error();
  auto impl = std::make_shared<Impl>();
  impl->store.reset(X509_STORE_new());
  if (!impl->store) {
    return MakeError(CommonErrc::kInternal, TakeOpenSslError("cannot create a certificate store"));
  }
  for (std::size_t i = 0; i < anchors.csca_certificates.size(); ++i) {
    auto x = ParseDerCertificate(anchors.csca_certificates[i]);
    if (!x) {
      ERR_clear_error();
      return MakeError(CommonErrc::kParse,
                       "trust anchor CSCA #" + std::to_string(i + 1) + " is not a DER certificate");
    }
    if (X509_STORE_add_cert(impl->store.get(), x.get()) != 1) {
      return MakeError(CommonErrc::kInternal, TakeOpenSslError("cannot add a CSCA to the store"));
    }
    impl->cscas.push_back(std::move(x));
  }
  for (std::size_t i = 0; i < anchors.crls.size(); ++i) {
    auto crl = ParseDerCrl(anchors.crls[i]);
    if (!crl) {
      ERR_clear_error();
      return MakeError(CommonErrc::kParse,
                       "trust anchor CRL #" + std::to_string(i + 1) + " is not a DER CRL");
    }
    impl->crls.push_back(std::move(crl));
  }
  return TrustAnchorSet(std::move(impl));
}

PassiveAuthReport VerifyPassive(const ChipData& chip, std::span<const std::string> printed_mrz,
                                const TrustAnchorSet& anchors,
                                std::chrono::system_clock::time_point at) {
  PassiveAuthReport report = EmptyReport();
  if (chip.sod.empty() && chip.data_groups.empty()) {
    for (auto& s : report.steps) Set(s, StepState::kNotChecked, "no chip data");
    report.status = PaStatus::kNoChip;
    return report;
  }
  ERR_clear_error();
  Context c{.chip = chip,
            .printed = printed_mrz,
            .anchors = anchors.impl(),
            .at = ToTimeT(at),
            .report = report,
            .parsed = std::nullopt,
            .ds = nullptr,
            .certs = nullptr,
            .chain = nullptr};
  CheckSod(c);
  CheckSignature(c);
  CheckCertificatePath(c);
  CheckRevocation(c);
  CheckDataGroups(c);
  CheckMrz(c);
  Conclude(report);
  ERR_clear_error();
  return report;
}

PassiveAuthReport VerifyPassive(const ChipData& chip, std::span<const std::string> printed_mrz,
                                const TrustAnchors& anchors,
                                std::chrono::system_clock::time_point at) {
  auto set = TrustAnchorSet::Build(anchors);
  if (set) return VerifyPassive(chip, printed_mrz, *set, at);
  PassiveAuthReport report = VerifyPassive(chip, printed_mrz, TrustAnchorSet(), at);
  if (report.status == PaStatus::kNoChip) return report;
  for (PaStep s : {PaStep::kCertificatePath, PaStep::kRevocation}) {
    auto& r = report.steps[static_cast<std::size_t>(s)];
    if (r.state == StepState::kNotChecked)
      r.reason = "trust anchors unusable: " + set.error().message();
  }
  report.warnings.push_back("trust anchors unusable: " + set.error().message());
  return report;
}

}  // namespace checkpoint::documents
