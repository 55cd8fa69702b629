#pragma once
// The appliance's configuration: one TOML file, validated completely at start.
// Every problem is reported with the file, the line and the full key, e.g.
//   /etc/checkpoint/checkpoint.toml:14: store.busy_timeout_ms: must be between 1 and 600000
// Unknown keys are errors too, so that a typo is not silently ignored.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
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
std::optional<Agency> ParseAgency(std::string_view name) noexcept;

struct Booth {
  std::string id;  // unique, [A-Za-z0-9_.-]{1,32}
  enum class Kind { kBooth, kLane } kind = Kind::kBooth;
  std::vector<Agency> agencies;  // who works there
};

// Where the default rule bundle is installed (packaging/CMakeLists.txt).
inline constexpr std::string_view kDefaultRulesPath = "/usr/share/checkpoint/rules/default.json";

// [risk]: the rule bundle and the inspection pipeline's thresholds and windows
// (docs/inspection.md).
struct RiskConfig {
  // The rule bundle loaded at start (a relative path is taken from the config
  // file's directory). HQ's signed bundles replace it later.
  std::filesystem::path rules = std::string(kDefaultRulesPath);
  // Customs declarations (JSON lines, inspection::ParseDeclarations) loaded at start
  // and on SIGHUP, until the customs declaration feed exists; empty: none. A
  // relative path is taken from the config file's directory.
  std::filesystem::path declarations;
  double person_match_threshold = 0.80;              // watchlist person hit at or above
  std::chrono::milliseconds chip_window{10'000};     // MRZ ↔ chip pairing per booth
  std::chrono::milliseconds passage_window{60'000};  // vehicle events per lane passage
  double plate_candidate_min_confidence = 0.5;       // ANPR alternatives screened too
};

// [sync]: checkpoint-sync's link to HQ (docs/protocol.md).
struct SyncConfig {
  std::string hq_url;                  // "https://hq.example.org:8443"; empty: sync not configured
  std::size_t batch_records = 2000;    // bench/RESULTS.md "Sync": fewer commits a record
  std::size_t batch_bytes = 2u << 20;  // payload bytes per batch
  std::chrono::hours retention{7 * 24};   // synced records kept this long
  std::string proxy;                      // "http://proxy:3128"; empty: direct
  std::int64_t max_send_bytes_per_s = 0;  // 0: no bandwidth cap
  std::chrono::seconds heartbeat_interval{60};
};

// Where the officer console's pages are installed (packaging: firmware/console).
inline constexpr std::string_view kDefaultConsoleAssets = "/usr/share/checkpoint/console";

// [console]: the officer console served by checkpointd over HTTPS (docs/console.md).
struct ConsoleConfig {
  bool enabled = false;
  // "ADDRESS:PORT" each, IPv6 in brackets: "127.0.0.1:8443", "[::1]:8443".
  std::vector<std::string> listen{"127.0.0.1:8443"};
  // A provisioned certificate chain and key (PEM), both or neither. Neither: the
  // box's own console identity, a self-signed certificate made once in
  // data_dir/console (its fingerprint is shown by checkpointd's log at start).
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path assets = std::string(kDefaultConsoleAssets);
  std::chrono::seconds session_idle{900};       // idle officer sessions end after this
  std::chrono::seconds session_max{12 * 3600};  // and every session after this
  int lockout_failures = 5;                     // failed logins in a row that lock an account
  std::chrono::seconds lockout_duration{900};   // for this long
  // Hits on lists of these agencies are shown in full to their own officers only;
  // others see that a restricted hit exists, and whose (docs/console.md).
  std::vector<Agency> restricted_agencies;
  int threads = 2;
  // The reason codes an officer picks from when deciding ([a-z0-9_]{1,32} each, at
  // most 64); required for refer, refuse and hold. Their labels are in the console's
  // language catalogues ("reason.<code>"); a code without a label shows as itself.
  std::vector<std::string> reason_codes{"document_invalid",    "document_expired",
                                        "document_stolen",     "identity_doubt",
                                        "chip_failed",         "watchlist_hit",
                                        "entry_conditions",    "previous_refusal",
                                        "minor_unaccompanied", "declaration_mismatch",
                                        "weight_deviation",    "radiation_alarm",
                                        "seal_mismatch",       "other"};
};

// [update]: the automatic install of a firmware bundle staged by checkpoint-sync
// (docs/update.md, "Automatic install"; ADR 0016).
struct UpdateConfig {
  bool auto_install = false;  // off: a technician runs `checkpointctl update install`
  // The maintenance window, minutes after midnight UTC, [start, end); it wraps past
  // midnight when start > end. None: any time.
  std::optional<int> window_start_min;
  std::optional<int> window_end_min;
};
// "HH:MM-HH:MM" (UTC, 24 h, start != end) into minutes after midnight; nullopt when
// malformed.
std::optional<std::pair<int, int>> ParseMaintenanceWindow(std::string_view text);

struct Config {
  std::filesystem::path source;  // the file it was read from

  // [device]
  std::string device_id;  // required; identifies the box at HQ
  std::string site_id;    // required; the crossing point
  std::string site_name;

  // [paths]
  std::filesystem::path data_dir;  // required; created with mode 0700
  // The group through which checkpointd and checkpoint-sync, running as different
  // users with this effective group, share data_dir (ADR 0012): then data_dir is
  // 0770 and the database 0660, the bundles 0750, and the agent's keys stay
  // 0700/0600. Empty (the default): everything private to one user.
  std::string data_group;

  // [log]
  log::Level log_level = log::Level::kInfo;

  // [store]
  int busy_timeout_ms = 5000;
  // Disk pressure (docs/store.md, "When the disk fills"): telemetry is shed under
  // disk_low_mib free, the reserve released under disk_critical_mib.
  std::int64_t disk_low_mib = 256;
  std::int64_t disk_critical_mib = 64;
  std::int64_t disk_reserve_mib = 32;  // 0: no reserve file

  // [daemon]
  std::chrono::seconds heartbeat_interval{10};
  std::chrono::seconds telemetry_interval{300};  // 0: no telemetry records

  // [risk]
  RiskConfig risk;

  // [sync]
  SyncConfig sync;

  // [console]
  ConsoleConfig console;

  // [update]
  UpdateConfig update;

  // [[booths]]
  std::vector<Booth> booths;

  // [[devices]]: validated against hal::Drivers() (class, transport, options)
  std::vector<hal::DeviceConfig> devices;

  std::filesystem::path DatabasePath() const { return data_dir / "checkpoint.db"; }
  // checkpoint-sync's own directory (device key, certificate, pinned HQ CA, state).
  std::filesystem::path SyncDir() const { return data_dir / "sync"; }
  // The signed bundles from HQ that checkpoint-sync installs and checkpointd reads.
  std::filesystem::path BundlesDir() const { return data_dir / "bundles"; }
};

// Parses and validates. `source_name` is used in messages (usually the path).
Expected<Config> ParseConfig(std::string_view toml_text, std::string_view source_name);
Expected<Config> LoadConfig(const std::filesystem::path& path);

}  // namespace checkpoint::config

template <>
struct std::is_error_condition_enum<checkpoint::config::ConfigErrc> : std::true_type {};
