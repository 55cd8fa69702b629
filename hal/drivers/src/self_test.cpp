#include "checkpoint/hal/drivers/self_test.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <variant>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/hal/drivers/registry.hpp"

namespace checkpoint::hal::drivers {

namespace {

// The kind of a reading, never its content.
std::string PayloadKind(const EventPayload& p) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, MrzRead>) return "mrz";
        if constexpr (std::is_same_v<T, ChipRead>) return "chip";
        if constexpr (std::is_same_v<T, PlateRead>) return "plate";
        if constexpr (std::is_same_v<T, ContainerCodeRead>) return "container_code";
        if constexpr (std::is_same_v<T, WeightReading>) return "weight";
        if constexpr (std::is_same_v<T, RadiationReading>) return "radiation";
        if constexpr (std::is_same_v<T, SealRead>) return "seal";
        return "fault";
      },
      p);
}

}  // namespace

SelfTestResult SelfTest(const DeviceConfig& config, const SelfTestOptions& options,
                        const log::Logger& log) {
  SelfTestResult r;
  r.device_id = config.id;
  r.device_class = std::string(DeviceClassName(config.device_class));
  r.driver = config.driver;
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  common::SystemClock clock;
  std::optional<DeviceFault> fault;
  std::string frame_kind;
  auto device = CreateDevice({io, clock, log.Child("selftest")}, config, [&](const DeviceEvent& e) {
    if (const auto* f = std::get_if<DeviceFault>(&e.payload)) {
      if (!fault) fault = *f;
    } else if (frame_kind.empty()) {
      frame_kind = PayloadKind(e.payload);
    }
  });
  if (!device) {
    r.detail = device.error().message();
    return r;
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
  (*device)->Start();
  // Opening: until connected or listening, a fault, or the timeout.
  while (!(r.opened = (*device)->Health().connected) && !fault &&
         elapsed() < options.open_timeout) {
    io.run_one_for(std::chrono::milliseconds(20));
  }
  // Then the first frame: a reading, a fault, or the end of the wait.
  const auto frame_until = elapsed() + options.frame_wait;
  while (r.opened && !fault && frame_kind.empty() && elapsed() < frame_until) {
    io.run_one_for(std::chrono::milliseconds(20));
  }
  (*device)->Stop();
  guard.reset();
  io.run_for(std::chrono::milliseconds(100));  // lets cancelled operations finish
  r.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed()).count();
  r.frame = !frame_kind.empty();
  r.frame_kind = frame_kind;
  if (fault) {
    r.detail = fault->kind + ": " + fault->detail;
  } else if (!r.opened) {
    r.detail = "not opened within " + std::to_string(options.open_timeout.count()) + " ms";
  } else if (!r.frame) {
    r.detail = "opened; no frame within " + std::to_string(options.frame_wait.count()) +
               " ms (the device sends when used)";
  } else {
    r.detail = "opened; read a " + frame_kind + " frame";
  }
  r.ok = r.opened && !fault;
  return r;
}

}  // namespace checkpoint::hal::drivers
