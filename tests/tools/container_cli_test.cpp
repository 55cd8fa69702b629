// The `checkpointctl container` contract: one JSON line per code, exit status by input.
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

std::pair<int, std::vector<json>> Run(const std::string& input,
                                      const std::vector<std::string>& args = {}) {
  TempDir tmp;
  std::ofstream(tmp / "in.txt", std::ios::binary) << input;
  // No shell: in cross builds the binary runs under the emulator, a shell would not.
  std::vector<std::string> argv = {CHECKPOINTCTL_PATH, "container"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto [code, out] = RunCommand(argv, {}, std::chrono::seconds(60), (tmp / "in.txt").string());
  std::vector<json> objects;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) objects.push_back(json::parse(line));  // throws if not JSON
  }
  return {code, objects};
}

void CheckContract(const json& j) {
  for (const char* key : {"code", "valid", "owner", "category", "serial", "checkDigit", "errors"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["errors"].is_array());
  CHECK(j["valid"] == j["errors"].empty());
}

}  // namespace

TEST_CASE("checkpointctl container: codes as arguments", "[tools][container]") {
  auto [code, out] = Run("", {"CSQU3054383", "mscu-123456-7", "BICU 123456 5"});
  CHECK(code == 0);
  REQUIRE(out.size() == 3);
  for (const auto& j : out) CheckContract(j);
  CHECK(out[0] == json::parse(R"({"code":"CSQU3054383","valid":true,"owner":"CSQ",
      "category":"U","serial":"305438","checkDigit":3,"expectedCheckDigit":3,"errors":[]})"));
  CHECK(out[1]["code"] == "MSCU1234567");
  CHECK(out[1]["valid"] == false);
  CHECK(out[1]["checkDigit"] == 7);
  CHECK(out[1]["expectedCheckDigit"] == 6);
  CHECK(out[1]["errors"] == json::array({"checkDigit: 7 is wrong, expected 6"}));
  CHECK(out[2]["valid"] == true);
}

TEST_CASE("checkpointctl container: codes on stdin, one a line", "[tools][container]") {
  auto [code, out] = Run("CSQU3054383\r\n\n   \nC5QU3O54383\nCSQX305438\n");
  CHECK(code == 0);  // every line read, valid or not
  REQUIRE(out.size() == 3);
  for (const auto& j : out) CheckContract(j);
  CHECK(out[0]["valid"] == true);
  CHECK(out[1]["valid"] == false);
  CHECK(out[1]["ocrVariants"] == json::array({"CSQU3054383"}));
  CHECK(out[2]["checkDigit"] == nullptr);
  CHECK(out[2]["errors"].size() == 3);  // length, category, check digit missing
  auto [code2, out2] = Run("");
  CHECK(code2 == 0);
  CHECK(out2.empty());
  auto [code3, out3] = Run("OOLU8643084");  // no final newline
  CHECK(code3 == 0);
  REQUIRE(out3.size() == 1);
  CHECK(out3[0]["valid"] == true);
}

TEST_CASE("checkpointctl container: unreadable input gives exit 1 and valid JSON",
          "[tools][container][hostile]") {
  std::string every_byte;
  for (int b = 1; b < 256; ++b) {
    if (b != '\n') every_byte.push_back(static_cast<char>(b));
  }
  const std::string input = std::string(1'000'000, 'A') +
                            "\nCSQU\xff"
                            "054383\n" +
                            every_byte.substr(0, 120) + "\n" + std::string("CS\0U", 4) +
                            "3054383\nCSQU3054383\n";
  auto [code, out] = Run(input);
  CHECK(code == 1);
  REQUIRE(out.size() == 5);
  for (const auto& j : out) CheckContract(j);
  CHECK(out[0]["errors"] == json::array({"unreadable: longer than 256 bytes"}));
  CHECK(out[1]["errors"] == json::array({"unreadable: not valid UTF-8"}));
  CHECK(out[2]["valid"] == false);  // ASCII control characters and punctuation: read, invalid
  CHECK(out[3]["valid"] == false);
  CHECK(out[3]["errors"][0] == "owner: position 3 (byte 0x00) is not a letter A-Z");
  CHECK(out[4]["valid"] == true);  // reading goes on after bad lines

  auto [code2, out2] = Run("", {"CSQU3054383", "\xc3\x28"});
  CHECK(code2 == 1);
  REQUIRE(out2.size() == 2);
  CHECK(out2[1]["errors"] == json::array({"unreadable: not valid UTF-8"}));
}

TEST_CASE("checkpointctl container --pretty indents; unknown options are refused",
          "[tools][container]") {
  TempDir tmp;
  std::ofstream(tmp / "in.txt") << "";
  auto [code, out] = RunCommand({CHECKPOINTCTL_PATH, "container", "--pretty", "CSQU3054383"}, {},
                                std::chrono::seconds(60), (tmp / "in.txt").string());
  CHECK(code == 0);
  CHECK(out.find("\n  \"code\": \"CSQU3054383\"") != std::string::npos);
  CHECK(json::parse(out)["valid"] == true);
  auto [code2, out2] = RunCommand({CHECKPOINTCTL_PATH, "container", "--frobnicate"}, {},
                                  std::chrono::seconds(60), (tmp / "in.txt").string());
  CHECK(code2 == 2);
  CHECK(out2.find("container [--pretty] [CODE...]") != std::string::npos);
}
