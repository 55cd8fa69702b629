#pragma once
// What the console answers, without the network: the routes, the officers'
// sessions, CSRF and lockout checks, the security headers, the static pages from an
// allow-list, and the agency filter of restricted hits. HttpsServer calls Handle on
// its threads; the Catch2 tests and the fuzz target call the pure helpers below.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/config/config.hpp"
#include "checkpoint/console/console.hpp"
#include "checkpoint/console/http.hpp"

namespace checkpoint::console {

inline constexpr std::string_view kSessionCookie = "__Host-cp_session";

// The path and the query parameters of a request target ("/api/x?booth=B1&limit=5").
// nullopt for a target that is not origin-form or holds bytes outside printable
// ASCII. Parameters are not percent-decoded: the API's values are identifiers.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
std::optional<Target> ParseTarget(std::string_view target);

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(std::string_view header, std::string_view name);

// A JSON object body of at most 16 KiB; nullopt otherwise.
std::optional<nlohmann::json> ParseJsonObject(std::string_view body);

// Hides, in an inspection payload (docs/inspection.md), the watchlist hits that
// `viewer_agency` may not see. A hit listed by another agency is visible when its
// list's "shareWith" names the viewer's agency; with no "shareWith", unless its
// agency is in `restricted` (the box's default). A hidden hit becomes
// {"restricted": true, "agency", "kind"} and the evidence of watchlist reasons is
// withheld. Returns how many hits were hidden.
int RedactRestricted(nlohmann::json& payload, std::string_view viewer_agency,
                     const std::vector<std::string>& restricted);

// A search of past inspections (GET /api/search), parsed from the query string:
// values are percent-decoded, bounded and checked against a small alphabet, so that
// nothing but an index lookup reaches the store. Terms are prefixes, upper case.
struct SearchQuery {
  std::string document;               // [A-Z0-9<]{2,20}
  std::string name;                   // surname or given names: [A-Z '<-]{2,64}
  std::string plate;                  // [A-Z0-9]{2,20}
  std::string container;              // [A-Z0-9]{2,20}
  std::string level;                  // "" or clear | refer | alert
  std::string booth;                  // "" or one booth id
  std::int64_t from_ms = 0;           // created at or after (wall, ms)
  std::optional<std::int64_t> to_ms;  // created before
  std::int64_t before_id = 0;         // the next page: rows older than this cursor
  int limit = 25;                     // 1 .. 50
};
// kInvalidArgument naming the parameter at fault ("name", "from", ...) for an
// unknown parameter, a value too long, outside its alphabet, or a range upside down.
Expected<SearchQuery> ParseSearch(const std::map<std::string, std::string>& query);

// "%41+b" -> "A b"; nullopt for a broken escape or an encoded control byte.
std::optional<std::string> PercentDecode(std::string_view s);

// The static pages: an allow-list of URL paths, each to one file of the assets
// directory, read once at start. Nothing else on disk can be reached by a URL.
struct Asset {
  std::string content_type;
  std::string body;
  std::string etag;
};
Expected<std::map<std::string, Asset>> LoadAssets(const std::filesystem::path& dir);

class App {
 public:
  struct Options {
    config::ConsoleConfig config;
    std::vector<config::Booth> booths;
    std::function<std::vector<std::string>()> problems;  // Console::Options::problems
  };
  App(Options options, std::map<std::string, Asset> assets, StoreRunner& store,
      const common::Clock& clock, Events& events, log::Logger log);

  HttpResponse Handle(const HttpRequest& req);

 private:
  struct Session {
    std::string officer_id;
    std::string name;
    std::string agency;
    std::string role;
    std::string language;
    std::string csrf;  // derived from the session's token (CsrfOf), never stored
    common::Digest256 token_sha256{};
    std::int64_t created_ms = 0;  // wall clock: sessions outlive the process
    std::int64_t last_seen_ms = 0;
    std::int64_t expires_ms = 0;
  };
  // What this process knows of a session beyond the store: the officer's activity
  // since the store's last_seen_ms was written (it is written at most every
  // touch interval), and the end, for the event streams' checks.
  struct Seen {
    std::int64_t last_seen_ms = 0;
    std::int64_t expires_ms = 0;
  };

  HttpResponse Api(const HttpRequest& req, const Target& t);
  HttpResponse Login(const HttpRequest& req);
  HttpResponse Static(const HttpRequest& req, const Target& t) const;
  // The session of the request's cookie, refreshed; nullopt when none or expired
  // (`expired` tells which).
  std::optional<Session> Authenticate(const HttpRequest& req, bool* expired);
  bool Alive(const std::string& key);
  std::vector<std::string> VisibleBooths(const Session& s) const;
  nlohmann::json SessionJson(const Session& s) const;
  HttpResponse List(const Session& s, const Target& t);
  HttpResponse Detail(const Session& s, const std::string& uuid);
  HttpResponse Decide(const Session& s, const std::string& uuid, const nlohmann::json& body);
  HttpResponse Supervisor(const Session& s);
  HttpResponse Search(const Session& s, const Target& t);
  // The queue's item of an inspection, agency-filtered for `s`.
  nlohmann::json Item(const Session& s, const store::InspectionRecord& r,
                      nlohmann::json* payload_out = nullptr) const;

  template <typename Job>
  auto OnStore(Job job) -> decltype(job(std::declval<store::Store&>()));

  Options options_;
  std::map<std::string, Asset> assets_;
  StoreRunner& store_;
  const common::Clock& clock_;
  Events& events_;
  log::Logger log_;
  std::vector<std::string> restricted_;
  std::string dummy_hash_;  // verified for unknown officers: the same time as a real one

  std::mutex mu_;
  std::map<std::string, Seen> seen_;  // by the token's SHA-256 (hex)
};

}  // namespace checkpoint::console
