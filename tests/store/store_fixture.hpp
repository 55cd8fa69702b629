#pragma once
#include <catch2/catch.hpp>

#include "checkpoint/common/random.hpp"
#include "checkpoint/store/store.hpp"
#include "support/temp_dir.hpp"

namespace checkpoint::testing {

inline store::Store OpenStore(const std::filesystem::path& path, std::string device = "CP-T1") {
  auto s = store::Store::Open({.path = path, .device_id = std::move(device)});
  if (!s) FAIL(s.error().String());
  return std::move(s).value();
}

inline store::InspectionRecord SampleRecord(std::int64_t t = 1'700'000'000'000,
                                            std::string level = "clear") {
  return store::InspectionRecord{
      common::NewUuid(), "traveller", "B1", t, std::move(level), R"({"doc":"P<UTO","score":12})"};
}

inline store::AuditEvent SampleAudit(const std::string& subject,
                                     std::int64_t t = 1'700'000'000'000) {
  return store::AuditEvent{t, "checkpointd", "inspection.recorded", subject,
                           R"({"level":"clear"})"};
}

}  // namespace checkpoint::testing
