#pragma once
// What `checkpointctl status` and `diag` say of checkpoint-sync and of what it
// installed: enrollment and certificate (expiry, days left), last contact with HQ and
// the chain head from its sync.db (opened read-only), installed bundle versions, and
// the firmware version. No key, token or record content.

#include <cstdint>
#include <nlohmann/json.hpp>

#include "checkpoint/config/config.hpp"

namespace checkpoint::tools {

// Days before expiry below which the certificate counts as unhealthy: checkpoint-sync
// renews 30 days ahead, so a certificate still this close was not renewed.
inline constexpr std::int64_t kCertificateWarnDays = 14;

// {"enrolled", "device_id", "certificate": {...,"days_left"}, "last_hq_contact_ms",
//  "last_hq_contact_age_s", "chain_head", "healthy", "problem"}
nlohmann::json AgentHealth(const config::Config& config, std::int64_t now_ms);
// {"rules": 3, "watchlist": 12, ...}: the installed version of each kind present.
nlohmann::json InstalledBundles(const config::Config& config);
// This build's version.
const char* FirmwareVersion() noexcept;

}  // namespace checkpoint::tools
