#include "checkpoint/documents/mrz.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace checkpoint::documents;

namespace {

// An independent check digit, so that tests do not trust the code under test.
char Cd(std::string_view s) {
  static constexpr int kW[] = {7, 3, 1};
  int sum = 0, i = 0;
  for (char c : s) {
    const int v = c == '<' ? 0 : (c >= '0' && c <= '9') ? c - '0' : c - 'A' + 10;
    sum += v * kW[i++ % 3];
  }
  return static_cast<char>('0' + sum % 10);
}

std::string Pad(std::string s, std::size_t n) {
  s.resize(n, '<');
  return s;
}

checkpoint::Expected<MrzResult> Parse(const std::vector<std::string>& lines,
                                      ParseOptions o = {2026, 0, 0}) {
  std::vector<std::string_view> views(lines.begin(), lines.end());
  return ParseMrz(views, o);
}

MrzResult ParseOk(const std::vector<std::string>& lines, ParseOptions o = {2026, 0, 0}) {
  auto r = Parse(lines, o);
  if (!r) FAIL(r.error().message());
  return *r;
}

CheckState StateOf(const MrzResult& r, std::string_view field) {
  for (const auto& c : r.checks) {
    if (c.field == field) return c.state;
  }
  FAIL("no check " << field);
  return CheckState::kAbsent;
}

std::vector<std::string> InvalidChecks(const MrzResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.checks) {
    if (c.state == CheckState::kInvalid) out.emplace_back(c.field);
  }
  return out;
}

bool HasWarning(const MrzResult& r, std::string_view w) {
  return std::find(r.warnings.begin(), r.warnings.end(), w) != r.warnings.end();
}

const std::vector<std::string> kTd1 = {"I<UTOD231458907<<<<<<<<<<<<<<<",
                                       "7408122F1204159UTO<<<<<<<<<<<6",
                                       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
const std::vector<std::string> kTd2 = {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                       "D231458907UTO7408122F1204159<<<<<<<6"};
const std::vector<std::string> kMrvA = {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                        "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"};
const std::vector<std::string> kMrvB = {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                        "L8988901C4XXX4009078F9612109<<<<<<<<"};

void FixTd3Composite(std::string& l2) {
  l2[43] = Cd(l2.substr(0, 10) + l2.substr(13, 7) + l2.substr(21, 22));
}
void FixTd2Composite(std::string& l2) {
  l2[35] = Cd(l2.substr(0, 10) + l2.substr(13, 7) + l2.substr(21, 14));
}
void FixTd1Composite(const std::string& l1, std::string& l2) {
  l2[29] = Cd(l1.substr(5, 25) + l2.substr(0, 7) + l2.substr(8, 7) + l2.substr(18, 11));
}

}  // namespace

TEST_CASE("check digits follow ICAO 9303 Part 3 worked examples", "[mrz]") {
  CHECK(CheckDigit("D23145890") == 7);
  CHECK(CheckDigit("740812") == 2);
  CHECK(CheckDigit("120415") == 9);
  CHECK(CheckDigit("L898902C3") == 6);
  CHECK(CheckDigit("ZE184226B<<<<<") == 1);
  CHECK(CheckDigit("") == 0);
  CHECK_FALSE(CheckDigit("ab").has_value());
}

TEST_CASE("format names", "[mrz]") {
  CHECK(FormatName(MrzFormat::kTD1) == "TD1");
  CHECK(FormatName(MrzFormat::kTD2) == "TD2");
  CHECK(FormatName(MrzFormat::kTD3) == "TD3");
  CHECK(FormatName(MrzFormat::kMRVA) == "MRVA");
  CHECK(FormatName(MrzFormat::kMRVB) == "MRVB");
  CHECK(FormatName(MrzFormat::kFrenchId) == "FRENCH_ID");
}

TEST_CASE("TD1 specimen parses and verifies", "[mrz]") {
  const MrzResult r = ParseOk(kTd1);
  CHECK(r.format == MrzFormat::kTD1);
  CHECK(r.valid);
  CHECK(r.field_errors.empty());
  CHECK(r.document_code == "I");
  CHECK(r.issuing_state == "UTO");
  CHECK(r.document_number == "D23145890");
  CHECK(r.nationality == "UTO");
  CHECK(r.surname == "ERIKSSON");
  CHECK(r.given_names == "ANNA MARIA");
  CHECK(r.sex == "F");
  CHECK(r.birth == MrzDate{"740812", 1974, 8, 12});
  CHECK(r.expiry == MrzDate{"120415", 2012, 4, 15});
  CHECK(r.optional_data1.empty());
  CHECK(r.optional_data2.empty());
  CHECK_FALSE(r.name_truncated);
  CHECK(r.checks == std::vector<Check>{{"documentNumber", CheckState::kValid},
                                       {"birthDate", CheckState::kValid},
                                       {"expiryDate", CheckState::kValid},
                                       {"composite", CheckState::kValid}});
  CHECK(r.warnings == std::vector<std::string>{"expired"});
}

TEST_CASE("TD3 specimen parses and verifies", "[mrz]") {
  const MrzResult r = ParseOk(kTd3);
  CHECK(r.format == MrzFormat::kTD3);
  CHECK(r.valid);
  CHECK(r.document_code == "P");
  CHECK(r.document_number == "L898902C3");
  CHECK(r.surname == "ERIKSSON");
  CHECK(r.given_names == "ANNA MARIA");
  CHECK(r.personal_number == "ZE184226B");
  CHECK(r.birth.year == 1974);
  CHECK(r.expiry.year == 2012);
  CHECK(r.checks.size() == 5);
  CHECK(InvalidChecks(r).empty());
  CHECK(StateOf(r, "personalNumber") == CheckState::kValid);
}

TEST_CASE("TD2, MRV-A and MRV-B specimens parse and verify", "[mrz]") {
  const MrzResult td2 = ParseOk(kTd2);
  CHECK(td2.format == MrzFormat::kTD2);
  CHECK(td2.valid);
  CHECK(td2.document_number == "D23145890");
  CHECK(td2.given_names == "ANNA MARIA");
  CHECK(td2.checks.size() == 4);

  const MrzResult a = ParseOk(kMrvA);
  CHECK(a.format == MrzFormat::kMRVA);
  CHECK(a.valid);
  CHECK(a.document_code == "V");
  CHECK(a.document_number == "L8988901C");
  CHECK(a.nationality == "XXX");
  CHECK(a.birth == MrzDate{"400907", 1940, 9, 7});
  CHECK(a.expiry == MrzDate{"961210", 1996, 12, 10});
  CHECK(a.optional_data == "6ZE184226B");
  CHECK(a.checks.size() == 3);

  const MrzResult b = ParseOk(kMrvB);
  CHECK(b.format == MrzFormat::kMRVB);
  CHECK(b.valid);
  CHECK(b.optional_data.empty());
  CHECK(b.checks.size() == 3);
}

TEST_CASE("each TD3 check fails on its own", "[mrz]") {
  struct Case {
    std::size_t pos;
    const char* field;
  };
  for (const Case c : {Case{9, "documentNumber"}, Case{19, "birthDate"}, Case{27, "expiryDate"},
                       Case{42, "personalNumber"}}) {
    std::string l2 = kTd3[1];
    l2[c.pos] = l2[c.pos] == '0' ? '1' : '0';
    FixTd3Composite(l2);
    const MrzResult r = ParseOk({kTd3[0], l2});
    CHECK_FALSE(r.valid);
    CHECK(InvalidChecks(r) == std::vector<std::string>{c.field});
  }
  std::string l2 = kTd3[1];
  l2[43] = '1';
  const MrzResult r = ParseOk({kTd3[0], l2});
  CHECK_FALSE(r.valid);
  CHECK(InvalidChecks(r) == std::vector<std::string>{"composite"});
}

TEST_CASE("each TD1 check fails on its own", "[mrz]") {
  std::string l1 = kTd1[0];
  l1[14] = '1';
  std::string l2 = kTd1[1];
  FixTd1Composite(l1, l2);
  CHECK(InvalidChecks(ParseOk({l1, l2, kTd1[2]})) == std::vector<std::string>{"documentNumber"});
  for (const auto& [pos, field] : {std::pair<std::size_t, const char*>{6, "birthDate"},
                                   std::pair<std::size_t, const char*>{14, "expiryDate"}}) {
    l2 = kTd1[1];
    l2[pos] = '0';
    FixTd1Composite(kTd1[0], l2);
    const MrzResult r = ParseOk({kTd1[0], l2, kTd1[2]});
    CHECK_FALSE(r.valid);
    CHECK(InvalidChecks(r) == std::vector<std::string>{field});
  }
  l2 = kTd1[1];
  l2[29] = '0';
  CHECK(InvalidChecks(ParseOk({kTd1[0], l2, kTd1[2]})) == std::vector<std::string>{"composite"});
}

TEST_CASE("each TD2 and visa check fails on its own", "[mrz]") {
  std::string l2 = kTd2[1];
  l2[35] = '0';
  CHECK(InvalidChecks(ParseOk({kTd2[0], l2})) == std::vector<std::string>{"composite"});
  l2 = kTd2[1];
  l2[19] = '0';
  FixTd2Composite(l2);
  CHECK(InvalidChecks(ParseOk({kTd2[0], l2})) == std::vector<std::string>{"birthDate"});
  l2 = kMrvB[1];
  l2[27] = '0';
  const MrzResult r = ParseOk({kMrvB[0], l2});
  CHECK_FALSE(r.valid);
  CHECK(InvalidChecks(r) == std::vector<std::string>{"expiryDate"});
}

TEST_CASE("TD1 long document number, ICAO rule", "[mrz]") {
  const std::string number = "D231458901234";
  const std::string l1 =
      Pad("I<UTO" + number.substr(0, 9) + "<" + number.substr(9) + Cd(number) + "<ABC", 30);
  std::string l2 = kTd1[1];
  FixTd1Composite(l1, l2);
  const MrzResult r = ParseOk({l1, l2, kTd1[2]});
  CHECK(r.valid);
  CHECK(r.document_number == number);
  CHECK(r.optional_data1 == "ABC");
  CHECK(StateOf(r, "documentNumber") == CheckState::kValid);
  CHECK_FALSE(HasWarning(
      r, "long document number check digit computed with the filler, as some issuers do"));
}

TEST_CASE("TD1 long document number computed with the filler", "[mrz]") {
  const std::string number = "D231458901234";
  const char with_filler = Cd("D23145890<1234");
  REQUIRE(with_filler != Cd(number));
  const std::string l1 = Pad("I<UTOD23145890<1234" + std::string(1, with_filler), 30);
  std::string l2 = kTd1[1];
  FixTd1Composite(l1, l2);
  const MrzResult r = ParseOk({l1, l2, kTd1[2]});
  CHECK(r.valid);
  CHECK(r.document_number == number);
  CHECK(r.optional_data1.empty());
  CHECK(HasWarning(
      r, "long document number check digit computed with the filler, as some issuers do"));
}

TEST_CASE("TD1 long document number with a wrong or missing check digit", "[mrz]") {
  char wrong = '0';
  while (wrong == Cd("D231458901234") || wrong == Cd("D23145890<1234")) ++wrong;
  for (const std::string& tail : std::vector<std::string>{std::string("1234") + wrong, "<<<"}) {
    const std::string l1 = Pad("I<UTOD23145890<" + tail, 30);
    std::string l2 = kTd1[1];
    FixTd1Composite(l1, l2);
    const MrzResult r = ParseOk({l1, l2, kTd1[2]});
    CHECK_FALSE(r.valid);
    CHECK(InvalidChecks(r) == std::vector<std::string>{"documentNumber"});
  }
}

TEST_CASE("TD2 long document number", "[mrz]") {
  const std::string number = "D2314589012";
  std::string l2 = "D23145890<UTO7408122F1204159" + Pad("12" + std::string(1, Cd(number)), 7) + "0";
  FixTd2Composite(l2);
  const MrzResult r = ParseOk({kTd2[0], l2});
  CHECK(r.valid);
  CHECK(r.document_number == number);
  CHECK(r.optional_data.empty());

  l2 = "D23145890<UTO7408122F1204159" + Pad("12" + std::string(1, Cd("D23145890<12")), 7) + "0";
  FixTd2Composite(l2);
  const MrzResult v = ParseOk({kTd2[0], l2});
  CHECK(v.valid);
  CHECK(v.warnings.size() == 2);  // expired, filler variant
}

TEST_CASE("Germany is written D<< and read as D", "[mrz]") {
  std::string l2 = "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<0";
  l2[9] = Cd(l2.substr(0, 9));
  l2[19] = Cd("640812");
  l2[27] = Cd("270228");
  l2[42] = '<';
  FixTd3Composite(l2);
  const MrzResult r = ParseOk({Pad("P<D<<MUSTERMANN<<ERIKA", 44), l2}, ParseOptions{2026, 11, 22});
  CHECK(r.valid);
  CHECK(r.issuing_state == "D");
  CHECK(r.nationality == "D");
  CHECK(r.warnings.empty());
  CHECK(StateOf(r, "personalNumber") == CheckState::kAbsent);
  CHECK(r.personal_number.empty());
}

TEST_CASE("TD3 personal number check digit may be < or 0 only when the field is empty", "[mrz]") {
  std::string l2 = "L898902C36UTO7408122F1204159" + std::string(14, '<') + "00";
  FixTd3Composite(l2);
  CHECK(StateOf(ParseOk({kTd3[0], l2}), "personalNumber") == CheckState::kValid);
  l2[42] = '<';
  FixTd3Composite(l2);
  CHECK(StateOf(ParseOk({kTd3[0], l2}), "personalNumber") == CheckState::kAbsent);
  CHECK(ParseOk({kTd3[0], l2}).valid);
  l2 = kTd3[1];
  l2[42] = '<';
  FixTd3Composite(l2);
  CHECK(InvalidChecks(ParseOk({kTd3[0], l2})) == std::vector<std::string>{"personalNumber"});
}

TEST_CASE("unknown codes and expiry give warnings, not invalidity", "[mrz]") {
  std::string l1 = kTd3[0];
  l1.replace(2, 3, "ZZZ");
  std::string l2 = kTd3[1];
  l2.replace(10, 3, "QQQ");
  const MrzResult r = ParseOk({l1, l2}, ParseOptions{2012, 4, 16});
  CHECK(r.valid);
  CHECK(HasWarning(r, "unknown issuing state ZZZ"));
  CHECK(HasWarning(r, "unknown nationality QQQ"));
  CHECK(HasWarning(r, "expired"));
  CHECK_FALSE(HasWarning(ParseOk(kTd3, ParseOptions{2012, 4, 15}), "expired"));
  CHECK_FALSE(HasWarning(ParseOk(kTd3, ParseOptions{2012, 0, 0}), "expired"));
  CHECK(IsKnownStateCode("D"));
  CHECK(IsKnownStateCode("XXA"));
  CHECK(IsKnownStateCode("GBD"));
  CHECK(IsKnownStateCode("DEU"));
  CHECK_FALSE(IsKnownStateCode("D<<"));
  CHECK_FALSE(IsKnownStateCode("ZZZ"));
}

TEST_CASE("century inference for birth and expiry dates", "[mrz]") {
  auto td3 = [](std::string birth, std::string expiry, int year) {
    std::string l2 =
        "L898902C36UTO" + birth + Cd(birth) + "F" + expiry + Cd(expiry) + "ZE184226B<<<<<10";
    FixTd3Composite(l2);
    return ParseOk({kTd3[0], l2}, ParseOptions{year, 0, 0});
  };
  CHECK(td3("250101", "300101", 2026).birth.year == 2025);
  CHECK(td3("260101", "300101", 2026).birth.year == 2026);
  CHECK(td3("270101", "300101", 2026).birth.year == 1927);
  CHECK(td3("000101", "760101", 2026).expiry.year == 2076);
  CHECK(td3("000101", "770101", 2026).expiry.year == 1977);
  CHECK(td3("000101", "990101", 2026).expiry.year == 1999);
}

TEST_CASE("unknown parts of a birth date", "[mrz]") {
  for (const std::string& birth : std::vector<std::string>{
           std::string("74<<<<"), std::string("<<<<<<"), std::string("7408<<")}) {
    std::string l2 = "L898902C36UTO" + birth + Cd(birth) + "F1204159ZE184226B<<<<<10";
    FixTd3Composite(l2);
    const MrzResult r = ParseOk({kTd3[0], l2});
    CHECK(r.valid);
    CHECK(r.birth.printed == birth);
    CHECK(r.birth.day == std::nullopt);
  }
  std::string l2 =
      "L898902C36UTO74<<<<" + std::string(1, Cd("74<<<<")) + "F1204159ZE184226B<<<<<10";
  FixTd3Composite(l2);
  const MrzResult r = ParseOk({kTd3[0], l2});
  CHECK(r.birth.year == 1974);
  CHECK_FALSE(r.birth.month);
}

TEST_CASE("wrong character classes make a document invalid", "[mrz]") {
  auto with_birth = [](std::string birth) {
    std::string l2 = "L898902C36UTO" + birth + Cd(birth) + "F1204159ZE184226B<<<<<10";
    FixTd3Composite(l2);
    return ParseOk({kTd3[0], l2});
  };
  CHECK_FALSE(with_birth("74O812").valid);  // letter O for zero
  CHECK_FALSE(with_birth("741312").valid);  // month 13
  CHECK_FALSE(with_birth("740231").valid);  // 31 February
  CHECK_FALSE(with_birth("7<0812").valid);  // half-unknown year
  CHECK(with_birth("000229").valid);        // 2000 is a leap year
  CHECK_FALSE(with_birth("740812").field_errors.size() > 0);

  std::string l1 = kTd3[0];
  l1[10] = '5';  // ERIKS5ON
  const ParseOptions as_read{2026, 0, 0, false};
  const MrzResult name = ParseOk({l1, kTd3[1]}, as_read);
  CHECK_FALSE(name.valid);
  CHECK(name.checks.size() == 5);
  CHECK(InvalidChecks(name).empty());

  std::string l2 = kTd3[1];
  l2[20] = 'Q';
  FixTd3Composite(l2);
  CHECK_FALSE(ParseOk({kTd3[0], l2}).valid);
  l2 = kTd3[1];
  l2.replace(10, 3, "U1O");
  CHECK_FALSE(ParseOk({kTd3[0], l2}, as_read).valid);
}

TEST_CASE("a name filling its field is flagged as truncated", "[mrz]") {
  const std::string name = "WOLFESCHLEGELSTEINHAUSEN<<HUBERT<BLAINE";
  REQUIRE(name.size() == 39);
  const MrzResult r = ParseOk({"P<UTO" + name, kTd3[1]});
  CHECK(r.valid);
  CHECK(r.name_truncated);
  CHECK(r.surname == "WOLFESCHLEGELSTEINHAUSEN");
  CHECK(r.given_names == "HUBERT BLAINE");
  CHECK_FALSE(ParseOk(kTd3).name_truncated);

  const MrzResult one = ParseOk({Pad("P<UTOMADONNA", 44), kTd3[1]});
  CHECK(one.surname == "MADONNA");
  CHECK(one.given_names.empty());
}

TEST_CASE("French national identity card 1988-2021", "[mrz]") {
  const std::string l1 = Pad("IDFRADUPONT", 30) + "750123";
  std::string l2 = "880575012345";
  l2 += Cd(l2);
  l2 += Pad("MARIE<<CLAIRE", 14) + "650412" + Cd("650412") + "F";
  l2 += Cd(l1 + l2);
  REQUIRE(l1.size() == 36);
  REQUIRE(l2.size() == 36);
  const MrzResult r = ParseOk({l1, l2});
  CHECK(r.format == MrzFormat::kFrenchId);
  CHECK(r.valid);
  CHECK(r.surname == "DUPONT");
  CHECK(r.given_names == "MARIE CLAIRE");
  CHECK(r.document_number == "880575012345");
  CHECK(r.issuing_state == "FRA");
  CHECK(r.nationality == "FRA");
  CHECK(r.birth == MrzDate{"650412", 1965, 4, 12});
  CHECK(r.expiry.printed.empty());
  CHECK(r.optional_data == "750123");
  CHECK(r.checks.size() == 3);

  std::string bad = l2;
  bad[35] = bad[35] == '0' ? '1' : '0';
  CHECK(InvalidChecks(ParseOk({l1, bad})) == std::vector<std::string>{"composite"});
}

TEST_CASE("French ID: the card number opens with the year and month of issue", "[mrz][ocr]") {
  auto card = [](const std::string& number, const std::string& printed_number) {
    const std::string l1 = Pad("IDFRADUPONT", 30) + "750123";
    std::string l2 = number + Cd(number);
    l2 += Pad("MARIE<<CLAIRE", 14) + "650412" + Cd("650412") + "F";
    l2 += Cd(l1 + l2);
    l2.replace(0, 12, printed_number);
    return std::vector<std::string>{l1, l2};
  };
  const MrzResult ok = ParseOk(card("880575012345", "880575012345"));
  CHECK(ok.valid);
  CHECK(ok.issue == MrzDate{"8805", 1988, 5, std::nullopt});
  const MrzResult recent = ParseOk(card("190375012345", "190375012345"));
  CHECK(recent.issue.year == 2019);

  const MrzResult month13 = ParseOk(card("881375012345", "881375012345"));
  CHECK_FALSE(month13.valid);
  CHECK(month13.field_errors == std::vector<std::string>{"issueDate: not a calendar month"});

  // O for 0 in the month: a digit by layout, confirmed by the number's check digit.
  const MrzResult fixed = ParseOk(card("880575012345", "88O575012345"));
  CHECK(fixed.valid);
  CHECK(fixed.document_number == "880575012345");
  CHECK(fixed.corrections == std::vector<Correction>{{2, 3, 'O', '0', "issueDate"}});
  const MrzResult as_read = ParseOk(card("880575012345", "88O575012345"), {2026, 0, 0, false});
  CHECK_FALSE(as_read.valid);
  CHECK(as_read.field_errors == std::vector<std::string>{"issueDate: not digits"});
  // The same letter past the date (department, serial) is not the layout's to judge.
  const MrzResult serial = ParseOk(card("880575012305", "8805750123O5"));
  CHECK_FALSE(serial.valid);
  CHECK(serial.corrections.empty());
}

TEST_CASE("text that is not an MRZ is a parse error without echoing the text", "[mrz]") {
  const std::vector<std::vector<std::string>> garbage = {
      {},
      {""},
      {"", ""},
      {kTd3[0]},
      {kTd3[0], kTd3[1], kTd3[1]},
      {kTd1[0], kTd1[1], kTd1[2], kTd1[2]},
      {kTd3[0], kTd3[1].substr(0, 43)},
      {kTd3[0] + "<", kTd3[1] + "<"},
      {kTd2[0], kTd3[1]},
      {kTd1[0], kTd1[1], kTd1[2] + "<"},
      {kTd3[0], "l898902c36uto7408122f1204159ze184226b<<<<<10"},
      {kTd1[0], kTd1[1], "ERIKSSON<<ANNA<MARIA<<<<<<<<\xC3\x84"},
      {kTd1[0], kTd1[1], std::string("ERIKSSON<<ANNA<MARIA<<<<<<<<<\0", 30)},
      {kTd2[0], "D231458907 UTO7408122F1204159<<<<<<6"},
  };
  for (const auto& lines : garbage) {
    auto r = Parse(lines);
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(checkpoint::CommonErrc::kParse));
    CHECK(r.error().message().find("ERIKSSON") == std::string::npos);
    CHECK(r.error().message().find("L898902") == std::string::npos);
  }
}

TEST_CASE("every byte value at every position is accepted exactly when it is A-Z 0-9 <", "[mrz]") {
  for (const auto& sample : {kTd1, kTd2, kTd3}) {
    for (std::size_t line = 0; line < sample.size(); ++line) {
      for (std::size_t pos = 0; pos < sample[line].size(); ++pos) {
        for (int b = 0; b < 256; ++b) {
          const char c = static_cast<char>(b);
          auto lines = sample;
          lines[line][pos] = c;
          const bool mrz_char = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
          auto r = Parse(lines);
          if (mrz_char) {
            CHECK(r.has_value());
            continue;
          }
          REQUIRE_FALSE(r.has_value());
          const std::string want = "MRZ line " + std::to_string(line + 1) +
                                   ": character at position " + std::to_string(pos + 1) +
                                   " is not A-Z, 0-9 or '<'";
          if (r.error().message() != want) FAIL(r.error().message() << " != " << want);
        }
      }
    }
  }
}

namespace {
ParseOptions AsRead() {
  return {2026, 0, 0, false};
}
// The line as issued for the date check_over, then read as printed (the composite
// was issued over the true date too).
std::string Td3Line2WithBirth(const std::string& printed, const std::string& check_over) {
  std::string l2 = "L898902C36UTO" + check_over + Cd(check_over) + "F1204159ZE184226B<<<<<10";
  FixTd3Composite(l2);
  l2.replace(13, 6, printed);
  return l2;
}
}  // namespace

TEST_CASE("OCR correction: letters in checked numeric fields, kept only if the check verifies",
          "[mrz][ocr]") {
  // O read for 0 in the birth date; the check digit was printed for 740812.
  const std::string l2 = Td3Line2WithBirth("74O812", "740812");
  const MrzResult fixed = ParseOk({kTd3[0], l2});
  CHECK(fixed.valid);
  CHECK(fixed.birth.printed == "740812");
  REQUIRE(fixed.corrections.size() == 1);
  CHECK(fixed.corrections[0] == Correction{2, 16, 'O', '0', "birthDate"});
  const MrzResult as_read = ParseOk({kTd3[0], l2}, AsRead());
  CHECK_FALSE(as_read.valid);
  CHECK(as_read.corrections.empty());
  CHECK(as_read.birth.printed == "74O812");

  // The same misreading, but the check digit belongs to another date: not kept.
  const MrzResult kept_out = ParseOk({kTd3[0], Td3Line2WithBirth("74O812", "748812")});
  CHECK_FALSE(kept_out.valid);
  CHECK(kept_out.corrections.empty());
  CHECK(kept_out.birth.printed == "74O812");

  // A letter with no digit reading leaves the whole field as read.
  const MrzResult unknown = ParseOk({kTd3[0], Td3Line2WithBirth("7OX812", "700812")});
  CHECK_FALSE(unknown.valid);
  CHECK(unknown.corrections.empty());
}

TEST_CASE("OCR correction: G for 6 keeps the check digit, so the field type decides",
          "[mrz][ocr]") {
  REQUIRE(CheckDigit("7G0812") == CheckDigit("760812"));
  const std::string l2 = Td3Line2WithBirth("7G0812", "760812");
  const MrzResult as_read = ParseOk({kTd3[0], l2}, AsRead());
  CHECK(StateOf(as_read, "birthDate") == CheckState::kValid);  // the digit cannot tell
  CHECK_FALSE(as_read.valid);                                  // the field type can
  const MrzResult fixed = ParseOk({kTd3[0], l2});
  CHECK(fixed.valid);
  CHECK(fixed.birth.printed == "760812");
  CHECK(fixed.birth.year == 1976);
  REQUIRE(fixed.corrections.size() == 1);
  CHECK(fixed.corrections[0] == Correction{2, 15, 'G', '6', "birthDate"});
}

TEST_CASE("OCR correction: check digits, composite, names, codes", "[mrz][ocr]") {
  std::string l2 = kTd3[1];
  l2[19] = 'Z';  // birth date check digit 2
  l2[43] = 'O';  // composite 0
  std::string l1 = kTd3[0];
  l1[10] = '5';  // ERIKS5ON
  l1[3] = '7';   // UTO -> U7O
  const MrzResult r = ParseOk({l1, l2});
  CHECK(r.valid);
  CHECK(r.surname == "ERIKSSON");
  CHECK(r.issuing_state == "UTO");
  CHECK(r.corrections == std::vector<Correction>{{1, 4, '7', 'T', "issuingState"},
                                                 {1, 11, '5', 'S', "name"},
                                                 {2, 20, 'Z', '2', "birthDate"},
                                                 {2, 44, 'O', '0', "composite"}});

  // TD1: a digit in the document code, an I in the expiry date, a G in the composite.
  std::vector<std::string> td1 = kTd1;
  td1[0][0] = '1';
  td1[1][8] = 'I';   // expiry 120415
  td1[1][29] = 'G';  // composite 6
  const MrzResult t = ParseOk(td1);
  CHECK(t.valid);
  CHECK(t.document_code == "I");
  CHECK(t.expiry.printed == "120415");
  CHECK(t.corrections == std::vector<Correction>{{1, 1, '1', 'I', "documentCode"},
                                                 {2, 9, 'I', '1', "expiryDate"},
                                                 {2, 30, 'G', '6', "composite"}});

  // French ID: "1DFRA" is recognised once the document code is corrected.
  const std::string fl1 = Pad("IDFRADUPONT", 30) + "750123";
  std::string fl2 = "880575012345";
  fl2 += Cd(fl2);
  fl2 += Pad("MARIE<<CLAIRE", 14) + "650412" + Cd("650412") + "F";
  fl2 += Cd(fl1 + fl2);
  std::string misread = fl1;
  misread[0] = '1';
  const MrzResult f = ParseOk({misread, fl2});
  CHECK(f.format == MrzFormat::kFrenchId);
  CHECK(f.valid);
  CHECK(f.corrections == std::vector<Correction>{{1, 1, '1', 'I', "documentCode"}});
  CHECK(ParseOk({misread, fl2}, AsRead()).format == MrzFormat::kTD2);
}

TEST_CASE("OCR correction: alphanumeric fields and digit-for-digit errors are not guessed",
          "[mrz][ocr]") {
  std::string l2 = kTd3[1];
  l2[5] = 'O';  // L8989O2C3: the number may hold letters, so nothing can be said
  const MrzResult number = ParseOk({kTd3[0], l2});
  CHECK_FALSE(number.valid);
  CHECK(number.corrections.empty());
  CHECK(number.document_number == "L8989O2C3");
  l2 = kTd3[1];
  l2[14] = '3';  // 7308122: a digit for a digit
  CHECK_FALSE(ParseOk({kTd3[0], l2}).valid);
  CHECK(ParseOk({kTd3[0], l2}).corrections.empty());
}

TEST_CASE("OCR correction never makes a wrong reading valid", "[mrz][ocr]") {
  // Every single-character misreading of every position of every sample: when the
  // corrected document is valid, its fields are those of the true document.
  const std::vector<std::vector<std::string>> samples = {kTd1, kTd2, kTd3, kMrvA, kMrvB};
  std::size_t corrected = 0, trials = 0;
  for (const auto& truth : samples) {
    const MrzResult want = ParseOk(truth);
    REQUIRE(want.valid);
    for (std::size_t line = 0; line < truth.size(); ++line) {
      for (std::size_t pos = 0; pos < truth[line].size(); ++pos) {
        for (char c : std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")) {
          if (c == truth[line][pos]) continue;
          auto read = truth;
          read[line][pos] = c;
          ++trials;
          const MrzResult r = ParseOk(read);
          // Mod-10 check digits cannot see every letter-for-digit swap in an
          // alphanumeric field (D = 13 weighs as 3): such readings are valid as read,
          // and correction must not be what makes them so.
          if (!r.valid || r.corrections.empty()) continue;
          ++corrected;
          CHECK(r.birth == want.birth);
          CHECK(r.expiry == want.expiry);
          CHECK(r.document_number == want.document_number);
          CHECK(r.personal_number == want.personal_number);
          CHECK(r.format == want.format);
        }
      }
    }
  }
  CHECK(trials > 10000);
  CHECK(corrected > 100);
}
