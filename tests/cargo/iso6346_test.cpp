#include "checkpoint/cargo/iso6346.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace checkpoint::cargo;

namespace {

bool HasErrorStarting(const ContainerCode& c, std::string_view prefix) {
  return std::any_of(c.errors.begin(), c.errors.end(),
                     [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
}

// The values as published in ISO 6346 tables (typed by hand, not computed).
constexpr int kPublished[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};

}  // namespace

TEST_CASE("real container codes verify", "[cargo][iso6346]") {
  // CSQU3054383: the example of ISO 6346; BICU1234565: BIC's example; the others are
  // codes painted on containers of their owners (Hapag-Lloyd, Triton, CMA CGM, MSC,
  // Yang Ming, Maersk, Evergreen, OOCL, Hanjin) and MWCU6059784 a worked example.
  for (const char* code :
       {"CSQU3054383", "BICU1234565", "MWCU6059784", "HLXU2008419", "TGHU7599330", "ECMU4657496",
        "MEDU6246078", "YMLU2809976", "MRKU0046221", "EMCU3811879", "OOLU8643084", "HJCU1922713"}) {
    INFO(code);
    const auto r = ParseContainerCode(code);
    CHECK(r.valid);
    CHECK(r.errors.empty());
    CHECK(r.code == code);
    CHECK(r.check_digit == r.expected_check_digit);
    CHECK(r.expected_check_digit == std::string_view(code)[10] - '0');
  }
  const auto r = ParseContainerCode("CSQU3054383");
  CHECK(r.owner == "CSQ");
  CHECK(r.category == "U");
  CHECK(r.serial == "305438");
  CHECK(r.check_digit == 3);
  CHECK(Iso6346CheckDigit("CSQU305438") == 3);
}

TEST_CASE("every letter has its published value; multiples of 11 are skipped", "[cargo][iso6346]") {
  for (int i = 0; i < 26; ++i) {
    const char c = static_cast<char>('A' + i);
    INFO(c);
    CHECK(Iso6346Value(c) == kPublished[i]);
    CHECK(*Iso6346Value(c) % 11 != 0);
  }
  for (char d = '0'; d <= '9'; ++d) CHECK(Iso6346Value(d) == d - '0');
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    CHECK(Iso6346Value(c).has_value() == alnum);
  }
  // Each letter in each owner position moves the sum by value × 2^position: a code
  // built from that alone must get the digit the published value predicts.
  for (int i = 0; i < 26; ++i) {
    for (int pos = 0; pos < 3; ++pos) {
      std::string first10 = "AAAU000000";
      first10[static_cast<std::size_t>(pos)] = static_cast<char>('A' + i);
      int sum = 0;
      for (int k = 0; k < 3; ++k) {
        const char c = first10[static_cast<std::size_t>(k)];
        sum += kPublished[c - 'A'] << k;
      }
      sum += kPublished['U' - 'A'] << 3;
      CHECK(Iso6346CheckDigit(first10) == sum % 11 % 10);
    }
  }
}

TEST_CASE("remainder 10 is written 0", "[cargo][iso6346]") {
  // CSQU000007: sum ≡ 10 (mod 11). ISO recommends owners not to issue such serials,
  // but they exist and are read with check digit 0.
  CHECK(Iso6346CheckDigit("CSQU000007") == 0);
  CHECK(ParseContainerCode("CSQU0000070").valid);
  // TGHU7599330: remainder 0, also written 0.
  CHECK(Iso6346CheckDigit("TGHU759933") == 0);
}

TEST_CASE("categories U, J and Z", "[cargo][iso6346]") {
  CHECK(ParseCategory('U') == EquipmentCategory::kFreightContainer);
  CHECK(ParseCategory('J') == EquipmentCategory::kDetachable);
  CHECK(ParseCategory('Z') == EquipmentCategory::kTrailerChassis);
  CHECK_FALSE(ParseCategory('u'));
  CHECK_FALSE(ParseCategory('R'));
  CHECK(CategoryName(EquipmentCategory::kTrailerChassis) == "trailer or chassis");
  for (char cat : {'J', 'Z'}) {
    std::string first10 = std::string("CSQ") + cat + "305438";
    const std::string code = first10 + std::to_string(*Iso6346CheckDigit(first10));
    INFO(code);
    CHECK(ParseContainerCode(code).valid);
  }
  const auto r = ParseContainerCode("CSQR3054383");
  CHECK_FALSE(r.valid);
  REQUIRE(r.errors.size() >= 1);
  CHECK(r.errors[0] ==
        "category: 'R' is not U (freight container), J (detachable equipment) or Z "
        "(trailer or chassis)");
}

TEST_CASE("spaces, dashes, dots, slashes and lowercase as written", "[cargo][iso6346]") {
  for (const char* text : {"CSQU 305438 3", "csqu-305438-3", "CSQU.305438/3", " CSQU3054383 ",
                           "c s q u 3 0 5 4 3 8 3", "CSQU\t305438\t3", "Csq u3054383"}) {
    INFO(text);
    const auto r = ParseContainerCode(text);
    CHECK(r.valid);
    CHECK(r.code == "CSQU3054383");
  }
}

TEST_CASE("errors name the field and what is wrong", "[cargo][iso6346]") {
  SECTION("wrong check digit gives the expected one") {
    const auto r = ParseContainerCode("CSQU3054384");
    CHECK_FALSE(r.valid);
    CHECK(r.errors == std::vector<std::string>{"checkDigit: 4 is wrong, expected 3"});
    CHECK(r.check_digit == 4);
    CHECK(r.expected_check_digit == 3);
  }
  SECTION("owner not letters") {
    const auto r = ParseContainerCode("C5QU3054383");
    CHECK(r.errors.front() == "owner: position 2 ('5') is not a letter A-Z");
    CHECK_FALSE(r.expected_check_digit);
    CHECK(r.check_digit == 3);
  }
  SECTION("serial not digits") {
    const auto r = ParseContainerCode("CSQU3O5438-3");
    CHECK(r.errors == std::vector<std::string>{"serial: position 6 ('O') is not a digit"});
  }
  SECTION("check digit not a digit") {
    const auto r = ParseContainerCode("CSQU305438X");
    CHECK(r.errors == std::vector<std::string>{"checkDigit: position 11 ('X') is not a digit"});
    CHECK(r.expected_check_digit == 3);
  }
  SECTION("too short, check digit missing") {
    const auto r = ParseContainerCode("CSQU305438");
    CHECK(HasErrorStarting(r, "length: 10 characters, expected 11"));
    CHECK(HasErrorStarting(r, "checkDigit: missing"));
    CHECK(r.expected_check_digit == 3);
  }
  SECTION("too long") {
    const auto r = ParseContainerCode("CSQU30543833");
    CHECK_FALSE(r.valid);
    CHECK(HasErrorStarting(r, "length: 12 characters"));
  }
  SECTION("empty and separators only") {
    for (const char* t : {"", "   ", "- - -"}) {
      const auto r = ParseContainerCode(t);
      CHECK(r.errors == std::vector<std::string>{"length: no characters, expected 11"});
      CHECK(r.code.empty());
    }
  }
  SECTION("several fields wrong at once, each listed") {
    const auto r = ParseContainerCode("1SQX30A438Y");
    CHECK(HasErrorStarting(r, "owner: position 1"));
    CHECK(HasErrorStarting(r, "category: 'X'"));
    CHECK(HasErrorStarting(r, "serial: position 7"));
    CHECK(HasErrorStarting(r, "checkDigit: position 11"));
  }
}

TEST_CASE("hostile input: bounded, never echoed raw, never valid", "[cargo][iso6346][hostile]") {
  const auto huge = ParseContainerCode(std::string(1'000'000, 'A'));
  CHECK_FALSE(huge.valid);
  CHECK(huge.code.empty());
  CHECK(huge.errors.size() == 1);
  CHECK(HasErrorStarting(huge, "length: 1000000 bytes"));

  const auto ctl =
      ParseContainerCode(std::string("CS\x01U\xff"
                                     "054383",
                                     11));
  CHECK_FALSE(ctl.valid);
  CHECK(HasErrorStarting(ctl, "owner: position 3 (byte 0x01)"));
  CHECK(HasErrorStarting(ctl, "serial: position 5 (byte 0xFF)"));
  for (const auto& e : ctl.errors) {
    CHECK(std::all_of(e.begin(), e.end(), [](char c) { return c >= 0x20 && c < 0x7F; }));
  }
  // Every byte in every position of a valid code: still valid when unchanged or
  // lowercased; valid otherwise only with a verifying check digit (letters of the same
  // residue mod 11 are not told apart, see below).
  const std::string good = "CSQU3054383";
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string s = good;
      s[pos] = static_cast<char>(b);
      const auto r = ParseContainerCode(s);
      const bool same = s == good || (b >= 'a' && b <= 'z' && b - 32 == good[pos]);
      INFO(pos << " " << b);
      if (r.valid) {
        CHECK(r.code.size() == 11);
        CHECK(Iso6346CheckDigit(std::string_view(r.code).substr(0, 10)) == r.code[10] - '0');
      }
      if (same) CHECK(r.valid);
      CHECK(r.valid == r.errors.empty());
    }
  }
  // A NUL inside the view is a character like any other.
  CHECK_FALSE(ParseContainerCode(std::string("CSQU3054383\0", 12)).valid);
}

TEST_CASE("which single substitutions the check digit catches", "[cargo][iso6346]") {
  // Digits: always (values differ by less than 11, and 2^i is invertible mod 11).
  // Letters: unless their values differ by 11 or 22 (A, K, U; B, L, V; ...), which no
  // mod-11 sum can tell apart in one position: the skipped values only keep a letter
  // from weighing like a digit of the same residue class as 0.
  const std::string good = "CSQU3054383";
  int letters_missed = 0;
  for (std::size_t pos = 0; pos < 10; ++pos) {
    const std::string alphabet = pos < 4 ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "0123456789";
    for (char c : alphabet) {
      if (c == good[pos]) continue;
      std::string s = good;
      s[pos] = c;
      INFO(s);
      const bool same_residue = (*Iso6346Value(c) - *Iso6346Value(good[pos])) % 11 == 0;
      if (pos >= 4) CHECK_FALSE(same_residue);
      CHECK(ParseContainerCode(s).valid == (same_residue && (pos != 3 || ParseCategory(c))));
      if (same_residue) ++letters_missed;
    }
  }
  CHECK(letters_missed == 6);                      // C: M, W; S: I; Q: G; U: A, K (not categories)
  CHECK(ParseContainerCode("MSQU3054383").valid);  // C = 13, M = 24: same residue
}

TEST_CASE("OCR variants by position type, kept when the digit verifies", "[cargo][ocr]") {
  // Digits read in the owner code, letters read in the serial and check digit.
  CHECK(OcrVariants("C5QU3O54383") == std::vector<std::string>{"CSQU3054383"});
  CHECK(OcrVariants("8ICU1Z34S6S") == std::vector<std::string>{"BICU1234565"});
  CHECK(OcrVariants("CS0U3054383") == std::vector<std::string>{"CSQU3054383"});  // O, Q tried
  CHECK(OcrVariants("CSQU 305438 3") == std::vector<std::string>{"CSQU3054383"});
  CHECK(OcrVariants("M5CU6O5978A").empty());  // A cannot be a digit
  CHECK(OcrVariants("CSQU305438").empty());   // no check digit
  CHECK(OcrVariants(std::string(100, 'O')).empty());
  // Every variant is valid, and the valid reading itself is among its variants.
  for (const char* code : {"CSQU3054383", "OOLU8643084", "HJCU1922713"}) {
    const auto v = OcrVariants(code);
    CHECK(std::find(v.begin(), v.end(), code) != v.end());
    for (const auto& s : v) CHECK(ParseContainerCode(s).valid);
  }
  // OOLU: both O positions try O and Q; only the real code verifies.
  CHECK(OcrVariants("00LU8643084") == std::vector<std::string>{"OOLU8643084"});
}

TEST_CASE("SameContainer allows the OCR confusions and nothing else", "[cargo][ocr]") {
  CHECK(SameContainer("CSQU3054383", "csqu 305438 3"));
  CHECK(SameContainer("CSQU3054383", "C5OU3O54383"));
  CHECK(SameContainer("BICU1234565", "81CU I234S6S"));
  CHECK(SameContainer("OOLU8643084", "QQLU8643084"));
  CHECK_FALSE(SameContainer("CSQU3054383", "CSQU3054384"));
  CHECK_FALSE(SameContainer("CSQU3054383", "CSQU305438"));
  CHECK_FALSE(SameContainer("", ""));
  CHECK_FALSE(
      SameContainer("CSQU30543\x01"
                    "3",
                    "CSQU30543\x01"
                    "3"));
  CHECK(ContainerMatchKey("CSQU3054383") == "C50U3054383");
  CHECK(ContainerMatchKey("nonsense").empty());
}
