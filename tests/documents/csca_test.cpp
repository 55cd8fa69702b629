// The eMRTD PKI objects the trust store keeps: CSCA certificates (DER and PEM),
// CRLs and master lists, accepted and refused.
#include "checkpoint/documents/csca.hpp"

#include <catch2/catch.hpp>

#include "support/test_pki.hpp"

using namespace checkpoint;
using namespace checkpoint::documents;
namespace pki = checkpoint::testing::pki;
using pki::Bytes;
using pki::Day;

namespace {
Bytes FromString(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
const auto kAt = pki::At(2026, 6, 15);
}  // namespace

TEST_CASE("CSCA certificates are inspected from DER and PEM", "[documents][csca]") {
  const auto& w = pki::TheWorld();
  auto der = InspectCertificate(pki::Der(w.csca));
  REQUIRE(der);
  CHECK(der->subject == "CN=UT CSCA,C=UT");
  CHECK(der->country == "UT");
  CHECK(der->self_signed);
  CHECK(der->ca);
  CHECK(der->key_cert_sign);
  CHECK(der->crl_sign);
  CHECK(der->not_before == Day(2020, 1, 1));
  CHECK(der->not_after == Day(2035, 1, 1));
  CHECK(der->fingerprint.size() == 64);
  CHECK(CheckCscaProfile(*der));

  auto pem = InspectCertificate(FromString(pki::Pem(w.csca)));
  REQUIRE(pem);
  CHECK(pem->fingerprint == der->fingerprint);
  auto bundle = InspectCertificates(FromString(pki::Pem(w.csca) + pki::Pem(w.ds)));
  REQUIRE(bundle);
  CHECK(bundle->size() == 2);
  CHECK_FALSE(InspectCertificate(FromString(pki::Pem(w.csca) + pki::Pem(w.ds))));

  auto ds = InspectCertificate(pki::Der(w.ds));
  REQUIRE(ds);
  CHECK_FALSE(ds->self_signed);
  CHECK_FALSE(CheckCscaProfile(*ds));
  CHECK(IsIssuedBy(*ds, *der));
  CHECK_FALSE(IsIssuedBy(*der, *ds));

  for (const Bytes& bad :
       {Bytes{}, Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, FromString("hello"),
        FromString("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    auto r = InspectCertificate(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(CommonErrc::kParse));
  }
  Bytes truncated = pki::Der(w.csca);
  truncated.pop_back();
  CHECK_FALSE(InspectCertificate(truncated));
}

TEST_CASE("CRLs are inspected and their signer checked", "[documents][csca]") {
  const auto& w = pki::TheWorld();
  const Bytes der = pki::MakeCrl(
      {.this_update = Day(2026, 6, 1), .next_update = Day(2026, 7, 1), .revoked = {1, 2}}, w.csca,
      w.csca_key);
  auto crl = InspectCrl(der);
  REQUIRE(crl);
  CHECK(crl->issuer == "CN=UT CSCA,C=UT");
  CHECK(crl->country == "UT");
  CHECK(crl->this_update == Day(2026, 6, 1));
  CHECK(crl->next_update == Day(2026, 7, 1));
  CHECK(crl->revoked == 2);
  auto csca = InspectCertificate(pki::Der(w.csca));
  auto ds = InspectCertificate(pki::Der(w.ds));
  CHECK(IsCrlSignedBy(*crl, *csca));
  CHECK_FALSE(IsCrlSignedBy(*crl, *ds));
  CHECK_FALSE(InspectCrl(Bytes(der.begin(), der.end() - 1)));
  CHECK_FALSE(InspectCrl(pki::Der(w.csca)));
}

TEST_CASE("a master list opens only when its signer chains to a stored CSCA", "[documents][csca]") {
  const auto& w = pki::TheWorld();
  auto k2 = pki::EcKey();
  auto other =
      pki::MakeCert(pki::CscaSpec("ZZ CSCA", Day(2020, 1, 1), Day(2035, 1, 1), 5), k2, nullptr, k2);
  const Bytes ml = pki::MakeMasterList({w.csca, other}, w.mls, w.mls_key);
  const std::vector<Bytes> anchors = {pki::Der(w.csca)};

  auto r = OpenMasterList(ml, anchors, kAt);
  REQUIRE(r);
  REQUIRE(r->certificates.size() == 2);
  CHECK(r->certificates[1] == pki::Der(other));
  CHECK(r->signer_subject == "CN=UT Master List Signer,C=UT");
  CHECK(r->anchor_fingerprint == InspectCertificate(pki::Der(w.csca))->fingerprint);

  // Nothing to chain to, or a signer of another CSCA: refused.
  CHECK_FALSE(OpenMasterList(ml, {}, kAt));
  auto r2 = OpenMasterList(ml, std::vector<Bytes>{pki::Der(other)}, kAt);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message().find("does not chain") != std::string::npos);
  // Signer expired at the time of import.
  CHECK_FALSE(OpenMasterList(ml, anchors, pki::At(2031, 1, 1)));

  // A signer without the master-list signing key usage (a DS) is refused.
  auto by_ds = OpenMasterList(pki::MakeMasterList({other}, w.ds, w.ds_key), anchors, kAt);
  REQUIRE_FALSE(by_ds);
  CHECK(by_ds.error().message().find("key usage") != std::string::npos);

  // A certificate slipped into the content after signing: the signature breaks.
  Bytes tampered = ml;
  const Bytes other_der = pki::Der(other);
  auto it = std::search(tampered.begin(), tampered.end(), other_der.begin(), other_der.end());
  REQUIRE(it != tampered.end());
  *(it + 40) ^= 0x01;
  CHECK_FALSE(OpenMasterList(tampered, anchors, kAt));

  // An EF.SOD is not a master list.
  auto sod = pki::SignCms(pki::LdsSecurityObject(w.dgs()), w.mls, w.mls_key);
  auto r3 = OpenMasterList(sod, anchors, kAt);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message().find("eContentType") != std::string::npos);
  for (std::size_t n = 0; n < ml.size(); n += 13) {
    CHECK_FALSE(OpenMasterList(std::span(ml.data(), n), anchors, kAt));
  }
}
