#include "commands.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent_health.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/store/disk.hpp"
#include "checkpoint/store/faults.hpp"
#include "checkpoint/store/store.hpp"
#include "update_command.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

void Print(const Context& ctx, const json& j) {
  std::fprintf(ctx.out, "%s\n", j.dump(2).c_str());
}

Expected<store::Store> OpenStore(const Context& ctx, bool read_only) {
  return store::Store::Open({.path = ctx.config.DatabasePath(),
                             .device_id = ctx.config.device_id,
                             .busy_timeout_ms = ctx.config.busy_timeout_ms,
                             .read_only = read_only});
}

int Fail(const Context& ctx, const Error& e) {
  if (ctx.json) {
    Print(ctx, json{{"ok", false}, {"error", e.message()}});
  } else {
    std::fprintf(ctx.err, "checkpointctl: %s\n", e.message().c_str());
  }
  return 1;
}

}  // namespace

namespace {
Expected<json> EventCounts(store::Store& st) {
  auto q = st.db().Prepare("SELECT kind, count(*) FROM device_events GROUP BY kind ORDER BY kind");
  if (!q) return std::move(q).error();
  json counts = json::object();
  for (;;) {
    auto row = q->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    counts[q->Text(0)] = q->Int(1);
  }
  return counts;
}

// One line per device: what a technician checks first.
void PrintDevices(const Context& ctx, const json& devices) {
  for (const auto& d : devices) {
    if (!d.is_object()) continue;
    std::string faults;
    if (d.contains("fault_counts")) {
      for (const auto& [k, v] : d["fault_counts"].items()) {
        faults += (faults.empty() ? "" : ", ") + k + " " + std::to_string(v.get<std::int64_t>());
      }
    }
    std::fprintf(ctx.out, "  %-10s %-17s %-14s %-12s %5lld events  %4lld faults%s%s\n",
                 d.value("id", "?").c_str(), d.value("class", "?").c_str(),
                 d.value("driver", "?").c_str(), d.value("connected", false) ? "connected" : "DOWN",
                 static_cast<long long>(d.value("events", 0)),
                 static_cast<long long>(d.value("faults", 0)), faults.empty() ? "" : "  (",
                 faults.empty() ? "" : (faults + ")").c_str());
  }
}
// checkpoint-sync and what it installed.
void PrintAgent(const Context& ctx, const json& agent, const json& bundles) {
  if (agent.is_null()) {
    std::fprintf(ctx.out, "agent       not configured ([sync] hq_url)\n");
  } else if (!agent.value("enrolled", false)) {
    std::fprintf(ctx.out, "agent       %s\n", agent.value("problem", std::string()).c_str());
  } else {
    const auto& c = agent["certificate"];
    std::fprintf(
        ctx.out, "agent       enrolled as %s; certificate until %s (%lld days left)\n",
        agent["device_id"].is_string() ? agent["device_id"].get<std::string>().c_str() : "?",
        c.value("not_after", "?").c_str(),
        static_cast<long long>(c.value("days_left", std::int64_t{0})));
    const auto& age = agent["last_hq_contact_age_s"];
    const std::int64_t unsealed = agent.value("unsealed", std::int64_t{0});
    std::fprintf(
        ctx.out, "            last contact with HQ %s; backlog %lld%s; chain head %lld\n",
        age.is_number() ? (std::to_string(age.get<std::int64_t>()) + " s ago").c_str() : "never",
        static_cast<long long>(agent.value("backlog", std::int64_t{0})),
        unsealed > 0 ? (" (" + std::to_string(unsealed) + " not yet sealed)").c_str() : "",
        static_cast<long long>(
            agent["chain_head"].is_number() ? agent["chain_head"].get<std::int64_t>() : 0));
  }
  std::string installed;
  for (const auto& [kind, version] : bundles.items()) {
    installed +=
        (installed.empty() ? "" : ", ") + kind + " v" + std::to_string(version.get<std::int64_t>());
  }
  std::fprintf(ctx.out, "bundles     %s\n",
               installed.empty() ? "none installed" : installed.c_str());
}
}  // namespace

namespace {
// Store faults the daemon cannot record in the database: the data directory
// refusing writes (asked of the file system now) and the daemon's note that the
// database is corrupt (store/faults.hpp).
json StoreFaultProblems(const Context& ctx) {
  json problems = json::array();
  if (auto s = store::ProbeWritable(ctx.config.data_dir); !s) {
    problems.push_back(std::string(store::FaultOf(s.error()) == store::Fault::kReadOnly
                                       ? "data directory read-only"
                                       : "data directory not writable") +
                       ": " + s.error().message() +
                       ": nothing new is recorded; check the disk and the kernel log, then "
                       "remount it read-write or reboot (docs/technician.md, 'Read-only data "
                       "directory')");
  }
  if (auto note = store::ReadFaultNote(ctx.config.data_dir)) {
    problems.push_back("database corrupt: " + *note +
                       "; keep the file and see docs/technician.md, 'Corrupt database'");
  }
  return problems;
}

// The store cannot be read: what is wrong, without the rest of the report.
int Unreadable(const Context& ctx, json problems, const Error& e) {
  const bool corrupt = store::FaultOf(e) == store::Fault::kCorrupt;
  if (!corrupt && problems.empty()) return Fail(ctx, e);
  if (!corrupt) {
    problems.push_back("store cannot be read: " + e.message());
  } else if (!store::ReadFaultNote(ctx.config.data_dir)) {  // else already said
    problems.push_back("database corrupt: " + e.message() +
                       "; keep the file and see docs/technician.md, 'Corrupt database'");
  }
  if (ctx.json) {
    Print(ctx, json{{"healthy", false},
                    {"problems", problems},
                    {"device", ctx.config.device_id},
                    {"site", ctx.config.site_id},
                    {"data_dir", ctx.config.data_dir.string()},
                    {"database", ctx.config.DatabasePath().string()}});
  } else {
    std::fprintf(ctx.out, "device      %s at site %s\ndata dir    %s\n",
                 ctx.config.device_id.c_str(), ctx.config.site_id.c_str(),
                 ctx.config.data_dir.c_str());
    for (const auto& p : problems) {
      std::fprintf(ctx.out, "PROBLEM     %s\n", p.get<std::string>().c_str());
    }
  }
  return 1;
}
}  // namespace

int Status(const Context& ctx) {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.config.DatabasePath(), ec)) {
    return Fail(ctx, MakeError(CommonErrc::kNotFound,
                               "no store at " + ctx.config.DatabasePath().string() +
                                   " yet: checkpointd has not started (systemctl start "
                                   "checkpointd)"));
  }
  // What is wrong, for the exit code: only what runs is judged (a daemon stopped on
  // purpose is reported, not a problem).
  json problems = StoreFaultProblems(ctx);
  auto st = OpenStore(ctx, true);
  if (!st) return Unreadable(ctx, problems, st.error());
  auto records = st->inspections().Count();
  auto outbox = st->outbox().Stats();
  auto audit = st->audit().Verify();
  auto state = st->state().All();
  auto event_counts = EventCounts(*st);
  if (!event_counts) return Unreadable(ctx, problems, event_counts.error());
  if (!records) return Unreadable(ctx, problems, records.error());
  if (!outbox) return Unreadable(ctx, problems, outbox.error());
  if (!audit) return Unreadable(ctx, problems, audit.error());
  if (!state) return Unreadable(ctx, problems, state.error());

  common::SystemClock clock;
  std::optional<std::int64_t> heartbeat_age_ms;
  if (auto it = state->find("daemon.heartbeat_ms"); it != state->end()) {
    try {
      heartbeat_age_ms = clock.WallMs() - std::stoll(it->second);
    } catch (const std::exception&) {
    }
  }
  auto get = [&](const std::string& k) {
    auto it = state->find(k);
    return it == state->end() ? std::string("unknown") : it->second;
  };

  json devices = json::array();
  if (auto it = state->find("hal.health"); it != state->end()) {
    devices = json::parse(it->second, nullptr, false);
    if (devices.is_discarded()) devices = json::array();
  }
  // The daemon's disk level (store/disk.hpp), as of its last heartbeat.
  json disk = nullptr;
  if (auto it = state->find("store.disk"); it != state->end()) {
    disk = json::parse(it->second, nullptr, false);
    if (disk.is_discarded() || !disk.is_object()) disk = nullptr;
  }
  // The disk as it is now, whatever the daemon last recorded: on a full disk the
  // daemon cannot record its level any more.
  if (auto free_now = store::FreeBytes(ctx.config.data_dir)) {
    if (!disk.is_object()) disk = json::object();
    disk["free_bytes_now"] = *free_now;
    const std::uint64_t mib = 1u << 20;
    const auto critical = static_cast<std::uint64_t>(ctx.config.disk_critical_mib) * mib;
    // Low (telemetry shed) is shown on the disk line; under critical it is a problem.
    if (*free_now < critical) {
      problems.push_back("disk full: " + std::to_string(*free_now >> 10) + " KiB free in " +
                         ctx.config.data_dir.string() + " (critical under " +
                         std::to_string(ctx.config.disk_critical_mib) +
                         " MiB): inspections may not be recorded; free space or move data");
    }
  }
  if (!audit->ok) problems.push_back("audit chain broken: " + audit->problem);
  const bool running = get("daemon.state") == "running";
  const std::int64_t stale_ms = 3 * 1000 * ctx.config.heartbeat_interval.count() + 5000;
  if (running && (!heartbeat_age_ms || *heartbeat_age_ms > stale_ms)) {
    problems.push_back("daemon is not responding (no heartbeat for " +
                       std::to_string(heartbeat_age_ms.value_or(0) / 1000) + " s)");
  } else if (running) {
    for (const auto& d : devices) {
      if (d.is_object() && !d.value("connected", false)) {
        problems.push_back("device " + d.value("id", "?") + " is down");
      }
    }
  }
  json agent = nullptr;
  if (!ctx.config.sync.hq_url.empty()) {
    agent = AgentHealth(ctx.config, clock.WallMs());
    agent["backlog"] = outbox->pending[0] + outbox->pending[1] + outbox->pending[2];
    // Records checkpoint-sync has not sealed (chained and signed) yet: it seals them as
    // they come, link or no link, so a number that stays up says the agent is not
    // running (ADR 0019).
    if (agent["chain_head"].is_number()) {
      agent["unsealed"] =
          std::max<std::int64_t>(0, outbox->last_seq - agent["chain_head"].get<std::int64_t>());
    }
    if (!agent.value("healthy", false)) {
      problems.push_back("agent: " + agent.value("problem", std::string("unhealthy")));
    }
  }
  // The automatic firmware install's last decision; a refused image needs a person.
  const json auto_install = AutoInstallJson(ctx.config.data_dir);
  if (auto_install.is_object() && (auto_install.contains("error") ||
                                   auto_install.value("outcome", std::string()) == "refused")) {
    problems.push_back("firmware update: " + AutoInstallLine(auto_install));
  }
  json j{
      {"healthy", problems.empty()},
      {"problems", problems},
      {"firmware_version", FirmwareVersion()},
      {"firmware_auto_install", auto_install},
      {"agent", agent},
      {"bundles", InstalledBundles(ctx.config)},
      {"devices", devices},
      {"disk", disk},
      {"device_events", *event_counts},
      {"device", ctx.config.device_id},
      {"site", ctx.config.site_id},
      {"data_dir", ctx.config.data_dir.string()},
      {"schema_version", st->migration().to},
      {"daemon",
       {{"state", get("daemon.state")},
        {"version", get("daemon.version")},
        {"heartbeat_age_ms", heartbeat_age_ms ? json(*heartbeat_age_ms) : json(nullptr)}}},
      {"records", *records},
      {"outbox",
       {{"pending_priority", outbox->pending[0]},
        {"pending_records", outbox->pending[1]},
        {"pending_telemetry", outbox->pending[2]},
        {"pending_bytes", outbox->pending_bytes},
        {"synced", outbox->synced},
        {"last_seq", outbox->last_seq}}},
      {"audit",
       {{"entries", audit->entries},
        {"verified", audit->ok},
        {"problem", audit->ok ? json(nullptr) : json(audit->problem)}}},
  };
  if (ctx.json) {
    Print(ctx, j);
  } else {
    std::fprintf(
        ctx.out,
        "device      %s at site %s\n"
        "data dir    %s (schema %d)\n"
        "daemon      %s, version %s, last heartbeat %s\n"
        "records     %lld\n"
        "outbox      %lld priority, %lld records, %lld telemetry pending (%lld bytes); "
        "%lld synced; last seq %lld\n"
        "audit chain %lld entries, %s\n",
        ctx.config.device_id.c_str(), ctx.config.site_id.c_str(), ctx.config.data_dir.c_str(),
        st->migration().to, get("daemon.state").c_str(), get("daemon.version").c_str(),
        heartbeat_age_ms ? (std::to_string(*heartbeat_age_ms / 1000) + " s ago").c_str() : "never",
        static_cast<long long>(*records), static_cast<long long>(outbox->pending[0]),
        static_cast<long long>(outbox->pending[1]), static_cast<long long>(outbox->pending[2]),
        static_cast<long long>(outbox->pending_bytes), static_cast<long long>(outbox->synced),
        static_cast<long long>(outbox->last_seq), static_cast<long long>(audit->entries),
        audit->ok ? "verified" : ("BROKEN: " + audit->problem).c_str());
    if (disk.is_object() && disk.contains("level")) {
      const std::string level = disk.value("level", "unknown");
      std::fprintf(ctx.out, "disk        %s%s, %lld MiB free, reserve %s, %lld telemetry shed\n",
                   level == "ok" ? "" : "ATTENTION: ", level.c_str(),
                   static_cast<long long>(disk.value("free_bytes", std::int64_t{0}) >> 20),
                   disk.value("reserve_held", false) ? "held" : "RELEASED",
                   static_cast<long long>(disk.value("telemetry_shed", std::int64_t{0})));
    } else {
      std::fprintf(ctx.out, "disk        the daemon's level unknown (no heartbeat yet)\n");
    }
    if (disk.is_object() && disk.contains("free_bytes_now")) {
      const auto now = disk.value("free_bytes_now", std::uint64_t{0});
      const auto low = static_cast<std::uint64_t>(ctx.config.disk_low_mib) << 20;
      std::fprintf(ctx.out, "disk now    %lld KiB free%s\n", static_cast<long long>(now >> 10),
                   now < low ? " (ATTENTION: under disk_low_mib, telemetry is shed)" : "");
    }
    std::string counts;
    for (const auto& [k, v] : event_counts->items()) {
      counts += (counts.empty() ? "" : ", ") + std::to_string(v.get<std::int64_t>()) + " " + k;
    }
    std::fprintf(ctx.out, "device events %s\ndevices (as of the last heartbeat)\n",
                 counts.empty() ? "none" : counts.c_str());
    PrintDevices(ctx, devices);
    PrintAgent(ctx, agent, j["bundles"]);
    std::fprintf(ctx.out, "firmware    %s\n", FirmwareVersion());
    if (!auto_install.is_null()) {
      std::fprintf(ctx.out, "auto update %s\n", AutoInstallLine(auto_install).c_str());
    }
    if (problems.empty()) {
      std::fprintf(ctx.out, "healthy\n");
    } else {
      for (const auto& p : problems) {
        std::fprintf(ctx.out, "PROBLEM     %s\n", p.get<std::string>().c_str());
      }
    }
  }
  return problems.empty() ? 0 : 1;
}

int Verify(const Context& ctx) {
  auto st = OpenStore(ctx, true);
  if (!st) return Fail(ctx, st.error());
  auto integrity = st->IntegrityCheck();
  if (!integrity) return Fail(ctx, integrity.error());
  auto audit = st->audit().Verify();
  if (!audit) return Fail(ctx, audit.error());
  bool ok = *integrity == "ok" && audit->ok;
  if (ctx.json) {
    Print(ctx, json{{"ok", ok},
                    {"integrity_check", *integrity},
                    {"audit_entries", audit->entries},
                    {"audit_ok", audit->ok},
                    {"audit_problem", audit->problem}});
  } else {
    std::fprintf(ctx.out, "integrity_check: %s\naudit chain: %lld entries, %s\n",
                 integrity->c_str(), static_cast<long long>(audit->entries),
                 audit->ok ? "verified" : ("BROKEN: " + audit->problem).c_str());
  }
  return ok ? 0 : 1;
}

int Migrate(const Context& ctx, std::optional<int> target) {
  auto db = store::Connection::Open({.path = ctx.config.DatabasePath(),
                                     .create = false,
                                     .busy_timeout_ms = ctx.config.busy_timeout_ms});
  if (!db) return Fail(ctx, db.error());
  auto r = store::Migrate(*db, store::ProductMigrations(), target);
  if (!r) return Fail(ctx, r.error());
  if (ctx.json) {
    Print(ctx, json{{"ok", true},
                    {"from", r->from},
                    {"to", r->to},
                    {"applied", r->applied},
                    {"rolled_back", r->rolled_back}});
  } else {
    std::fprintf(ctx.out, "schema %d -> %d (%zu applied, %zu rolled back)\n", r->from, r->to,
                 r->applied.size(), r->rolled_back.size());
  }
  return 0;
}

}  // namespace checkpoint::tools
