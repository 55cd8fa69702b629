#include "checkpoint/hal/driver_spec.hpp"
#include "checkpoint/hal/drivers/http_camera.hpp"
#include "checkpoint/hal/drivers/registry.hpp"
#include "stream_drivers.hpp"

namespace checkpoint::hal::drivers {

Expected<std::shared_ptr<Device>> CreateDevice(DriverContext ctx, DeviceConfig config,
                                               EventSink sink) {
  const DriverSpec* spec = FindDriver(config.driver);
  if (!spec) return MakeError(CommonErrc::kInvalidArgument, "unknown driver " + config.driver);
  if (!spec->Serves(config.device_class)) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "driver " + config.driver + " does not serve class " +
                         std::string(DeviceClassName(config.device_class)));
  }
  const bool listen = std::holds_alternative<ListenSettings>(config.transport);
  if (listen != (spec->transport == TransportKind::kListen)) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "driver " + config.driver + " cannot use this transport");
  }
  // Options not given take the catalogue's defaults.
  for (const auto& o : spec->options)
    config.options.try_emplace(std::string(o.key), o.default_value);

  const std::string& d = config.driver;
  if (d == "http_camera") {
    return std::shared_ptr<Device>(
        std::make_shared<HttpCameraDevice>(std::move(ctx), std::move(config), std::move(sink)));
  }
  if (d == "mrz_serial") return MakeMrzReader(std::move(ctx), std::move(config), std::move(sink));
  if (d == "chip_reader") return MakeChipReader(std::move(ctx), std::move(config), std::move(sink));
  if (d == "mettler_toledo") {
    return MakeMettlerToledo(std::move(ctx), std::move(config), std::move(sink));
  }
  if (d == "ascii_weight")
    return MakeAsciiWeight(std::move(ctx), std::move(config), std::move(sink));
  if (d == "n42_tcp") return MakeN42(std::move(ctx), std::move(config), std::move(sink));
  if (d == "seal_line") return MakeSealReader(std::move(ctx), std::move(config), std::move(sink));
  return MakeError(CommonErrc::kInternal, "driver " + d + " is catalogued but not built");
}

}  // namespace checkpoint::hal::drivers
