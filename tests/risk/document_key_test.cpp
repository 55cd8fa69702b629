#include "checkpoint/risk/document_key.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint::risk;

TEST_CASE("document keys fold OCR confusions", "[risk][document]") {
  // The ICAO 9303 specimen number, misread with O for 0: found under the real one.
  CHECK(DocumentNumberKey("L8989O2C3", "UTO") == DocumentNumberKey("L898902C3", "UTO"));
  CHECK(DocumentNumberKey("L898902C3", "UTO") == "L898902C3");
  for (const char* misread :
       {"L8989Q2C3", "LB9B902C3", "L898902C3<<<", "l898902c3", "L89 890-2C3", "L898902C3\n"}) {
    INFO(misread);
    CHECK(DocumentNumberKey(misread, "UTO") == "L898902C3");
  }
  CHECK(DocumentNumberKey("OISBZGQ", "UTO") == "0158260");
  CHECK(DocumentNumberKey("oisbzgq", "UTO") == "0158260");
  CHECK(DocumentNumberKey("L898902C3", "UTO") != DocumentNumberKey("L898902C4", "UTO"));
  CHECK(DocumentNumberKey("", "UTO").empty());
  CHECK(DocumentNumberKey("<<<", "UTO").empty());
}

TEST_CASE("document keys: German numbers keep G and Z", "[risk][document]") {
  // German passport numbers use C F G H J K L M N P R T V W X Y Z and digits.
  CHECK(DocumentNumberKey("C01X00T47", "D") == "C01X00T47");
  CHECK(DocumentNumberKey("CG1XZ0T47", "D") == "CG1XZ0T47");
  CHECK(DocumentNumberKey("CG1XZ0T47", "D<<") == "CG1XZ0T47");
  CHECK(DocumentNumberKey("CG1XZ0T47", "UTO") == "C61X20T47");
  // O, Q, D and I never occur there: misreads of 0 and 1.
  CHECK(DocumentNumberKey("CO1XD0T4I", "D") == "C01X00T41");
  CHECK(DocumentNumberKey("CO1XQ0T4I", "DEU") == "C01X00T41");
  CHECK(DocumentNumberKey("D", "UTO") == "D");
}

TEST_CASE("document keys: hostile input is bounded", "[risk][document][hostile]") {
  const std::string huge(1'000'000, 'A');
  CHECK(DocumentNumberKey(huge, "UTO") == std::string(kMaxDocumentKey, 'A'));
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string k = DocumentNumberKey(all, std::string(1000, '<'));
  CHECK(k.size() == kMaxDocumentKey);
  CHECK(std::all_of(k.begin(), k.end(),
                    [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }));
  // A key is its own key: applying the function twice changes nothing.
  for (int b = 0; b < 256; ++b) {
    const std::string s = "X" + std::string(1, static_cast<char>(b)) + "9";
    const std::string key = DocumentNumberKey(s, "UTO");
    CHECK(DocumentNumberKey(key, "UTO") == key);
  }
  std::string out = "previous content";
  DocumentNumberKeyInto("L8989O2C3", "UTO", out);
  CHECK(out == "L898902C3");
}
