#pragma once
// Parser and validator of ICAO Doc 9303 machine readable zones (TD1, TD2, TD3,
// MRV-A, MRV-B) and of the 1988-2021 French national identity card (2×36).
//
// Pure: no I/O, no clock, no global state; safe to call from any thread. The
// reference date (for century inference and the "expired" warning) is passed in.
//
// A text that is not an MRZ at all (wrong number or length of lines, characters
// outside A-Z 0-9 <) is an Error (CommonErrc::kParse) whose message never echoes
// the input. A document of MRZ shape whose check digits or field contents are
// wrong is not an error: it parses with valid == false and says why, because a
// failed check is a finding to show the officer, not a reason to hide the document.
// Deviations handled (long document numbers, D<<, '<' check digits, French ID
// cards) are described in docs/documents/mrz.md.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::documents {

enum class MrzFormat { kTD1, kTD2, kTD3, kMRVA, kMRVB, kFrenchId };

// "TD1", "TD2", "TD3", "MRVA", "MRVB", "FRENCH_ID".
std::string_view FormatName(MrzFormat format);

enum class CheckState { kValid, kInvalid, kAbsent };

// One check digit. field is "documentNumber", "birthDate", "expiryDate",
// "personalNumber" or "composite".
struct Check {
  std::string_view field;  // a static string
  CheckState state = CheckState::kAbsent;
  bool operator==(const Check&) const = default;
};

// A date as printed (YYMMDD) with the century inferred. Parts written '<' (unknown)
// and parts that are not digits are nullopt.
//
// Century rule, with R the reference year:
//  - birth:  2000+YY if that is <= R, else 1900+YY (nobody is born in the future);
//  - expiry: 2000+YY unless that is more than 50 years after R, then 1900+YY
//    (no document is valid for more than 50 years; old documents may have expired).
struct MrzDate {
  std::string printed;
  std::optional<int> year, month, day;
  bool operator==(const MrzDate&) const = default;
};

// An OCR-B reading error corrected by field type: a digit read where only letters
// belong (names, codes) or a letter where only digits belong (dates, check digits).
// Corrections of a checked field are kept only when its check digit then verifies.
struct Correction {
  int line = 0;      // 1-based
  int position = 0;  // 1-based, as in ICAO 9303
  char from = 0;
  char to = 0;
  std::string_view field;  // a static string: "name", "birthDate", "composite", ...
  bool operator==(const Correction&) const = default;
};

struct MrzResult {
  MrzFormat format = MrzFormat::kTD3;
  // Every present check digit verifies and every field has the right character
  // class and shape (field_errors is empty). Independent of the date and of the
  // table of state codes: those only give warnings.
  bool valid = false;
  // All text fields have their trailing fillers removed.
  std::string document_code, issuing_state, document_number, nationality;
  // Words separated by single spaces. For the French ID card, surname and given
  // names come from their own fields.
  std::string surname, given_names;
  // "M", "F", "X", or "" when unspecified ('<').
  std::string sex;
  // The French ID card prints no expiry date: expiry is then empty.
  MrzDate birth, expiry;
  // French ID only: the year and month of issue that open the card number (printed
  // "YYMM", day absent; century as for a birth date: not in the future).
  MrzDate issue;
  std::string personal_number;  // TD3
  std::string optional_data;    // TD2, MRV-A, MRV-B, French ID (department and office)
  std::string optional_data1;   // TD1 line 1 (after a long document number, if any)
  std::string optional_data2;   // TD1 line 2
  // The name field is completely filled (no trailing filler): the name was probably
  // truncated to fit.
  bool name_truncated = false;
  std::vector<Check> checks;
  // Fields whose content is of the wrong kind, e.g. "birthDate: not a calendar
  // date", "surname: characters other than letters". Any entry makes valid false.
  std::vector<std::string> field_errors;
  // Findings that do not make the document invalid: "expired", "unknown issuing
  // state XXX", "unknown nationality XXX", deviations accepted.
  std::vector<std::string> warnings;
  // Corrections applied before the fields above were read (ParseOptions::correct),
  // in the order made.
  std::vector<Correction> corrections;
};

// The reference date: today's date at the checkpoint, as the caller knows it.
// month and day may be 0 when only the year is known; "expired" is then reported
// only when the expiry year is before the reference year.
struct ParseOptions {
  int year = 0;
  int month = 0;
  int day = 0;
  // Correct OCR-B reading errors by field type before parsing (see Correction).
  bool correct = true;
};

// lines: the MRZ lines without terminators (3×30, 2×36 or 2×44).
Expected<MrzResult> ParseMrz(std::span<const std::string_view> lines, const ParseOptions& options);
Expected<MrzResult> ParseMrz(std::span<const std::string_view> lines, int reference_year);

// The ICAO 9303 Part 3 §4.9 check digit (weights 7, 3, 1; '<' = 0; A = 10 … Z = 35)
// of data, or nullopt when data holds a character outside A-Z 0-9 <.
std::optional<int> CheckDigit(std::string_view data);

// Whether code (trailing fillers removed, so "D" for Germany) is an ISO 3166-1
// alpha-3 code or one of the ICAO 9303 Part 3 special codes.
bool IsKnownStateCode(std::string_view code);

}  // namespace checkpoint::documents
