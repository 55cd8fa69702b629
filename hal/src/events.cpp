#include "checkpoint/hal/events.hpp"

namespace checkpoint::hal {

namespace {
constexpr std::pair<DeviceClass, std::string_view> kNames[] = {
    {DeviceClass::kDocumentReader, "document_reader"},
    {DeviceClass::kPlateCamera, "plate_camera"},
    {DeviceClass::kContainerCamera, "container_camera"},
    {DeviceClass::kWeighbridge, "weighbridge"},
    {DeviceClass::kRadiationPortal, "radiation_portal"},
    {DeviceClass::kSealReader, "seal_reader"},
};
}  // namespace

std::string_view DeviceClassName(DeviceClass c) noexcept {
  for (const auto& [k, v] : kNames) {
    if (k == c) return v;
  }
  return "unknown";
}

std::optional<DeviceClass> ParseDeviceClass(std::string_view name) noexcept {
  for (const auto& [k, v] : kNames) {
    if (v == name) return k;
  }
  return std::nullopt;
}

}  // namespace checkpoint::hal
