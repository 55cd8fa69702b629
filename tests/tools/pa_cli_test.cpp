// `checkpointctl trust ...` and `checkpointctl pa ...` run as real processes (no
// shell: cross builds run the binary under an emulator) against a store in a
// temporary directory and chip data written by the test PKI.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

using checkpoint::testing::RunCommand;
using checkpoint::testing::TempDir;
using nlohmann::json;
namespace pki = checkpoint::testing::pki;
using pki::Bytes;

namespace {

struct Cli {
  TempDir dir;

  std::string Write(const std::string& name, const Bytes& bytes) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return (dir / name).string();
  }
  std::string Write(const std::string& name, const std::string& text) {
    return Write(name, Bytes(text.begin(), text.end()));
  }
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {CHECKPOINTCTL_PATH, "--data-dir", dir.path().string(), "--at",
                                     "2026-06-15"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {}, std::chrono::seconds(60));
  }
  std::pair<int, json> RunJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto [code, out] = Run(std::move(args));
    INFO(out);
    return {code, json::parse(out)};
  }
};

std::string StateOf(const json& report, const std::string& step) {
  for (const auto& s : report["steps"]) {
    if (s["step"] == step) return s["state"];
  }
  return "?";
}

}  // namespace

TEST_CASE("checkpointctl trust and pa verify a document end to end", "[tools][pa]") {
  const auto& w = pki::TheWorld();
  Cli cli;
  const auto csca = cli.Write("csca.pem", pki::Pem(w.csca));
  const auto sod = cli.Write("sod.bin", pki::MakeSod(w.dgs(), w.ds, w.ds_key));
  const auto dg1 = cli.Write("dg1.bin", w.dg1);
  const auto dg2 = cli.Write("dg2.bin", w.dg2);
  const auto mrz = cli.Write(
      "mrz.txt", std::string(pki::kSpecimenLine1) + "\n" + std::string(pki::kSpecimenLine2) + "\n");
  const std::vector<std::string> pa = {"pa",   "--sod",    sod,     "--dg", "1=" + dg1,
                                       "--dg", "2=" + dg2, "--mrz", mrz};

  // Before any CSCA is trusted: not verified (exit 3).
  auto [code0, r0] = cli.RunJson(pa);
  CHECK(code0 == 3);
  CHECK(r0["status"] == "not_verified");
  CHECK(StateOf(r0, "certificate_path") == "not_checked");

  auto [code1, add] = cli.RunJson({"trust", "add-csca", csca});
  CHECK(code1 == 0);
  CHECK(add["added"] == true);
  const std::string fingerprint = add["fingerprint"];
  auto [code2, again] = cli.RunJson({"trust", "add-csca", csca});
  CHECK(code2 == 0);
  CHECK(again["added"] == false);

  auto [code3, r] = cli.RunJson(pa);
  CHECK(code3 == 0);
  CHECK(r["status"] == "passed");
  CHECK(r["failedStep"].is_null());
  REQUIRE(r["steps"].size() == 6);
  CHECK(r["steps"][0]["step"] == "sod");
  CHECK(StateOf(r, "revocation") == "not_checked");
  CHECK(r["dataGroupsVerified"] == json::array({1, 2}));
  CHECK(r["dsSubject"] == "CN=UT DS 1,C=UT");
  CHECK(r["cscaFingerprint"] == fingerprint);
  CHECK(r.dump().find("ERIKSSON") == std::string::npos);

  // An altered DG2: failed at data_group_hashes (exit 1).
  Bytes bad = w.dg2;
  bad[10] ^= 1;
  const auto bad_dg2 = cli.Write("dg2-bad.bin", bad);
  auto [code4, r4] =
      cli.RunJson({"pa", "--sod", sod, "--dg", "1=" + dg1, "--dg", "2=" + bad_dg2, "--mrz", mrz});
  CHECK(code4 == 1);
  CHECK(r4["failedStep"] == "data_group_hashes");

  // A CRL revoking the DS.
  const auto crl = cli.Write("crl.der", pki::MakeCrl({.this_update = pki::Day(2026, 6, 1),
                                                      .next_update = pki::Day(2026, 7, 1),
                                                      .revoked = {0x1001}},
                                                     w.csca, w.csca_key));
  auto [code5, added_crl] = cli.RunJson({"trust", "add-crl", crl});
  CHECK(code5 == 0);
  CHECK(added_crl["added"] == true);
  auto [code6, r6] = cli.RunJson(pa);
  CHECK(code6 == 1);
  CHECK(r6["failedStep"] == "revocation");

  auto [code7, list] = cli.RunJson({"trust", "list"});
  CHECK(code7 == 0);
  REQUIRE(list["cscas"].size() == 1);
  CHECK(list["cscas"][0]["country"] == "UT");
  CHECK(list["cscas"][0]["kind"] == "root");
  CHECK(list["cscas"][0]["notAfter"] == "2035-01-01T00:00:00Z");
  REQUIRE(list["crls"].size() == 1);
  CHECK(list["crls"][0]["revoked"] == 1);

  auto [code8, human] = cli.Run({"trust", "list"});
  CHECK(code8 == 0);
  CHECK(human.find("1 CSCA certificate(s)") != std::string::npos);

  auto [code9, removed] = cli.RunJson({"trust", "remove", fingerprint});
  CHECK(code9 == 0);
  CHECK(removed["removed"] == true);
  auto [code10, gone] = cli.RunJson({"trust", "remove", fingerprint});
  CHECK(code10 == 1);
}

TEST_CASE("checkpointctl trust imports master lists and refuses bad input", "[tools][pa]") {
  const auto& w = pki::TheWorld();
  Cli cli;
  auto k = pki::EcKey();
  auto zz = pki::MakeCert(pki::CscaSpec("ZZ CSCA", pki::Day(2020, 1, 1), pki::Day(2035, 1, 1), 5),
                          k, nullptr, k);
  const auto ml = cli.Write("list.ml", pki::MakeMasterList({w.csca, zz}, w.mls, w.mls_key));

  auto [c1, refused] = cli.RunJson({"trust", "import-masterlist", ml});
  CHECK(c1 == 1);
  CHECK(refused["ok"] == false);
  CHECK(refused["error"].get<std::string>().find("refused master list") != std::string::npos);

  REQUIRE(cli.RunJson({"trust", "add-csca", cli.Write("csca.der", pki::Der(w.csca))}).first == 0);
  auto [c2, imported] = cli.RunJson({"trust", "import-masterlist", ml});
  CHECK(c2 == 0);
  CHECK(imported["added"] == 1);
  CHECK(imported["alreadyPresent"] == 1);
  auto [c3, twice] = cli.RunJson({"trust", "import-masterlist", ml});
  CHECK(c3 == 0);
  CHECK(twice["added"] == 0);

  auto [c4, ds] = cli.RunJson({"trust", "add-csca", cli.Write("ds.der", pki::Der(w.ds))});
  CHECK(c4 == 1);
  CHECK(ds["error"].get<std::string>().find("not a CA") != std::string::npos);

  auto [c5, out5] = cli.Run({"trust", "frobnicate", "x"});
  CHECK(c5 == 2);
  auto [c6, out6] = cli.Run({"pa", "--dg", "17=x"});
  CHECK(c6 == 2);
  auto [c7, out7] = cli.Run({"pa", "--sod", (cli.dir / "missing").string()});
  CHECK(c7 == 2);

  // Garbage as EF.SOD: a report, failed at the sod step.
  const auto garbage = cli.Write("garbage.bin", std::string(300, '\x77'));
  auto [c8, r8] = cli.RunJson({"pa", "--sod", garbage, "--dg", "1=" + cli.Write("dg1", w.dg1)});
  CHECK(c8 == 1);
  CHECK(r8["failedStep"] == "sod");
  auto [c9, r9] = cli.RunJson({"pa"});
  CHECK(c9 == 3);
  CHECK(r9["status"] == "no_chip");
}
