// The `checkpointctl mrz` contract: JSON lines on stdout, exit status by input.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using checkpoint::testing::RunCommand;
using checkpoint::testing::TempDir;
using nlohmann::json;

namespace {
std::pair<int, std::vector<json>> Run(const std::string& input, const std::string& flags = "") {
  TempDir tmp;
  std::ofstream(tmp / "in.txt", std::ios::binary) << input;
  // No shell: in cross builds the binary runs under the emulator, a shell would not.
  std::vector<std::string> argv = {CHECKPOINTCTL_PATH, "mrz"};
  if (!flags.empty()) argv.push_back(flags);
  auto [code, out] = RunCommand(argv, {}, std::chrono::seconds(60), (tmp / "in.txt").string());
  std::vector<json> docs;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) docs.push_back(json::parse(line));
  }
  return {code, docs};
}
const std::string kTd3 =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
const std::string kTd1 =
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n";
}  // namespace

TEST_CASE("checkpointctl mrz writes one JSON object per document", "[tools][mrz]") {
  auto [code, docs] = Run(kTd3 + "\n" + kTd1);
  CHECK(code == 0);
  REQUIRE(docs.size() == 2);
  const auto& p = docs[0];
  CHECK(p["format"] == "TD3");
  CHECK(p["valid"] == true);
  CHECK(p["documentCode"] == "P");
  CHECK(p["issuingState"] == "UTO");
  CHECK(p["documentNumber"] == "L898902C3");
  CHECK(p["surname"] == "ERIKSSON");
  CHECK(p["givenNames"] == "ANNA MARIA");
  CHECK(p["birthDate"] == "740812");
  CHECK(p["expiryDate"] == "120415");
  CHECK(p["sex"] == "F");
  CHECK(p["personalNumber"] == "ZE184226B");
  CHECK(p["checks"].size() == 5);
  CHECK(p["corrections"].empty());
  CHECK(p["errors"].empty());
  CHECK(docs[1]["format"] == "TD1");
  CHECK(docs[1]["optionalData1"] == "");
  CHECK(docs[1].contains("optionalData2"));
}

TEST_CASE("checkpointctl mrz reports failed checks and non-MRZ input", "[tools][mrz]") {
  std::string bad = kTd3;
  bad[bad.size() - 2] = '9';  // composite check digit
  auto [code, docs] = Run(bad);
  CHECK(code == 0);  // parsed, though invalid
  REQUIRE(docs.size() == 1);
  CHECK(docs[0]["valid"] == false);
  bool composite_failed = false;
  for (const auto& c : docs[0]["checks"]) {
    if (c["field"] == "composite") composite_failed = c["valid"] == false;
  }
  CHECK(composite_failed);

  auto [code2, docs2] = Run("hello world\n\n" + kTd3 + "\n" + std::string(100000, 'A') + "\n");
  CHECK(code2 == 1);
  REQUIRE(docs2.size() == 3);
  CHECK(docs2[0]["errors"].size() == 1);
  CHECK(docs2[1]["valid"] == true);
  CHECK(docs2[2]["valid"] == false);
  auto [code3, docs3] = Run("");
  CHECK(code3 == 0);
  CHECK(docs3.empty());
}

TEST_CASE("checkpointctl mrz lists OCR corrections; --no-correct reads as printed",
          "[tools][mrz]") {
  std::string misread = kTd3;
  misread[45 + 19] = 'Z';  // birth date check digit 2 read as Z
  misread[10] = '5';       // ERIKS5ON
  auto [code, docs] = Run(misread);
  CHECK(code == 0);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0]["valid"] == true);
  CHECK(docs[0]["surname"] == "ERIKSSON");
  CHECK(docs[0]["corrections"] ==
        json::parse(R"([{"line":1,"position":11,"from":"5","to":"S","field":"name"},
                        {"line":2,"position":20,"from":"Z","to":"2","field":"birthDate"}])"));

  auto [code2, docs2] = Run(misread, "--no-correct");
  CHECK(code2 == 0);
  REQUIRE(docs2.size() == 1);
  CHECK(docs2[0]["valid"] == false);
  CHECK(docs2[0]["surname"] == "ERIKS5ON");
  CHECK(docs2[0]["corrections"].empty());
}

TEST_CASE("checkpointctl mrz: a million lines without a blank line is one clear error",
          "[tools][mrz]") {
  std::string input;
  for (int i = 0; i < 1'000'000; ++i) input += "P<UTO\n";
  auto [code, docs] = Run(input + "\n" + kTd3);
  CHECK(code == 1);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["errors"] == json::array({"1000000 lines is not an MRZ document"}));
  CHECK(docs[1]["valid"] == true);
}
