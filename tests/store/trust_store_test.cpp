// The CSCA trust store on real SQLite files: CSCAs and link certificates accepted
// and refused, CRLs ordered, master lists verified before import, idempotence,
// persistence across reopen, and the anchors it loads verifying a document.
#include <algorithm>
#include <catch2/catch.hpp>

#include "checkpoint/documents/passive_auth.hpp"
#include "store_fixture.hpp"
#include "support/test_pki.hpp"

using namespace checkpoint;
namespace pki = checkpoint::testing::pki;
using pki::Bytes;
using pki::Day;
using testing::OpenStore;
using testing::TempDir;

namespace {
constexpr std::int64_t kNowMs = 1'781'000'000'000;  // 2026-06-09
const auto kNow = pki::At(2026, 6, 15);

Bytes FromString(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

struct OtherCountry {
  pki::Key key = pki::EcKey();
  pki::Cert csca = pki::MakeCert(pki::CscaSpec("ZZ CSCA", Day(2020, 1, 1), Day(2035, 1, 1), 5), key,
                                 nullptr, key);
};
}  // namespace

TEST_CASE("CSCAs are added once, refused when not a CSCA, and persist", "[store][trust]") {
  TempDir dir;
  const auto& w = pki::TheWorld();
  std::string fingerprint;
  {
    auto st = OpenStore(dir / "cp.db");
    auto trust = st.trust();
    auto a = trust.AddCsca(pki::Der(w.csca), "manual", kNowMs);
    REQUIRE(a);
    CHECK(a->added);
    fingerprint = a->fingerprint;
    auto again = trust.AddCsca(FromString(pki::Pem(w.csca)), "manual", kNowMs);
    REQUIRE(again);
    CHECK_FALSE(again->added);
    CHECK(again->fingerprint == fingerprint);

    auto ds = trust.AddCsca(pki::Der(w.ds), "manual", kNowMs);
    REQUIRE_FALSE(ds);
    CHECK(ds.error().Is(CommonErrc::kInvalidArgument));
    CHECK(ds.error().message().find("not a CA") != std::string::npos);

    auto garbage = trust.AddCsca(FromString("not a certificate"), "manual", kNowMs);
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().Is(CommonErrc::kParse));

    // A CA certificate issued by a CSCA nobody stored: neither root nor link.
    OtherCountry zz;
    auto k = pki::EcKey();
    auto sub = pki::MakeCert(pki::CscaSpec("ZZ CSCA 2", Day(2024, 1, 1), Day(2035, 1, 1), 6), k,
                             zz.csca, zz.key);
    auto orphan = trust.AddCsca(pki::Der(sub), "manual", kNowMs);
    REQUIRE_FALSE(orphan);
    CHECK(orphan.error().message().find("link certificate") != std::string::npos);
    // With its issuer stored it is a link certificate.
    REQUIRE(trust.AddCsca(pki::Der(zz.csca), "manual", kNowMs));
    auto link = trust.AddCsca(pki::Der(sub), "manual", kNowMs);
    REQUIRE(link);
    CHECK(link->added);
  }
  auto st = OpenStore(dir / "cp.db");
  auto list = st.trust().ListCscas();
  REQUIRE(list);
  REQUIRE(list->size() == 3);
  auto find = [&](const std::string& subject) {
    auto it = std::find_if(list->begin(), list->end(),
                           [&](const store::CscaEntry& e) { return e.subject == subject; });
    REQUIRE(it != list->end());
    return *it;
  };
  const auto ut = find("CN=UT CSCA,C=UT");
  CHECK(ut.country == "UT");
  CHECK(ut.subject == "CN=UT CSCA,C=UT");
  CHECK(ut.kind == "root");
  CHECK(ut.source == "manual");
  CHECK(ut.fingerprint == fingerprint);
  CHECK(ut.not_before == Day(2020, 1, 1));
  CHECK(ut.added_at_ms == kNowMs);
  CHECK(find("CN=ZZ CSCA,C=UT").kind == "root");
  CHECK(find("CN=ZZ CSCA 2,C=UT").kind == "link");

  REQUIRE(st.trust().Remove(fingerprint).value());
  CHECK_FALSE(st.trust().Remove(fingerprint).value());
  CHECK(st.trust().ListCscas()->size() == 2);
}

TEST_CASE("CRLs must come from a stored CSCA and only move forward", "[store][trust]") {
  TempDir dir;
  const auto& w = pki::TheWorld();
  auto st = OpenStore(dir / "cp.db");
  auto trust = st.trust();
  auto crl = [&](std::time_t this_update, std::vector<long> revoked = {}) {
    return pki::MakeCrl({.this_update = this_update,
                         .next_update = this_update + 30 * 86400,
                         .revoked = std::move(revoked)},
                        w.csca, w.csca_key);
  };
  auto unknown = trust.AddCrl(crl(Day(2026, 6, 1)), "manual", kNowMs);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message().find("no CSCA in the trust store signed it") !=
        std::string::npos);

  REQUIRE(trust.AddCsca(pki::Der(w.csca), "manual", kNowMs));
  const Bytes june_crl = crl(Day(2026, 6, 1));
  auto june = trust.AddCrl(june_crl, "manual", kNowMs);
  REQUIRE(june);
  CHECK(june->added);
  CHECK_FALSE(trust.AddCrl(june_crl, "manual", kNowMs)->added);  // the same CRL again
  // As new, but other bytes (ECDSA signatures differ every time): ambiguous, refused.
  CHECK_FALSE(trust.AddCrl(crl(Day(2026, 6, 1)), "manual", kNowMs));

  auto may = trust.AddCrl(crl(Day(2026, 5, 1)), "manual", kNowMs);
  REQUIRE_FALSE(may);
  CHECK(may.error().message().find("newer") != std::string::npos);

  auto forged = trust.AddCrl(
      pki::MakeCrl(
          {.this_update = Day(2026, 6, 10), .next_update = Day(2026, 7, 10), .revoked = {}}, w.csca,
          pki::EcKey()),
      "manual", kNowMs);
  REQUIRE_FALSE(forged);

  auto no_next =
      trust.AddCrl(pki::MakeCrl({.this_update = Day(2026, 6, 10), .next_update = 0, .revoked = {}},
                                w.csca, w.csca_key),
                   "manual", kNowMs);
  REQUIRE_FALSE(no_next);
  CHECK(no_next.error().message().find("nextUpdate") != std::string::npos);

  auto july = trust.AddCrl(crl(Day(2026, 6, 10), {0x1001}), "hq-bundle:7", kNowMs);
  REQUIRE(july);
  auto crls = trust.ListCrls();
  REQUIRE(crls->size() == 1);
  CHECK(crls->at(0).this_update == Day(2026, 6, 10));
  CHECK(crls->at(0).revoked_count == 1);
  CHECK(crls->at(0).source == "hq-bundle:7");

  // The anchors loaded from the store now revoke the world's DS.
  auto anchors = trust.LoadAnchors();
  REQUIRE(anchors);
  CHECK(anchors->csca_certificates.size() == 1);
  CHECK(anchors->crls.size() == 1);
  const std::vector<std::string> printed = {std::string(pki::kSpecimenLine1),
                                            std::string(pki::kSpecimenLine2)};
  auto report = documents::VerifyPassive(
      documents::ChipData{.sod = pki::MakeSod(w.dgs(), w.ds, w.ds_key), .data_groups = w.dgs()},
      printed, *anchors, kNow);
  CHECK(report.status == documents::PaStatus::kFailed);
  CHECK(report.failed_step == documents::PaStep::kRevocation);
}

TEST_CASE("master lists are imported only when their signer chains to a stored CSCA",
          "[store][trust]") {
  TempDir dir;
  const auto& w = pki::TheWorld();
  OtherCountry zz;
  auto link_key = pki::EcKey();
  auto zz_link = pki::MakeCert(pki::CscaSpec("ZZ CSCA 2", Day(2024, 1, 1), Day(2035, 1, 1), 6),
                               link_key, zz.csca, zz.key);
  // The link comes before its issuer on purpose, and a DS is slipped in.
  const Bytes ml = pki::MakeMasterList({zz_link, w.csca, zz.csca, w.ds}, w.mls, w.mls_key);

  auto st = OpenStore(dir / "cp.db");
  auto trust = st.trust();
  auto empty = trust.ImportMasterList(ml, kNow);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message().find("refused master list") != std::string::npos);
  CHECK(trust.ListCscas()->empty());

  REQUIRE(trust.AddCsca(pki::Der(w.csca), "manual", kNowMs));
  auto r = trust.ImportMasterList(ml, kNow);
  REQUIRE(r);
  CHECK(r->certificates == 4);
  CHECK(r->added == 2);
  CHECK(r->already_present == 1);
  REQUIRE(r->skipped.size() == 1);
  CHECK(r->skipped[0].find("UT DS 1") != std::string::npos);
  CHECK(r->signer == "CN=UT Master List Signer,C=UT");
  CHECK(r->source.rfind("masterlist:", 0) == 0);
  CHECK(trust.ListCscas()->size() == 3);

  auto again = trust.ImportMasterList(ml, kNow);
  REQUIRE(again);
  CHECK(again->added == 0);
  CHECK(again->already_present == 3);

  // Signed by a master list signer of a CSCA the store does not hold.
  auto mls_key = pki::EcKey();
  auto spec = pki::DsSpec("ZZ Master List Signer", Day(2024, 1, 1), Day(2030, 1, 1), 77);
  spec.ext_key_usage = "2.23.136.1.1.3";
  OtherCountry yy;
  auto yy_mls = pki::MakeCert(spec, mls_key, yy.csca, yy.key);
  auto foreign = trust.ImportMasterList(pki::MakeMasterList({yy.csca}, yy_mls, mls_key), kNow);
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().message().find("does not chain") != std::string::npos);

  Bytes truncated(ml.begin(), ml.begin() + static_cast<long>(ml.size() / 2));
  CHECK_FALSE(trust.ImportMasterList(truncated, kNow));
  CHECK(trust.ListCscas()->size() == 3);
}
