// The officer console against the real HTTPS server over real TLS on 127.0.0.1,
// with a real store in a temporary directory (libcurl as the client, the console's
// own certificate pinned as the only trusted one).
#include "checkpoint/console/console.hpp"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/console/accounts.hpp"
#include "checkpoint/console/app.hpp"
#include "checkpoint/store/store.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using nlohmann::json;

namespace {

// The store on a thread of its own, as the daemon's store worker.
class ThreadRunner final : public console::StoreRunner {
 public:
  explicit ThreadRunner(store::Store st) : store_(std::move(st)), thread_([this] { Loop(); }) {}
  ~ThreadRunner() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Post(std::function<void(store::Store&)> job) override {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
  }
  store::Store& store() { return store_; }  // only while no job runs

 private:
  void Loop() {
    for (;;) {
      std::function<void(store::Store&)> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job(store_);
    }
  }
  store::Store store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(store::Store&)>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

struct Reply {
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names
  json Json() const { return json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t CollectHeader(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<std::multimap<std::string, std::string>*>(out)->emplace(name, value);
  }
  return size * n;
}

const char* kPassword = "correct horse battery";

std::string TravellerPayload(const std::string& booth, const std::string& hit_agency) {
  json p{{"schema", 1},
         {"kind", "traveller"},
         {"booth", booth},
         {"level", "alert"},
         {"document",
          {{"surname", "SHEVCHENKO"},
           {"givenNames", "TARAS"},
           {"number", "FX1234567"},
           {"nationality", "UKR"},
           {"format", "TD3"},
           {"valid", true}}},
         {"assessment",
          {{"scored", true},
           {"level", "alert"},
           {"score", 90},
           {"reasons",
            json::array({{{"rule", "watchlist.person"},
                          {"description", "Traveller matches a watchlist entry"},
                          {"category", "watchlist"},
                          {"level", "alert"},
                          {"evidence", json::array({{{"field", "watchlist.persons"},
                                                     {"value", "SECRET-LISTING-42"}}})}}})}}},
         {"watchlist",
          {{"persons", json::array({{{"id", "SECRET-LISTING-42"},
                                     {"kind", "person"},
                                     {"score", 0.97},
                                     {"agency", hit_agency},
                                     {"reasons", json::array({"name matched in Cyrillic"})}}})},
           {"documents", json::array()}}}};
  return p.dump();
}

struct Fixture {
  // What the daemon would report as wrong with the box (Console::Options::problems).
  std::mutex problems_mu;
  std::vector<std::string> problems;

  testing::TempDir dir;
  common::ManualClock clock;
  std::unique_ptr<ThreadRunner> runner;
  std::unique_ptr<console::Console> console;
  std::string base;
  std::string b1_uuid, l1_uuid;

  Fixture() {
    auto st = store::Store::Open({.path = dir / "checkpoint.db", .device_id = "CP-TEST"});
    REQUIRE(st);
    console::OfficerRepository repo(st->db());
    auto add = [&](const char* id, const char* agency, const char* role) {
      console::Officer o;
      o.id = id;
      o.name = std::string("Officer ") + id;
      o.agency = agency;
      o.role = role;
      o.password_hash = console::HashPassword(kPassword).value();
      REQUIRE(repo.Add(o, clock.WallMs()));
    };
    add("bg1", "border_guard", "officer");
    add("cu1", "customs", "officer");
    add("tech1", "border_guard", "technician");
    add("sup1", "border_guard", "supervisor");
    b1_uuid = "11111111-1111-4111-8111-111111111111";
    l1_uuid = "22222222-2222-4222-8222-222222222222";
    for (const auto& [uuid, booth] : {std::pair{b1_uuid, "B1"}, std::pair{l1_uuid, "L1"}}) {
      store::InspectionRecord r{uuid,           "traveller", booth,
                                clock.WallMs(), "alert",     TravellerPayload(booth, "customs")};
      REQUIRE(st->RecordInspection(
          r, store::AuditEvent{clock.WallMs(), "checkpointd", "inspection.recorded", uuid, "{}"},
          store::Lane::kPriority));
    }
    runner = std::make_unique<ThreadRunner>(std::move(*st));
    Start();
  }
  ~Fixture() {
    if (console) console->Stop();
  }

  void Start() {
    console::Console::Options o;
    o.config.enabled = true;
    o.config.listen = {"127.0.0.1:0"};
    o.config.assets = CHECKPOINT_CONSOLE_ASSETS;
    o.config.session_idle = std::chrono::seconds(600);
    o.config.lockout_failures = 3;
    o.config.lockout_duration = std::chrono::seconds(300);
    o.config.restricted_agencies = {config::Agency::kCustoms};
    o.booths = {{"B1",
                 config::Booth::Kind::kBooth,
                 {config::Agency::kBorderGuard, config::Agency::kPolice}},
                {"L1",
                 config::Booth::Kind::kLane,
                 {config::Agency::kBorderGuard, config::Agency::kCustoms}}};
    o.data_dir = dir.path();
    o.device_id = "CP-TEST";
    o.problems = [this] {
      std::lock_guard lock(problems_mu);
      return problems;
    };
    auto started = console::Console::Start(o, *runner, clock, log::Logger::Null());
    REQUIRE(started);
    console = std::move(*started);
    base = "https://127.0.0.1:" + std::to_string(console->ports().at(0));
  }

  // As a restart of checkpointd: the console and the store closed, both opened again
  // from the files (nothing of the first process's memory is kept).
  void Restart() {
    console->Stop();
    console.reset();
    runner.reset();
    auto st = store::Store::Open({.path = dir / "checkpoint.db", .device_id = "CP-TEST"});
    REQUIRE(st);
    runner = std::make_unique<ThreadRunner>(std::move(*st));
    Start();
  }

  // Runs `job` on the store's thread and waits for it.
  template <typename Job>
  auto OnStore(Job job) {
    using R = decltype(job(std::declval<store::Store&>()));
    auto promise = std::make_shared<std::promise<R>>();
    runner->Post([&, promise](store::Store& st) { promise->set_value(job(st)); });
    return promise->get_future().get();
  }

  void Record(const std::string& uuid, const std::string& booth, const std::string& kind,
              const std::string& level, const std::string& payload) {
    store::InspectionRecord r{uuid, kind, booth, clock.WallMs(), level, payload};
    REQUIRE(OnStore([&](store::Store& st) {
      return st
          .RecordInspection(
              r,
              store::AuditEvent{clock.WallMs(), "checkpointd", "inspection.recorded", uuid, "{}"},
              store::Lane::kRecords)
          .has_value();
    }));
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             std::vector<std::string> headers = {}) {
    Reply r;
    CURL* c = curl_easy_init();
    REQUIRE(c);
    const std::string url = base + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, console->certificate().c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  // send "/../" as it is
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CollectHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    if (method != "GET") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    REQUIRE(rc == CURLE_OK);
    return r;
  }

  struct Login {
    std::string cookie;  // "Cookie: ..." header
    std::string csrf;    // "X-CSRF-Token: ..." header
    json body;
  };
  Reply LoginReply(const std::string& officer, const std::string& password) {
    return Call("POST", "/api/login", json{{"officer", officer}, {"password", password}}.dump(),
                {"Content-Type: application/json"});
  }
  Login LogIn(const std::string& officer) {
    auto r = LoginReply(officer, kPassword);
    REQUIRE(r.status == 200);
    const std::string set = r.Header("set-cookie");
    REQUIRE(set.find("HttpOnly") != std::string::npos);
    REQUIRE(set.find("Secure") != std::string::npos);
    REQUIRE(set.find("SameSite=Strict") != std::string::npos);
    Login l;
    l.cookie = "Cookie: " + set.substr(0, set.find(';'));
    l.body = r.Json();
    l.csrf = "X-CSRF-Token: " + l.body["csrf"].get<std::string>();
    return l;
  }
  std::int64_t AuditCount(const std::string& action) {
    auto st = store::Store::Open({.path = dir / "checkpoint.db", .device_id = "CP-TEST"});
    REQUIRE(st);
    auto q = st->db().Prepare("SELECT count(*) FROM audit_log WHERE action = ?");
    REQUIRE(q);
    REQUIRE(q->Bind(1, action));
    REQUIRE(*q->Step());
    return q->Int(0);
  }
};

}  // namespace

TEST_CASE("nothing of the API without a login, the pages carry strict security headers",
          "[console]") {
  Fixture f;
  for (const char* path : {"/api/inspections", "/api/session", "/api/events",
                           "/api/inspections/11111111-1111-4111-8111-111111111111"}) {
    auto r = f.Call("GET", path);
    CHECK(r.status == 401);
    CHECK(r.Json()["error"] == "unauthenticated");
  }
  // A forged cookie is no session either.
  CHECK(f.Call("GET", "/api/inspections", "", {"Cookie: __Host-cp_session=00ff"}).status == 401);

  auto page = f.Call("GET", "/");
  CHECK(page.status == 200);
  CHECK(page.Header("content-type").rfind("text/html", 0) == 0);
  CHECK(page.body.find("<script src=\"/app.js\"") != std::string::npos);
  CHECK(page.Header("content-security-policy").find("default-src 'self'") != std::string::npos);
  CHECK(page.Header("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(page.Header("x-frame-options") == "DENY");
  CHECK(page.Header("x-content-type-options") == "nosniff");
  CHECK(page.Header("referrer-policy") == "no-referrer");
  CHECK(page.Header("cache-control") == "no-store");
  // Cached pages are revalidated by their ETag.
  auto again =
      f.Call("GET", "/app.js", "", {"If-None-Match: " + f.Call("GET", "/app.js").Header("etag")});
  CHECK(again.status == 304);
  // The page has no inline script: every <script> names its source.
  CHECK(page.body.find("<script>") == std::string::npos);
}

TEST_CASE("static files only from the allow-list: path traversal is refused", "[console]") {
  Fixture f;
  for (const char* path :
       {"/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/i18n/../app.js", "/app.js/.",
        "//etc/passwd", "/i18n/en.json%00", "/i18n/..%2f..%2fconsole.key", "/console/console.key",
        "/console.key", "/.", "/index.html?/../../etc/passwd/x/../../x"}) {
    auto r = f.Call("GET", path);
    INFO(path);
    if (std::string(path).rfind("/index.html?", 0) == 0) {
      CHECK(r.status == 200);  // the query is no part of the file's name
      CHECK(r.body.find("<html") != std::string::npos);
    } else {
      CHECK((r.status == 404 || r.status == 400));
    }
    CHECK(r.body.find("root:") == std::string::npos);
    CHECK(r.body.find("PRIVATE KEY") == std::string::npos);
  }
  for (const char* path : {"/", "/index.html", "/app.js", "/style.css", "/i18n/en.json",
                           "/i18n/uk.json", "/i18n/ru.json"}) {
    INFO(path);
    CHECK(f.Call("GET", path).status == 200);
  }
  CHECK(f.Call("POST", "/index.html", "{}", {"Content-Type: application/json"}).status == 405);
}

TEST_CASE("lockout after repeated failed logins, audited, the right password waits too",
          "[console]") {
  Fixture f;
  auto unknown = f.LoginReply("nobody", kPassword);
  CHECK(unknown.status == 401);
  CHECK(unknown.Json()["error"] == "invalid_credentials");
  CHECK(f.LoginReply("bg1", "wrong password 1").status == 401);
  CHECK(f.LoginReply("bg1", "wrong password 2").status == 401);
  auto third = f.LoginReply("bg1", "wrong password 3");  // lockout_failures = 3
  CHECK(third.status == 423);
  auto locked = f.LoginReply("bg1", kPassword);
  CHECK(locked.status == 423);
  CHECK(locked.Json()["error"] == "locked");
  CHECK(!locked.Header("retry-after").empty());
  CHECK(locked.Header("set-cookie").empty());
  // Another officer is not affected.
  CHECK(f.LoginReply("cu1", kPassword).status == 200);
  // Past the lockout the right password works again.
  f.clock.Advance(std::chrono::seconds(301));
  CHECK(f.LoginReply("bg1", kPassword).status == 200);
  CHECK(f.AuditCount("console.login_failed") == 2);
  CHECK(f.AuditCount("console.locked") == 1);
  CHECK(f.AuditCount("console.login") == 2);
  // A login must be JSON, from this origin.
  CHECK(f.Call("POST", "/api/login", "officer=bg1&password=x",
               {"Content-Type: application/x-www-form-urlencoded"})
            .status == 415);
  CHECK(f.Call("POST", "/api/login", json{{"officer", "bg1"}, {"password", kPassword}}.dump(),
               {"Content-Type: application/json", "Origin: https://evil.example"})
            .status == 403);
}

TEST_CASE("a decision needs the session's CSRF token, it reaches the store and the outbox",
          "[console]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  const std::string path = "/api/inspections/" + f.b1_uuid + "/decision";
  const std::string body =
      json{{"decision", "refer"}, {"reason", "identity_doubt"}, {"note", "secondary check"}}.dump();
  const std::string ct = "Content-Type: application/json";
  auto none = f.Call("POST", path, body, {ct, bg.cookie});
  CHECK(none.status == 403);
  CHECK(none.Json()["error"] == "csrf");
  CHECK(
      f.Call("POST", path, body, {ct, bg.cookie, "X-CSRF-Token: " + std::string(64, 'a')}).status ==
      403);
  // Another officer's token is not this session's.
  auto cu = f.LogIn("cu1");
  CHECK(f.Call("POST", path, body, {ct, bg.cookie, cu.csrf}).status == 403);
  // A browser's cross-site request is refused even with the token.
  CHECK(f.Call("POST", path, body, {ct, bg.cookie, bg.csrf, "Sec-Fetch-Site: cross-site"}).status ==
        403);
  CHECK(f.AuditCount("decision.recorded") == 0);

  auto ok = f.Call("POST", path, body, {ct, bg.cookie, bg.csrf});
  REQUIRE(ok.status == 201);
  const std::string decision_uuid = ok.Json()["uuid"];
  const std::int64_t seq = ok.Json()["seq"];
  // Bad input is refused, not stored.
  CHECK(f.Call("POST", path, json{{"decision", "shoot"}}.dump(), {ct, bg.cookie, bg.csrf}).status ==
        400);
  CHECK(f.Call("POST", path, "{not json", {ct, bg.cookie, bg.csrf}).status == 400);
  CHECK(
      f.Call("POST", "/api/inspections/no-such/decision", body, {ct, bg.cookie, bg.csrf}).status ==
      404);
  // A technician does not decide.
  auto tech = f.LogIn("tech1");
  CHECK(f.Call("POST", path, body, {ct, tech.cookie, tech.csrf}).status == 403);

  // In the store: the decision record, linked, in the priority lane of the outbox.
  auto st = store::Store::Open({.path = f.dir / "checkpoint.db", .device_id = "CP-TEST"});
  REQUIRE(st);
  auto rec = st->inspections().FindByUuid(decision_uuid);
  REQUIRE(rec);
  REQUIRE(rec->has_value());
  CHECK((*rec)->kind == "decision");
  const json payload = json::parse((*rec)->payload_json);
  CHECK(payload["inspection"] == f.b1_uuid);
  CHECK(payload["officer"] == "bg1");
  CHECK(payload["decision"] == "refer");
  auto entry = st->outbox().Find(seq);
  REQUIRE(entry);
  REQUIRE(entry->has_value());
  CHECK((*entry)->lane == store::Lane::kPriority);
  CHECK((*entry)->record_uuid == decision_uuid);
  CHECK(f.AuditCount("decision.recorded") == 1);

  // The queue shows it decided.
  auto list = f.Call("GET", "/api/inspections?booth=B1", "", {bg.cookie}).Json();
  REQUIRE(list["items"].size() == 1);
  CHECK(list["items"][0]["decision"]["decision"] == "refer");
  // Logging out ends the session.
  CHECK(f.Call("POST", "/api/logout", "{}", {ct, bg.cookie, bg.csrf}).status == 200);
  CHECK(f.Call("GET", "/api/inspections", "", {bg.cookie}).status == 401);
}

TEST_CASE("an idle session expires and is sent back to the login", "[console]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  CHECK(f.Call("GET", "/api/session", "", {bg.cookie}).status == 200);
  f.clock.Advance(std::chrono::seconds(599));
  CHECK(f.Call("GET", "/api/session", "", {bg.cookie}).status == 200);  // activity: refreshed
  f.clock.Advance(std::chrono::seconds(599));
  // Background refreshes of the live queue are not activity.
  CHECK(f.Call("GET", "/api/inspections?background=1", "", {bg.cookie}).status == 200);
  f.clock.Advance(std::chrono::seconds(2));
  auto r = f.Call("GET", "/api/inspections", "", {bg.cookie});
  CHECK(r.status == 401);
  CHECK(r.Json()["error"] == "session_expired");
  CHECK(f.Call("GET", "/api/inspections", "", {bg.cookie}).Json()["error"] == "unauthenticated");
}

TEST_CASE("the list's sharing policy decides who sees a hit, default otherwise",
          "[console][sharing]") {
  // Hits as the inspection writes them (tests/inspection: "shareWith" only when set).
  const auto payload = [] {
    json hits = json::array();
    hits.push_back({{"id", "A"}, {"kind", "person"}, {"agency", "customs"}, {"reasons", {"r"}}});
    hits.push_back({{"id", "B"},
                    {"kind", "person"},
                    {"agency", "customs"},
                    {"shareWith", {"police"}},
                    {"reasons", {"r"}}});
    hits.push_back({{"id", "C"},
                    {"kind", "person"},
                    {"agency", "police"},
                    {"shareWith", json::array()},
                    {"reasons", {"r"}}});
    hits.push_back({{"id", "D"}, {"kind", "person"}, {"agency", "police"}, {"reasons", {"r"}}});
    hits.push_back({{"id", "E"},
                    {"kind", "person"},
                    {"agency", "police"},
                    {"shareWith", "border_guard"},  // not an array: shared with no one
                    {"reasons", {"r"}}});
    return json{{"watchlist", {{"persons", hits}}}};
  };
  const std::vector<std::string> restricted{"customs"};
  const auto visible = [&](std::string_view viewer) {
    json p = payload();
    const int hidden = console::RedactRestricted(p, viewer, restricted);
    std::string ids;
    for (const auto& h : p["watchlist"]["persons"]) {
      if (h.contains("restricted")) {
        CHECK(h == json{{"restricted", true}, {"agency", h["agency"]}, {"kind", "person"}});
      } else {
        ids += h["id"].get<std::string>();
      }
    }
    CHECK(static_cast<std::size_t>(hidden) + ids.size() == 5);
    return ids;
  };
  CHECK(visible("customs") == "ABD");  // owner of A and B; D: police, not restricted
  CHECK(visible("police") == "BCDE");  // B shared with police; C, D, E its own
  CHECK(visible("border_guard") == "D");
  // A policy that shares overrides the box's restricted default, and [] overrides
  // an unrestricted one.
  json p = payload();
  CHECK(console::RedactRestricted(p, "border_guard", {}) == 3);  // B, C, E
}

TEST_CASE("inspection to console: shareWith officers see the hit, others see it redacted",
          "[console][sharing]") {
  Fixture f;
  // Listed by police, shared with customs, at L1 (border guard and customs work there).
  json p = json::parse(TravellerPayload("L1", "police"));
  p["watchlist"]["persons"][0]["shareWith"] = json::array({"customs"});
  const std::string uuid = "33333333-3333-4333-8333-333333333333";
  f.Record(uuid, "L1", "traveller", "alert", p.dump());
  // Listed by customs (restricted on this box), shared with the border guard.
  json q = json::parse(TravellerPayload("L1", "customs"));
  q["watchlist"]["persons"][0]["shareWith"] = json::array({"border_guard"});
  q["watchlist"]["persons"][0]["id"] = "SHARED-LISTING-7";
  const std::string shared = "44444444-4444-4444-8444-444444444444";
  f.Record(shared, "L1", "traveller", "alert", q.dump());

  auto cu = f.LogIn("cu1");
  auto bg = f.LogIn("bg1");
  auto sup = f.LogIn("sup1");
  const auto view = [&](const Fixture::Login& who, const std::string& id) {
    auto r = f.Call("GET", "/api/inspections/" + id, "", {who.cookie});
    REQUIRE(r.status == 200);
    return r;
  };
  auto cu_view = view(cu, uuid);  // customs: in shareWith
  CHECK(cu_view.body.find("SECRET-LISTING-42") != std::string::npos);
  CHECK(cu_view.Json()["restrictedHits"] == 0);
  for (const auto* who : {&bg, &sup}) {  // border guard: not in shareWith; no role bypass
    auto r = view(*who, uuid);
    CHECK(r.body.find("SECRET-LISTING-42") == std::string::npos);
    CHECK(r.body.find("name matched in Cyrillic") == std::string::npos);
    const json j = r.Json();
    CHECK(j["restrictedHits"] == 1);
    CHECK(j["restrictedAgencies"] == json::array({"police"}));
    CHECK(j["payload"]["watchlist"]["persons"][0] ==
          json{{"restricted", true}, {"agency", "police"}, {"kind", "person"}});
  }
  // Customs restricted by the box, but this list shares with the border guard.
  auto bg_shared = view(bg, shared);
  CHECK(bg_shared.body.find("SHARED-LISTING-7") != std::string::npos);
  CHECK(bg_shared.Json()["restrictedHits"] == 0);
  auto cu_shared = view(cu, shared);  // the owner
  CHECK(cu_shared.body.find("SHARED-LISTING-7") != std::string::npos);
  CHECK(cu_shared.Json()["restrictedHits"] == 0);
}

TEST_CASE("another agency's restricted hit is hidden, its own officers see it", "[console]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  auto cu = f.LogIn("cu1");
  // The border guard works at B1 and L1, customs at L1 only.
  auto bg_list = f.Call("GET", "/api/inspections", "", {bg.cookie}).Json();
  CHECK(bg_list["items"].size() == 2);
  auto cu_list = f.Call("GET", "/api/inspections", "", {cu.cookie}).Json();
  REQUIRE(cu_list["items"].size() == 1);
  CHECK(cu_list["items"][0]["booth"] == "L1");
  CHECK(f.Call("GET", "/api/inspections?booth=B1", "", {cu.cookie}).status == 403);
  CHECK(f.Call("GET", "/api/inspections/" + f.b1_uuid, "", {cu.cookie}).status == 404);

  auto bg_view = f.Call("GET", "/api/inspections/" + f.l1_uuid, "", {bg.cookie});
  REQUIRE(bg_view.status == 200);
  CHECK(bg_view.body.find("SECRET-LISTING-42") == std::string::npos);
  CHECK(bg_view.body.find("name matched in Cyrillic") == std::string::npos);
  const json bv = bg_view.Json();
  CHECK(bv["restrictedHits"] == 1);
  CHECK(bv["restrictedAgencies"] == json::array({"customs"}));
  CHECK(bv["payload"]["watchlist"]["persons"][0]["restricted"] == true);
  CHECK(bv["payload"]["watchlist"]["persons"][0]["agency"] == "customs");
  CHECK(bv["level"] == "alert");  // the level stays: the officer refers
  CHECK(bg_list.dump().find("SECRET-LISTING-42") == std::string::npos);
  for (const auto& item : bg_list["items"]) {
    CHECK(item["restrictedHits"] == 1);
    CHECK(item["restrictedAgencies"] == json::array({"customs"}));
  }

  auto cu_view = f.Call("GET", "/api/inspections/" + f.l1_uuid, "", {cu.cookie});
  REQUIRE(cu_view.status == 200);
  CHECK(cu_view.body.find("SECRET-LISTING-42") != std::string::npos);
  CHECK(cu_view.Json()["restrictedHits"] == 0);
  // Every view is an audit entry.
  CHECK(f.AuditCount("console.viewed") == 2);
}

TEST_CASE("the live queue: an event reaches an open stream at once", "[console]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  std::promise<void> ready;
  struct Stream {
    std::string data;
    std::promise<void>* ready = nullptr;
    bool seen_ready = false;
    bool changed = false;
  } s;
  s.ready = &ready;
  auto collect = +[](char* d, std::size_t size, std::size_t n, void* out) -> std::size_t {
    auto* st = static_cast<Stream*>(out);
    st->data.append(d, size * n);
    if (!st->seen_ready && st->data.find("event: ready") != std::string::npos) {
      st->seen_ready = true;
      st->ready->set_value();
    }
    if (st->data.find("event: changed") != std::string::npos) {
      st->changed = true;
      return 0;  // enough: end the transfer
    }
    return size * n;
  };
  std::thread client([&] {
    CURL* c = curl_easy_init();
    const std::string url = f.base + "/api/events";
    curl_slist* list = curl_slist_append(nullptr, bg.cookie.c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, f.console->certificate().c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    (void)curl_easy_perform(c);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    if (!s.seen_ready) ready.set_value();
  });
  REQUIRE(ready.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  const auto t0 = std::chrono::steady_clock::now();
  f.console->NotifyRecorded();
  client.join();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(s.changed);
  CHECK(s.data.find("text/event-stream") == std::string::npos);  // headers apart from the body
  WARN("live event delivered over TLS in " << ms << " ms");
  CHECK(ms < 1000);
}

TEST_CASE("passwords: scrypt with a salt of their own, constant-time check", "[console]") {
  auto a = console::HashPassword(kPassword);
  auto b = console::HashPassword(kPassword);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);  // salted
  CHECK(a->rfind("scrypt$15$8$1$", 0) == 0);
  CHECK(console::VerifyPassword(kPassword, *a));
  CHECK_FALSE(console::VerifyPassword("correct horse battery!", *a));
  CHECK_FALSE(console::VerifyPassword(kPassword, "scrypt$15$8$1$AAAA$AAAA"));
  CHECK_FALSE(console::VerifyPassword(kPassword, "scrypt$40$8$1$" + a->substr(14)));
  CHECK_FALSE(console::VerifyPassword(kPassword, ""));
  CHECK_FALSE(console::HashPassword("short"));
}

TEST_CASE("request helpers refuse what they do not understand", "[console]") {
  CHECK(!console::ParseTarget(""));
  CHECK(!console::ParseTarget("http://x/"));
  CHECK(!console::ParseTarget("/a b"));
  CHECK(!console::ParseTarget("/\x7f"));
  auto t = console::ParseTarget("/api/inspections?booth=B1&limit=5&&x");
  REQUIRE(t);
  CHECK(t->path == "/api/inspections");
  CHECK(t->query["booth"] == "B1");
  CHECK(t->query["limit"] == "5");
  CHECK(t->query.count("x") == 1);
  CHECK(console::CookieValue("a=1; __Host-cp_session=abc; b=2", console::kSessionCookie) == "abc");
  CHECK(console::CookieValue("x__Host-cp_session=abc", console::kSessionCookie).empty());
  CHECK(!console::ParseJsonObject("[1]"));
  CHECK(!console::ParseJsonObject(std::string(20000, ' ') + "{}"));
  CHECK(console::ParseJsonObject("{\"a\":1}"));
}

namespace {

std::string VehiclePayload(const std::string& plate, const std::string& container) {
  return json{{"schema", 1},
              {"kind", "vehicle"},
              {"plate", {{"read", plate}, {"normalised", plate}}},
              {"containers", json::array({{{"read", container}, {"code", container}}})},
              {"assessment", {{"level", "refer"}, {"reasons", json::array()}}}}
      .dump();
}

std::string Uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "33333333-3333-4333-8333-%012d", n);
  return buf;
}

std::string SessionToken(const std::string& cookie_header) {
  return cookie_header.substr(cookie_header.find('=') + 1);
}

}  // namespace

TEST_CASE("a session survives a restart; logout, expiry and a disabled officer still end it",
          "[console][sessions]") {
  Fixture f;
  const std::string ct = "Content-Type: application/json";
  auto bg = f.LogIn("bg1");
  auto cu = f.LogIn("cu1");
  auto sup = f.LogIn("sup1");
  const std::string token = SessionToken(bg.cookie);

  // The store holds only the token's SHA-256: neither the token nor the CSRF token is
  // in the database's files.
  f.Restart();
  auto rows = f.OnStore([](store::Store& st) {
    std::vector<std::string> out;
    auto q = st.db().Prepare(
        "SELECT hex(token_sha256) || '|' || officer_id FROM console_sessions ORDER BY 1");
    REQUIRE(q);
    while (*q->Step()) out.push_back(q->Text(0));
    return out;
  });
  CHECK(rows.size() == 3);
  std::string hash_hex = common::ToHex(common::Sha256::Of(token));
  for (auto& c : hash_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(std::find(rows.begin(), rows.end(), hash_hex + "|bg1") != rows.end());
  for (const char* file : {"checkpoint.db", "checkpoint.db-wal"}) {
    std::ifstream in(f.dir / file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(file);
    CHECK(bytes.find(token) == std::string::npos);
    CHECK(bytes.find(bg.body["csrf"].get<std::string>()) == std::string::npos);
  }

  // The same cookie and CSRF token work with the new process.
  auto again = f.Call("GET", "/api/session", "", {bg.cookie});
  REQUIRE(again.status == 200);
  CHECK(again.Json()["officer"]["id"] == "bg1");
  CHECK(again.Json()["csrf"] == bg.body["csrf"]);
  const std::string path = "/api/inspections/" + f.b1_uuid + "/decision";
  CHECK(f.Call("POST", path, json{{"decision", "admit"}}.dump(), {ct, bg.cookie, bg.csrf}).status ==
        201);
  // Another session's token is still not this one's.
  CHECK(f.Call("POST", path, json{{"decision", "admit"}}.dump(), {ct, bg.cookie, cu.csrf}).status ==
        403);

  // Logout ends it, also for the next process.
  CHECK(f.Call("POST", "/api/logout", "{}", {ct, cu.cookie, cu.csrf}).status == 200);
  f.Restart();
  CHECK(f.Call("GET", "/api/session", "", {cu.cookie}).status == 401);

  // An officer disabled by checkpointctl (another process, straight in the store)
  // loses their sessions at once; the others keep theirs.
  {
    auto st = store::Store::Open({.path = f.dir / "checkpoint.db", .device_id = "CP-TEST"});
    REQUIRE(st);
    REQUIRE(console::OfficerRepository(st->db()).SetDisabled("sup1", true, f.clock.WallMs()));
  }
  auto gone = f.Call("GET", "/api/session", "", {sup.cookie});
  CHECK(gone.status == 401);
  CHECK(gone.Json()["error"] == "unauthenticated");
  CHECK(f.Call("GET", "/api/session", "", {bg.cookie}).status == 200);

  // The idle timeout holds across a restart too.
  f.clock.Advance(std::chrono::seconds(601));
  f.Restart();
  auto expired = f.Call("GET", "/api/session", "", {bg.cookie});
  CHECK(expired.status == 401);
  CHECK(expired.Json()["error"] == "session_expired");
  CHECK(f.OnStore([](store::Store& st) {
    return st.db().QueryInt("SELECT count(*) FROM console_sessions").value();
  }) == 0);
  // Garbage cookies never match.
  for (const char* c : {"Cookie: __Host-cp_session=", "Cookie: __Host-cp_session=zz",
                        "Cookie: __Host-cp_session=' OR 1=1 --"}) {
    CHECK(f.Call("GET", "/api/session", "", {c}).status == 401);
  }
}

TEST_CASE("a session's absolute end holds however active the officer", "[console][sessions]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  int minutes = 0;
  Reply last;
  while (minutes < 24 * 60) {  // activity every 9 minutes, never idle
    f.clock.Advance(std::chrono::minutes(9));
    minutes += 9;
    last = f.Call("GET", "/api/session", "", {bg.cookie});
    if (last.status != 200) break;
  }
  CHECK(last.Json()["error"] == "session_expired");
  CHECK(minutes >= 12 * 60);
  CHECK(minutes < 12 * 60 + 9);
}

TEST_CASE("decisions carry a reason code from the catalogue, into the record and the outbox",
          "[console][reasons]") {
  Fixture f;
  const std::string ct = "Content-Type: application/json";
  auto bg = f.LogIn("bg1");
  REQUIRE(bg.body["reasons"].is_array());
  CHECK(bg.body["reasons"].size() == 14);
  CHECK(bg.body["reasonRequired"] == json::array({"refer", "refuse", "hold"}));
  const std::string path = "/api/inspections/" + f.b1_uuid + "/decision";
  auto post = [&](const json& body) {
    return f.Call("POST", path, body.dump(), {ct, bg.cookie, bg.csrf});
  };

  auto missing = post({{"decision", "refuse"}});
  CHECK(missing.status == 400);
  CHECK(missing.Json()["error"] == "reason_required");
  CHECK(post({{"decision", "refer"}, {"reason", ""}}).Json()["error"] == "reason_required");
  auto unknown = post({{"decision", "refuse"}, {"reason", "looked_suspicious"}});
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["error"] == "unknown_reason");
  CHECK(unknown.Json()["message"].get<std::string>().find("catalogue") != std::string::npos);
  for (const json& hostile :
       {json{{"decision", "refuse"}, {"reason", 7}},
        json{{"decision", "refuse"}, {"reason", json::array()}},
        json{{"decision", "refuse"}, {"reason", std::string(5000, 'a')}},
        json{{"decision", "refuse"}, {"reason", "other'); DROP TABLE inspections; --"}},
        json{{"decision", "refuse"}, {"reason", "OTHER"}}}) {
    INFO(hostile.dump().substr(0, 80));
    CHECK(post(hostile).status == 400);
  }
  CHECK(f.AuditCount("decision.recorded") == 0);

  auto ok = post({{"decision", "refuse"}, {"reason", "document_stolen"}, {"note", "see report"}});
  REQUIRE(ok.status == 201);
  CHECK(ok.Json()["reason"] == "document_stolen");
  const std::int64_t seq = ok.Json()["seq"];
  // Admit needs no reason.
  CHECK(post({{"decision", "admit"}}).status == 201);

  auto st = store::Store::Open({.path = f.dir / "checkpoint.db", .device_id = "CP-TEST"});
  REQUIRE(st);
  auto rec = st->inspections().FindByUuid(ok.Json()["uuid"].get<std::string>());
  REQUIRE(rec);
  REQUIRE(rec->has_value());
  CHECK(json::parse((*rec)->payload_json)["reason"] == "document_stolen");
  auto entry = st->outbox().Find(seq);
  REQUIRE(entry);
  REQUIRE(entry->has_value());
  CHECK((*entry)->lane == store::Lane::kPriority);
  const std::string outbox_payload((*entry)->payload.begin(), (*entry)->payload.end());
  CHECK(outbox_payload.find("\"reason\":\"document_stolen\"") != std::string::npos);
  auto audit = st->db().Prepare(
      "SELECT details FROM audit_log WHERE action = 'decision.recorded' ORDER BY id LIMIT 1");
  REQUIRE(audit);
  REQUIRE(*audit->Step());
  CHECK(json::parse(audit->Text(0))["reason"] == "document_stolen");
  // The detail view shows the decisions with their reasons.
  auto detail = f.Call("GET", "/api/inspections/" + f.b1_uuid, "", {bg.cookie}).Json();
  REQUIRE(detail["decisions"].size() == 2);
  CHECK(detail["decisions"][0]["reason"] == "document_stolen");
}

TEST_CASE("the supervisor view: booths, devices, sync backlog, alerts; 403 for others",
          "[console][supervisor]") {
  Fixture f;
  REQUIRE(f.OnStore([&](store::Store& st) {
    return st.state()
        .Set("hal.health",
             R"([{"id":"mrz-b1","class":"document_reader","driver":"mrz_serial","connected":true,)"
             R"("last_event_ms":1700000000000,"events":3,"faults":0,"last_fault":""},)"
             R"({"id":"lpr-l1","class":"plate_reader","driver":"http_camera","connected":false,)"
             R"("last_event_ms":0,"events":0,"faults":2,"last_fault":"connect refused"}])",
             f.clock.WallMs())
        .has_value();
  }));
  f.Record(Uuid(1), "L1", "vehicle", "refer", VehiclePayload("AA1234BB", "MSCU1234565"));
  auto bg = f.LogIn("bg1");
  auto cu = f.LogIn("cu1");
  auto tech = f.LogIn("tech1");
  for (const auto* l : {&bg, &cu, &tech}) {
    auto r = f.Call("GET", "/api/supervisor", "", {l->cookie});
    CHECK(r.status == 403);
    CHECK(r.body.find("mrz-b1") == std::string::npos);
  }
  CHECK(f.Call("GET", "/api/supervisor").status == 401);

  auto sup = f.LogIn("sup1");
  auto r = f.Call("GET", "/api/supervisor", "", {sup.cookie});
  REQUIRE(r.status == 200);
  const json v = r.Json();
  REQUIRE(v["booths"].size() == 2);
  CHECK(v["booths"][0]["id"] == "B1");
  CHECK(v["booths"][0]["lastHour"]["alert"] == 1);
  CHECK(v["booths"][0]["undecided"] == 1);
  CHECK(v["booths"][1]["kind"] == "lane");
  CHECK(v["booths"][1]["lastHour"]["refer"] == 1);
  CHECK(v["booths"][1]["undecided"] == 2);
  REQUIRE(v["devices"].size() == 2);
  CHECK(v["devices"][1]["connected"] == false);
  CHECK(v["devices"][1]["last_fault"] == "connect refused");
  // The two alerts in the priority lane, the vehicle in the records lane.
  REQUIRE(v["backlog"].size() == 2);
  CHECK(v["backlog"][0]["lane"] == "priority");
  CHECK(v["backlog"][0]["pending"] == 2);
  CHECK(v["backlog"][1]["lane"] == "records");
  CHECK(v["backlog"][1]["pending"] == 1);
  // Recent alerts, agency-filtered like the queue (the supervisor is border guard).
  REQUIRE(v["alerts"].size() == 2);
  CHECK(v["alerts"][0]["restrictedAgencies"] == json::array({"customs"}));
  CHECK(r.body.find("SECRET-LISTING-42") == std::string::npos);

  // A decision takes the inspection off the undecided count.
  CHECK(f.Call("POST", "/api/inspections/" + f.b1_uuid + "/decision",
               json{{"decision", "refer"}, {"reason", "watchlist_hit"}}.dump(),
               {"Content-Type: application/json", sup.cookie, sup.csrf})
            .status == 201);
  const json after = f.Call("GET", "/api/supervisor", "", {sup.cookie}).Json();
  CHECK(after["booths"][0]["undecided"] == 0);
  CHECK(after["alerts"][1]["decision"]["reason"] == "watchlist_hit");
  CHECK(after["backlog"][0]["pending"] == 3);
}

TEST_CASE("history search: by document, name, plate, container, level and date; paged",
          "[console][search]") {
  Fixture f;
  f.Record(Uuid(1), "L1", "vehicle", "refer", VehiclePayload("AA1234BB", "MSCU1234565"));
  for (int i = 2; i <= 31; ++i) {
    f.clock.Advance(std::chrono::seconds(60));
    f.Record(Uuid(i), "B1", "traveller", "clear", TravellerPayload("B1", "police"));
  }
  auto bg = f.LogIn("bg1");
  auto search = [&](const std::string& q, const Fixture::Login& who) {
    return f.Call("GET", "/api/search?" + q, "", {who.cookie});
  };
  auto doc = search("document=fx123", bg);
  REQUIRE(doc.status == 200);
  CHECK(doc.Json()["items"].size() == 25);  // the default page
  const auto next = doc.Json()["next"];
  REQUIRE(next.is_number());
  auto page2 = search("document=FX1234567&before=" + next.dump(), bg).Json();
  CHECK(page2["items"].size() == 7);  // 31 travellers + the seed B1/L1: 32 in all
  CHECK(page2["next"].is_null());
  // Newest first, no row twice.
  std::set<std::string> seen;
  for (const json& items : {doc.Json()["items"], page2["items"]}) {
    for (const auto& it : items) CHECK(seen.insert(it["uuid"].get<std::string>()).second);
  }
  CHECK(seen.size() == 32);

  CHECK(search("name=shev", bg).Json()["items"].size() == 25);
  CHECK(search("name=TARAS", bg).Json()["items"].size() == 25);
  CHECK(search("name=HEVCH", bg).Json()["items"].empty());  // prefixes, no infix
  auto plate = search("plate=AA12", bg).Json();
  REQUIRE(plate["items"].size() == 1);
  CHECK(plate["items"][0]["uuid"] == Uuid(1));
  CHECK(plate["items"][0]["summary"]["plate"] == "AA1234BB");
  CHECK(search("container=mscu1234565", bg).Json()["items"].size() == 1);
  CHECK(search("container=MSCU9", bg).Json()["items"].empty());
  CHECK(search("level=refer", bg).Json()["items"].size() == 1);
  CHECK(search("level=alert&limit=50", bg).Json()["items"].size() == 2);
  const std::int64_t t0 = 1'700'000'000'000;
  auto range = search("from=" + std::to_string(t0 + 60'000) +
                          "&to=" + std::to_string(t0 + 180'001) + "&limit=50",
                      bg)
                   .Json();
  CHECK(range["items"].size() == 3);
  CHECK(f.AuditCount("console.searched") >= 10);

  // Agency restriction exactly as the queue: customs works at L1 only, and sees the
  // police hit in B1's records nowhere.
  auto cu = f.LogIn("cu1");
  auto cu_doc = search("document=FX&limit=50", cu).Json();
  REQUIRE(cu_doc["items"].size() == 1);
  CHECK(cu_doc["items"][0]["booth"] == "L1");
  CHECK(search("document=FX&booth=B1", cu).status == 403);
  auto bg_l1 = search("document=FX&booth=L1", bg);
  REQUIRE(bg_l1.status == 200);
  CHECK(bg_l1.body.find("SECRET-LISTING-42") == std::string::npos);
  CHECK(bg_l1.Json()["items"][0]["restrictedAgencies"] == json::array({"customs"}));
  auto tech = f.LogIn("tech1");
  CHECK(search("document=FX", tech).status == 403);
  CHECK(f.Call("GET", "/api/search?document=FX").status == 401);
}

TEST_CASE("history search refuses hostile parameters with 400, never a slow query",
          "[console][search]") {
  Fixture f;
  auto bg = f.LogIn("bg1");
  const std::string huge(3'000, 'A');
  for (const std::string& q : std::vector<std::string>{"document=%25FX",
                                                       "document=FX%25",
                                                       "name=%25",
                                                       "name=_%25_",
                                                       "document=F",
                                                       "document=" + std::string(21, 'A'),
                                                       "name=" + std::string(2000, 'B'),
                                                       "plate=AA%2012",
                                                       "container=MSCU%00",
                                                       "name=O'Brien%22;--",
                                                       "name=%ZZ",
                                                       "name=%4",
                                                       "name=%C3%A9",
                                                       "level=ALERT",
                                                       "level=info",
                                                       "from=-1",
                                                       "from=abc",
                                                       "to=0",
                                                       "from=2000&to=1000",
                                                       "to=99999999999999999999",
                                                       "limit=0",
                                                       "limit=51",
                                                       "limit=1e3",
                                                       "before=0",
                                                       "before=x",
                                                       "booth=B1'--",
                                                       "sort=id",
                                                       "document[]=FX",
                                                       "q=" + huge}) {
    auto r = f.Call("GET", "/api/search?" + q, "", {bg.cookie});
    INFO(q.substr(0, 60));
    CHECK(r.status == 400);
    const json e = r.Json();
    CHECK((e["error"] == "bad_search" || e["error"] == "bad_request"));
    if (e["error"] == "bad_search") CHECK(!e["field"].get<std::string>().empty());
  }
  // Accepted: spaces in names, lower case, an empty criterion.
  for (const char* q : {"name=TARAS+H", "name=o%27brien", "document=", "plate=aa12"}) {
    INFO(q);
    CHECK(f.Call("GET", std::string("/api/search?") + q, "", {bg.cookie}).status == 200);
  }
}

TEST_CASE("a statement past its connection's deadline stops with kInterrupted",
          "[console][search]") {
  testing::TempDir dir;
  auto st = store::Store::Open({.path = dir / "checkpoint.db", .device_id = "CP-TEST"});
  REQUIRE(st);
  st->db().SetDeadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = st->db().QueryInt(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000000) "
      "SELECT count(*) FROM n");
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(store::StoreErrc::kInterrupted));
  CHECK(ms < 2000);
  st->db().SetDeadline(std::nullopt);
  CHECK(st->db().QueryInt("SELECT count(*) FROM (SELECT 1 UNION SELECT 2)").value() == 2);
}

TEST_CASE("search parameters: the parser on its own", "[console][search]") {
  auto q = console::ParseSearch({{"name", "taras+h"},
                                 {"document", "fx%3C1"},
                                 {"level", "alert"},
                                 {"from", "5"},
                                 {"to", "10"},
                                 {"limit", "7"},
                                 {"before", "99"}});
  REQUIRE(q);
  CHECK(q->name == "TARAS H");
  CHECK(q->document == "FX<1");
  CHECK(q->level == "alert");
  CHECK(q->from_ms == 5);
  CHECK(q->to_ms == 10);
  CHECK(q->limit == 7);
  CHECK(q->before_id == 99);
  auto bad = console::ParseSearch({{"to", "5"}, {"from", "5"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "to");
  CHECK(console::PercentDecode("%41+b") == "A b");
  CHECK_FALSE(console::PercentDecode("%4"));
  CHECK_FALSE(console::PercentDecode("%0a"));
  CHECK_FALSE(console::PercentDecode("%"));
}

TEST_CASE("the box's problems reach every officer's page, from memory, not the store",
          "[console][health]") {
  Fixture f;
  CHECK(f.Call("GET", "/api/health").status == 401);
  auto bg = f.LogIn("bg1");
  auto healthy = f.Call("GET", "/api/health?background=1", "", {bg.cookie});
  REQUIRE(healthy.status == 200);
  CHECK(healthy.Json()["problems"] == json::array());
  {
    std::lock_guard lock(f.problems_mu);
    f.problems = {"storage.readOnly", "disk.full"};
  }
  auto cu = f.LogIn("cu1");  // any agency, any role
  for (const auto& who : {bg, cu}) {
    auto faulty = f.Call("GET", "/api/health?background=1", "", {who.cookie});
    REQUIRE(faulty.status == 200);
    CHECK(faulty.Json()["problems"] == json::array({"storage.readOnly", "disk.full"}));
  }
  CHECK(f.Call("POST", "/api/health", "{}", {"Content-Type: application/json", bg.cookie, bg.csrf})
            .status == 405);
  // Every code the daemon sends has a text in each language's catalogue.
  for (const char* lang : {"en", "uk", "ru"}) {
    auto cat = f.Call("GET", std::string("/i18n/") + lang + ".json");
    REQUIRE(cat.status == 200);
    const json j = cat.Json();
    for (const char* code : {"storage.readOnly", "storage.corrupt", "storage.io",
                             "storage.unavailable", "disk.low", "disk.full"}) {
      INFO(lang << " " << code);
      CHECK(j.contains(std::string("problem.") + code));
    }
  }
}
