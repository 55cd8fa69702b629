#include "checkpoint/update/health.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "checkpoint/store/database.hpp"

namespace checkpoint::update {

std::optional<std::int64_t> StoreHealthCheck::LastHqContactMs() {
  std::error_code ec;
  if (!std::filesystem::exists(o_.sync_db, ec)) return std::nullopt;
  auto db = store::Connection::Open({.path = o_.sync_db, .read_only = true, .create = false});
  if (!db) return std::nullopt;
  auto v =
      db->QueryInt("SELECT coalesce(max(value), 0) FROM agent_state WHERE key = 'last_hq_time_ms'");
  if (!v || *v <= 0) return std::nullopt;
  return *v;
}

HealthReport StoreHealthCheck::Check(std::int64_t trial_started_ms,
                                     std::optional<std::int64_t> hq_contact_at_start) {
  using V = HealthReport::Verdict;
  HealthReport r;
  r.verdict = V::kPassed;
  auto not_yet = [&r](std::string what) {
    if (r.verdict == V::kPassed) r.verdict = V::kPending;
    r.findings.push_back(std::move(what));
  };
  auto failed = [&r](std::string what) {
    r.verdict = V::kFailed;
    r.findings.push_back(std::move(what));
  };

  auto db = store::Connection::Open({.path = o_.database, .read_only = true, .create = false});
  if (!db) {
    failed("store does not open: " + db.error().message());
    return r;
  }
  {
    auto st = db->Prepare("PRAGMA quick_check");
    auto row = st ? st->Step() : Expected<bool>(st.error());
    if (!row || !*row || st->Text(0) != "ok") {
      failed("store fails PRAGMA quick_check");
      return r;
    }
  }
  std::map<std::string, std::string> state;
  if (auto st = db->Prepare("SELECT key, value FROM device_state"); st) {
    while (true) {
      auto row = st->Step();
      if (!row || !*row) break;
      state[st->Text(0)] = st->Text(1);
    }
  }
  const auto get = [&state](const std::string& k) {
    auto it = state.find(k);
    return it == state.end() ? std::string() : it->second;
  };

  std::int64_t heartbeat = 0;
  try {
    heartbeat = std::stoll(get("daemon.heartbeat_ms"));
  } catch (const std::exception&) {
  }
  const std::int64_t now = o_.now_ms();
  if (get("daemon.state") != "running") {
    not_yet("daemon not running (state " +
            (get("daemon.state").empty() ? std::string("unknown") : get("daemon.state")) + ")");
  } else if (heartbeat < trial_started_ms) {
    not_yet("no daemon heartbeat since the trial began");
  } else if (now - heartbeat > o_.max_heartbeat_age_ms) {
    not_yet("daemon heartbeat " + std::to_string((now - heartbeat) / 1000) + " s old");
  }

  const auto devices = nlohmann::json::parse(get("hal.health"), nullptr, false);
  if (!devices.is_array()) {
    not_yet("no device health reported yet");
  } else {
    for (const auto& d : devices) {
      const bool answering = d.is_object() && d.contains("connected") &&
                             d["connected"].is_boolean() && d["connected"].get<bool>();
      if (!answering) {
        const bool named = d.is_object() && d.contains("id") && d["id"].is_string();
        not_yet("device " + (named ? d["id"].get<std::string>() : std::string("?")) +
                " not answering");
      }
    }
  }

  if (!o_.allow_offline) {
    const auto now_contact = LastHqContactMs();
    if (!now_contact || (hq_contact_at_start && *now_contact <= *hq_contact_at_start)) {
      not_yet("agent has not reached HQ since the trial began (allow_offline is off)");
    }
  }
  return r;
}

}  // namespace checkpoint::update
