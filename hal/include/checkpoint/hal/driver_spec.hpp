#pragma once
// The catalogue of drivers: which device classes each serves, which transports it
// accepts and which options it takes (type, range, default). The configuration is
// validated against it, so an unknown option or a value out of range is reported
// with its line before any device starts.

#include <optional>
#include <span>
#include <string_view>

#include "checkpoint/hal/device.hpp"

namespace checkpoint::hal {

struct OptionSpec {
  std::string_view key;
  enum class Type { kBool, kInt, kDouble, kString } type;
  double min = 0;  // for kInt and kDouble
  double max = 0;
  OptionValue default_value;
  std::string_view help;
};

enum class TransportKind { kStream, kListen };  // stream: serial or TCP client

struct DriverSpec {
  std::string_view name;
  std::span<const DeviceClass> classes;
  TransportKind transport;
  std::span<const OptionSpec> options;
  std::string_view description;

  bool Serves(DeviceClass c) const;
  const OptionSpec* Option(std::string_view key) const;
};

std::span<const DriverSpec> Drivers();
const DriverSpec* FindDriver(std::string_view name);

}  // namespace checkpoint::hal
