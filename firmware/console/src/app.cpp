#include "checkpoint/console/app.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <limits>
#include <set>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/console/accounts.hpp"
#include "checkpoint/inspection/recording.hpp"
#include "checkpoint/store/errors.hpp"

namespace checkpoint::console {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxSessions = 512;
constexpr std::size_t kMaxBodyJson = 16u << 10;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = Dump(body);
  return r;
}

HttpResponse Error(int status, std::string_view code) {
  return Json(status, json{{"error", code}});
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool SameSecret(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Every answer: no caching of personal data, no framing, no sniffing, scripts and
// everything else from this origin only (the pages have no inline script or style).
void AddSecurityHeaders(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; "
                         "img-src 'self'; connect-src 'self'; font-src 'self'; "
                         "object-src 'none'; base-uri 'none'; form-action 'self'; "
                         "frame-ancestors 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

bool JsonContent(const HttpRequest& req) {
  const std::string_view ct = req.content_type;
  return ct == "application/json" || ct.rfind("application/json;", 0) == 0;
}

// A browser's request from another site is refused whatever it carries; requests
// without Origin or Sec-Fetch-Site (not a browser) still need the CSRF token.
bool SameOrigin(const HttpRequest& req) {
  if (!req.fetch_site.empty() && req.fetch_site != "same-origin" && req.fetch_site != "none") {
    return false;
  }
  if (!req.origin.empty() && req.origin != "https://" + req.host) return false;
  return true;
}

std::string SessionCookie(const std::string& id, std::int64_t max_age_s) {
  return std::string(kSessionCookie) + "=" + id + "; Path=/; Max-Age=" + std::to_string(max_age_s) +
         "; HttpOnly; Secure; SameSite=Strict";
}

const json* Find(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const json& j, std::string_view key) {
  const json* v = Find(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// The few facts the queue shows of an inspection (the detail view has them all).
json Summary(const json& payload) {
  json s = json::object();
  if (const json* doc = Find(payload, "document"); doc && doc->is_object()) {
    for (const char* k : {"surname", "givenNames", "number", "nationality", "format", "valid"}) {
      if (const json* v = Find(*doc, k)) s[k] = *v;
    }
  }
  if (const json* chip = Find(payload, "chip"); chip && chip->is_object()) {
    if (const json* v = Find(*chip, "status")) s["chip"] = *v;
  }
  if (const json* plate = Find(payload, "plate"); plate && plate->is_object()) {
    const std::string n = Str(*plate, "normalised");
    s["plate"] = n.empty() ? Str(*plate, "read") : n;
  }
  if (const json* cs = Find(payload, "containers"); cs && cs->is_array()) {
    json codes = json::array();
    for (const auto& c : *cs) {
      const std::string code = Str(c, "code");
      codes.push_back(code.empty() ? Str(c, "read") : code);
    }
    if (!codes.empty()) s["containers"] = codes;
  }
  if (const json* rs = Find(payload, "radiation"); rs && rs->is_array()) {
    bool alarm = false;
    for (const auto& r : *rs) {
      for (const char* k : {"gammaAlarm", "neutronAlarm"}) {
        if (const json* v = Find(r, k); v && v->is_boolean() && v->get<bool>()) alarm = true;
      }
    }
    if (!rs->empty()) s["radiationAlarm"] = alarm;
  }
  return s;
}

json Reasons(const json& payload) {
  json out = json::array();
  const json* a = Find(payload, "assessment");
  const json* rs = a ? Find(*a, "reasons") : nullptr;
  if (!rs || !rs->is_array()) return out;
  for (const auto& r : *rs) {
    json x = json::object();
    for (const char* k : {"rule", "description", "level", "category"}) {
      if (const json* v = Find(r, k)) x[k] = *v;
    }
    out.push_back(std::move(x));
  }
  return out;
}

// Every hit list of a payload: traveller watchlist.persons / .documents, vehicle
// watchlist (an array).
std::vector<json*> HitLists(json& payload) {
  std::vector<json*> lists;
  if (!payload.is_object()) return lists;
  auto it = payload.find("watchlist");
  if (it == payload.end()) return lists;
  if (it->is_array()) lists.push_back(&*it);
  if (it->is_object()) {
    for (const char* k : {"persons", "documents"}) {
      auto l = it->find(k);
      if (l != it->end() && l->is_array()) lists.push_back(&*l);
    }
  }
  return lists;
}

// The agencies whose hits RedactRestricted hid in `payload`, once each.
json HiddenAgencies(json& payload) {
  std::set<std::string> agencies;
  for (json* list : HitLists(payload)) {
    for (const auto& hit : *list) {
      if (const json* r = Find(hit, "restricted"); r && r->is_boolean() && r->get<bool>()) {
        agencies.insert(Str(hit, "agency"));
      }
    }
  }
  return json(agencies);
}

struct Row {
  std::int64_t id = 0;
  store::InspectionRecord record;
};

// The decisions on these inspections (by uuid), oldest first: through the index of
// migration 7 (inspection_terms 'decision_of'), one lookup per inspection.
Expected<std::map<std::string, std::vector<json>>> DecisionsOf(
    store::Store& st, const std::vector<std::string>& uuids) {
  std::map<std::string, std::vector<json>> out;
  auto q = st.db().Prepare(
      "SELECT d.record_uuid, d.payload FROM inspection_terms t JOIN inspections d "
      "ON d.id = t.inspection_id WHERE t.kind = 'decision_of' AND t.term = ? ORDER BY d.id");
  if (!q) return std::move(q).error();
  for (const auto& uuid : uuids) {
    if (auto s = q->Reset(); !s) return std::move(s).error();
    if (auto s = q->Bind(1, uuid); !s) return std::move(s).error();
    for (;;) {
      auto more = q->Step();
      if (!more) return std::move(more).error();
      if (!*more) break;
      json p = json::parse(q->Text(1), nullptr, false);
      if (!p.is_object()) continue;
      out[uuid].push_back(json{{"uuid", q->Text(0)},
                               {"decision", Str(p, "decision")},
                               {"reason", Str(p, "reason")},
                               {"officer", Str(p, "officer")},
                               {"decidedAtMs", p.value("decidedAtMs", 0)},
                               {"note", Str(p, "note")}});
    }
  }
  return out;
}

Expected<std::vector<Row>> Rows(store::Statement& q) {
  std::vector<Row> rows;
  for (;;) {
    auto more = q.Step();
    if (!more) return std::move(more).error();
    if (!*more) break;
    rows.push_back(Row{q.Int(0), store::InspectionRecord{q.Text(1), q.Text(2), q.Text(3), q.Int(4),
                                                         q.Text(5), q.Text(6)}});
  }
  return rows;
}

std::vector<std::string> UuidsOf(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.record.uuid);
  return out;
}

// "?, ?, ?" for n values.
std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

// The session's CSRF token: derived from its secret token, so that the store never
// holds it and a session restored after a restart keeps the page's token.
std::string CsrfOf(std::string_view token) {
  return common::ToHex(common::Sha256::Of("checkpoint console csrf\n" + std::string(token)));
}

bool IsToken(std::string_view v) {
  return v.size() == 64 && std::all_of(v.begin(), v.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The store's last_seen_ms is written when the officer's activity moved it by this
// much: a GET costs a read, not an fsync; an idle expiry is at most this early after
// a restart (this process keeps the exact time).
std::int64_t TouchIntervalMs(std::int64_t idle_ms) {
  return std::min<std::int64_t>(30'000, idle_ms / 10);
}

constexpr std::chrono::milliseconds kSearchBudget{2000};  // a search's SQL, at most

Expected<std::vector<Row>> RecentRows(store::Store& st, const std::vector<std::string>& booths,
                                      int limit) {
  if (booths.empty()) return std::vector<Row>();
  auto q = st.db().Prepare(
      "SELECT id, record_uuid, kind, booth, created_at_ms, level, payload FROM inspections "
      "WHERE kind <> 'decision' AND booth IN (" +
      Placeholders(booths.size()) + ") ORDER BY id DESC LIMIT ?");
  if (!q) return std::move(q).error();
  int i = 0;
  for (const auto& b : booths) {
    if (auto s = q->Bind(++i, b); !s) return std::move(s).error();
  }
  if (auto s = q->Bind(++i, limit); !s) return std::move(s).error();
  return Rows(*q);
}

std::string ContentTypeOf(const std::string& file) {
  auto ends = [&](std::string_view e) {
    return file.size() >= e.size() && file.compare(file.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

std::optional<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/' || target.size() > 2048) return std::nullopt;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return std::nullopt;
    }
  }
  Target t;
  const auto q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      t.query[std::string(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

std::optional<json> ParseJsonObject(std::string_view body) {
  if (body.size() > kMaxBodyJson) return std::nullopt;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (s.size() - i < 3) return std::nullopt;
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

Expected<SearchQuery> ParseSearch(const std::map<std::string, std::string>& query) {
  SearchQuery q;
  const auto bad = [](const std::string& field) {
    return MakeError(CommonErrc::kInvalidArgument, field);
  };
  // A term: decoded, trimmed, upper case, within its alphabet and length.
  const auto term = [](std::string_view raw, std::size_t max, std::string_view extra,
                       std::string& out) {
    if (raw.size() > 3 * max) return false;
    auto v = PercentDecode(raw);
    if (!v) return false;
    std::string t = *v;
    while (!t.empty() && t.front() == ' ') t.erase(0, 1);
    while (!t.empty() && t.back() == ' ') t.pop_back();
    for (auto& c : t) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      extra.find(c) != std::string_view::npos;
      if (!ok) return false;
    }
    if (t.empty()) return true;  // not given
    if (t.size() < 2 || t.size() > max) return false;
    out = std::move(t);
    return true;
  };
  const auto integer = [](std::string_view v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    std::int64_t x = 0;
    if (v.empty() || v.size() > 16) return false;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) return false;
    out = x;
    return true;
  };
  constexpr std::int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31
  for (const auto& [key, value] : query) {
    if (key == "document") {
      if (!term(value, 20, "<", q.document)) return bad(key);
    } else if (key == "name") {
      if (!term(value, 64, " '<-", q.name)) return bad(key);
    } else if (key == "plate") {
      if (!term(value, 20, "", q.plate)) return bad(key);
    } else if (key == "container") {
      if (!term(value, 20, "", q.container)) return bad(key);
    } else if (key == "level") {
      if (!value.empty() && value != "clear" && value != "refer" && value != "alert") {
        return bad(key);
      }
      q.level = value;
    } else if (key == "booth") {
      if (value.size() > 32 || !std::all_of(value.begin(), value.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
          })) {
        return bad(key);
      }
      q.booth = value;
    } else if (key == "from") {
      if (!value.empty() && !integer(value, 0, kMaxMs, q.from_ms)) return bad(key);
    } else if (key == "to") {
      std::int64_t to = 0;
      if (!value.empty()) {
        if (!integer(value, 1, kMaxMs, to)) return bad(key);
        q.to_ms = to;
      }
    } else if (key == "before") {
      if (!integer(value, 1, std::numeric_limits<std::int64_t>::max(), q.before_id)) {
        return bad(key);
      }
    } else if (key == "limit") {
      std::int64_t l = 0;
      if (!integer(value, 1, 50, l)) return bad(key);
      q.limit = static_cast<int>(l);
    } else if (key != "background") {
      return bad(key);
    }
  }
  if (q.to_ms && *q.to_ms <= q.from_ms) return bad("to");
  return q;
}

int RedactRestricted(json& payload, std::string_view viewer_agency,
                     const std::vector<std::string>& restricted) {
  int hidden = 0;
  for (json* list : HitLists(payload)) {
    for (auto& hit : *list) {
      const std::string agency = Str(hit, "agency");
      if (agency.empty() || agency == viewer_agency) continue;
      if (const json* share = Find(hit, "shareWith")) {
        // The list's policy wins over the box's default; anything but an array of
        // names shares with no one (fails closed).
        if (share->is_array() && std::any_of(share->begin(), share->end(), [&](const json& a) {
              return a.is_string() && a.get_ref<const std::string&>() == viewer_agency;
            })) {
          continue;
        }
      } else if (std::find(restricted.begin(), restricted.end(), agency) == restricted.end()) {
        continue;
      }
      hit = json{{"restricted", true}, {"agency", agency}, {"kind", Str(hit, "kind")}};
      ++hidden;
    }
  }
  if (hidden == 0) return 0;
  // The rules' evidence of a watchlist reason may quote the hit: withheld too.
  if (auto a = payload.find("assessment"); a != payload.end() && a->is_object()) {
    if (auto rs = a->find("reasons"); rs != a->end() && rs->is_array()) {
      for (auto& r : *rs) {
        if (Str(r, "category").find("watchlist") == std::string::npos) continue;
        if (r.is_object()) r["evidence"] = json::array({json{{"restricted", true}}});
      }
    }
  }
  return hidden;
}

Expected<std::map<std::string, Asset>> LoadAssets(const std::filesystem::path& dir) {
  // URL path -> file under `dir`. The only files a URL can reach.
  static const std::pair<const char*, const char*> kAllowed[] = {
      {"/", "index.html"},
      {"/index.html", "index.html"},
      {"/app.js", "app.js"},
      {"/style.css", "style.css"},
      {"/i18n/en.json", "i18n/en.json"},
      {"/i18n/uk.json", "i18n/uk.json"},
      {"/i18n/ru.json", "i18n/ru.json"},
  };
  std::map<std::string, Asset> out;
  for (const auto& [url, file] : kAllowed) {
    auto text = common::ReadFile(dir / file, 4u << 20);
    if (!text) {
      return MakeError(CommonErrc::kNotFound, "console page " + (dir / file).string() +
                                                  " unreadable: " + text.error().message());
    }
    Asset a;
    a.content_type = ContentTypeOf(file);
    a.etag = "\"" + common::ToHex(common::Sha256::Of(*text)).substr(0, 32) + "\"";
    a.body = std::move(*text);
    out.emplace(url, std::move(a));
  }
  return out;
}

App::App(Options options, std::map<std::string, Asset> assets, StoreRunner& store,
         const common::Clock& clock, Events& events, log::Logger log)
    : options_(std::move(options)),
      assets_(std::move(assets)),
      store_(store),
      clock_(clock),
      events_(events),
      log_(std::move(log)) {
  for (auto a : options_.config.restricted_agencies) {
    restricted_.emplace_back(config::AgencyName(a));
  }
  // The hash an unknown officer's password is checked against (never matches).
  dummy_hash_ = HashPassword(RandomHex(16)).value_or(std::string());
}

template <typename Job>
auto App::OnStore(Job job) -> decltype(job(std::declval<store::Store&>())) {
  using R = decltype(job(std::declval<store::Store&>()));
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  store_.Post([promise, job = std::move(job)](store::Store& st) mutable {
    try {
      promise->set_value(job(st));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return future.get();  // std::future_error when the store stopped first: answered 500
}

HttpResponse App::Handle(const HttpRequest& req) {
  HttpResponse r;
  const auto t = ParseTarget(req.target);
  if (!t) {
    r = Error(400, "bad_request");
  } else if (t->path.rfind("/api/", 0) == 0) {
    r = Api(req, *t);
  } else {
    r = Static(req, *t);
  }
  AddSecurityHeaders(r);
  return r;
}

HttpResponse App::Static(const HttpRequest& req, const Target& t) const {
  if (req.method != "GET" && req.method != "HEAD") return Error(405, "method_not_allowed");
  const auto it = assets_.find(t.path);
  if (it == assets_.end()) return Error(404, "not_found");
  HttpResponse r;
  r.headers.emplace_back("ETag", it->second.etag);
  if (req.if_none_match == it->second.etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = it->second.content_type;
  r.body = it->second.body;
  return r;
}

std::optional<App::Session> App::Authenticate(const HttpRequest& req, bool* expired) {
  const std::string token = CookieValue(req.cookie, kSessionCookie);
  if (!IsToken(token)) return std::nullopt;  // garbage never reaches the store
  const common::Digest256 hash = common::Sha256::Of(token);
  const std::string key = common::ToHex(hash);
  const std::int64_t now = clock_.WallMs();
  const std::int64_t idle = std::chrono::milliseconds(options_.config.session_idle).count();
  // The page's own refreshes after a live event are not the officer's activity.
  const bool activity = req.method != "GET" || req.target.find("background=1") == std::string::npos;
  std::int64_t known_seen = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = seen_.find(key); it != seen_.end()) known_seen = it->second.last_seen_ms;
  }
  enum class Verdict { kNone, kExpired, kLive };
  struct Found {
    Verdict verdict = Verdict::kNone;
    StoredSession session;
  };
  auto found = OnStore([&](store::Store& st) -> Expected<Found> {
    SessionRepository repo(st.db());
    auto f = repo.Find(hash);
    if (!f) return std::move(f).error();
    if (!*f) return Found{};
    StoredSession& ss = **f;
    const std::int64_t last = std::max(ss.last_seen_ms, known_seen);
    if (now >= ss.expires_at_ms || now - last > idle) {
      if (auto r = repo.Remove(hash); !r) return std::move(r).error();
      return Found{Verdict::kExpired, std::move(ss)};
    }
    if (activity && now - ss.last_seen_ms >= TouchIntervalMs(idle)) {
      if (auto t = repo.Touch(hash, now); !t) return std::move(t).error();
    }
    ss.last_seen_ms = activity ? now : last;
    return Found{Verdict::kLive, std::move(ss)};
  });
  if (!found) {
    log_.Error("console session lookup failed", {{"error", found.error().message()}});
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  if (found->verdict != Verdict::kLive) {
    seen_.erase(key);
    *expired = found->verdict == Verdict::kExpired;
    if (*expired) {
      log_.Info("console session ended: expired",
                {{"officer", found->session.officer.id},
                 {"idle_ms", now - std::max(found->session.last_seen_ms, known_seen)}});
    }
    return std::nullopt;
  }
  const StoredSession& ss = found->session;
  seen_[key] = Seen{ss.last_seen_ms, ss.expires_at_ms};
  Session s;
  s.officer_id = ss.officer.id;
  s.name = ss.officer.name;
  s.agency = ss.officer.agency;
  s.role = ss.officer.role;
  s.language = ss.officer.language;
  s.csrf = CsrfOf(token);
  s.token_sha256 = hash;
  s.created_ms = ss.created_at_ms;
  s.last_seen_ms = ss.last_seen_ms;
  s.expires_ms = ss.expires_at_ms;
  return s;
}

bool App::Alive(const std::string& key) {
  const std::int64_t now = clock_.WallMs();
  std::lock_guard lock(mu_);
  auto it = seen_.find(key);
  if (it == seen_.end()) return false;
  return now - it->second.last_seen_ms <=
             std::chrono::milliseconds(options_.config.session_idle).count() &&
         now < it->second.expires_ms;
}

std::vector<std::string> App::VisibleBooths(const Session& s) const {
  std::vector<std::string> out;
  if (s.role == "technician") return out;
  for (const auto& b : options_.booths) {
    const bool staffed = std::any_of(b.agencies.begin(), b.agencies.end(), [&](config::Agency a) {
      return config::AgencyName(a) == s.agency;
    });
    if (s.role == "supervisor" || staffed) out.push_back(b.id);
  }
  return out;
}

json App::SessionJson(const Session& s) const {
  json booths = json::array();
  for (const auto& b : VisibleBooths(s)) booths.push_back(b);
  return json{{"officer",
               {{"id", s.officer_id},
                {"name", s.name},
                {"agency", s.agency},
                {"role", s.role},
                {"language", s.language}}},
              {"csrf", s.csrf},
              {"booths", booths},
              {"reasons", options_.config.reason_codes},
              {"reasonRequired", json::array({"refer", "refuse", "hold"})},
              {"idleTimeoutS", options_.config.session_idle.count()}};
}

HttpResponse App::Api(const HttpRequest& req, const Target& t) {
  const bool changes = req.method != "GET" && req.method != "HEAD";
  if (changes && !JsonContent(req)) return Error(415, "json_required");
  if (changes && !SameOrigin(req)) return Error(403, "cross_origin");
  if (t.path == "/api/login") {
    if (req.method != "POST") return Error(405, "method_not_allowed");
    return Login(req);
  }
  bool expired = false;
  auto auth = Authenticate(req, &expired);
  if (!auth) return Error(401, expired ? "session_expired" : "unauthenticated");
  const Session& s = *auth;
  if (changes && !SameSecret(req.csrf_token, s.csrf)) {
    log_.Warning("console request without a valid CSRF token refused",
                 {{"officer", s.officer_id}, {"path", t.path}});
    return Error(403, "csrf");
  }
  if (t.path == "/api/session") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    return Json(200, SessionJson(s));
  }
  if (t.path == "/api/logout") {
    if (req.method != "POST") return Error(405, "method_not_allowed");
    auto removed = OnStore(
        [h = s.token_sha256](store::Store& st) { return SessionRepository(st.db()).Remove(h); });
    if (!removed) return Error(503, "store");
    {
      std::lock_guard lock(mu_);
      seen_.erase(common::ToHex(s.token_sha256));
    }
    log_.Info("console logout", {{"officer", s.officer_id}});
    auto r = Json(200, json{{"ok", true}});
    r.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
    return r;
  }
  if (t.path == "/api/language") {
    if (req.method != "POST") return Error(405, "method_not_allowed");
    const auto body = ParseJsonObject(req.body);
    const std::string lang = body ? Str(*body, "language") : std::string();
    if (std::find(std::begin(kLanguages), std::end(kLanguages), lang) == std::end(kLanguages)) {
      return Error(400, "bad_language");
    }
    auto saved = OnStore([id = s.officer_id, lang, now = clock_.WallMs()](store::Store& st) {
      return OfficerRepository(st.db()).SetLanguage(id, lang, now);
    });
    if (!saved) return Error(503, "store");
    return Json(200, json{{"language", lang}});
  }
  if (t.path == "/api/events") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    HttpResponse r;
    r.event_stream = true;
    r.alive = [this, key = common::ToHex(s.token_sha256)] { return Alive(key); };
    return r;
  }
  if (t.path == "/api/health") {
    // What is wrong with the box (storage, disk), for the page's banner: from the
    // daemon's memory, not the store, which may be what is failing.
    if (req.method != "GET") return Error(405, "method_not_allowed");
    json problems = json::array();
    if (options_.problems) {
      for (auto& p : options_.problems()) problems.push_back(std::move(p));
    }
    return Json(200, json{{"problems", std::move(problems)}});
  }
  if (t.path == "/api/inspections") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    return List(s, t);
  }
  if (t.path == "/api/supervisor") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    return Supervisor(s);
  }
  if (t.path == "/api/search") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    return Search(s, t);
  }
  constexpr std::string_view kPrefix = "/api/inspections/";
  if (t.path.rfind(kPrefix, 0) == 0) {
    std::string rest = t.path.substr(kPrefix.size());
    const auto slash = rest.find('/');
    const std::string uuid = rest.substr(0, slash);
    if (uuid.empty() || uuid.size() > 64) return Error(404, "not_found");
    if (slash == std::string::npos) {
      if (req.method != "GET") return Error(405, "method_not_allowed");
      return Detail(s, uuid);
    }
    if (rest.substr(slash) == "/decision") {
      if (req.method != "POST") return Error(405, "method_not_allowed");
      const auto body = ParseJsonObject(req.body);
      if (!body) return Error(400, "bad_json");
      return Decide(s, uuid, *body);
    }
  }
  return Error(404, "not_found");
}

HttpResponse App::Login(const HttpRequest& req) {
  const auto body = ParseJsonObject(req.body);
  if (!body) return Error(400, "bad_json");
  const std::string id = Str(*body, "officer");
  const std::string password = Str(*body, "password");
  const std::int64_t now = clock_.WallMs();
  std::optional<Officer> officer;
  if (IsOfficerId(id)) {
    auto found = OnStore([id](store::Store& st) { return OfficerRepository(st.db()).Find(id); });
    if (!found) {
      log_.Error("console login: store unavailable", {{"error", found.error().message()}});
      return Error(503, "store");
    }
    officer = std::move(*found);
  }
  if (!officer || officer->disabled) {
    (void)VerifyPassword(password, dummy_hash_);  // the same time as a known officer
    log_.Notice("console login refused: unknown or disabled officer", {{"peer", req.peer}});
    return Error(401, "invalid_credentials");
  }
  if (officer->locked_until_ms > now) {
    auto r = Error(423, "locked");
    r.headers.emplace_back("Retry-After",
                           std::to_string((officer->locked_until_ms - now) / 1000 + 1));
    return r;
  }
  const bool ok = VerifyPassword(password, officer->password_hash);
  const auto& cfg = options_.config;
  const std::string token = ok ? RandomHex(32) : std::string();
  if (ok && token.empty()) return Error(503, "no_randomness");
  const common::Digest256 hash = common::Sha256::Of(token);
  const std::int64_t idle = std::chrono::milliseconds(cfg.session_idle).count();
  const std::int64_t expires = now + std::chrono::milliseconds(cfg.session_max).count();
  enum class Outcome { kSession, kFailed, kLocked, kFull };
  auto recorded = OnStore([&, id](store::Store& st) -> Expected<Outcome> {
    return store::InTransaction(st.db(), [&]() -> Expected<Outcome> {
      OfficerRepository repo(st.db());
      Outcome outcome = Outcome::kSession;
      if (ok) {
        SessionRepository sessions(st.db());
        auto remaining = sessions.Prune(now, idle);
        if (!remaining) return std::move(remaining).error();
        if (*remaining >= static_cast<std::int64_t>(kMaxSessions)) return Outcome::kFull;
        if (auto s = repo.RecordSuccess(id, now); !s) return std::move(s).error();
        if (auto s = sessions.Create(hash, id, now, expires); !s) return std::move(s).error();
      } else {
        auto l = repo.RecordFailure(id, now, cfg.lockout_failures,
                                    std::chrono::milliseconds(cfg.lockout_duration).count());
        if (!l) return std::move(l).error();
        outcome = *l ? Outcome::kLocked : Outcome::kFailed;
      }
      json details{{"peer", req.peer}};
      if (outcome == Outcome::kLocked) details["locked"] = true;
      auto a = st.audit().Append(store::AuditEvent{
          now, "officer:" + id,
          ok ? "console.login"
             : (outcome == Outcome::kLocked ? "console.locked" : "console.login_failed"),
          id, Dump(details)});
      if (!a) return std::move(a).error();
      return outcome;
    });
  });
  if (!recorded) {
    log_.Error("console login not recorded", {{"error", recorded.error().message()}});
    return Error(503, "store");
  }
  if (*recorded == Outcome::kFull) return Error(503, "too_many_sessions");
  if (!ok) {
    const bool locked = *recorded == Outcome::kLocked;
    log_.Notice(locked ? "console account locked after failed logins"
                       : "console login refused: wrong password",
                {{"officer", id}, {"peer", req.peer}});
    return Error(locked ? 423 : 401, locked ? "locked" : "invalid_credentials");
  }
  Session s;
  s.officer_id = officer->id;
  s.name = officer->name;
  s.agency = officer->agency;
  s.role = officer->role;
  s.language = officer->language;
  s.csrf = CsrfOf(token);
  s.token_sha256 = hash;
  s.created_ms = s.last_seen_ms = now;
  s.expires_ms = expires;
  {
    std::lock_guard lock(mu_);
    std::erase_if(seen_, [&](const auto& kv) {
      return now - kv.second.last_seen_ms > idle || now >= kv.second.expires_ms;
    });
    seen_[common::ToHex(hash)] = Seen{now, expires};
  }
  log_.Info("console login", {{"officer", s.officer_id}, {"role", s.role}, {"peer", req.peer}});
  auto r = Json(200, SessionJson(s));
  r.headers.emplace_back("Set-Cookie", SessionCookie(token, cfg.session_max.count()));
  return r;
}

json App::Item(const Session& s, const store::InspectionRecord& r, json* payload_out) const {
  json payload = json::parse(r.payload_json, nullptr, false);
  const int hidden = RedactRestricted(payload, s.agency, restricted_);
  json item{{"uuid", r.uuid},
            {"kind", r.kind},
            {"booth", r.booth},
            {"createdAtMs", r.created_at_ms},
            {"level", r.level},
            {"summary", Summary(payload)},
            {"reasons", Reasons(payload)},
            {"restrictedHits", hidden},
            {"restrictedAgencies", HiddenAgencies(payload)},
            {"decision", nullptr}};
  if (payload_out) *payload_out = std::move(payload);
  return item;
}

HttpResponse App::List(const Session& s, const Target& t) {
  std::vector<std::string> booths = VisibleBooths(s);
  if (s.role == "technician") return Error(403, "forbidden");
  if (auto b = t.query.find("booth"); b != t.query.end() && !b->second.empty()) {
    if (std::find(booths.begin(), booths.end(), b->second) == booths.end()) {
      return Error(403, "booth_not_yours");
    }
    booths = {b->second};
  }
  int limit = 50;
  if (auto l = t.query.find("limit"); l != t.query.end()) {
    const auto& v = l->second;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || p != v.data() + v.size() || limit < 1 || limit > 200) {
      return Error(400, "bad_limit");
    }
  }
  const std::uint64_t generation = events_.generation();
  struct Found {
    std::vector<Row> rows;
    std::map<std::string, std::vector<json>> decisions;
  };
  auto found = OnStore([&](store::Store& st) -> Expected<Found> {
    auto rows = RecentRows(st, booths, limit);
    if (!rows) return std::move(rows).error();
    auto d = DecisionsOf(st, UuidsOf(*rows));
    if (!d) return std::move(d).error();
    return Found{std::move(*rows), std::move(*d)};
  });
  if (!found) return Error(503, "store");
  json items = json::array();
  for (auto& row : found->rows) {
    json item = Item(s, row.record);
    if (auto d = found->decisions.find(row.record.uuid); d != found->decisions.end()) {
      item["decision"] = d->second.back();
    }
    items.push_back(std::move(item));
  }
  return Json(200, json{{"generation", generation}, {"items", items}});
}

HttpResponse App::Detail(const Session& s, const std::string& uuid) {
  if (s.role == "technician") return Error(403, "forbidden");
  const auto booths = VisibleBooths(s);
  struct Found {
    store::InspectionRecord record;
    std::vector<json> decisions;
  };
  auto found = OnStore([&](store::Store& st) -> Expected<std::optional<Found>> {
    auto rec = st.inspections().FindByUuid(uuid);
    if (!rec) return std::move(rec).error();
    if (!*rec || (*rec)->kind == "decision" ||
        std::find(booths.begin(), booths.end(), (*rec)->booth) == booths.end()) {
      return std::optional<Found>();
    }
    auto d = DecisionsOf(st, {uuid});
    if (!d) return std::move(d).error();
    // Every view of a record is itself an audit entry.
    auto a = st.audit().Append(store::AuditEvent{clock_.WallMs(), "officer:" + s.officer_id,
                                                 "console.viewed", uuid, "{}"});
    if (!a) return std::move(a).error();
    return std::optional<Found>(Found{std::move(**rec), std::move((*d)[uuid])});
  });
  if (!found) return Error(503, "store");
  if (!*found) return Error(404, "not_found");
  json payload;
  json item = Item(s, (*found)->record, &payload);
  item["payload"] = std::move(payload);
  item["decisions"] = (*found)->decisions;
  if (!(*found)->decisions.empty()) item["decision"] = (*found)->decisions.back();
  return Json(200, item);
}

HttpResponse App::Decide(const Session& s, const std::string& uuid, const json& body) {
  if (s.role == "technician") return Error(403, "forbidden");
  const std::string decision = Str(body, "decision");
  if (std::find(std::begin(inspection::kDecisions), std::end(inspection::kDecisions), decision) ==
      std::end(inspection::kDecisions)) {
    return Error(400, "bad_decision");
  }
  const json* note = Find(body, "note");
  if (note && !note->is_string()) return Error(400, "bad_note");
  // The reason: a code of the configured catalogue; required for refer, refuse, hold.
  const json* reason_field = Find(body, "reason");
  if (reason_field && !reason_field->is_string() && !reason_field->is_null()) {
    return Json(400, json{{"error", "bad_reason"}, {"message", "reason must be a string"}});
  }
  const std::string reason =
      reason_field && reason_field->is_string() ? reason_field->get<std::string>() : "";
  const auto& codes = options_.config.reason_codes;
  if (!reason.empty() && std::find(codes.begin(), codes.end(), reason) == codes.end()) {
    return Json(400, json{{"error", "unknown_reason"},
                          {"message", "reason is not a code of this box's catalogue"},
                          {"reasons", codes}});
  }
  if (reason.empty() && (decision == "refer" || decision == "refuse" || decision == "hold")) {
    return Json(400, json{{"error", "reason_required"},
                          {"message", decision + " needs a reason code"},
                          {"reasons", codes}});
  }
  inspection::DecisionInput in{uuid,
                               s.officer_id,
                               decision,
                               note ? note->get<std::string>() : std::string(),
                               clock_.WallMs(),
                               reason};
  const auto booths = VisibleBooths(s);
  auto done =
      OnStore([&](store::Store& st) -> Expected<std::optional<inspection::DecisionRecorded>> {
        auto rec = st.inspections().FindByUuid(uuid);
        if (!rec) return std::move(rec).error();
        if (!*rec || std::find(booths.begin(), booths.end(), (*rec)->booth) == booths.end()) {
          return std::optional<inspection::DecisionRecorded>();
        }
        auto d = inspection::RecordDecision(st, in);
        if (!d) return std::move(d).error();
        return std::optional<inspection::DecisionRecorded>(std::move(*d));
      });
  if (!done) {
    if (done.error().Is(store::StoreErrc::kNotFound)) return Error(404, "not_found");
    if (done.error().Is(CommonErrc::kInvalidArgument)) return Error(400, "bad_decision");
    log_.Error("decision not recorded", {{"error", done.error().message()}});
    return Error(503, "store");
  }
  if (!*done) return Error(404, "not_found");
  events_.Notify();
  log_.Info("decision recorded", {{"officer", s.officer_id},
                                  {"inspection", uuid},
                                  {"decision", decision},
                                  {"reason", reason},
                                  {"seq", (*done)->stored.seq}});
  return Json(201, json{{"uuid", (*done)->record.uuid},
                        {"decision", decision},
                        {"reason", reason},
                        {"seq", (*done)->stored.seq}});
}

HttpResponse App::Supervisor(const Session& s) {
  if (s.role != "supervisor") return Error(403, "forbidden");
  const std::int64_t now = clock_.WallMs();
  const std::int64_t hour_ago = now - 3'600'000;
  struct Found {
    json booths = json::object();
    json devices;
    json heartbeat;
    json disk;
    json backlog = json::array();
    std::vector<Row> alerts;
    std::map<std::string, std::vector<json>> decisions;
  };
  auto found = OnStore([&](store::Store& st) -> Expected<Found> {
    Found f;
    // The last hour per booth and level, and what of it waits for a decision.
    auto q = st.db().Prepare(
        "SELECT booth, level, count(*), max(created_at_ms), sum(level IN ('refer', 'alert') AND "
        "NOT EXISTS (SELECT 1 FROM inspection_terms t WHERE t.kind = 'decision_of' AND "
        "t.term = i.record_uuid)) FROM inspections i WHERE created_at_ms >= ? AND "
        "kind <> 'decision' GROUP BY booth, level");
    if (!q) return std::move(q).error();
    if (auto b = q->Bind(1, hour_ago); !b) return std::move(b).error();
    for (;;) {
      auto more = q->Step();
      if (!more) return std::move(more).error();
      if (!*more) break;
      json& b = f.booths[q->Text(0)];
      b["lastHour"][q->Text(1)] = q->Int(2);
      b["undecided"] = b.value("undecided", 0) + q->Int(4);
    }
    auto last = st.db().Prepare(
        "SELECT created_at_ms FROM inspections WHERE booth = ? AND kind <> 'decision' "
        "ORDER BY id DESC LIMIT 1");
    if (!last) return std::move(last).error();
    for (const auto& b : options_.booths) {
      if (auto r = last->Reset(); !r) return std::move(r).error();
      if (auto r = last->Bind(1, b.id); !r) return std::move(r).error();
      auto row = last->Step();
      if (!row) return std::move(row).error();
      if (*row) f.booths[b.id]["lastInspectionAtMs"] = last->Int(0);
    }
    auto state = st.state();
    for (auto [key, out] :
         {std::pair{"hal.health", &f.devices}, std::pair{"daemon.heartbeat_ms", &f.heartbeat},
          std::pair{"store.disk", &f.disk}}) {
      auto v = state.Get(key);
      if (!v) return std::move(v).error();
      *out = *v ? json::parse(**v, nullptr, false) : json();
      if (out->is_discarded()) *out = nullptr;
    }
    auto o = st.db().Prepare(
        "SELECT lane, count(*), min(created_at_ms) FROM outbox WHERE synced_at_ms IS NULL "
        "GROUP BY lane ORDER BY lane");
    if (!o) return std::move(o).error();
    for (;;) {
      auto more = o->Step();
      if (!more) return std::move(more).error();
      if (!*more) break;
      static constexpr const char* kLanes[] = {"priority", "records", "telemetry"};
      const auto lane = o->Int(0);
      f.backlog.push_back(json{{"lane", lane >= 0 && lane < 3 ? kLanes[lane] : "other"},
                               {"pending", o->Int(1)},
                               {"oldestAtMs", o->Int(2)}});
    }
    auto a = st.db().Prepare(
        "SELECT id, record_uuid, kind, booth, created_at_ms, level, payload FROM inspections "
        "WHERE level = 'alert' AND kind <> 'decision' ORDER BY id DESC LIMIT 20");
    if (!a) return std::move(a).error();
    auto alerts = Rows(*a);
    if (!alerts) return std::move(alerts).error();
    f.alerts = std::move(*alerts);
    auto d = DecisionsOf(st, UuidsOf(f.alerts));
    if (!d) return std::move(d).error();
    f.decisions = std::move(*d);
    return f;
  });
  if (!found) {
    log_.Error("supervisor view: store unavailable", {{"error", found.error().message()}});
    return Error(503, "store");
  }
  json booths = json::array();
  for (const auto& b : options_.booths) {
    json agencies = json::array();
    for (auto a : b.agencies) agencies.push_back(config::AgencyName(a));
    json entry{{"id", b.id},
               {"kind", b.kind == config::Booth::Kind::kLane ? "lane" : "booth"},
               {"agencies", agencies},
               {"lastInspectionAtMs", nullptr},
               {"lastHour", json::object()},
               {"undecided", 0}};
    if (auto it = found->booths.find(b.id); it != found->booths.end()) entry.update(*it);
    booths.push_back(std::move(entry));
  }
  json alerts = json::array();
  for (const auto& row : found->alerts) {
    json item = Item(s, row.record);
    if (auto d = found->decisions.find(row.record.uuid); d != found->decisions.end()) {
      item["decision"] = d->second.back();
    }
    alerts.push_back(std::move(item));
  }
  json devices = json::array();
  if (found->devices.is_array()) {
    for (const auto& d : found->devices) {
      json x = json::object();
      for (const char* k : {"id", "class", "driver", "connected", "last_event_ms", "events",
                            "faults", "reconnects", "last_fault"}) {
        if (const json* v = Find(d, k)) x[k] = *v;
      }
      devices.push_back(std::move(x));
    }
  }
  return Json(200, json{{"nowMs", now},
                        {"booths", booths},
                        {"devices", devices},
                        {"heartbeatAtMs", found->heartbeat},
                        {"disk", found->disk},
                        {"backlog", found->backlog},
                        {"alerts", alerts}});
}

HttpResponse App::Search(const Session& s, const Target& t) {
  if (s.role == "technician") return Error(403, "forbidden");
  auto query = ParseSearch(t.query);
  if (!query) {
    return Json(400, json{{"error", "bad_search"}, {"field", query.error().message()}});
  }
  std::vector<std::string> booths = VisibleBooths(s);
  if (!query->booth.empty()) {
    if (std::find(booths.begin(), booths.end(), query->booth) == booths.end()) {
      return Error(403, "booth_not_yours");
    }
    booths = {query->booth};
  }
  // Only fixed SQL with bound values: each term an index range on inspection_terms
  // (a prefix: no leading wildcard), the rest on indexed columns, newest first, one
  // page at a time by the row id, the whole within kSearchBudget.
  std::string sql =
      "SELECT i.id, i.record_uuid, i.kind, i.booth, i.created_at_ms, i.level, i.payload "
      "FROM inspections i WHERE i.kind <> 'decision' AND i.booth IN (" +
      Placeholders(booths.size()) + ")";
  std::vector<std::pair<std::string, std::string>> terms;
  for (const auto& [kind, value] :
       {std::pair{"document", &query->document}, std::pair{"name", &query->name},
        std::pair{"plate", &query->plate}, std::pair{"container", &query->container}}) {
    if (value->empty()) continue;
    sql +=
        " AND i.id IN (SELECT inspection_id FROM inspection_terms WHERE kind = ? AND term >= ? "
        "AND term < ?)";
    terms.emplace_back(kind, *value);
  }
  if (!query->level.empty()) sql += " AND i.level = ?";
  if (query->from_ms > 0) sql += " AND i.created_at_ms >= ?";
  if (query->to_ms) sql += " AND i.created_at_ms < ?";
  if (query->before_id > 0) sql += " AND i.id < ?";
  sql += " ORDER BY i.id DESC LIMIT ?";
  if (booths.empty()) return Json(200, json{{"items", json::array()}, {"next", nullptr}});

  const auto& q = *query;
  struct Found {
    std::vector<Row> rows;
    std::map<std::string, std::vector<json>> decisions;
  };
  auto found = OnStore([&](store::Store& st) -> Expected<Found> {
    st.db().SetDeadline(std::chrono::steady_clock::now() + kSearchBudget);
    struct Lift {
      store::Connection& db;
      ~Lift() { db.SetDeadline(std::nullopt); }
    } lift{st.db()};
    auto stmt = st.db().Prepare(sql);
    if (!stmt) return std::move(stmt).error();
    int i = 0;
    Status b;
    for (const auto& booth : booths) b = b ? stmt->Bind(++i, booth) : b;
    for (const auto& [kind, value] : terms) {
      b = b ? stmt->Bind(++i, kind) : b;
      b = b ? stmt->Bind(++i, value) : b;
      b = b ? stmt->Bind(++i, value + "\xff") : b;
    }
    if (!q.level.empty()) b = b ? stmt->Bind(++i, q.level) : b;
    if (q.from_ms > 0) b = b ? stmt->Bind(++i, q.from_ms) : b;
    if (q.to_ms) b = b ? stmt->Bind(++i, *q.to_ms) : b;
    if (q.before_id > 0) b = b ? stmt->Bind(++i, q.before_id) : b;
    b = b ? stmt->Bind(++i, q.limit + 1) : b;
    if (!b) return std::move(b).error();
    auto rows = Rows(*stmt);
    if (!rows) return std::move(rows).error();
    Found f{std::move(*rows), {}};
    auto d = DecisionsOf(st, UuidsOf(f.rows));
    if (!d) return std::move(d).error();
    f.decisions = std::move(*d);
    json criteria = json::array();
    for (const auto& term : terms) criteria.push_back(term.first);
    if (!q.level.empty()) criteria.push_back("level");
    if (q.from_ms > 0 || q.to_ms) criteria.push_back("date");
    // A search shows records: audited, by which criteria (not their values) and how many.
    auto a = st.audit().Append(store::AuditEvent{
        clock_.WallMs(), "officer:" + s.officer_id, "console.searched", s.officer_id,
        Dump(json{{"criteria", criteria}, {"results", f.rows.size()}})});
    if (!a) return std::move(a).error();
    return f;
  });
  if (!found) {
    if (found.error().Is(store::StoreErrc::kInterrupted)) {
      log_.Warning("console search stopped at its time bound", {{"officer", s.officer_id}});
      return Error(503, "search_too_slow");
    }
    log_.Error("console search failed", {{"error", found.error().message()}});
    return Error(503, "store");
  }
  json items = json::array();
  json next = nullptr;
  auto& rows = found->rows;
  if (rows.size() > static_cast<std::size_t>(q.limit)) {
    rows.resize(static_cast<std::size_t>(q.limit));
    next = rows.back().id;
  }
  for (const auto& row : rows) {
    json item = Item(s, row.record);
    if (auto d = found->decisions.find(row.record.uuid); d != found->decisions.end()) {
      item["decision"] = d->second.back();
    }
    items.push_back(std::move(item));
  }
  return Json(200, json{{"items", items}, {"next", next}});
}

}  // namespace checkpoint::console
