#pragma once
// The device interface every driver implements, its configuration and its health.
//
// Threading: a Device lives on one io_context (the daemon's HAL loop). Start(),
// Stop() and the EventSink run on that loop's thread; Health() may be called from
// any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "checkpoint/hal/events.hpp"

namespace checkpoint::hal {

struct SerialSettings {
  std::string path;  // /dev/ttyUSB0, /dev/serial/by-id/..., or a pty in simulation
  unsigned baud = 9600;
  enum class Parity { kNone, kEven, kOdd } parity = Parity::kNone;
  unsigned char_size = 8;  // 5..8
  unsigned stop_bits = 1;  // 1 or 2
  enum class Flow { kNone, kHardware, kSoftware } flow = Flow::kNone;
};

// The appliance connects to the device (e.g. a portal monitor's data port).
struct TcpSettings {
  std::string host;
  std::uint16_t port = 0;
};

// The device connects to the appliance (cameras that POST events).
struct ListenSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (tests, simulation)
  std::string path = "/";  // the URL path events are POSTed to
};

using Transport = std::variant<SerialSettings, TcpSettings, ListenSettings>;

// Driver options, typed, validated against the driver's DriverSpec by the config.
using OptionValue = std::variant<bool, std::int64_t, double, std::string>;

struct DeviceConfig {
  std::string id;
  DeviceClass device_class = DeviceClass::kDocumentReader;
  std::string driver;
  std::string booth;
  Transport transport;
  std::map<std::string, OptionValue> options;

  // Typed option lookup with a default (the DriverSpec's default, normally).
  bool Bool(const std::string& key, bool fallback) const;
  std::int64_t Int(const std::string& key, std::int64_t fallback) const;
  double Double(const std::string& key, double fallback) const;  // accepts integers too
  std::string String(const std::string& key, const std::string& fallback) const;
};

struct DeviceHealth {
  std::string device_id;
  DeviceClass device_class = DeviceClass::kDocumentReader;
  std::string driver;
  bool connected = false;
  std::int64_t connected_since_ms = 0;
  std::int64_t last_event_ms = 0;  // 0: never
  std::uint64_t bytes = 0;         // bytes received (stream devices) or body bytes
  std::uint64_t events = 0;        // readings delivered
  std::uint64_t faults = 0;        // all faults, including suppressed ones
  std::uint64_t suppressed = 0;    // events or faults dropped by the flood limit
  std::uint64_t reconnects = 0;
  std::map<std::string, std::uint64_t> fault_counts;  // by DeviceFault::kind
  std::string last_fault;                             // "kind: detail"
};

using EventSink = std::function<void(const DeviceEvent&)>;

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceConfig& config() const = 0;
  // Begins connecting/listening; never blocks; failures become fault events and
  // retries with capped backoff.
  virtual void Start() = 0;
  // Cancels all I/O; no event is delivered after Stop() returns.
  virtual void Stop() = 0;
  virtual DeviceHealth Health() const = 0;
};

}  // namespace checkpoint::hal
