#pragma once
// Shared by the inspection tests: events, the default bundle, a fixed day.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/risk/rules.hpp"

namespace checkpoint::testing {

// 2026-06-01T08:00:00Z
inline constexpr std::int64_t kJune2026 = 1'780'300'800'000;

inline hal::DeviceEvent Event(std::string device, std::string booth, hal::DeviceClass cls,
                              std::int64_t wall_ms, hal::EventPayload payload) {
  return hal::DeviceEvent{std::move(device), std::move(booth), cls,
                          wall_ms,           std::nullopt,     std::move(payload)};
}

inline std::shared_ptr<const risk::CompiledBundle> DefaultBundle() {
  std::ifstream in(CHECKPOINT_DEFAULT_RULES);
  std::stringstream s;
  s << in.rdbuf();
  auto b = risk::CompileBundle(s.str());
  if (!b) FAIL(b.error().message());
  return *b;
}

inline std::vector<std::string> RuleIds(const risk::Assessment& a) {
  std::vector<std::string> ids;
  for (const auto& r : a.reasons) ids.push_back(r.rule_id);
  return ids;
}

}  // namespace checkpoint::testing
