#pragma once
// The trial's health check: what must hold before a new slot is committed.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace checkpoint::update {

struct HealthReport {
  // kPassed: commit. kFailed: roll back now. kPending: not yet (the daemon may
  // still be starting, the link to HQ may come); the trial's deadline decides.
  enum class Verdict { kPassed, kPending, kFailed } verdict = Verdict::kPending;
  std::vector<std::string> findings;  // what is not (yet) right, for the technician
};

class HealthCheck {
 public:
  virtual ~HealthCheck() = default;
  // The agent's last contact with HQ as it recorded it (HQ's time), taken when the
  // trial starts; nullopt when unknown. Check compares against it, so that "reached
  // HQ" means "since the trial began" without trusting the box's clock.
  virtual std::optional<std::int64_t> LastHqContactMs() = 0;
  // `trial_started_ms`: the box's wall clock when the trial began.
  virtual HealthReport Check(std::int64_t trial_started_ms,
                             std::optional<std::int64_t> hq_contact_at_start) = 0;
};

// The product's check, from what the daemon and the agent keep in their stores:
//  - the store opens and PRAGMA quick_check says ok (else kFailed);
//  - the daemon is up: daemon.state "running" and a heartbeat since the trial began,
//    no older than max_heartbeat_age_ms;
//  - every device in the daemon's hal.health answers (connected);
//  - the agent reached HQ since the trial began (its last_hq_time_ms in sync.db rose),
//    unless allow_offline.
class StoreHealthCheck final : public HealthCheck {
 public:
  struct Options {
    std::filesystem::path database;  // the appliance's checkpoint.db
    std::filesystem::path sync_db;   // checkpoint-sync's sync.db
    bool allow_offline = false;
    std::int64_t max_heartbeat_age_ms = 30'000;
    std::function<std::int64_t()> now_ms;  // the wall clock
  };
  explicit StoreHealthCheck(Options o) : o_(std::move(o)) {}

  std::optional<std::int64_t> LastHqContactMs() override;
  HealthReport Check(std::int64_t trial_started_ms,
                     std::optional<std::int64_t> hq_contact_at_start) override;

 private:
  Options o_;
};

}  // namespace checkpoint::update
