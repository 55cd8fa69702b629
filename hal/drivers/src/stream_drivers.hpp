#pragma once
// Private: the concrete stream drivers. Each owns one decoder from hal/protocols
// and maps what it decodes to events.
#include <memory>

#include "checkpoint/hal/drivers/stream_device.hpp"

namespace checkpoint::hal::drivers {

std::shared_ptr<Device> MakeMrzReader(DriverContext ctx, DeviceConfig config, EventSink sink);
std::shared_ptr<Device> MakeChipReader(DriverContext ctx, DeviceConfig config, EventSink sink);
std::shared_ptr<Device> MakeMettlerToledo(DriverContext ctx, DeviceConfig config, EventSink sink);
std::shared_ptr<Device> MakeAsciiWeight(DriverContext ctx, DeviceConfig config, EventSink sink);
std::shared_ptr<Device> MakeN42(DriverContext ctx, DeviceConfig config, EventSink sink);
std::shared_ptr<Device> MakeSealReader(DriverContext ctx, DeviceConfig config, EventSink sink);

}  // namespace checkpoint::hal::drivers
