#include "checkpoint/hal/drivers/registry.hpp"

#include "checkpoint/hal/drivers/http_camera.hpp"

namespace checkpoint::hal::drivers {

Status DeviceRegistry::Add(const DeviceConfig& config) {
  if (Find(config.id)) {
    return MakeError(CommonErrc::kInvalidArgument, "duplicate device id " + config.id);
  }
  auto d = CreateDevice(ctx_, config, sink_);
  if (!d) return std::move(d).error().WithContext("device " + config.id);
  devices_.push_back(std::move(*d));
  return {};
}

void DeviceRegistry::StartAll() {
  for (auto& d : devices_) d->Start();
}

void DeviceRegistry::StopAll() {
  for (auto& d : devices_) d->Stop();
}

std::vector<DeviceHealth> DeviceRegistry::Health() const {
  std::vector<DeviceHealth> out;
  out.reserve(devices_.size());
  for (const auto& d : devices_) out.push_back(d->Health());
  return out;
}

std::shared_ptr<Device> DeviceRegistry::Find(const std::string& id) const {
  for (const auto& d : devices_) {
    if (d->config().id == id) return d;
  }
  return nullptr;
}

std::uint16_t DeviceRegistry::ListenPort(const std::string& id) const {
  auto d = std::dynamic_pointer_cast<HttpCameraDevice>(Find(id));
  return d ? d->bound_port() : 0;
}

}  // namespace checkpoint::hal::drivers
