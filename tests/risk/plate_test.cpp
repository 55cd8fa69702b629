#include "checkpoint/risk/plate.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint::risk;

namespace {

bool PlateAlphabet(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

std::string Norm(std::string_view s, std::string_view country = "") {
  return NormalisePlate(s, country).text;
}

}  // namespace

TEST_CASE("plates: separators removed, uppercased", "[risk][plate]") {
  CHECK(Norm("b-ab 1234") == "BAB1234");
  CHECK(Norm("AB51 ABC", "GB") == "AB51ABC");
  CHECK(Norm("WX.12345") == "WX12345");
  CHECK(Norm("M\u00B7AB\u2013123") == "MAB123");  // middle dot, en dash
  CHECK(Norm("AB\u00A012/3:4_5|6") == "AB123456");
  const auto r = NormalisePlate("  ab 51 abc ", "gb");
  CHECK(r.errors.empty());
  CHECK(r.country == "GB");
  CHECK(r.format == "current");
  CHECK(r.warnings.empty());
}

TEST_CASE("plates: Cyrillic and Greek look-alikes become Latin", "[risk][plate]") {
  // Ukrainian plate written in Cyrillic, as a Ukrainian camera or officer may: АА 1234 ВХ.
  const auto ua = NormalisePlate("\u0410\u0410 1234 \u0412\u0425", "UA");
  CHECK(ua.text == "AA1234BX");
  CHECK(ua.errors.empty());
  CHECK(ua.format == "current");
  // Russian: А 123 ВС 77 and the region 777, with lowercase Cyrillic.
  CHECK(Norm("\u0410 123 \u0412\u0421 77", "RU") == "A123BC77");
  CHECK(NormalisePlate("\u0430123\u0432\u0441777", "ru").format == "current (3-digit region)");
  // Every Cyrillic look-alike of the issue: А В Е К М Н О Р С Т У Х, and І.
  CHECK(Norm("\u0410\u0412\u0415\u041A\u041C\u041D\u041E\u0420\u0421\u0422\u0423\u0425\u0406") ==
        "ABEKMHOPCTYXI");
  CHECK(Norm("\u0430\u0432\u0435\u043A\u043C\u043D\u043E\u0440\u0441\u0442\u0443\u0445\u0456") ==
        "ABEKMHOPCTYXI");
  // Greek: Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ.
  CHECK(Norm("\u0391\u0392\u0395\u0396\u0397\u0399\u039A\u039C\u039D\u039F\u03A1\u03A4\u03A5"
             "\u03A7") == "ABEZHIKMNOPTYX");
  CHECK(Norm("\u0399\u0396\u0391-1234", "") == "IZA1234");
  // German district codes with umlauts: the base letter.
  CHECK(Norm("M\u00DC-AB 12", "DE") == "MUAB12");
  CHECK(Norm("L\u00D6 X 1") == "LOX1");
}

TEST_CASE("plates: Cyrillic and Latin readings are the same plate", "[risk][plate]") {
  CHECK(SamePlate("\u0410\u0410 1234 \u0412\u0425", "AA1234BX", "UA"));
  CHECK(SamePlate("\u0410\u0410 1234 \u0412\u0425", "AA 1234 8X", "UA"));
  CHECK(SamePlate("\u0412 777 \u041E\u0420 77", "B777OP77", "RU"));
  CHECK_FALSE(SamePlate("\u0416\u0416 1234", "1234", "UA"));  // Ж is no plate letter
}

TEST_CASE("plates: country formats", "[risk][plate]") {
  CHECK(NormalisePlate("B AB 1234", "DE").format == "current");
  CHECK(NormalisePlate("HH-X 1E", "de").format == "current");   // E suffix
  CHECK(NormalisePlate("M-AB 123H", "D").format == "current");  // H suffix
  CHECK(NormalisePlate("B AB 12345", "DE").format.empty());     // 5 digits
  CHECK(NormalisePlate("B AB 12345", "DE").warnings.size() == 1);
  CHECK(NormalisePlate("WX 12345", "PL").format == "current");
  CHECK(NormalisePlate("KR 1AB23", "PL").format == "current");
  CHECK(NormalisePlate("A123 BCD", "UK").format.empty());  // older prefix series
  CHECK(NormalisePlate("A123 BCD", "UK").country == "GB");
  CHECK(NormalisePlate("anything", "XX").country.empty());
  CHECK(NormalisePlate("anything", "XX").warnings.empty());
}

TEST_CASE("plate keys: positional where the country fixes positions", "[risk][plate]") {
  // GB current format LLDDLLL: each position's type restored.
  CHECK(PlateMatchKey("A851A8C", "GB") == "AB51ABC");
  CHECK(PlateMatchKey("AB5IABC", "GB") == "AB51ABC");
  CHECK(PlateMatchKey("AB51ABC", "GB") == "AB51ABC");
  CHECK(PlateMatchKey("0B51ABC", "GB") == "OB51ABC");
  CHECK(SamePlate("AB51 ABC", "A8 5I A8C", "GB"));
  CHECK(SamePlate("AB51 ABC", "ab-51-abc", "GB"));
  CHECK_FALSE(SamePlate("AB51 ABC", "AB51 ABD", "GB"));
  // UA: LLDDDDLL.
  CHECK(PlateMatchKey("AA12З4BX", "UA") == PlateMatchKey(Norm("AA12З4BX", "UA"), "UA"));
  CHECK(PlateMatchKey("AAI2348X", "UA") == "AA1234BX");
  // RU: LDDDLLDD(D).
  CHECK(PlateMatchKey("0123BC77", "RU") == "O123BC77");
  CHECK(PlateMatchKey("A1Z3BC777", "RU") == "A123BC777");
}

TEST_CASE("plate keys: generic fold elsewhere", "[risk][plate]") {
  CHECK(PlateMatchKey("BAB1234", "DE") == "8A81234");
  CHECK(SamePlate("B-AB 1234", "8 A8 I234", "DE"));
  CHECK(SamePlate("SZ 0I5", "5201 5", ""));
  CHECK(SamePlate("OQ", "00", ""));
  CHECK_FALSE(SamePlate("B-AB 1234", "B-AB 1235", "DE"));
  // Poland folds D/0 as well: the series part never uses D.
  CHECK(SamePlate("WX 12D45", "WX 12045", "PL"));
  CHECK_FALSE(SamePlate("WX 12D45", "WX 12045", "DE"));
  // Unnormalised input to PlateMatchKey is normalised first.
  CHECK(PlateMatchKey("ab 51 abc", "GB") == "AB51ABC");
  CHECK(PlateMatchKey("", "GB").empty());
  CHECK_FALSE(SamePlate("", "", "GB"));
  CHECK_FALSE(SamePlate("---", "...", ""));
}

TEST_CASE("plate keys: equal exactly when the folded forms are equal", "[risk][plate]") {
  // Exhaustive over a small alphabet of confusable and plain characters in the GB
  // positional format and outside it: the key is a function of the fold, and
  // different folds never share a key.
  const std::string alphabet = "AB8O0QS5Z2I1";
  auto fold = [](std::string s) {
    for (char& c : s) {
      switch (c) {
        case 'O':
        case 'Q':
          c = '0';
          break;
        case 'I':
          c = '1';
          break;
        case 'B':
          c = '8';
          break;
        case 'S':
          c = '5';
          break;
        case 'Z':
          c = '2';
          break;
        default:
          break;
      }
    }
    return s;
  };
  std::vector<std::string> plates;
  for (char a : alphabet) {
    for (char b : alphabet) {
      for (char c : alphabet) {
        plates.push_back(std::string{a, b} + "51" + std::string{c} + "CD");  // GB shape
        plates.push_back(std::string{a, b, c});
      }
    }
  }
  for (std::size_t i = 0; i < plates.size(); i += 7) {
    for (std::size_t j = 0; j < plates.size(); j += 3) {
      const bool same_fold = fold(plates[i]) == fold(plates[j]);
      INFO(plates[i] << " " << plates[j]);
      CHECK(SamePlate(plates[i], plates[j], "GB") == same_fold);
    }
  }
}

TEST_CASE("plates: hostile input", "[risk][plate][hostile]") {
  const auto huge = NormalisePlate(std::string(1'000'000, 'A'), "GB");
  CHECK(huge.text.empty());
  REQUIRE(huge.errors.size() == 1);
  CHECK(huge.errors[0] == "input of 1000000 bytes, longer than 64 (no plate is)");

  const auto bad = NormalisePlate("AB\xC3(12", "");
  CHECK(bad.text.empty());
  CHECK(bad.errors == std::vector<std::string>{"not valid UTF-8 (byte 3)"});
  for (const char* s : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\xFF"}) {
    INFO(s);
    CHECK(NormalisePlate(s, "").errors.front().rfind("not valid UTF-8", 0) == 0);
  }

  const auto ctl = NormalisePlate(
      "AB\x01\x7F"
      "12\u4E2D@",
      "");
  CHECK(ctl.text == "AB12");
  CHECK(ctl.errors == std::vector<std::string>{"control character U+0001 is not used on plates",
                                               "control character U+007F is not used on plates",
                                               "character U+4E2D is not used on plates",
                                               "1 more characters not used on plates"});
  CHECK(NormalisePlate("ABCDEFGHIJKLM", "").errors.front() ==
        "13 characters, longer than any plate (12)");
  CHECK(NormalisePlate(std::string(5, '\0'), "").text.empty());

  // Every byte, alone and inside a plate: output only A-Z 0-9, messages printable,
  // idempotent.
  for (int b = 0; b < 256; ++b) {
    for (const std::string& s : {std::string(1, static_cast<char>(b)),
                                 "AB" + std::string(1, static_cast<char>(b)) + "12"}) {
      const auto r = NormalisePlate(s, "DE");
      CHECK(PlateAlphabet(r.text));
      CHECK(Norm(r.text, "DE") == r.text);
      for (const auto& e : r.errors) {
        CHECK(std::all_of(e.begin(), e.end(), [](char c) { return c >= 0x20 && c < 0x7F; }));
      }
    }
  }
  // Every two-byte sequence: no crash, alphabet and idempotence hold.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      const auto r = NormalisePlate(s, "GB");
      if (!PlateAlphabet(r.text) || Norm(r.text, "GB") != r.text) FAIL(a << " " << b);
      (void)PlateMatchKey(s, "GB");
    }
  }
}
