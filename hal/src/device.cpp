#include "checkpoint/hal/device.hpp"

namespace checkpoint::hal {

bool DeviceConfig::Bool(const std::string& key, bool fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  if (auto* v = std::get_if<bool>(&it->second)) return *v;
  return fallback;
}

std::int64_t DeviceConfig::Int(const std::string& key, std::int64_t fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  if (auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  return fallback;
}

double DeviceConfig::Double(const std::string& key, double fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string DeviceConfig::String(const std::string& key, const std::string& fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return fallback;
}

}  // namespace checkpoint::hal
