// The console's request helpers must take any bytes: a request target, a Cookie
// header and a JSON body (split at the first two newlines), and the agency filter
// on any JSON object; never crash, never leave a restricted hit's id behind. The
// target's query also goes through the history search's parser: what it accepts is
// bounded and within its alphabets (nothing a LIKE or the SQL could take as syntax).
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/console/app.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace checkpoint::console;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl1 = in.find('\n');
  const std::string_view target = in.substr(0, nl1);
  std::string_view rest = nl1 == std::string_view::npos ? std::string_view() : in.substr(nl1 + 1);
  const auto nl2 = rest.find('\n');
  const std::string_view cookie = rest.substr(0, nl2);
  const std::string_view body =
      nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

  if (auto t = ParseTarget(target)) {
    if (t->path.empty() || t->path.front() != '/') __builtin_trap();
    if (t->path.find('?') != std::string::npos) __builtin_trap();
    if (auto q = ParseSearch(t->query)) {
      const auto within = [](const std::string& v, std::size_t max, std::string_view extra) {
        if (v.empty()) return;
        if (v.size() < 2 || v.size() > max) __builtin_trap();
        for (char c : v) {
          if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                extra.find(c) != std::string_view::npos)) {
            __builtin_trap();
          }
        }
      };
      within(q->document, 20, "<");
      within(q->name, 64, " '<-");
      within(q->plate, 20, "");
      within(q->container, 20, "");
      if (q->limit < 1 || q->limit > 50) __builtin_trap();
      if (q->to_ms && *q->to_ms <= q->from_ms) __builtin_trap();
    }
    for (const auto& kv : t->query) {
      if (auto d = PercentDecode(kv.second)) {
        if (d->size() > kv.second.size()) __builtin_trap();
      }
    }
  }
  const std::string v = CookieValue(cookie, kSessionCookie);
  if (v.find(';') != std::string::npos) __builtin_trap();
  if (auto j = ParseJsonObject(body)) {
    nlohmann::json copy = *j;
    const int hidden = RedactRestricted(copy, "border_guard", {"customs", "police"});
    if (hidden < 0) __builtin_trap();
    // No hit of a restricted agency keeps its id or reasons.
    const auto check = [](const nlohmann::json& list) {
      if (!list.is_array()) return;
      for (const auto& hit : list) {
        if (!hit.is_object()) continue;
        auto a = hit.find("agency");
        if (a == hit.end() || !a->is_string()) continue;
        if ((*a == "customs" || *a == "police") &&
            (hit.contains("id") || hit.contains("reasons"))) {
          __builtin_trap();
        }
      }
    };
    if (auto w = copy.find("watchlist"); w != copy.end()) {
      check(*w);
      if (w->is_object()) {
        if (auto p = w->find("persons"); p != w->end()) check(*p);
        if (auto d = w->find("documents"); d != w->end()) check(*d);
      }
    }
    (void)copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
