#pragma once
// The appliance's configuration: one TOML file, validated completely at start.
// Every problem is reported with the file, the line and the full key, e.g.
//   /etc/checkpoint/checkpoint.toml:14: store.busy_timeout_ms: must be between 1 and 600000
// Unknown keys are errors too, so that a typo is not silently ignored.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hal/device.hpp"

namespace checkpoint::config {

enum class ConfigErrc { kSyntax = 1, kInvalid, kUnreadable };
const std::error_category& ConfigCategory() noexcept;
std::error_condition make_error_condition(ConfigErrc e) noexcept;

inline constexpr std::string_view kDefaultPath = "/etc/checkpoint/checkpoint.toml";

enum class Agency { kBorderGuard, kCustoms, kPolice };
std::string_view AgencyName(Agency a) noexcept;

struct Booth {
  std::string id;  // unique, [A-Za-z0-9_.-]{1,32}
  enum class Kind { kBooth, kLane } kind = Kind::kBooth;
  std::vector<Agency> agencies;  // who works there
};

struct Config {
  std::filesystem::path source;  // the file it was read from

  // [device]
  std::string device_id;  // required; identifies the box at HQ
  std::string site_id;    // required; the crossing point
  std::string site_name;

  // [paths]
  std::filesystem::path data_dir;  // required; created with mode 0700

  // [log]
  log::Level log_level = log::Level::kInfo;

  // [store]
  int busy_timeout_ms = 5000;

  // [daemon]
  std::chrono::seconds heartbeat_interval{10};

  // [[booths]]
  std::vector<Booth> booths;

  // [[devices]]: validated against hal::Drivers() (class, transport, options)
  std::vector<hal::DeviceConfig> devices;

  std::filesystem::path DatabasePath() const { return data_dir / "checkpoint.db"; }
};

// Parses and validates. `source_name` is used in messages (usually the path).
Expected<Config> ParseConfig(std::string_view toml_text, std::string_view source_name);
Expected<Config> LoadConfig(const std::filesystem::path& path);

}  // namespace checkpoint::config

template <>
struct std::is_error_condition_enum<checkpoint::config::ConfigErrc> : std::true_type {};
