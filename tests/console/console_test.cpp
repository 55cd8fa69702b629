// The officer console against the real HTTPS server over real TLS on 127.0.0.1,
// with a real store in a temporary directory (libcurl as the client, the console's
// own certificate pinned as the only trusted one).
#include "checkpoint/console/console.hpp"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint/common/clock.hpp"
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
    auto started = console::Console::Start(o, *runner, clock, log::Logger::Null());
    REQUIRE(started);
    console = std::move(*started);
    base = "https://127.0.0.1:" + std::to_string(console->ports().at(0));
  }
  ~Fixture() {
    if (console) console->Stop();
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
  const std::string body = json{{"decision", "refer"}, {"note", "secondary check"}}.dump();
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
