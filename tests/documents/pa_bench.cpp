// Passive authentication throughput (not a test; figures in bench/RESULTS.md):
//   build/release/tests/documents/pa_bench [N]
// A: ECDSA P-256 DS, anchor set with the one CSCA, built once;
// B: RSA-PSS 2048 DS, same;
// C: ECDSA, anchor set of 300 CSCAs built once (a large master list);
// D: ECDSA, 300 CSCAs parsed on every call (the TrustAnchors overload).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "checkpoint/documents/passive_auth.hpp"
#include "support/test_pki.hpp"

namespace pki = checkpoint::testing::pki;
using namespace checkpoint::documents;

namespace {
template <typename F>
void Measure(const char* name, int n, F&& verify) {
  const auto start = std::chrono::steady_clock::now();
  int passed = 0;
  for (int i = 0; i < n; ++i) passed += verify().status == PaStatus::kPassed;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-40s %6d verifications, %5d passed, %8.0f /s, %7.3f ms each\n", name, n, passed,
              n / s, 1000 * s / n);
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const auto& w = pki::TheWorld();
  const auto at = pki::At(2026, 6, 15);
  const std::vector<std::string> printed = {std::string(pki::kSpecimenLine1),
                                            std::string(pki::kSpecimenLine2)};
  const ChipData ec{.sod = pki::MakeSod(w.dgs(), w.ds, w.ds_key), .data_groups = w.dgs()};
  pki::SignSpec pss;
  pss.pss = true;
  const ChipData rsa{.sod = pki::MakeSod(w.dgs(), w.ds_rsa, w.ds_rsa_key, pss),
                     .data_groups = w.dgs()};
  TrustAnchors one{.csca_certificates = {pki::Der(w.csca)}, .crls = {}};
  TrustAnchors many = one;
  for (int i = 0; i < 299; ++i) {
    auto k = pki::EcKey();
    many.csca_certificates.push_back(pki::Der(pki::MakeCert(
        pki::CscaSpec("C" + std::to_string(i), pki::Day(2020, 1, 1), pki::Day(2035, 1, 1), i + 2),
        k, nullptr, k)));
  }
  const auto set_one = TrustAnchorSet::Build(one).value();
  const auto set_many = TrustAnchorSet::Build(many).value();
  Measure("A ECDSA P-256, 1 CSCA", n, [&] { return VerifyPassive(ec, printed, set_one, at); });
  Measure("B RSA-PSS 2048, 1 CSCA", n, [&] { return VerifyPassive(rsa, printed, set_one, at); });
  Measure("C ECDSA P-256, 300 CSCAs prebuilt", n,
          [&] { return VerifyPassive(ec, printed, set_many, at); });
  Measure("D ECDSA P-256, 300 CSCAs parsed per call", n / 10,
          [&] { return VerifyPassive(ec, printed, many, at); });
  return 0;
}
