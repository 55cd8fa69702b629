#pragma once
// Helpers for the rules engine tests: a fake history and one-rule bundles.

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "checkpoint/risk/rules.hpp"

namespace checkpoint::risk::testing {

inline constexpr std::int64_t kDayMs = 86'400'000;
inline constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15

// Events in memory; counts them as the store will. Records every query made.
class FakeHistory final : public HistoryProvider {
 public:
  struct Event {
    HistoryKind kind;
    Field key;
    std::string value;
    std::int64_t at_ms;
  };
  void Add(HistoryKind kind, Field key, std::string value, std::int64_t at_ms) {
    events_.push_back(Event{kind, key, std::move(value), at_ms});
  }
  Expected<std::int64_t> Count(const HistoryQuery& q) override {
    queries.push_back(q);
    if (fail) return MakeError(CommonErrc::kUnavailable, "store busy");
    std::int64_t n = 0;
    for (const auto& e : events_) {
      if (e.kind == q.kind && e.key == q.key && e.value == q.value && e.at_ms >= q.since_ms &&
          e.at_ms <= q.until_ms)
        ++n;
    }
    return n;
  }

  bool fail = false;
  std::vector<HistoryQuery> queries;

 private:
  std::vector<Event> events_;
};

// A bundle around the given rules (a JSON array's contents).
inline std::string Bundle(std::string_view rules, std::int64_t version = 1,
                          std::string_view levels = R"({"secondary": 30, "alert": 70})") {
  return R"({"format": 1, "version": )" + std::to_string(version) +
         R"(, "issuedAt": "2026-12-01T08:00:00Z", "levels": )" + std::string(levels) +
         R"(, "rules": [)" + std::string(rules) + "]}";
}

// One rule "r" of weight 10 with the given condition.
inline std::string OneRule(std::string_view when) {
  return Bundle(R"({"id": "r", "description": "d", "category": "test", "weight": 10, "when": )" +
                std::string(when) + "}");
}

}  // namespace checkpoint::risk::testing
