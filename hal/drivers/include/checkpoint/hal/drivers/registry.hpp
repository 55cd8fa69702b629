#pragma once
// Creates the configured devices, starts and stops them together, and reports
// their health. Devices are independent: one that cannot open its port, floods
// or sends garbage only produces its own faults; the others keep working.
//
// Threading: construct, Start, Stop and Find on the io thread; Health() from any
// thread.

#include <map>
#include <memory>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/hal/device.hpp"
#include "checkpoint/hal/drivers/stream_device.hpp"

namespace checkpoint::hal::drivers {

// A new device for `config` (whose driver must be in hal::Drivers()).
Expected<std::shared_ptr<Device>> CreateDevice(DriverContext ctx, DeviceConfig config,
                                               EventSink sink);

class DeviceRegistry {
 public:
  DeviceRegistry(DriverContext ctx, EventSink sink)
      : ctx_(std::move(ctx)), sink_(std::move(sink)) {}
  ~DeviceRegistry() { StopAll(); }

  Status Add(const DeviceConfig& config);
  void StartAll();
  void StopAll();

  std::vector<DeviceHealth> Health() const;
  std::shared_ptr<Device> Find(const std::string& id) const;
  // The bound port of a listening (camera) device, 0 when none.
  std::uint16_t ListenPort(const std::string& id) const;
  std::size_t size() const { return devices_.size(); }

 private:
  DriverContext ctx_;
  EventSink sink_;
  std::vector<std::shared_ptr<Device>> devices_;
};

}  // namespace checkpoint::hal::drivers
