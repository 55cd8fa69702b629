#include "checkpoint/documents/mrz.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "mrz_chars.hpp"
#include "mrz_correct.hpp"

namespace checkpoint::documents {
namespace {

using namespace detail;

// ISO 3166-1 alpha-3 codes and the ICAO 9303 Part 3 §5 special codes, sorted so that
// lookups are a binary search. Germany is "D" in an MRZ (written "D<<"); "DEU" is kept
// since some non-German issuers write it.
constexpr std::array<std::string_view, 277> kStateCodes = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "D",   "DEU", "DJI", "DMA", "DNK", "DOM",
    "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "EUE", "FIN", "FJI", "FLK", "FRA",
    "FRO", "FSM", "GAB", "GBD", "GBN", "GBO", "GBP", "GBR", "GBS", "GEO", "GGY", "GHA", "GIB",
    "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG",
    "HMD", "HND", "HRV", "HTI", "HUN", "IAO", "IDN", "IMN", "IND", "IOT", "IRL", "IRN", "IRQ",
    "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA",
    "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA",
    "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR",
    "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL",
    "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NZL", "OMN", "PAK", "PAN",
    "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT",
    "REU", "RKS", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB",
    "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ",
    "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO",
    "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "UNA", "UNK", "UNO", "URY", "USA",
    "UTO", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "XBA", "XCC",
    "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
    "YEM", "ZAF", "ZMB", "ZWE",
};
static_assert(std::is_sorted(kStateCodes.begin(), kStateCodes.end()));
static_assert(std::adjacent_find(kStateCodes.begin(), kStateCodes.end()) == kStateCodes.end());

// The three-letter codes as a bit set indexed by the letters (26^3 bits), so that a
// lookup is one load; the table above stays the readable source.
constexpr std::size_t kCodeSpace = 26 * 26 * 26;
constexpr std::size_t CodeIndex(std::string_view code) {
  return static_cast<std::size_t>(((code[0] - 'A') * 26 + (code[1] - 'A')) * 26 + (code[2] - 'A'));
}
constexpr auto kThreeLetterCodes = [] {
  std::array<std::uint64_t, (kCodeSpace + 63) / 64> bits{};
  for (std::string_view code : kStateCodes) {
    if (code.size() == 3) bits[CodeIndex(code) / 64] |= std::uint64_t{1} << (CodeIndex(code) % 64);
  }
  return bits;
}();

// Positions are 1-based and inclusive of the first character, as in ICAO 9303.
std::string_view Sub(std::string_view line, std::size_t first, std::size_t length) {
  return line.substr(first - 1, length);
}

std::string_view TrimFillers(std::string_view s) {
  while (!s.empty() && s.back() == '<') s.remove_suffix(1);
  return s;
}

// Runs of '<' become one space; leading and trailing fillers are dropped.
std::string Words(std::string_view s) {
  std::string out(s.size(), ' ');
  std::size_t n = 0;
  bool gap = false;
  for (char c : s) {
    if (c == '<') {
      gap = n != 0;
      continue;
    }
    if (gap) ++n;  // the space is already there
    gap = false;
    out[n++] = c;
  }
  out.resize(n);
  return out;
}

constexpr bool IsFiller(char c) {
  return c == '<';
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) return 29;
  return kDays[static_cast<std::size_t>(month - 1)];
}

enum class DateKind { kBirth, kExpiry };

class Parser {
 public:
  Parser(MrzResult& r, const ParseOptions& o) : r_(r), o_(o) {
    r_.checks.reserve(5);  // the most any format has
  }

  void FieldError(std::string_view field, std::string_view what) {
    std::string e(field);
    e += ": ";
    e += what;
    r_.field_errors.push_back(std::move(e));
  }

  // A check digit over data; '<' and letters in the digit position are invalid.
  void Verify(std::string_view field, std::string_view data, char digit) {
    VerifySum(field, CheckSum().Add(data), digit);
  }
  void VerifySum(std::string_view field, const CheckSum& sum, char digit) {
    r_.checks.push_back({field, sum.Digit() == digit ? CheckState::kValid : CheckState::kInvalid});
  }

  void DocumentCode(std::string_view code, std::string_view allowed_first) {
    r_.document_code = TrimFillers(code);
    if (!IsLetter(code[0]) || !IsLetterOrFiller(code[1])) {
      FieldError("documentCode", "not letters");
    } else if (allowed_first.find(code[0]) == std::string_view::npos) {
      r_.warnings.push_back("unexpected document code for " + std::string(FormatName(r_.format)));
    }
  }

  // A three-letter code; Germany's "D<<" reads as "D".
  std::string StateCode(std::string_view field, std::string_view code) {
    std::string_view t = TrimFillers(code);
    if (t.empty() || !All<IsLetter>(t)) {
      FieldError(field, "not a state code");
    }
    return std::string(t);
  }

  void StateWarnings() {
    if (!r_.issuing_state.empty() && !IsKnownStateCode(r_.issuing_state) &&
        All<IsLetter>(r_.issuing_state)) {
      r_.warnings.push_back("unknown issuing state " + r_.issuing_state);
    }
    if (!r_.nationality.empty() && !IsKnownStateCode(r_.nationality) &&
        All<IsLetter>(r_.nationality)) {
      r_.warnings.push_back("unknown nationality " + r_.nationality);
    }
  }

  MrzDate Date(std::string_view field, std::string_view printed, DateKind kind) {
    MrzDate d;
    d.printed = printed;
    bool ok = true;
    auto part = [&](std::size_t at) -> std::optional<int> {
      const char a = printed[at], b = printed[at + 1];
      if (IsDigit(a) && IsDigit(b)) return (a - '0') * 10 + (b - '0');
      if (a != '<' || b != '<') ok = false;
      return std::nullopt;
    };
    const std::optional<int> yy = part(0);
    d.month = part(2);
    d.day = part(4);
    if (!ok) {
      FieldError(field, "not digits or unknown parts '<<'");
      d.month = d.day = std::nullopt;
      return d;
    }
    if (yy) {
      if (kind == DateKind::kBirth) {
        d.year = 2000 + *yy <= o_.year ? 2000 + *yy : 1900 + *yy;
      } else {
        d.year = 2000 + *yy > o_.year + 50 ? 1900 + *yy : 2000 + *yy;
      }
    }
    if (d.month && (*d.month < 1 || *d.month > 12)) {
      FieldError(field, "not a calendar date");
    } else if (d.day) {
      // An unknown year allows 29 February, an unknown month 31 days.
      const int max = d.month ? DaysInMonth(d.year.value_or(2000), *d.month) : 31;
      if (*d.day < 1 || *d.day > max) FieldError(field, "not a calendar date");
    }
    return d;
  }

  // YYMM, both digits (no unknown parts: the issuer printed its own date).
  void IssueMonth(std::string_view printed) {
    r_.issue.printed = printed;
    if (!All<IsDigit>(printed)) {
      FieldError("issueDate", "not digits");
      return;
    }
    const int yy = (printed[0] - '0') * 10 + (printed[1] - '0');
    const int month = (printed[2] - '0') * 10 + (printed[3] - '0');
    r_.issue.year = 2000 + yy <= o_.year ? 2000 + yy : 1900 + yy;
    r_.issue.month = month;
    if (month < 1 || month > 12) FieldError("issueDate", "not a calendar month");
  }

  void Sex(char c) {
    if (c == 'M' || c == 'F' || c == 'X') {
      r_.sex = std::string(1, c);
    } else if (c != '<') {
      r_.sex = std::string(1, c);
      FieldError("sex", "not M, F, X or '<'");
    }
  }

  // Primary and secondary identifiers separated by "<<".
  void Name(std::string_view field) {
    if (!All<IsLetterOrFiller>(field)) FieldError("name", "characters other than letters");
    r_.name_truncated = field.back() != '<';
    const std::size_t split = field.find("<<");
    if (split == std::string_view::npos) {
      r_.surname = Words(field);
      return;
    }
    r_.surname = Words(field.substr(0, split));
    r_.given_names = Words(field.substr(split + 2));
  }

  // Document number with its check digit; for TD1 and TD2 a '<' check digit means
  // the number continues in the optional data (returned without the continuation).
  std::string_view DocumentNumber(std::string_view number, char digit, std::string_view optional,
                                  bool may_be_long) {
    if (digit != '<' || !may_be_long) {
      r_.document_number = TrimFillers(number);
      Verify("documentNumber", number, digit);
      return optional;
    }
    const std::size_t end = std::min(optional.find('<'), optional.size());
    const std::string_view cont = optional.substr(0, end);
    if (cont.empty() || !IsDigit(cont.back())) {
      r_.document_number = TrimFillers(number);
      FieldError("documentNumber", "long document number without its check digit");
      r_.checks.push_back({"documentNumber", CheckState::kInvalid});
      return optional.substr(end);
    }
    const std::string_view rest = cont.substr(0, cont.size() - 1);
    r_.document_number.reserve(number.size() + rest.size());
    r_.document_number = number;
    r_.document_number += rest;
    const char want = cont.back();
    if (CheckSum().Add(number).Add(rest).Digit() == want) {
      r_.checks.push_back({"documentNumber", CheckState::kValid});
    } else if (CheckSum().Add(number).Add("<").Add(rest).Digit() == want) {
      r_.checks.push_back({"documentNumber", CheckState::kValid});
      r_.warnings.emplace_back(
          "long document number check digit computed with the filler, as some issuers do");
    } else {
      r_.checks.push_back({"documentNumber", CheckState::kInvalid});
    }
    // Past the continuation and the filler that ends it.
    return optional.substr(std::min(end + 1, optional.size()));
  }

  void Expired() {
    const MrzDate& e = r_.expiry;
    if (!e.year) return;
    bool expired = *e.year < o_.year;
    if (*e.year == o_.year && o_.month != 0 && e.month) {
      expired =
          *e.month < o_.month || (*e.month == o_.month && o_.day != 0 && e.day && *e.day < o_.day);
    }
    if (expired) r_.warnings.emplace_back("expired");
  }

  // The data line shared by TD2, TD3 and MRV: number, nationality, dates, sex.
  // Returns the optional data after a long document number continuation, if any.
  std::string_view CommonLine2(std::string_view l2, std::string_view optional, bool may_be_long) {
    const std::string_view rest = DocumentNumber(Sub(l2, 1, 9), l2[9], optional, may_be_long);
    r_.nationality = StateCode("nationality", Sub(l2, 11, 3));
    r_.birth = Date("birthDate", Sub(l2, 14, 6), DateKind::kBirth);
    Verify("birthDate", Sub(l2, 14, 6), l2[19]);
    Sex(l2[20]);
    r_.expiry = Date("expiryDate", Sub(l2, 22, 6), DateKind::kExpiry);
    Verify("expiryDate", Sub(l2, 22, 6), l2[27]);
    return rest;
  }

  void Td1(std::string_view l1, std::string_view l2, std::string_view l3) {
    DocumentCode(Sub(l1, 1, 2), "ACI");
    r_.issuing_state = StateCode("issuingState", Sub(l1, 3, 3));
    r_.optional_data1 = TrimFillers(DocumentNumber(Sub(l1, 6, 9), l1[14], Sub(l1, 16, 15), true));
    r_.birth = Date("birthDate", Sub(l2, 1, 6), DateKind::kBirth);
    Verify("birthDate", Sub(l2, 1, 6), l2[6]);
    Sex(l2[7]);
    r_.expiry = Date("expiryDate", Sub(l2, 9, 6), DateKind::kExpiry);
    Verify("expiryDate", Sub(l2, 9, 6), l2[14]);
    r_.nationality = StateCode("nationality", Sub(l2, 16, 3));
    r_.optional_data2 = TrimFillers(Sub(l2, 19, 11));
    CheckSum composite;
    composite.Add(Sub(l1, 6, 25)).Add(Sub(l2, 1, 7)).Add(Sub(l2, 9, 7)).Add(Sub(l2, 19, 11));
    VerifySum("composite", composite, l2[29]);
    Name(l3);
  }

  void Td2OrMrv(std::string_view l1, std::string_view l2) {
    const bool visa = r_.format == MrzFormat::kMRVA || r_.format == MrzFormat::kMRVB;
    const bool td3 = r_.format == MrzFormat::kTD3;
    DocumentCode(Sub(l1, 1, 2), visa ? "V" : td3 ? "P" : "ACIPV");
    r_.issuing_state = StateCode("issuingState", Sub(l1, 3, 3));
    Name(l1.substr(5));
    const std::size_t n = l2.size();
    if (td3) {
      CommonLine2(l2, {}, false);
      const std::string_view personal = Sub(l2, 29, 14);
      r_.personal_number = TrimFillers(personal);
      if (l2[42] == '<' && All<IsFiller>(personal)) {
        r_.checks.push_back({"personalNumber", CheckState::kAbsent});
      } else {
        Verify("personalNumber", personal, l2[42]);
      }
      CheckSum composite;
      composite.Add(Sub(l2, 1, 10)).Add(Sub(l2, 14, 7)).Add(Sub(l2, 22, 22));
      VerifySum("composite", composite, l2[43]);
      return;
    }
    // TD2 keeps the last character for the composite check digit; visas have none.
    const std::string_view optional = l2.substr(28, visa ? n - 28 : n - 29);
    r_.optional_data = TrimFillers(CommonLine2(l2, optional, !visa));
    if (!visa) {
      CheckSum composite;
      composite.Add(Sub(l2, 1, 10)).Add(Sub(l2, 14, 7)).Add(Sub(l2, 22, 14));
      VerifySum("composite", composite, l2[35]);
    }
  }

  // The French national identity card of 1988-2021: line 1 "IDFRA", surname (25),
  // issuing department and office (6); line 2 number (12: year and month of issue,
  // department, office, serial) with check digit, given names (14), birth date with
  // check digit, sex, and a composite check digit over line 1 and line 2 1-35.
  void FrenchId(std::string_view l1, std::string_view l2) {
    r_.document_code = "ID";
    r_.issuing_state = "FRA";
    r_.nationality = "FRA";  // the card is issued to French citizens only
    const std::string_view surname = Sub(l1, 6, 25), given = Sub(l2, 14, 14);
    if (!All<IsLetterOrFiller>(surname) || !All<IsLetterOrFiller>(given)) {
      FieldError("name", "characters other than letters");
    }
    r_.surname = Words(surname);
    r_.given_names = Words(given);
    r_.name_truncated = surname.back() != '<' || given.back() != '<';
    r_.optional_data = TrimFillers(Sub(l1, 31, 6));
    const std::string_view number = Sub(l2, 1, 12);
    r_.document_number = TrimFillers(number);
    Verify("documentNumber", number, l2[12]);
    IssueMonth(Sub(l2, 1, 4));
    r_.birth = Date("birthDate", Sub(l2, 28, 6), DateKind::kBirth);
    Verify("birthDate", Sub(l2, 28, 6), l2[33]);
    Sex(l2[34]);
    CheckSum composite;
    composite.Add(l1).Add(Sub(l2, 1, 35));
    VerifySum("composite", composite, l2[35]);
  }

 private:
  MrzResult& r_;
  const ParseOptions& o_;
};

// The shape (lines × length) is valid; line1 is the first line.
MrzFormat DetectFormat(std::string_view line1, std::size_t lines) {
  if (lines == 3) return MrzFormat::kTD1;
  if (line1.size() == 44) return line1[0] == 'V' ? MrzFormat::kMRVA : MrzFormat::kTD3;
  if (line1[0] == 'V') return MrzFormat::kMRVB;
  if (line1.substr(0, 5) == "IDFRA") return MrzFormat::kFrenchId;
  return MrzFormat::kTD2;
}

Error ParseError(std::string message) {
  return MakeError(CommonErrc::kParse, std::move(message));
}

}  // namespace

std::string_view FormatName(MrzFormat format) {
  switch (format) {
    case MrzFormat::kTD1:
      return "TD1";
    case MrzFormat::kTD2:
      return "TD2";
    case MrzFormat::kTD3:
      return "TD3";
    case MrzFormat::kMRVA:
      return "MRVA";
    case MrzFormat::kMRVB:
      return "MRVB";
    case MrzFormat::kFrenchId:
      return "FRENCH_ID";
  }
  return "UNKNOWN";
}

std::optional<int> CheckDigit(std::string_view data) {
  if (!std::all_of(data.begin(), data.end(), IsMrzChar)) return std::nullopt;
  return CheckSum().Add(data).Digit() - '0';
}

bool IsKnownStateCode(std::string_view code) {
  if (code.size() == 3 && All<IsLetter>(code)) {
    const std::size_t i = CodeIndex(code);
    return (kThreeLetterCodes[i / 64] >> (i % 64)) & 1U;
  }
  return code == "D";
}

Expected<MrzResult> ParseMrz(std::span<const std::string_view> lines, const ParseOptions& options) {
  const std::size_t n = lines.size();
  if (n != 2 && n != 3) {
    return ParseError("MRZ has " + std::to_string(n) + " lines (expected 2 or 3)");
  }
  const std::size_t first = lines[0].size();
  const std::size_t expected = n == 3 ? 30 : (first == 36 || first == 44) ? first : 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto where = [i] { return "MRZ line " + std::to_string(i + 1); };
    if (expected == 0) {
      return ParseError(where() + " has " + std::to_string(first) +
                        " characters (expected 36 or 44)");
    }
    if (lines[i].size() != expected) {
      return ParseError(where() + " has " + std::to_string(lines[i].size()) +
                        " characters (expected " + std::to_string(expected) + ")");
    }
    if (const std::size_t p = FirstNonMrzChar(lines[i]); p != expected) {
      return ParseError(where() + ": character at position " + std::to_string(p + 1) +
                        " is not A-Z, 0-9 or '<'");
    }
  }

  MrzResult r;
  // Corrections are made on a copy, taken only when there is something to correct.
  MrzLines view(lines);
  if (options.correct) {
    CorrectHeader(view, r.corrections);
    CorrectFields(DetectFormat(view.Line(0), n), view, r.corrections);
  }
  r.format = DetectFormat(view.Line(0), n);
  Parser p(r, options);
  const std::string_view l1 = view.Line(0), l2 = view.Line(1);
  switch (r.format) {
    case MrzFormat::kTD1:
      p.Td1(l1, l2, view.Line(2));
      break;
    case MrzFormat::kFrenchId:
      p.FrenchId(l1, l2);
      break;
    default:
      p.Td2OrMrv(l1, l2);
  }
  p.StateWarnings();
  p.Expired();
  r.valid = r.field_errors.empty() &&
            std::none_of(r.checks.begin(), r.checks.end(),
                         [](const Check& c) { return c.state == CheckState::kInvalid; });
  return r;
}

Expected<MrzResult> ParseMrz(std::span<const std::string_view> lines, int reference_year) {
  return ParseMrz(lines, ParseOptions{reference_year, 0, 0});
}

}  // namespace checkpoint::documents
