#include "screen_command.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "checkpoint/common/text.hpp"
#include "checkpoint/documents/mrz.hpp"
#include "checkpoint/documents/transliterate.hpp"
#include "checkpoint/risk/watchlist.hpp"
#include "checkpoint/risk/watchlist_json.hpp"
#include "checkpoint/store/store.hpp"
#include "watchlist_command.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxQueryDepth = 8;
constexpr std::size_t kMaxMrzLines = 3;
constexpr std::size_t kMaxMrzLine = 128;
constexpr std::size_t kMaxDocumentNumber = 64;
constexpr std::size_t kMaxCode = 16;

// ------------------------------------------------------------------ the list

Status AddEntry(risk::WatchlistBuilder& b, risk::WatchlistEntry&& e) {
  return std::visit(
      [&](auto&& r) -> Status {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, risk::PersonRecord>) {
          return b.AddPerson(std::move(r));
        } else if constexpr (std::is_same_v<T, risk::DocumentRecord>) {
          return b.AddDocument(r);
        } else if constexpr (std::is_same_v<T, risk::VehicleRecord>) {
          return b.AddVehicle(r);
        } else if constexpr (std::is_same_v<T, risk::ContainerRecord>) {
          return b.AddContainer(r);
        } else {
          return {};
        }
      },
      std::move(e.record));
}

// Streams the list into the builder: the file's records are never all in memory.
Status LoadList(const ScreenOptions& o, risk::Watchlist& watchlist) {
  risk::WatchlistBuilder builder;
  if (o.watchlist_file) {
    auto file = OpenListFile(*o.watchlist_file);
    if (!file) return std::move(file).error();
    auto r = risk::ParseWatchlistStream(
        file->read, risk::WatchlistParseOptions{.delta = false},
        [&](risk::WatchlistEntry&& e, std::size_t) { return AddEntry(builder, std::move(e)); });
    if (!r) return std::move(r).error().WithContext(*o.watchlist_file);
  } else {
    auto st = store::Store::Open({.path = o.database,
                                  .device_id = o.device_id,
                                  .busy_timeout_ms = 5000,
                                  .read_only = false});
    if (!st) return std::move(st).error();
    auto wl = st->watchlist();
    auto cur = wl.Current();
    if (!cur) return std::move(cur).error();
    if (!*cur) {
      return MakeError(CommonErrc::kNotFound,
                       "the store holds no watchlist (checkpointctl watchlist import FILE, or "
                       "screen --watchlist FILE)");
    }
    if (auto s =
            wl.ForEach([&](risk::WatchlistEntry&& e) { return AddEntry(builder, std::move(e)); });
        !s) {
      return s;
    }
  }
  return builder.Publish(watchlist);
}

// ------------------------------------------------------------------ one query

struct Query {
  risk::PersonQuery person;
  std::string document_number, issuing_state;
};

struct QueryError {
  std::string message;  // without the "line N: " prefix
};

// Control characters become spaces: they mean nothing in a name, and the name
// matcher need not see them.
std::string Clean(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return s;
}

// A string field: "" when absent or null; an error when of another type or too long.
std::optional<QueryError> Text(const json& j, const char* key, std::size_t max, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return QueryError{"\"" + std::string(key) + "\" must be a string"};
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) {
    return QueryError{"\"" + std::string(key) + "\" is longer than " + std::to_string(max) +
                      " bytes"};
  }
  out = Clean(s);
  return std::nullopt;
}

documents::ParseOptions Today(std::int64_t now_ms) {
  const std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return documents::ParseOptions{
      .year = tm.tm_year + 1900, .month = tm.tm_mon + 1, .day = tm.tm_mday, .correct = true};
}

std::optional<QueryError> FromMrz(const json& mrz, std::int64_t now_ms, Query& q) {
  if (!mrz.is_array() || mrz.empty() || mrz.size() > kMaxMrzLines) {
    return QueryError{"\"mrz\" must be an array of 2 or 3 lines"};
  }
  std::vector<std::string> lines;
  for (const auto& l : mrz) {
    if (!l.is_string()) return QueryError{"\"mrz\" must be an array of 2 or 3 lines"};
    const auto& s = l.get_ref<const std::string&>();
    if (s.size() > kMaxMrzLine) return QueryError{"\"mrz\": a line is longer than any MRZ line"};
    lines.push_back(s);
  }
  const std::vector<std::string_view> views(lines.begin(), lines.end());
  // ParseMrz's errors never echo the input.
  auto r = documents::ParseMrz(views, Today(now_ms));
  if (!r) return QueryError{"\"mrz\": " + r.error().message()};
  q.person.surname = r->surname;
  q.person.given_names = r->given_names;
  if (auto d = risk::ParseMrzDate(r->birth.printed)) q.person.birth = *d;
  q.person.nationality = r->nationality;
  q.person.sex = r->sex.empty() ? 0 : r->sex[0];
  q.document_number = r->document_number;
  q.issuing_state = r->issuing_state;
  return std::nullopt;
}

std::optional<QueryError> FromFields(const json& j, Query& q) {
  auto& p = q.person;
  if (auto e = Text(j, "surname", documents::kMaxNameBytes, p.surname)) return e;
  if (auto e = Text(j, "givenNames", documents::kMaxNameBytes, p.given_names)) return e;
  std::string birth, sex;
  if (auto e = Text(j, "birthDate", 16, birth)) return e;
  if (!birth.empty()) {
    // YYMMDD as an MRZ prints it ('<' for unknown parts); the list form is read too.
    auto d = birth.size() == 6 ? risk::ParseMrzDate(birth) : risk::ParseListDate(birth);
    if (!d) return QueryError{"\"birthDate\" must be YYMMDD"};
    p.birth = *d;
  }
  if (auto e = Text(j, "nationality", kMaxCode, p.nationality)) return e;
  if (auto e = Text(j, "sex", kMaxCode, sex)) return e;
  if (sex == "M" || sex == "F" || sex == "X") {
    p.sex = sex[0];
  } else if (!sex.empty() && sex != "<") {
    return QueryError{"\"sex\" must be \"M\", \"F\", \"X\" or \"<\""};
  }
  if (auto e = Text(j, "documentNumber", kMaxDocumentNumber, q.document_number)) return e;
  if (auto e = Text(j, "issuingState", kMaxCode, q.issuing_state)) return e;
  return std::nullopt;
}

double Rounded(double score) {
  return std::round(std::clamp(score, 0.0, 1.0) * 10000.0) / 10000.0;
}

class Screener {
 public:
  Screener(const risk::Watchlist& watchlist, const ScreenOptions& o) : wl_(watchlist), o_(o) {}

  void Line(std::string_view line, std::size_t number, bool overlong) {
    if (overlong) {
      return Refuse(number, "longer than " + std::to_string(kMaxQueryLine) + " bytes");
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    if (common::JsonNestingBeyond(line, kMaxQueryDepth)) {
      return Refuse(number,
                    "JSON nested deeper than " + std::to_string(kMaxQueryDepth) + " levels");
    }
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      // e.what() may quote the input (personal data): only the position is reported.
      return Refuse(number, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    if (!j.is_object()) return Refuse(number, "not a JSON object");
    Query q;
    auto mrz = j.find("mrz");
    auto error = mrz != j.end() && !mrz->is_null() ? FromMrz(*mrz, o_.now_ms, q) : FromFields(j, q);
    if (error) return Refuse(number, error->message);
    Write(json{{"hits", Hits(q)}});
  }

  bool failed() const { return failed_; }

 private:
  json Hits(const Query& q) const {
    std::vector<risk::WatchlistHit> hits;
    if (!q.document_number.empty()) {
      hits = wl_.CheckDocument(q.document_number, q.issuing_state, o_.now_ms);
    }
    if (!q.person.surname.empty() || !q.person.given_names.empty()) {
      for (auto& h : wl_.ScreenPerson(q.person, risk::ScreeningOptions{}, o_.now_ms)) {
        hits.push_back(std::move(h));
      }
    }
    // Best first; exact document hits (score 1) ahead of person hits of equal score.
    std::stable_sort(hits.begin(), hits.end(),
                     [](const auto& a, const auto& b) { return a.score > b.score; });
    json out = json::array();
    for (const auto& h : hits) {
      out.push_back(
          {{"id", h.id}, {"kind", h.kind}, {"score", Rounded(h.score)}, {"reasons", h.reasons}});
    }
    return out;
  }

  void Refuse(std::size_t number, const std::string& message) {
    failed_ = true;
    Write(json{{"hits", json::array()},
               {"errors", json::array({"line " + std::to_string(number) + ": " + message})}});
  }

  void Write(const json& j) {
    // replace: whatever bytes a list's reasons hold, the output is valid JSON.
    std::fputs(j.dump(o_.pretty ? 2 : -1, ' ', false, json::error_handler_t::replace).c_str(),
               o_.out);
    std::fputc('\n', o_.out);
    std::fflush(o_.out);
  }

  const risk::Watchlist& wl_;
  const ScreenOptions& o_;
  bool failed_ = false;
};

}  // namespace

int ScreenCommand(const ScreenOptions& options) {
  risk::Watchlist watchlist;
  if (auto s = LoadList(options, watchlist); !s) {
    std::fprintf(options.err, "checkpointctl: screen: %s\n", s.error().message().c_str());
    return 2;
  }
  Screener screener(watchlist, options);
  std::string line;
  bool overlong = false;
  std::size_t number = 0;
  for (int c = std::fgetc(options.in);; c = std::fgetc(options.in)) {
    if (c == EOF || c == '\n') {
      if (c == EOF && line.empty() && !overlong) break;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      screener.Line(line, ++number, overlong);
      if (c == EOF) break;
      line.clear();
      overlong = false;
      continue;
    }
    // Bytes beyond the bound are not kept: a hostile stream without newlines costs
    // bounded memory.
    if (line.size() < kMaxQueryLine) {
      line.push_back(static_cast<char>(c));
    } else {
      overlong = true;
    }
  }
  return screener.failed() ? 1 : 0;
}

}  // namespace checkpoint::tools
