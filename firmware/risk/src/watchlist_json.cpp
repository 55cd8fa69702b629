// Watchlist JSON lines → records. nlohmann::json exceptions stay inside this file.
// Messages are built only from field names, ids and positions: never from names,
// dates or other values a list holds (personal data).
#include "checkpoint/risk/watchlist_json.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "checkpoint/common/text.hpp"
#include "checkpoint/documents/transliterate.hpp"
#include "checkpoint/risk/document_key.hpp"
#include "checkpoint/risk/plate.hpp"
#include "rules_json_text.hpp"

namespace checkpoint::risk {

namespace {

using json = nlohmann::json;

// No entry needs more than an object holding arrays; deeper input is refused before
// it is parsed, so a line of 64 Ki '[' costs a scan, not a tree.
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxDocumentNumber = 64;
constexpr std::size_t kMaxDocumentType = 16;
constexpr std::size_t kProgressEvery = 4096;  // entries between progress calls
constexpr std::size_t kReadChunk = 64 * 1024;

Error LineError(std::size_t line, std::string_view message) {
  std::string m = "line " + std::to_string(line) + ": ";
  m.append(message);
  return MakeError(CommonErrc::kParse, std::move(m));
}

// C0 controls, DEL and the C1 controls (U+0080..U+009F, encoded C2 80..C2 9F).
// Input is valid UTF-8 here.
bool HasControl(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7F) return true;
    if (b == 0xC2 && i + 1 < s.size()) {
      const auto c = static_cast<unsigned char>(s[i + 1]);
      if (c >= 0x80 && c <= 0x9F) return true;
    }
  }
  return false;
}

bool Blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// ------------------------------------------------------------------ dates and times

bool LeapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && LeapYear(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
void CivilFromDays(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe) + static_cast<int>(era) * 400 + (m <= 2);
}

bool Digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (s.size() < at + n) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

constexpr std::int64_t kMsPerDay = 86'400'000;
// 10000-01-01T00:00:00Z: instants are written with four-digit years.
constexpr std::int64_t kEndOfYear9999 = 253'402'300'800'000;

// "YYYY-MM-DD" (start of that UTC day, or of the next when end_of_day) or RFC 3339
// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", years 1970-9999. Milliseconds since
// the epoch, or nullopt.
std::optional<std::int64_t> ParseInstant(std::string_view t, bool end_of_day) {
  int y = 0, mo = 0, d = 0;
  if (t.size() < 10 || !Digits(t, 0, 4, y) || t[4] != '-' || !Digits(t, 5, 2, mo) || t[7] != '-' ||
      !Digits(t, 8, 2, d)) {
    return std::nullopt;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  const std::int64_t day_ms = DaysFromCivil(y, mo, d) * kMsPerDay;
  if (t.size() == 10) {
    const std::int64_t v = end_of_day ? day_ms + kMsPerDay : day_ms;
    // The canonical form writes four-digit years: 9999-12-31 ends a day too late.
    if (v >= kEndOfYear9999) return std::nullopt;
    return v;
  }
  int h = 0, mi = 0, s = 0;
  if (t.size() < 20 || (t[10] != 'T' && t[10] != 't') || !Digits(t, 11, 2, h) || t[13] != ':' ||
      !Digits(t, 14, 2, mi) || t[16] != ':' || !Digits(t, 17, 2, s)) {
    return std::nullopt;
  }
  // A leap second (60) is read as the last millisecond of its minute's 59th second.
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::int64_t ms = 0;
  std::size_t i = 19;
  if (t[i] == '.') {
    std::size_t n = 0;
    int scale = 100;
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++n) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
    if (n == 0 || n > 9) return std::nullopt;
  }
  if (s == 60) s = 59, ms = 999;
  std::int64_t offset_min = 0;
  const std::string_view zone = t.substr(std::min(i, t.size()));
  if (zone == "Z" || zone == "z") {
    offset_min = 0;
  } else {
    int oh = 0, om = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !Digits(zone, 1, 2, oh) ||
        zone[3] != ':' || !Digits(zone, 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (zone[0] == '+' ? 1 : -1) * (oh * 60 + om);
  }
  const std::int64_t v = day_ms + ((h * 60 + mi - offset_min) * 60 + s) * 1000 + ms;
  if (v < 0 || v >= kEndOfYear9999) return std::nullopt;
  return v;
}

std::string FormatInstant(std::int64_t ms) {
  std::int64_t days = ms / kMsPerDay, rem = ms % kMsPerDay;
  if (rem < 0) rem += kMsPerDay, --days;
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  const auto sec = rem / 1000, milli = rem % 1000;
  char buf[48];
  if (milli == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                  static_cast<int>(sec / 3600), static_cast<int>(sec / 60 % 60),
                  static_cast<int>(sec % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
                  static_cast<int>(sec / 3600), static_cast<int>(sec / 60 % 60),
                  static_cast<int>(sec % 60), static_cast<int>(milli));
  }
  return buf;
}

std::string FormatPartialDate(const PartialDate& d) {
  char buf[16];
  if (d.day != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  } else if (d.month != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d", d.year, d.month);
  } else {
    std::snprintf(buf, sizeof buf, "%04d", d.year);
  }
  return buf;
}

// ------------------------------------------------------------------ one line

// The fields of one parsed line: each is taken once; what is left is unknown.
class Fields {
 public:
  Fields(json& object, std::size_t line) : object_(object), line_(line) {}

  Error Fail(std::string_view message) const { return LineError(line_, message); }

  // nullptr when absent or null.
  json* Take(std::string_view key) {
    taken_.emplace_back(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // A string field: absent or null gives "" (or an error when required).
  Status String(std::string_view key, std::size_t max, bool required, std::string& out) {
    const json* v = Take(key);
    if (!v) {
      if (required) return Fail(Quoted(key) + " is missing");
      return {};
    }
    if (!v->is_string()) return Fail(Quoted(key) + " must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) {
      return Fail(Quoted(key) + " is longer than " + std::to_string(max) + " bytes");
    }
    if (HasControl(s)) return Fail(Quoted(key) + " holds control characters");
    if (required && Blank(s)) return Fail(Quoted(key) + " is empty");
    out = s;
    return {};
  }

  // The first key not taken, if any.
  Status NoOthers() const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(taken_.begin(), taken_.end(), key) != taken_.end()) continue;
      // A key is echoed only when it cannot be personal data of any length.
      if (key.size() <= 32 && PrintableAscii(key)) return Fail("unknown field " + Quoted(key));
      return Fail("an unknown field");
    }
    return {};
  }

  static std::string Quoted(std::string_view key) {
    std::string q = "\"";
    q.append(key);
    q += '"';
    return q;
  }

 private:
  json& object_;
  std::size_t line_;
  std::vector<std::string> taken_;
};

Status StateCode(Fields& f, std::string_view key, bool required, std::size_t min,
                 std::string& out) {
  std::string s;
  if (auto st = f.String(key, 16, required, s); !st) return st;
  while (!s.empty() && s.back() == '<') s.pop_back();  // "D<<" as an MRZ writes it
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  const bool letters = std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if ((!s.empty() || required) && (s.size() < min || s.size() > 3 || !letters)) {
    return f.Fail(Fields::Quoted(key) + (min == 1 ? " must be a 1 to 3 letter ICAO 9303 code"
                                                  : " must be a 2 or 3 letter ISO 3166-1 code"));
  }
  out = std::move(s);
  return {};
}

Status Validity(Fields& f, std::int64_t& from, std::int64_t& until) {
  for (auto [key, out, end] :
       {std::tuple{"validFrom", &from, false}, std::tuple{"validUntil", &until, true}}) {
    std::string s;
    if (auto st = f.String(key, 64, false, s); !st) return st;
    if (s.empty()) continue;
    auto v = ParseInstant(s, end);
    if (!v) {
      return f.Fail(Fields::Quoted(key) +
                    " must be YYYY-MM-DD or RFC 3339 (YYYY-MM-DDTHH:MM:SSZ), from 1970");
    }
    *out = *v;
  }
  if (from != 0 && until != 0 && until <= from) {
    return f.Fail("\"validUntil\" is not after \"validFrom\"");
  }
  return {};
}

// The agency names of the box's configuration (config::ParseAgency); the console
// compares them with the officer's agency. console_tests pins that they agree.
constexpr std::array<std::string_view, 3> kAgencies{"border_guard", "customs", "police"};

bool KnownAgency(std::string_view name) {
  return std::find(kAgencies.begin(), kAgencies.end(), name) != kAgencies.end();
}

// "shareWith": the agencies besides the listing one that may see a hit. Absent or
// null: the box's default. Kept sorted, so equal policies intern once.
Status Sharing(Fields& f, const std::string& agency, std::optional<std::vector<std::string>>& out) {
  const json* v = f.Take("shareWith");
  if (!v) return {};
  if (!v->is_array()) return f.Fail("\"shareWith\" must be an array of agency names");
  if (v->size() >= kAgencies.size()) {
    return f.Fail("\"shareWith\" names more than the " + std::to_string(kAgencies.size() - 1) +
                  " other agencies");
  }
  if (!KnownAgency(agency)) {
    return f.Fail("\"shareWith\" needs \"agency\": border_guard, customs or police");
  }
  std::vector<std::string> names;
  for (const auto& a : *v) {
    if (!a.is_string() || !KnownAgency(a.get_ref<const std::string&>())) {
      return f.Fail("\"shareWith\" holds other than border_guard, customs, police");
    }
    const auto& name = a.get_ref<const std::string&>();
    if (name == agency) return f.Fail("\"shareWith\" names the listing agency itself");
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return f.Fail("\"shareWith\" names an agency twice");
    }
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  out = std::move(names);
  return {};
}

Status Listed(Fields& f, std::string& agency, std::string& reason, std::string& action,
              std::int64_t& from, std::int64_t& until,
              std::optional<std::vector<std::string>>& share_with) {
  if (auto st = f.String("agency", kMaxWatchlistField, false, agency); !st) return st;
  if (auto st = f.String("reason", kMaxWatchlistField, false, reason); !st) return st;
  if (auto st = f.String("action", kMaxWatchlistField, false, action); !st) return st;
  if (auto st = Sharing(f, agency, share_with); !st) return st;
  return Validity(f, from, until);
}

Expected<PersonRecord> Person(Fields& f, std::string id) {
  PersonRecord p;
  p.id = std::move(id);
  const json* names = f.Take("names");
  if (!names) return f.Fail("\"names\" is missing");
  if (!names->is_array() || names->empty() || names->size() > kMaxNamesPerPerson) {
    return f.Fail("\"names\" must be an array of 1 to " + std::to_string(kMaxNamesPerPerson) +
                  " strings");
  }
  for (std::size_t i = 0; i < names->size(); ++i) {
    const json& n = (*names)[i];
    const std::string at = "\"names\"[" + std::to_string(i) + "]";
    if (!n.is_string()) return f.Fail(at + " must be a string");
    const auto& s = n.get_ref<const std::string&>();
    if (Blank(s)) return f.Fail(at + " is empty");
    if (s.size() > documents::kMaxNameBytes) {
      return f.Fail(at + " is longer than " + std::to_string(documents::kMaxNameBytes) + " bytes");
    }
    if (HasControl(s)) return f.Fail(at + " holds control characters");
    p.names.push_back(s);
  }
  std::string birth;
  if (auto st = f.String("birthDate", 64, false, birth); !st) return std::move(st).error();
  if (!birth.empty()) {
    auto d = ParseListDate(birth);
    if (!d) return f.Fail("\"birthDate\" must be YYYY, YYYY-MM or YYYY-MM-DD");
    if (d->day != 0 && d->day > DaysInMonth(d->year, d->month)) {
      return f.Fail("\"birthDate\" is not a calendar date");
    }
    p.birth = *d;
  }
  if (auto st = StateCode(f, "nationality", false, 1, p.nationality); !st) {
    return std::move(st).error();
  }
  std::string sex;
  if (auto st = f.String("sex", 8, false, sex); !st) return std::move(st).error();
  if (sex == "M" || sex == "m" || sex == "F" || sex == "f" || sex == "X" || sex == "x") {
    p.sex = static_cast<char>(sex[0] & ~0x20);
  } else if (!sex.empty() && sex != "<") {
    return f.Fail("\"sex\" must be \"M\", \"F\" or \"X\"");
  }
  if (auto st =
          Listed(f, p.agency, p.reason, p.action, p.valid_from_ms, p.valid_until_ms, p.share_with);
      !st) {
    return std::move(st).error();
  }
  return p;
}

Expected<DocumentRecord> Document(Fields& f, std::string id) {
  DocumentRecord d;
  d.id = std::move(id);
  if (auto st = f.String("number", kMaxDocumentNumber, true, d.number); !st) {
    return std::move(st).error();
  }
  if (auto st = StateCode(f, "issuingState", true, 1, d.issuing_state); !st) {
    return std::move(st).error();
  }
  if (DocumentNumberKey(d.number, d.issuing_state).empty()) {
    return f.Fail("\"number\" has no letter or digit");
  }
  if (auto st = f.String("type", kMaxDocumentType, false, d.type); !st) {
    return std::move(st).error();
  }
  auto& l = d.listing;
  if (auto st =
          Listed(f, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
      !st) {
    return std::move(st).error();
  }
  return d;
}

Expected<VehicleRecord> Vehicle(Fields& f, std::string id) {
  VehicleRecord v;
  v.id = std::move(id);
  if (auto st = f.String("plate", kMaxPlateInput, true, v.plate); !st) {
    return std::move(st).error();
  }
  if (auto st = StateCode(f, "country", false, 2, v.country); !st) return std::move(st).error();
  if (PlateMatchKey(v.plate, v.country).empty()) {
    return f.Fail("\"plate\" has no character used on plates");
  }
  auto& l = v.listing;
  if (auto st =
          Listed(f, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
      !st) {
    return std::move(st).error();
  }
  return v;
}

// ISO 6346 shape (11 characters of A-Z 0-9 once spaces and dashes are dropped); a
// wrong check digit is kept: the list names the container as its owner marked it.
bool ContainerShape(std::string_view code) {
  std::string c;
  for (char ch : code) {
    if (ch == ' ' || ch == '\t' || ch == '-' || ch == '.' || ch == '/') continue;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
    c.push_back(ch);
    if (c.size() > 11) return false;
  }
  return c.size() == 11;
}

Expected<ContainerRecord> Container(Fields& f, std::string id) {
  ContainerRecord c;
  c.id = std::move(id);
  if (auto st = f.String("code", 64, true, c.code); !st) return std::move(st).error();
  if (!ContainerShape(c.code)) {
    return f.Fail("\"code\" must be an ISO 6346 code (11 letters and digits)");
  }
  auto& l = c.listing;
  if (auto st =
          Listed(f, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
      !st) {
    return std::move(st).error();
  }
  return c;
}

template <typename T>
Expected<WatchlistEntry> Wrap(Expected<T> r, std::string id) {
  if (!r) return std::move(r).error();
  WatchlistEntry e;
  e.id = std::move(id);
  e.record = std::move(*r);
  return e;
}

Expected<WatchlistEntry> FromObject(json& j, std::size_t line, const WatchlistParseOptions& o) {
  Fields f(j, line);
  std::string op, id, kind;
  if (auto st = f.String("op", 16, false, op); !st) return std::move(st).error();
  if (!op.empty() && op != "upsert" && op != "remove") {
    return f.Fail("\"op\" must be \"upsert\" or \"remove\"");
  }
  const json* idv = f.Take("id");
  if (!idv) return f.Fail("\"id\" is missing");
  if (!idv->is_string() || idv->get_ref<const std::string&>().empty() ||
      idv->get_ref<const std::string&>().size() > kMaxWatchlistId ||
      !PrintableAscii(idv->get_ref<const std::string&>())) {
    return f.Fail("\"id\" must be a string of 1 to " + std::to_string(kMaxWatchlistId) +
                  " printable ASCII characters");
  }
  id = idv->get_ref<const std::string&>();
  if (op == "remove") {
    if (!o.delta) return f.Fail("\"op\": \"remove\" is only allowed in a delta");
    // The kind may accompany a removal (it is not needed: ids are unique across kinds).
    if (auto st = f.String("kind", 16, false, kind); !st) return std::move(st).error();
    if (auto st = f.NoOthers(); !st) return std::move(st).error();
    WatchlistEntry e;
    e.remove = true;
    e.id = std::move(id);
    return e;
  }
  if (auto st = f.String("kind", 16, true, kind); !st) return std::move(st).error();
  auto e = [&]() -> Expected<WatchlistEntry> {
    if (kind == "person") return Wrap(Person(f, id), id);
    if (kind == "document") return Wrap(Document(f, id), id);
    if (kind == "vehicle") return Wrap(Vehicle(f, id), id);
    if (kind == "container") return Wrap(Container(f, id), id);
    return f.Fail("\"kind\" must be \"person\", \"document\", \"vehicle\" or \"container\"");
  }();
  if (!e) return e;
  if (auto st = f.NoOthers(); !st) return std::move(st).error();
  return e;
}

// ------------------------------------------------------------------ canonical form

void PutListing(json& j, const std::string& agency, const std::string& reason,
                const std::string& action, std::int64_t from, std::int64_t until,
                const std::optional<std::vector<std::string>>& share_with) {
  if (!agency.empty()) j["agency"] = agency;
  if (share_with) j["shareWith"] = *share_with;
  if (!reason.empty()) j["reason"] = reason;
  if (!action.empty()) j["action"] = action;
  if (from != 0) j["validFrom"] = FormatInstant(from);
  if (until != 0) j["validUntil"] = FormatInstant(until);
}

}  // namespace

std::string_view KindName(WatchlistKind kind) {
  switch (kind) {
    case WatchlistKind::kPerson:
      return "person";
    case WatchlistKind::kDocument:
      return "document";
    case WatchlistKind::kVehicle:
      return "vehicle";
    case WatchlistKind::kContainer:
      return "container";
  }
  return "person";
}

WatchlistKind WatchlistEntry::kind() const {
  switch (record.index()) {
    case 2:
      return WatchlistKind::kDocument;
    case 3:
      return WatchlistKind::kVehicle;
    case 4:
      return WatchlistKind::kContainer;
    default:
      return WatchlistKind::kPerson;
  }
}

Expected<WatchlistEntry> ParseWatchlistLine(std::string_view line, std::size_t line_number,
                                            const WatchlistParseOptions& options) {
  if (line.size() > kMaxWatchlistLine) {
    return LineError(line_number, "longer than " + std::to_string(kMaxWatchlistLine) + " bytes");
  }
  if (auto at = common::FirstInvalidUtf8(line)) {
    return LineError(line_number, "not valid UTF-8 (byte " + std::to_string(*at + 1) + ")");
  }
  if (common::JsonNestingBeyond(line, kMaxDepth)) {
    return LineError(line_number, "JSON nested deeper than " + std::to_string(kMaxDepth) +
                                      " levels (an entry is one object)");
  }
  // nlohmann keeps the last of two equal keys silently; a list whose line says two
  // things about one field is refused instead.
  std::vector<std::string> keys;
  std::optional<std::string> duplicate;
  const json::parser_callback_t on_key = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !duplicate && parsed.is_string()) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) {
        duplicate = k;
      } else if (keys.size() < 64) {
        keys.push_back(k);
      }
    }
    return true;
  };
  json j;
  try {
    j = json::parse(line.begin(), line.end(), on_key);
  } catch (const json::parse_error& e) {
    // e.what() may quote the input (personal data): only the position is reported.
    return LineError(line_number, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    return LineError(line_number, "not valid JSON");
  }
  if (!j.is_object()) return LineError(line_number, "not a JSON object");
  if (duplicate) {
    if (duplicate->size() <= 32 && PrintableAscii(*duplicate)) {
      return LineError(line_number, "field " + Fields::Quoted(*duplicate) + " appears twice");
    }
    return LineError(line_number, "a field appears twice");
  }
  try {
    return FromObject(j, line_number, options);
  } catch (const json::exception&) {
    return LineError(line_number, "unreadable entry");
  }
}

std::string CanonicalJson(const WatchlistEntry& e) {
  json j = json::object();
  j["id"] = e.id;
  if (e.remove) {
    j["op"] = "remove";
    return j.dump();
  }
  if (const auto* p = std::get_if<PersonRecord>(&e.record)) {
    j["kind"] = "person";
    j["names"] = p->names;
    if (p->birth.year != 0) j["birthDate"] = FormatPartialDate(p->birth);
    if (!p->nationality.empty()) j["nationality"] = p->nationality;
    if (p->sex != 0) j["sex"] = std::string(1, p->sex);
    PutListing(j, p->agency, p->reason, p->action, p->valid_from_ms, p->valid_until_ms,
               p->share_with);
  } else if (const auto* d = std::get_if<DocumentRecord>(&e.record)) {
    j["kind"] = "document";
    j["number"] = d->number;
    j["issuingState"] = d->issuing_state;
    if (!d->type.empty()) j["type"] = d->type;
    const auto& l = d->listing;
    PutListing(j, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
  } else if (const auto* v = std::get_if<VehicleRecord>(&e.record)) {
    j["kind"] = "vehicle";
    j["plate"] = v->plate;
    if (!v->country.empty()) j["country"] = v->country;
    const auto& l = v->listing;
    PutListing(j, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
  } else if (const auto* c = std::get_if<ContainerRecord>(&e.record)) {
    j["kind"] = "container";
    j["code"] = c->code;
    const auto& l = c->listing;
    PutListing(j, l.agency, l.reason, l.action, l.valid_from_ms, l.valid_until_ms, l.share_with);
  }
  // Every string was checked to be UTF-8 when parsed; replace guards records built
  // by other code.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Expected<WatchlistProgress> ParseWatchlistStream(const WatchlistReadFn& read,
                                                 const WatchlistParseOptions& options,
                                                 const WatchlistSinkFn& sink,
                                                 const WatchlistProgressFn& progress) {
  WatchlistProgress p;
  // id → the line it is on. About 70 bytes per entry beside the id itself.
  std::unordered_map<std::string, std::size_t> ids;
  std::string line;
  std::vector<char> buffer(kReadChunk);
  std::size_t next_progress = kProgressEvery;

  const auto finish_line = [&]() -> Status {
    ++p.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view text = line;
    if (p.lines == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (text.size() > kMaxWatchlistLine) {
      return LineError(p.lines, "longer than " + std::to_string(kMaxWatchlistLine) + " bytes");
    }
    if (Blank(text)) return {};
    auto e = ParseWatchlistLine(text, p.lines, options);
    if (!e) return std::move(e).error();
    auto [it, inserted] = ids.try_emplace(e->id, p.lines);
    if (!inserted) {
      return LineError(p.lines,
                       "id \"" + e->id + "\" is already on line " + std::to_string(it->second));
    }
    ++p.entries;
    ++(e->remove ? p.removals : p.upserts);
    if (auto st = sink(std::move(*e), p.lines); !st) {
      return std::move(st).error().WithContext("line " + std::to_string(p.lines));
    }
    if (progress && p.entries >= next_progress) {
      next_progress = p.entries + kProgressEvery;
      if (!progress(p)) {
        return MakeError(CommonErrc::kCancelled, "cancelled after line " + std::to_string(p.lines));
      }
    }
    return {};
  };

  for (;;) {
    auto n = read(std::span<char>(buffer));
    if (!n) {
      return std::move(n).error().WithContext("while reading line " + std::to_string(p.lines + 1));
    }
    if (*n == 0) break;
    if (*n > buffer.size()) return MakeError(CommonErrc::kInternal, "read more than asked");
    p.bytes += *n;
    std::string_view chunk(buffer.data(), *n);
    while (!chunk.empty()) {
      const std::size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      // One byte over the bound (a '\r' may still go) is kept to tell "too long".
      if (line.size() + part.size() > kMaxWatchlistLine + 1 + (p.lines == 0 ? 3 : 0)) {
        return LineError(p.lines + 1,
                         "longer than " + std::to_string(kMaxWatchlistLine) + " bytes");
      }
      line.append(part);
      if (nl == std::string_view::npos) break;
      if (auto st = finish_line(); !st) return std::move(st).error();
      line.clear();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) {
    if (auto st = finish_line(); !st) return std::move(st).error();
  }
  if (!options.delta && p.entries == 0) {
    return MakeError(CommonErrc::kParse, "the list holds no entry (a full list must hold one)");
  }
  if (progress && !progress(p)) {
    return MakeError(CommonErrc::kCancelled, "cancelled at the end");
  }
  return p;
}

void AddTo(WatchlistData& data, WatchlistEntry&& e) {
  std::visit(
      [&](auto&& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, PersonRecord>) {
          data.persons.push_back(std::move(r));
        } else if constexpr (std::is_same_v<T, DocumentRecord>) {
          data.documents.push_back(std::move(r));
        } else if constexpr (std::is_same_v<T, VehicleRecord>) {
          data.vehicles.push_back(std::move(r));
        } else if constexpr (std::is_same_v<T, ContainerRecord>) {
          data.containers.push_back(std::move(r));
        }
      },
      std::move(e.record));
}

Expected<WatchlistData> ParseWatchlist(const WatchlistReadFn& read,
                                       const WatchlistProgressFn& progress) {
  WatchlistData data;
  auto r = ParseWatchlistStream(
      read, WatchlistParseOptions{.delta = false},
      [&](WatchlistEntry&& e, std::size_t) -> Status {
        AddTo(data, std::move(e));
        return {};
      },
      progress);
  if (!r) return std::move(r).error();
  return data;
}

Expected<WatchlistDelta> ParseWatchlistDelta(const WatchlistReadFn& read,
                                             const WatchlistProgressFn& progress) {
  WatchlistDelta delta;
  auto r = ParseWatchlistStream(
      read, WatchlistParseOptions{.delta = true},
      [&](WatchlistEntry&& e, std::size_t) -> Status {
        if (e.remove) {
          delta.remove_ids.push_back(std::move(e.id));
        } else {
          AddTo(delta.upsert, std::move(e));
        }
        return {};
      },
      progress);
  if (!r) return std::move(r).error();
  return delta;
}

WatchlistReadFn ReadFromString(std::string_view text) {
  return [text, at = std::size_t{0}](std::span<char> buffer) mutable -> Expected<std::size_t> {
    const std::size_t n = std::min(buffer.size(), text.size() - at);
    std::copy_n(text.data() + at, n, buffer.data());
    at += n;
    return n;
  };
}

}  // namespace checkpoint::risk
