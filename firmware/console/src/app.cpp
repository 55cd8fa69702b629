#include "checkpoint/console/app.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <future>
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

Expected<std::vector<Row>> RecentRows(store::Store& st, const std::vector<std::string>& booths,
                                      int limit) {
  std::vector<Row> rows;
  if (booths.empty()) return rows;
  std::string sql =
      "SELECT id, record_uuid, kind, booth, created_at_ms, level, payload FROM inspections "
      "WHERE kind <> 'decision' AND booth IN (";
  for (std::size_t i = 0; i < booths.size(); ++i) sql += i ? ", ?" : "?";
  sql += ") ORDER BY id DESC LIMIT ?";
  auto q = st.db().Prepare(sql);
  if (!q) return std::move(q).error();
  int i = 0;
  for (const auto& b : booths) {
    if (auto s = q->Bind(++i, b); !s) return std::move(s).error();
  }
  if (auto s = q->Bind(++i, limit); !s) return std::move(s).error();
  for (;;) {
    auto more = q->Step();
    if (!more) return std::move(more).error();
    if (!*more) break;
    rows.push_back(Row{q->Int(0), store::InspectionRecord{q->Text(1), q->Text(2), q->Text(3),
                                                          q->Int(4), q->Text(5), q->Text(6)}});
  }
  return rows;
}

// The decisions on inspections from row `from_id` on (a decision is always written
// after its inspection), newest last, by inspection uuid.
Expected<std::map<std::string, std::vector<json>>> DecisionsSince(store::Store& st,
                                                                  std::int64_t from_id,
                                                                  const std::string& only = {}) {
  std::map<std::string, std::vector<json>> out;
  auto q = st.db().Prepare(
      "SELECT record_uuid, payload FROM inspections WHERE kind = 'decision' AND id > ? "
      "AND (? = '' OR json_extract(payload, '$.inspection') = ?) ORDER BY id");
  if (!q) return std::move(q).error();
  if (auto s = q->BindAll(from_id, only, only); !s) return std::move(s).error();
  for (;;) {
    auto more = q->Step();
    if (!more) return std::move(more).error();
    if (!*more) break;
    json p = json::parse(q->Text(1), nullptr, false);
    if (!p.is_object()) continue;
    out[Str(p, "inspection")].push_back(json{{"uuid", q->Text(0)},
                                             {"decision", Str(p, "decision")},
                                             {"officer", Str(p, "officer")},
                                             {"decidedAtMs", p.value("decidedAtMs", 0)},
                                             {"note", Str(p, "note")}});
  }
  return out;
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

int RedactRestricted(json& payload, std::string_view viewer_agency,
                     const std::vector<std::string>& restricted) {
  int hidden = 0;
  for (json* list : HitLists(payload)) {
    for (auto& hit : *list) {
      const std::string agency = Str(hit, "agency");
      if (agency.empty() || agency == viewer_agency ||
          std::find(restricted.begin(), restricted.end(), agency) == restricted.end()) {
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

std::optional<std::pair<std::string, App::Session>> App::Authenticate(const HttpRequest& req,
                                                                      bool* expired) {
  const std::string id = CookieValue(req.cookie, kSessionCookie);
  if (id.empty()) return std::nullopt;
  const std::int64_t now = clock_.SteadyMs();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  const auto idle = std::chrono::milliseconds(options_.config.session_idle).count();
  const auto max = std::chrono::milliseconds(options_.config.session_max).count();
  if (now - it->second.last_seen_ms > idle || now - it->second.created_ms > max) {
    sessions_.erase(it);
    *expired = true;
    return std::nullopt;
  }
  // The page's own refreshes after a live event are not the officer's activity.
  if (req.method != "GET" || req.target.find("background=1") == std::string::npos) {
    it->second.last_seen_ms = now;
  }
  return std::make_pair(id, it->second);
}

bool App::Alive(const std::string& id) {
  const std::int64_t now = clock_.SteadyMs();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  return now - it->second.last_seen_ms <=
             std::chrono::milliseconds(options_.config.session_idle).count() &&
         now - it->second.created_ms <=
             std::chrono::milliseconds(options_.config.session_max).count();
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
  auto& [sid, s] = *auth;
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
    {
      std::lock_guard lock(mu_);
      sessions_.erase(sid);
    }
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
    {
      std::lock_guard lock(mu_);
      if (auto it = sessions_.find(sid); it != sessions_.end()) it->second.language = lang;
    }
    return Json(200, json{{"language", lang}});
  }
  if (t.path == "/api/events") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    HttpResponse r;
    r.event_stream = true;
    r.alive = [this, id = sid] { return Alive(id); };
    return r;
  }
  if (t.path == "/api/inspections") {
    if (req.method != "GET") return Error(405, "method_not_allowed");
    return List(s, t);
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
  auto recorded = OnStore([&, id](store::Store& st) -> Expected<bool> {
    return store::InTransaction(st.db(), [&]() -> Expected<bool> {
      OfficerRepository repo(st.db());
      bool locked = false;
      if (ok) {
        if (auto s = repo.RecordSuccess(id, now); !s) return std::move(s).error();
      } else {
        auto l = repo.RecordFailure(id, now, cfg.lockout_failures,
                                    std::chrono::milliseconds(cfg.lockout_duration).count());
        if (!l) return std::move(l).error();
        locked = *l;
      }
      json details{{"peer", req.peer}};
      if (locked) details["locked"] = true;
      auto a = st.audit().Append(store::AuditEvent{
          now, "officer:" + id,
          ok ? "console.login" : (locked ? "console.locked" : "console.login_failed"), id,
          Dump(details)});
      if (!a) return std::move(a).error();
      return locked;
    });
  });
  if (!recorded) {
    log_.Error("console login not recorded", {{"error", recorded.error().message()}});
    return Error(503, "store");
  }
  if (!ok) {
    log_.Notice(*recorded ? "console account locked after failed logins"
                          : "console login refused: wrong password",
                {{"officer", id}, {"peer", req.peer}});
    return Error(*recorded ? 423 : 401, *recorded ? "locked" : "invalid_credentials");
  }
  Session s;
  s.officer_id = officer->id;
  s.name = officer->name;
  s.agency = officer->agency;
  s.role = officer->role;
  s.language = officer->language;
  s.csrf = RandomHex(32);
  s.created_ms = s.last_seen_ms = clock_.SteadyMs();
  const std::string sid = RandomHex(32);
  if (sid.empty() || s.csrf.empty()) return Error(503, "no_randomness");
  {
    std::lock_guard lock(mu_);
    const auto idle = std::chrono::milliseconds(cfg.session_idle).count();
    std::erase_if(sessions_,
                  [&](const auto& kv) { return s.created_ms - kv.second.last_seen_ms > idle; });
    if (sessions_.size() >= kMaxSessions) return Error(503, "too_many_sessions");
    sessions_.emplace(sid, s);
  }
  log_.Info("console login", {{"officer", s.officer_id}, {"role", s.role}, {"peer", req.peer}});
  auto r = Json(200, SessionJson(s));
  r.headers.emplace_back("Set-Cookie", SessionCookie(sid, cfg.session_max.count()));
  return r;
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
    Found f{std::move(*rows), {}};
    if (f.rows.empty()) return f;
    auto d = DecisionsSince(st, f.rows.back().id);
    if (!d) return std::move(d).error();
    f.decisions = std::move(*d);
    return f;
  });
  if (!found) return Error(503, "store");
  json items = json::array();
  for (auto& row : found->rows) {
    json payload = json::parse(row.record.payload_json, nullptr, false);
    const int hidden = RedactRestricted(payload, s.agency, restricted_);
    json item{{"uuid", row.record.uuid},
              {"kind", row.record.kind},
              {"booth", row.record.booth},
              {"createdAtMs", row.record.created_at_ms},
              {"level", row.record.level},
              {"summary", Summary(payload)},
              {"reasons", Reasons(payload)},
              {"restrictedHits", hidden},
              {"restrictedAgencies", HiddenAgencies(payload)},
              {"decision", nullptr}};
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
    auto d = DecisionsSince(st, 0, uuid);
    if (!d) return std::move(d).error();
    // Every view of a record is itself an audit entry.
    auto a = st.audit().Append(store::AuditEvent{clock_.WallMs(), "officer:" + s.officer_id,
                                                 "console.viewed", uuid, "{}"});
    if (!a) return std::move(a).error();
    return std::optional<Found>(Found{std::move(**rec), std::move((*d)[uuid])});
  });
  if (!found) return Error(503, "store");
  if (!*found) return Error(404, "not_found");
  const auto& r = (*found)->record;
  json payload = json::parse(r.payload_json, nullptr, false);
  const int hidden = RedactRestricted(payload, s.agency, restricted_);
  return Json(200, json{{"uuid", r.uuid},
                        {"kind", r.kind},
                        {"booth", r.booth},
                        {"createdAtMs", r.created_at_ms},
                        {"level", r.level},
                        {"summary", Summary(payload)},
                        {"reasons", Reasons(payload)},
                        {"restrictedHits", hidden},
                        {"restrictedAgencies", HiddenAgencies(payload)},
                        {"payload", payload},
                        {"decisions", (*found)->decisions}});
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
  inspection::DecisionInput in{uuid, s.officer_id, decision,
                               note ? note->get<std::string>() : std::string(), clock_.WallMs()};
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
                                  {"seq", (*done)->stored.seq}});
  return Json(
      201,
      json{{"uuid", (*done)->record.uuid}, {"decision", decision}, {"seq", (*done)->stored.seq}});
}

}  // namespace checkpoint::console
