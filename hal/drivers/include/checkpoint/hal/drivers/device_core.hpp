#pragma once
// What every driver shares whatever its transport: turning readings and faults
// into DeviceEvents for the sink, the flood limit, and the health counters.
//
// Threading: Deliver/Fault/SetConnected run on the device's io thread; Health()
// is safe from any thread.

#include <mutex>
#include <optional>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hal/device.hpp"
#include "checkpoint/hal/drivers/flood_limiter.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::drivers {

class DeviceCore {
 public:
  DeviceCore(const DeviceConfig& config, EventSink sink, const common::Clock& clock,
             log::Logger log);

  // Delivery stops for good after Disable() (called by Stop()).
  void Enable() { enabled_ = true; }
  void Disable() { enabled_ = false; }

  void Deliver(EventPayload payload, std::optional<double> quality = std::nullopt);
  void Fault(const protocols::FrameError& e);
  // Counts a fault without delivering it (repeats of an already reported outage).
  void CountFault(const std::string& kind);
  void SetConnected(bool connected);
  void CountReconnect();
  void CountBytes(std::size_t n);

  DeviceHealth Health() const;
  const log::Logger& log() const { return log_; }
  const common::Clock& clock() const { return clock_; }

 private:
  bool Admit(bool is_fault);
  void Emit(EventPayload payload, std::optional<double> quality);

  const DeviceConfig& config_;
  EventSink sink_;
  const common::Clock& clock_;
  log::Logger log_;
  FloodLimiter limiter_;
  bool enabled_ = false;
  bool flood_reported_ = false;
  mutable std::mutex mu_;
  DeviceHealth health_;
};

}  // namespace checkpoint::hal::drivers
