#include "agent_health.hpp"

#include "certificate_info.hpp"
#include "checkpoint/agent/downlink.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/bundle.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::tools {

using nlohmann::json;

json AgentHealth(const config::Config& config, std::int64_t now_ms) {
  const agent::AgentFiles files(config.SyncDir());
  json j{{"enrolled", false},
         {"device_id", nullptr},
         {"certificate", nullptr},
         {"last_hq_contact_ms", nullptr},
         {"last_hq_contact_age_s", nullptr},
         {"chain_head", nullptr},
         {"healthy", false},
         {"problem", nullptr}};
  auto pem = common::ReadFile(files.cert, 65536);
  if (!pem) {
    std::error_code ec;
    j["problem"] = std::filesystem::exists(files.cert, ec)
                       ? "the device certificate is not readable by this user"
                       : "not enrolled (checkpointctl provision)";
    return j;
  }
  auto info = ReadCertificateInfo(*pem);
  if (!info) {
    j["problem"] = "the device certificate is unreadable: " + info.error().message();
    return j;
  }
  const std::int64_t days_left = (info->not_after_s - now_ms / 1000) / 86'400;
  j["enrolled"] = true;
  j["certificate"] = {{"subject", info->subject},
                      {"not_after", info->not_after},
                      {"days_left", days_left},
                      {"sha256", info->sha256}};
  if (auto cn = protocol::CertificateCommonName(*pem)) j["device_id"] = *cn;
  std::string problem;
  if (info->not_after_s <= now_ms / 1000) {
    problem = "the device certificate has expired: provision again with a new token";
  } else if (days_left < kCertificateWarnDays) {
    problem = "the device certificate ends in " + std::to_string(days_left) +
              " days and was not renewed (is checkpoint-sync reaching HQ?)";
  }
  std::error_code ec;
  if (std::filesystem::exists(files.state, ec)) {
    auto db = store::Connection::Open({.path = files.state, .read_only = true, .create = false});
    if (db) {
      if (auto head = db->QueryInt("SELECT coalesce(max(seq), 0) FROM chain")) {
        j["chain_head"] = *head;
      }
      if (auto hq = db->QueryInt("SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM "
                                 "agent_state WHERE key = 'last_hq_time_ms'");
          hq && *hq > 0) {
        j["last_hq_contact_ms"] = *hq;
        j["last_hq_contact_age_s"] = (now_ms - *hq) / 1000;
      }
    } else if (problem.empty()) {
      problem = "the agent's state is unreadable: " + db.error().message();
    }
  }
  if (problem.empty() && j["last_hq_contact_ms"].is_null()) {
    problem = "checkpoint-sync has not reached HQ yet";
  }
  j["healthy"] = problem.empty();
  if (!problem.empty()) j["problem"] = problem;
  return j;
}

json InstalledBundles(const config::Config& config) {
  json j = json::object();
  for (const auto kind : protocol::kBundleKinds) {
    auto installed = agent::ReadInstalled(config.BundlesDir(), kind);
    if (installed && *installed) j[std::string(kind)] = (*installed)->version();
  }
  return j;
}

const char* FirmwareVersion() noexcept {
  return CHECKPOINT_FIRMWARE_VERSION;
}

}  // namespace checkpoint::tools
