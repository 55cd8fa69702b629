#include "checkpoint/daemon/disk_policy.hpp"

#include <nlohmann/json.hpp>

namespace checkpoint::daemon {

void DiskPolicy::Report(store::Store& st, std::int64_t now_ms) {
  const nlohmann::json disk{{"level", store::DiskLevelName(guard_.level())},
                            {"free_bytes", guard_.free_bytes()},
                            {"reserve_held", guard_.reserve_held()},
                            {"telemetry_shed", shed_total_}};
  if (auto s = st.state().Set("store.disk", disk.dump(), now_ms); !s) {
    if (!faults_ || faults_->OnFailure(s.error())) {
      log_.Error("disk level not recorded", {{"error", s.error().message()}});
    }
  }
}

std::vector<std::string> BoxProblems(store::Fault fault, store::DiskLevel disk) {
  std::vector<std::string> out;
  switch (fault) {
    case store::Fault::kNone:
      break;
    case store::Fault::kReadOnly:
      out.emplace_back("storage.readOnly");
      break;
    case store::Fault::kCorrupt:
      out.emplace_back("storage.corrupt");
      break;
    case store::Fault::kIo:
      out.emplace_back("storage.io");
      break;
  }
  switch (disk) {
    case store::DiskLevel::kOk:
      break;
    case store::DiskLevel::kLow:
      out.emplace_back("disk.low");
      break;
    case store::DiskLevel::kCritical:
      out.emplace_back("disk.full");
      break;
  }
  return out;
}

store::DiskLevel DiskPolicy::Check(store::Store& st, std::int64_t now_ms) {
  const store::DiskLevel before = guard_.level();
  auto level = guard_.Check();
  if (!level) {
    log_.Error("cannot read free disk space", {{"error", level.error().message()}});
    return before;
  }
  published_.store(*level, std::memory_order_relaxed);
  if (!checked_ || *level != reported_) {
    const std::vector<log::Field> f{
        {"level", store::DiskLevelName(*level)},
        {"free_mib", static_cast<std::int64_t>(guard_.free_bytes() >> 20)},
        {"reserve_held", guard_.reserve_held()}};
    switch (*level) {
      case store::DiskLevel::kOk:
        if (checked_) log_.Notice("disk space back to normal; telemetry recorded again", f);
        break;
      case store::DiskLevel::kLow:
        log_.Warning("disk space low: telemetry is shed, inspections still recorded", f);
        break;
      case store::DiskLevel::kCritical:
        log_.Critical("disk space critical: reserve released for inspections; free space now", f);
        break;
    }
    reported_ = *level;
    checked_ = true;
  }
  Report(st, now_ms);
  return *level;
}

Expected<std::int64_t> DiskPolicy::RecordTelemetry(store::Store& st, std::string_view uuid,
                                                   std::string body_json, std::int64_t now_ms) {
  if (guard_.level() != store::DiskLevel::kOk) {
    ++shed_;
    ++shed_total_;
    return 0;
  }
  nlohmann::json payload{
      {"health", nlohmann::json::parse(body_json, nullptr, false)},
      {"disk",
       {{"level", store::DiskLevelName(guard_.level())}, {"free_bytes", guard_.free_bytes()}}},
      {"shed_before", shed_}};
  auto seq = st.outbox().Enqueue(
      store::Lane::kTelemetry, "telemetry", uuid,
      payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now_ms);
  if (seq) shed_ = 0;
  return seq;
}

bool DiskPolicy::OnDiskFull() {
  const bool released = guard_.OnDiskFull();
  published_.store(store::DiskLevel::kCritical, std::memory_order_relaxed);
  if (released) {
    log_.Critical(
        "disk full: reserve released so that inspections can be recorded",
        {{"reserve_mib", static_cast<std::int64_t>(guard_.thresholds().reserve_bytes >> 20)}});
  }
  return released;
}

}  // namespace checkpoint::daemon
