#include "checkpoint/hal/drivers/device_core.hpp"

namespace checkpoint::hal::drivers {

DeviceCore::DeviceCore(const DeviceConfig& config, EventSink sink, const common::Clock& clock,
                       log::Logger log)
    : config_(config),
      sink_(std::move(sink)),
      clock_(clock),
      log_(std::move(log)),
      limiter_(config.Int("max_events_per_s", 50)) {
  health_.device_id = config.id;
  health_.device_class = config.device_class;
  health_.driver = config.driver;
}

DeviceHealth DeviceCore::Health() const {
  std::lock_guard lock(mu_);
  return health_;
}

void DeviceCore::SetConnected(bool connected) {
  std::lock_guard lock(mu_);
  if (connected && !health_.connected) health_.connected_since_ms = clock_.WallMs();
  health_.connected = connected;
}

void DeviceCore::CountReconnect() {
  std::lock_guard lock(mu_);
  ++health_.reconnects;
}

void DeviceCore::CountBytes(std::size_t n) {
  std::lock_guard lock(mu_);
  health_.bytes += n;
}

void DeviceCore::CountFault(const std::string& kind) {
  std::lock_guard lock(mu_);
  ++health_.faults;
  ++health_.fault_counts[kind];
}

bool DeviceCore::Admit(bool is_fault) {
  if (limiter_.Allow(clock_.SteadyMs())) {
    flood_reported_ = false;
    return true;
  }
  {
    std::lock_guard lock(mu_);
    ++health_.suppressed;
    if (is_fault) ++health_.faults;
  }
  if (!flood_reported_) {
    // Said once per burst, and this one notice bypasses the limit.
    flood_reported_ = true;
    {
      std::lock_guard lock(mu_);
      ++health_.faults;
      ++health_.fault_counts["flood"];
      health_.last_fault = "flood: more than max_events_per_s";
    }
    log_.Warning("device flooding; deliveries suppressed", {{"device", config_.id}});
    Emit(DeviceFault{"flood", "more than max_events_per_s; further deliveries counted only"},
         std::nullopt);
  }
  return false;
}

void DeviceCore::Deliver(EventPayload payload, std::optional<double> quality) {
  if (!enabled_ || !Admit(false)) return;
  {
    std::lock_guard lock(mu_);
    ++health_.events;
    health_.last_event_ms = clock_.WallMs();
  }
  Emit(std::move(payload), quality);
}

void DeviceCore::Fault(const protocols::FrameError& e) {
  {
    std::lock_guard lock(mu_);
    ++health_.fault_counts[e.kind];
    health_.last_fault = e.kind + ": " + e.detail;
  }
  if (!enabled_ || !Admit(true)) return;
  {
    std::lock_guard lock(mu_);
    ++health_.faults;
  }
  Emit(DeviceFault{e.kind, e.detail}, std::nullopt);
}

void DeviceCore::Emit(EventPayload payload, std::optional<double> quality) {
  if (!enabled_ || !sink_) return;
  DeviceEvent ev;
  ev.device_id = config_.id;
  ev.booth = config_.booth;
  ev.device_class = config_.device_class;
  ev.wall_ms = clock_.WallMs();
  ev.quality = quality;
  ev.payload = std::move(payload);
  sink_(ev);
}

}  // namespace checkpoint::hal::drivers
