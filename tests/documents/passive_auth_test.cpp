// VerifyPassive against a test PKI built at test time: the valid case with EC,
// RSA-PSS and RSA keys, then one test per way a document fails, each checking the
// step that fails, its reason, and that no reason carries personal data.
#include "checkpoint/documents/passive_auth.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "support/test_pki.hpp"

using namespace checkpoint;
using namespace checkpoint::documents;
namespace pki = checkpoint::testing::pki;
using pki::Bytes;
using pki::Day;

namespace {

const auto kAt = pki::At(2026, 6, 15);
const std::vector<std::string> kPrinted = {std::string(pki::kSpecimenLine1),
                                           std::string(pki::kSpecimenLine2)};

ChipData Chip(const Bytes& sod, std::map<int, Bytes> dgs = pki::TheWorld().dgs()) {
  return ChipData{.sod = sod, .data_groups = std::move(dgs)};
}
TrustAnchors Anchors(std::vector<Bytes> crls = {}) {
  return TrustAnchors{.csca_certificates = {pki::Der(pki::TheWorld().csca)},
                      .crls = std::move(crls)};
}
Bytes ValidSod() {
  const auto& w = pki::TheWorld();
  return pki::MakeSod(w.dgs(), w.ds, w.ds_key);
}

// No reason or warning may carry the holder's data.
void CheckNoPersonalData(const PassiveAuthReport& r) {
  for (const auto& s : r.steps) {
    INFO(s.reason);
    CHECK_FALSE(s.reason.empty());
    CHECK(s.reason.find("ERIKSSON") == std::string::npos);
    CHECK(s.reason.find("L898902C3") == std::string::npos);
    CHECK(s.reason.find("740812") == std::string::npos);
  }
  for (const auto& w : r.warnings) CHECK(w.find("ERIKSSON") == std::string::npos);
}

StepState State(const PassiveAuthReport& r, PaStep s) {
  return r.step(s).state;
}

void CheckFailedAt(const PassiveAuthReport& r, PaStep step, const std::string& reason_part) {
  CheckNoPersonalData(r);
  CHECK(r.status == PaStatus::kFailed);
  REQUIRE(r.failed_step);
  CHECK(StepName(*r.failed_step) == StepName(step));
  INFO(r.step(step).reason);
  CHECK(r.step(step).state == StepState::kFailed);
  CHECK(r.step(step).reason.find(reason_part) != std::string::npos);
}

}  // namespace

TEST_CASE("a genuine document passes every step", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  const Bytes crl = pki::MakeCrl(
      {.this_update = Day(2026, 6, 1), .next_update = Day(2026, 7, 1), .revoked = {0x9999}}, w.csca,
      w.csca_key);
  auto r = VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({crl}), kAt);
  CheckNoPersonalData(r);
  for (const auto& s : r.steps) {
    INFO(StepName(s.step) << ": " << s.reason);
    CHECK(s.state == StepState::kPassed);
  }
  CHECK(r.status == PaStatus::kPassed);
  CHECK_FALSE(r.failed_step);
  CHECK(r.warnings.empty());
  CHECK(r.hash_algorithm == "sha256");
  CHECK(r.signature_algorithm == "ecdsa-with-SHA256");
  CHECK(r.ds_subject == "CN=UT DS 1,C=UT");
  CHECK(r.ds_serial == "1001");
  CHECK(r.csca_subject == "CN=UT CSCA,C=UT");
  CHECK(r.csca_fingerprint.size() == 64);
  CHECK(r.data_groups_verified == std::vector<int>{1, 2});
  CHECK(r.data_groups_not_read.empty());
}

TEST_CASE("without a CRL revocation is not checked, with a warning", "[documents][pa]") {
  auto r = VerifyPassive(Chip(ValidSod()), kPrinted, Anchors(), kAt);
  CHECK(r.status == PaStatus::kPassed);
  CHECK(State(r, PaStep::kRevocation) == StepState::kNotChecked);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("no CRL") != std::string::npos);
}

TEST_CASE("RSA-PSS, RSA PKCS#1 and other hash algorithms verify", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  pki::SignSpec pss;
  pss.pss = true;
  auto r = VerifyPassive(Chip(pki::MakeSod(w.dgs(), w.ds_rsa, w.ds_rsa_key, pss)), kPrinted,
                         Anchors(), kAt);
  CHECK(r.status == PaStatus::kPassed);
  CHECK(r.signature_algorithm == "RSASSA-PSS");

  auto r2 =
      VerifyPassive(Chip(pki::MakeSod(w.dgs(), w.ds_rsa, w.ds_rsa_key)), kPrinted, Anchors(), kAt);
  CHECK(r2.status == PaStatus::kPassed);
  CHECK(r2.signature_algorithm == "rsaEncryption");

  for (const EVP_MD* md : {EVP_sha1(), EVP_sha384(), EVP_sha512()}) {
    pki::SignSpec spec;
    spec.md = md;
    auto r3 =
        VerifyPassive(Chip(pki::MakeSod(w.dgs(), w.ds, w.ds_key, spec)), kPrinted, Anchors(), kAt);
    INFO(r3.hash_algorithm);
    CHECK(r3.status == PaStatus::kPassed);
  }

  // An RSA CSCA signing its certificates with RSASSA-PSS.
  auto csca_key = pki::RsaKey();
  auto spec = pki::CscaSpec("UT CSCA RSA", Day(2020, 1, 1), Day(2035, 1, 1), 7);
  spec.pss = true;
  auto csca = pki::MakeCert(spec, csca_key, nullptr, csca_key);
  auto ds_spec = pki::DsSpec("UT DS PSS", Day(2024, 1, 1), Day(2034, 1, 1), 8);
  ds_spec.pss = true;
  auto ds = pki::MakeCert(ds_spec, w.ds_key, csca, csca_key);
  auto r4 = VerifyPassive(Chip(pki::MakeSod(w.dgs(), ds, w.ds_key)), kPrinted,
                          TrustAnchors{.csca_certificates = {pki::Der(csca)}, .crls = {}}, kAt);
  CHECK(r4.status == PaStatus::kPassed);
}

TEST_CASE("an altered data group fails its hash", "[documents][pa]") {
  auto dgs = pki::TheWorld().dgs();
  dgs[2][100] ^= 0x01;
  auto r = VerifyPassive(Chip(ValidSod(), dgs), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kDataGroupHashes, "DG2 does not match");
  CHECK(State(r, PaStep::kSignature) == StepState::kPassed);
  CHECK(State(r, PaStep::kMrzMatch) == StepState::kPassed);
  CHECK(r.data_groups_verified == std::vector<int>{1});
}

TEST_CASE("a data group read but absent from the SOD fails; unread ones are listed",
          "[documents][pa]") {
  const auto& w = pki::TheWorld();
  auto dgs = w.dgs();
  dgs[3] = pki::Tlv(0x63, {1, 2, 3});
  auto r = VerifyPassive(Chip(ValidSod(), dgs), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kDataGroupHashes, "DG3 was read but the SOD has no hash");

  std::map<int, Bytes> listed = w.dgs();
  listed[14] = pki::Tlv(0x6E, {9, 9});
  listed[15] = pki::Tlv(0x6F, {8});
  auto ok = VerifyPassive(Chip(pki::MakeSod(listed, w.ds, w.ds_key)), kPrinted, Anchors(), kAt);
  CHECK(ok.status == PaStatus::kPassed);
  CHECK(ok.data_groups_not_read == std::vector<int>{14, 15});

  auto out_of_range = w.dgs();
  out_of_range[0] = {1};
  CheckFailedAt(VerifyPassive(Chip(ValidSod(), out_of_range), kPrinted, Anchors(), kAt),
                PaStep::kDataGroupHashes, "outside 1..16");
}

TEST_CASE("a signature by a key other than the embedded DS certificate's fails",
          "[documents][pa]") {
  const auto& w = pki::TheWorld();
  // A genuine DS certificate (same issuer and serial, so the SignerInfo names it)
  // whose key is not the one that signed: a forged SOD carrying a real certificate.
  auto other_key = pki::EcKey();
  auto twin = pki::MakeCert(pki::DsSpec("UT DS 1", Day(2024, 1, 1), Day(2034, 1, 1), 0x1001),
                            w.ds_key, w.csca, w.csca_key);
  pki::SignSpec spec;
  spec.embed_signer = false;
  spec.extra_certs = {twin};
  auto forger = pki::MakeCert(pki::DsSpec("UT DS 1", Day(2024, 1, 1), Day(2034, 1, 1), 0x1001),
                              other_key, w.csca, w.csca_key);
  const Bytes sod = pki::MakeSod(w.dgs(), forger, other_key, spec);
  auto r = VerifyPassive(Chip(sod), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kSignature, "does not verify");
  // The certificate itself is genuine: its path is fine, the signature is not.
  CHECK(State(r, PaStep::kCertificatePath) == StepState::kPassed);

  // A SOD that embeds some other certificate than its signer's.
  pki::SignSpec wrong;
  wrong.embed_signer = false;
  wrong.extra_certs = {w.ds_rsa};
  auto r2 =
      VerifyPassive(Chip(pki::MakeSod(w.dgs(), w.ds, w.ds_key, wrong)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r2, PaStep::kSignature, "does not contain the Document Signer certificate");
  CHECK(State(r2, PaStep::kCertificatePath) == StepState::kNotChecked);
}

TEST_CASE("a DS from an unknown CSCA fails the certificate path", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  auto key = pki::EcKey();
  auto rogue = pki::MakeCert(pki::CscaSpec("UT CSCA", Day(2020, 1, 1), Day(2035, 1, 1), 99), key,
                             nullptr, key);  // same name, other key
  auto ds = pki::MakeCert(pki::DsSpec("UT DS 9", Day(2024, 1, 1), Day(2034, 1, 1), 9), w.ds_key,
                          rogue, key);
  auto r = VerifyPassive(Chip(pki::MakeSod(w.dgs(), ds, w.ds_key)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kCertificatePath, "DS certificate:");
  CHECK(State(r, PaStep::kSignature) == StepState::kPassed);
  CHECK(State(r, PaStep::kRevocation) == StepState::kNotChecked);

  auto other_key = pki::EcKey();
  auto other = pki::MakeCert(pki::CscaSpec("ZZ CSCA", Day(2020, 1, 1), Day(2035, 1, 1), 5),
                             other_key, nullptr, other_key);
  auto ds2 = pki::MakeCert(pki::DsSpec("ZZ DS", Day(2024, 1, 1), Day(2034, 1, 1), 6), w.ds_key,
                           other, other_key);
  auto r2 = VerifyPassive(Chip(pki::MakeSod(w.dgs(), ds2, w.ds_key)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r2, PaStep::kCertificatePath, "unknown CSCA");
}

TEST_CASE("validity periods are checked at the given time", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  auto expired = pki::MakeCert(pki::DsSpec("UT DS old", Day(2014, 1, 1), Day(2025, 1, 1), 11),
                               w.ds_key, w.csca, w.csca_key);
  auto r = VerifyPassive(Chip(pki::MakeSod(w.dgs(), expired, w.ds_key)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kCertificatePath, "DS certificate: certificate has expired");

  auto future = pki::MakeCert(pki::DsSpec("UT DS new", Day(2027, 1, 1), Day(2037, 1, 1), 12),
                              w.ds_key, w.csca, w.csca_key);
  auto r2 = VerifyPassive(Chip(pki::MakeSod(w.dgs(), future, w.ds_key)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r2, PaStep::kCertificatePath, "not yet valid");

  // The same genuine document checked in 2036, after the CSCA expired.
  auto r3 = VerifyPassive(Chip(ValidSod()), kPrinted, Anchors(), pki::At(2036, 1, 1));
  CheckFailedAt(r3, PaStep::kCertificatePath, "expired");
}

TEST_CASE("key usage and CA flags are enforced", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  auto spec = pki::DsSpec("UT DS ku", Day(2024, 1, 1), Day(2034, 1, 1), 13);
  spec.key_usage = "critical,keyEncipherment";
  auto ds = pki::MakeCert(spec, w.ds_key, w.csca, w.csca_key);
  CheckFailedAt(VerifyPassive(Chip(pki::MakeSod(w.dgs(), ds, w.ds_key)), kPrinted, Anchors(), kAt),
                PaStep::kCertificatePath, "digitalSignature");

  auto key = pki::EcKey();
  auto cspec = pki::CscaSpec("UT CSCA2", Day(2020, 1, 1), Day(2035, 1, 1), 3);
  cspec.key_usage = "critical,keyCertSign";
  auto csca = pki::MakeCert(cspec, key, nullptr, key);
  auto ds2 = pki::MakeCert(pki::DsSpec("UT DS 2", Day(2024, 1, 1), Day(2034, 1, 1), 14), w.ds_key,
                           csca, key);
  auto r = VerifyPassive(Chip(pki::MakeSod(w.dgs(), ds2, w.ds_key)), kPrinted,
                         TrustAnchors{.csca_certificates = {pki::Der(csca)}, .crls = {}}, kAt);
  CheckFailedAt(r, PaStep::kCertificatePath, "cRLSign");
}

TEST_CASE("a link certificate leads from a new CSCA to the stored one", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  auto new_key = pki::EcKey();
  auto link = pki::MakeCert(pki::CscaSpec("UT CSCA 2030", Day(2025, 1, 1), Day(2040, 1, 1), 21),
                            new_key, w.csca, w.csca_key);
  auto ds = pki::MakeCert(pki::DsSpec("UT DS 3", Day(2025, 6, 1), Day(2035, 1, 1), 22), w.ds_key,
                          link, new_key);
  const Bytes sod = pki::MakeSod(w.dgs(), ds, w.ds_key);
  auto r = VerifyPassive(
      Chip(sod), kPrinted,
      TrustAnchors{.csca_certificates = {pki::Der(w.csca), pki::Der(link)}, .crls = {}}, kAt);
  CHECK(r.status == PaStatus::kPassed);
  CHECK(r.step(PaStep::kCertificatePath).reason.find("link certificate") != std::string::npos);
  CHECK(r.csca_subject == "CN=UT CSCA 2030,C=UT");
  // Without the link certificate the new CSCA's DS leads nowhere.
  auto r2 = VerifyPassive(Chip(sod), kPrinted, Anchors(), kAt);
  CheckFailedAt(r2, PaStep::kCertificatePath, "unknown CSCA");
}

TEST_CASE("revocation: revoked DS, wrong CRL signer, expired CRL", "[documents][pa]") {
  const auto& w = pki::TheWorld();
  const Bytes revoking = pki::MakeCrl(
      {.this_update = Day(2026, 6, 1), .next_update = Day(2026, 7, 1), .revoked = {0x1001}}, w.csca,
      w.csca_key);
  auto r = VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({revoking}), kAt);
  CheckFailedAt(r, PaStep::kRevocation, "revoked on 2026-06-01");
  CHECK(State(r, PaStep::kCertificatePath) == StepState::kPassed);

  // The newest of several CRLs counts.
  const Bytes older =
      pki::MakeCrl({.this_update = Day(2026, 5, 1), .next_update = Day(2026, 8, 1), .revoked = {}},
                   w.csca, w.csca_key);
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({older, revoking}), kAt),
                PaStep::kRevocation, "revoked");

  auto wrong_key = pki::EcKey();
  const Bytes forged =
      pki::MakeCrl({.this_update = Day(2026, 6, 1), .next_update = Day(2026, 7, 1), .revoked = {}},
                   w.csca, wrong_key);
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({forged}), kAt),
                PaStep::kRevocation, "signature");

  const Bytes expired =
      pki::MakeCrl({.this_update = Day(2026, 1, 1), .next_update = Day(2026, 2, 1), .revoked = {}},
                   w.csca, w.csca_key);
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({expired}), kAt),
                PaStep::kRevocation, "expired at 2026-02-01");

  const Bytes no_next = pki::MakeCrl(
      {.this_update = Day(2026, 1, 1), .next_update = 0, .revoked = {}}, w.csca, w.csca_key);
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({no_next}), kAt),
                PaStep::kRevocation, "nextUpdate");

  const Bytes future =
      pki::MakeCrl({.this_update = Day(2026, 7, 1), .next_update = Day(2026, 8, 1), .revoked = {}},
                   w.csca, w.csca_key);
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({future}), kAt),
                PaStep::kRevocation, "not yet valid");

  // Another CSCA's CRL is not about this DS: not checked.
  auto k = pki::EcKey();
  auto other =
      pki::MakeCert(pki::CscaSpec("ZZ CSCA", Day(2020, 1, 1), Day(2035, 1, 1), 5), k, nullptr, k);
  const Bytes theirs = pki::MakeCrl(
      {.this_update = Day(2026, 6, 1), .next_update = Day(2026, 7, 1), .revoked = {0x1001}}, other,
      k);
  auto r2 = VerifyPassive(Chip(ValidSod()), kPrinted, Anchors({theirs}), kAt);
  CHECK(r2.status == PaStatus::kPassed);
  CHECK(State(r2, PaStep::kRevocation) == StepState::kNotChecked);
}

TEST_CASE("DG1 must equal the printed MRZ", "[documents][pa]") {
  std::vector<std::string> printed = kPrinted;
  printed[1][5] = 'X';  // one character of the document number
  auto r = VerifyPassive(Chip(ValidSod()), printed, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kMrzMatch, "line 2, position 6");
  CHECK(State(r, PaStep::kDataGroupHashes) == StepState::kPassed);

  // Line breaks are not content.
  const std::vector<std::string> joined = {std::string(pki::kSpecimenLine1) + "\r\n" +
                                           std::string(pki::kSpecimenLine2) + "\n"};
  CHECK(VerifyPassive(Chip(ValidSod()), joined, Anchors(), kAt).status == PaStatus::kPassed);

  const std::vector<std::string> td1 = {"I<UTOD231458907<<<<<<<<<<<<<<<",
                                        "7408122F1204159UTO<<<<<<<<<<<6",
                                        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
  CheckFailedAt(VerifyPassive(Chip(ValidSod()), td1, Anchors(), kAt), PaStep::kMrzMatch,
                "88 characters, the printed MRZ has 90");
}

TEST_CASE("missing parts leave the document not verified", "[documents][pa]") {
  auto none = VerifyPassive(ChipData{}, kPrinted, Anchors(), kAt);
  CHECK(none.status == PaStatus::kNoChip);
  CheckNoPersonalData(none);

  auto no_anchors = VerifyPassive(Chip(ValidSod()), kPrinted, TrustAnchors{}, kAt);
  CHECK(no_anchors.status == PaStatus::kNotVerified);
  CHECK(State(no_anchors, PaStep::kCertificatePath) == StepState::kNotChecked);
  CHECK(State(no_anchors, PaStep::kSignature) == StepState::kPassed);

  auto no_mrz = VerifyPassive(Chip(ValidSod()), {}, Anchors(), kAt);
  CHECK(no_mrz.status == PaStatus::kNotVerified);
  CHECK(State(no_mrz, PaStep::kMrzMatch) == StepState::kNotChecked);

  auto no_dg1 =
      VerifyPassive(Chip(ValidSod(), {{2, pki::TheWorld().dg2}}), kPrinted, Anchors(), kAt);
  CHECK(no_dg1.status == PaStatus::kNotVerified);
  CHECK(no_dg1.data_groups_not_read == std::vector<int>{1});

  auto sod_only = VerifyPassive(Chip(ValidSod(), {}), kPrinted, Anchors(), kAt);
  CHECK(sod_only.status == PaStatus::kNotVerified);
  CHECK(State(sod_only, PaStep::kDataGroupHashes) == StepState::kNotChecked);

  auto no_sod = VerifyPassive(Chip({}), kPrinted, Anchors(), kAt);
  CheckFailedAt(no_sod, PaStep::kSod, "no EF.SOD");

  TrustAnchors broken = Anchors();
  broken.crls.push_back({0x30, 0x00});
  auto unusable = VerifyPassive(Chip(ValidSod()), kPrinted, broken, kAt);
  CHECK(unusable.status == PaStatus::kNotVerified);
  CHECK(unusable.step(PaStep::kCertificatePath).reason.find("CRL #1") != std::string::npos);
}

TEST_CASE("garbage and truncated SODs fail the sod step and nothing else runs", "[documents][pa]") {
  const Bytes sod = ValidSod();
  for (std::size_t n = 1; n < sod.size(); n += 7) {
    auto r = VerifyPassive(Chip(Bytes(sod.begin(), sod.begin() + static_cast<long>(n))), kPrinted,
                           Anchors(), kAt);
    CheckFailedAt(r, PaStep::kSod, "EF.SOD");
    CHECK(State(r, PaStep::kSignature) == StepState::kNotChecked);
    CHECK(State(r, PaStep::kDataGroupHashes) == StepState::kNotChecked);
  }
  auto r = VerifyPassive(Chip(Bytes(500, 0x77)), kPrinted, Anchors(), kAt);
  CheckFailedAt(r, PaStep::kSod, "EF.SOD");
}

TEST_CASE("one anchor set serves several threads", "[documents][pa]") {
  auto set = TrustAnchorSet::Build(Anchors());
  REQUIRE(set);
  CHECK(set->csca_count() == 1);
  const Bytes sod = ValidSod();
  std::vector<int> passed(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        passed[static_cast<std::size_t>(t)] +=
            VerifyPassive(Chip(sod), kPrinted, *set, kAt).status == PaStatus::kPassed;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(passed == std::vector<int>{50, 50});
}

TEST_CASE("step and status names are stable", "[documents][pa]") {
  CHECK(StepName(PaStep::kCertificatePath) == "certificate_path");
  CHECK(StepName(PaStep::kDataGroupHashes) == "data_group_hashes");
  CHECK(StepName(PaStep::kMrzMatch) == "mrz_match");
  CHECK(StepStateName(StepState::kNotChecked) == "not_checked");
  CHECK(StatusName(PaStatus::kNoChip) == "no_chip");
  CHECK(StatusName(PaStatus::kNotVerified) == "not_verified");
}
