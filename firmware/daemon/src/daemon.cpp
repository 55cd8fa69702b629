#include "checkpoint/daemon/daemon.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/random.hpp"
#include "checkpoint/common/systemd.hpp"
#include "checkpoint/console/console.hpp"
#include "checkpoint/daemon/bundles.hpp"
#include "checkpoint/daemon/disk_policy.hpp"
#include "checkpoint/daemon/event_journal.hpp"
#include "checkpoint/daemon/inspections.hpp"
#include "checkpoint/daemon/store_faults.hpp"
#include "checkpoint/daemon/store_worker.hpp"
#include "checkpoint/hal/drivers/registry.hpp"
#include "checkpoint/hal/sim/simulator.hpp"
#include "checkpoint/inspection/declarations.hpp"
#include "checkpoint/inspection/sources.hpp"
#include "checkpoint/risk/rules.hpp"
#include "checkpoint/risk/watchlist.hpp"
#include "checkpoint/store/faults.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::daemon {

namespace asio = boost::asio;

namespace {

// The officer console's store access: its jobs run on the store worker's thread,
// their completion (nothing) on the loop.
class WorkerStoreRunner final : public console::StoreRunner {
 public:
  WorkerStoreRunner(StoreWorker& worker, asio::any_io_executor loop)
      : worker_(worker), loop_(std::move(loop)) {}
  void Post(std::function<void(store::Store&)> job) override {
    worker_.Post(
        [job = std::move(job)](store::Store& st) {
          job(st);
          return 0;
        },
        loop_, [](int) {});
  }

 private:
  StoreWorker& worker_;
  asio::any_io_executor loop_;
};

// Periodic work on the loop: `tick` runs every `interval` until Cancel().
class Ticker {
 public:
  Ticker(asio::io_context& io, std::chrono::milliseconds interval, std::function<void()> tick)
      : timer_(io), interval_(interval), tick_(std::move(tick)) {}
  void Start() { Arm(); }
  void Cancel() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void Arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      tick_();
      Arm();
    });
  }
  asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  std::function<void()> tick_;
  bool stopped_ = false;
};

store::AuditEvent DaemonEvent(const common::Clock& clock, std::string action,
                              const std::string& device_id, std::string details) {
  return store::AuditEvent{clock.WallMs(), "checkpointd", std::move(action), device_id,
                           std::move(details)};
}

std::string HealthJson(const std::vector<hal::DeviceHealth>& all) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : all) {
    a.push_back({{"id", h.device_id},
                 {"class", hal::DeviceClassName(h.device_class)},
                 {"driver", h.driver},
                 {"connected", h.connected},
                 {"last_event_ms", h.last_event_ms},
                 {"bytes", h.bytes},
                 {"events", h.events},
                 {"faults", h.faults},
                 {"suppressed", h.suppressed},
                 {"reconnects", h.reconnects},
                 {"fault_counts", h.fault_counts},
                 {"last_fault", h.last_fault}});
  }
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Reads and compiles the rule bundle at `path` and makes it the active one. Any
// version is accepted: the file is the operator's choice (HQ's signed bundles, with
// their version rule, come through the downlink: BundlePickup, which supersedes it).
Expected<risk::BundleInfo> LoadRules(risk::RuleEngine& engine, const std::filesystem::path& path) {
  auto text = common::ReadFile(path, risk::kMaxBundleBytes);
  if (!text) return std::move(text).error();
  return engine.Load(*text, risk::RuleEngine::LoadOptions{.allow_older = true});
}

// What the inspection pipeline reads, loaded at start and on SIGHUP (on the store's
// thread then). Logs counts and versions, never list contents.
void LoadRiskInputs(store::Store& st, const config::Config& cfg, risk::RuleEngine& rules,
                    risk::Watchlist& watchlist, inspection::WatchlistSource& source,
                    inspection::SharedAnchors& anchors,
                    inspection::InMemoryDeclarations& declarations, const log::Logger& log) {
  if (auto info = LoadRules(rules, cfg.risk.rules)) {
    log.Info("risk rules loaded", {{"path", cfg.risk.rules.string()},
                                   {"version", info->version},
                                   {"rules", static_cast<std::int64_t>(info->enabled_rules)}});
  } else {
    log.Error(rules.Active() ? "risk rules not reloaded; the bundle in force stays"
                             : "risk rules not loaded; every inspection is referred until a "
                               "bundle loads",
              {{"path", cfg.risk.rules.string()}, {"error", info.error().message()}});
  }
  if (!cfg.risk.declarations.empty()) {
    if (auto d = inspection::LoadDeclarations(cfg.risk.declarations.string())) {
      log.Info("customs declarations loaded",
               {{"path", cfg.risk.declarations.string()},
                {"declarations", static_cast<std::int64_t>(d->size())}});
      declarations.Replace(std::move(*d));
    } else {
      log.Error("customs declarations not loaded; the ones in force stay",
                {{"path", cfg.risk.declarations.string()}, {"error", d.error().message()}});
    }
  }
  if (auto s = source.Load(st, watchlist); s) {
    const auto w = watchlist.stats();
    log.Info("watchlist loaded", {{"source", source.name()},
                                  {"persons", static_cast<std::int64_t>(w.persons)},
                                  {"documents", static_cast<std::int64_t>(w.documents)},
                                  {"vehicles", static_cast<std::int64_t>(w.vehicles)},
                                  {"containers", static_cast<std::int64_t>(w.containers)}});
  } else {
    log.Error("watchlist not loaded; the list in force stays",
              {{"source", source.name()}, {"error", s.error().message()}});
  }
  if (auto set = inspection::LoadTrustAnchors(st)) {
    log.Info("trust anchors loaded", {{"cscas", static_cast<std::int64_t>((*set)->csca_count())},
                                      {"crls", static_cast<std::int64_t>((*set)->crl_count())}});
    anchors.Set(std::move(*set));
  } else {
    log.Error("trust anchors not loaded; the set in force stays",
              {{"error", set.error().message()}});
  }
}

// The store cannot be used at start. A read-only data directory or a corrupt
// database is logged with the file, the fault and the technician's procedure, and
// ends the daemon with kExitStorage (the unit does not restart on it: a restart
// cannot fix it, and the file must stay as it is); other errors with kExitFailure.
int StoreUnusable(const log::Logger& log, const config::Config& cfg, std::string_view what,
                  const Error& e) {
  const StoreDiagnosis d = DiagnoseStore(e, cfg.data_dir);
  if (d.fault == store::Fault::kNone) {
    log.Critical(what, {{"error", e.message()}});
    return kExitFailure;
  }
  if (d.fault == store::Fault::kCorrupt) {
    if (auto s =
            store::WriteFaultNote(cfg.data_dir, "checkpointd found " + cfg.DatabasePath().string() +
                                                    " corrupt at start: " + e.message());
        !s) {
      log.Error("cannot note the corrupt database for checkpointctl status",
                {{"error", s.error().message()}});
    }
  }
  log.Critical(std::string(what) + ": " + d.title +
                   "; not starting until a technician acts (the file is left as it is)",
               {{"path", d.fault == store::Fault::kCorrupt ? cfg.DatabasePath().string()
                                                           : cfg.data_dir.string()},
                {"error", e.message()},
                {"probe", d.probe_error},
                {"action", d.action}});
  return kExitStorage;
}

}  // namespace

int RunDaemon(const config::Config& cfg, const DaemonOptions& options, const log::Logger& logger) {
  const log::Logger log = logger.Child("daemon");
  common::SystemClock clock;
  common::SystemdNotifier notifier;

  // Keys and personal data: nothing we create is readable by others. With a shared
  // data directory (ADR 0012) the group that shares it gets what it needs, each by
  // an explicit mode: the directory 0770, the database 0660 (SQLite gives its -wal
  // and -shm files the database's mode whatever the umask).
  ::umask(0077);
  common::DirectoryAccess access;
  if (!cfg.data_group.empty()) {
    auto gid = common::SharedGroup(cfg.data_group);
    if (!gid) {
      log.Critical("cannot share the data directory",
                   {{"group", cfg.data_group}, {"error", gid.error().message()}});
      return kExitFailure;
    }
    access = {0770, *gid};
  }
  bool corrected = false;
  if (auto s = common::EnsureDirectory(cfg.data_dir, access, &corrected); !s) {
    return StoreUnusable(log, cfg, "cannot prepare data directory", s.error());
  }
  if (corrected) {
    log.Warning(access.group ? "data directory permissions corrected; set to 0770"
                             : "data directory permissions were too open; set to 0700",
                {{"path", cfg.data_dir.string()}, {"group", cfg.data_group}});
  }

  std::optional<std::vector<hal::sim::Step>> scenario;
  if (options.simulate) {
    auto steps = hal::sim::LoadScenario(options.simulate->string());
    if (!steps) {
      log.Critical("cannot load scenario", {{"error", steps.error().message()}});
      return kExitUsage;
    }
    scenario = std::move(*steps);
  }

  auto opened = store::Store::Open({.path = cfg.DatabasePath(),
                                    .device_id = cfg.device_id,
                                    .busy_timeout_ms = cfg.busy_timeout_ms,
                                    .mode = access.group ? 0660u : 0600u});
  if (!opened) return StoreUnusable(log, cfg, "cannot open store", opened.error());
  // A damaged page is found now, before anything is added to the file, rather than
  // by the first write that touches it (O(size): ADR 0017 has the figures).
  const auto check_start = clock.SteadyMs();
  if (auto qc = opened->QuickCheck(); !qc || *qc != "ok") {
    return StoreUnusable(
        log, cfg, "store fails its check",
        qc ? MakeError(store::StoreErrc::kCorrupt, "quick_check: " + qc->substr(0, 400))
           : qc.error());
  }
  store::RemoveFaultNote(cfg.data_dir);
  const auto& m = opened->migration();
  log.Info("store open", {{"path", cfg.DatabasePath().string()},
                          {"quick_check_ms", clock.SteadyMs() - check_start},
                          {"schema_from", m.from},
                          {"schema", m.to},
                          {"migrated_up", static_cast<std::int64_t>(m.applied.size())},
                          {"rolled_back", static_cast<std::int64_t>(m.rolled_back.size())}});

  // Record the start before announcing readiness: if the store cannot take a
  // write, the daemon is not ready.
  {
    nlohmann::json details{{"version", kVersion}, {"simulated", options.simulate.has_value()}};
    auto started =
        opened->audit().Append(DaemonEvent(clock, "daemon.started", cfg.device_id, details.dump()));
    auto state = opened->state();
    Status s = started ? state.Set("daemon.state", "running", clock.WallMs())
                       : Status(std::move(started).error());
    if (s) s = state.Set("daemon.version", kVersion, clock.WallMs());
    if (s) s = state.Set("daemon.heartbeat_ms", std::to_string(clock.WallMs()), clock.WallMs());
    if (!s) return StoreUnusable(log, cfg, "cannot write to store", s.error());
  }

  // A store that fails under the running daemon (read-only, corrupt) is said once.
  StoreFaults store_faults(
      cfg.data_dir, cfg.DatabasePath(), logger.Child("store"),
      [&notifier](std::string_view status) { (void)notifier.SetStatus(status); });

  // Disk pressure: checked now and with every heartbeat, on the store thread.
  DiskPolicy disk(store::DiskGuard(
                      cfg.data_dir,
                      store::DiskThresholds{
                          .low_bytes = static_cast<std::uint64_t>(cfg.disk_low_mib) << 20,
                          .critical_bytes = static_cast<std::uint64_t>(cfg.disk_critical_mib) << 20,
                          .reserve_bytes = static_cast<std::uint64_t>(cfg.disk_reserve_mib) << 20}),
                  logger.Child("disk"));
  disk.SetStoreFaults(&store_faults);
  disk.Check(*opened, clock.WallMs());

  // The inspection pipeline's inputs, loaded before the devices start.
  const log::Logger risk_log = logger.Child("risk");
  risk::RuleEngine rules;
  risk::Watchlist watchlist;
  inspection::SharedAnchors anchors;
  // The customs declaration feed comes later: until then [risk] declarations, a file.
  inspection::InMemoryDeclarations declarations;
  std::unique_ptr<inspection::WatchlistSource> watchlist_source =
      std::make_unique<inspection::StoreWatchlistSource>();
  LoadRiskInputs(*opened, cfg, rules, watchlist, *watchlist_source, anchors, declarations,
                 risk_log);
  // HQ's bundles installed by checkpoint-sync: applied now, then looked for on every
  // heartbeat and on SIGHUP (on the store's thread, like the loads above).
  BundlePickup pickup(cfg.BundlesDir(), logger.Child("bundles"));
  const BundlePickup::Targets pickup_targets{rules, watchlist, *watchlist_source};
  if (pickup.Run(*opened, pickup_targets, clock.WallMs()).trust_changed) {
    if (auto set = inspection::LoadTrustAnchors(*opened)) anchors.Set(std::move(*set));
  }
  auto trust_generation = std::make_shared<std::string>();  // store thread only
  if (auto g = inspection::TrustGeneration(*opened)) *trust_generation = *g;

  asio::io_context io(1);
  StoreWorker worker(std::move(*opened));
  auto ex = io.get_executor();
  EventJournal journal(worker, ex, logger.Child("journal"));
  // Runs on the store thread, as DiskPolicy does.
  journal.SetShedWhen([&disk] { return disk.level() != store::DiskLevel::kOk; });
  journal.SetStoreFaults(&store_faults);

  inspection::TravellerOptions traveller_options;
  traveller_options.chip_window = cfg.risk.chip_window;
  traveller_options.screening.threshold = cfg.risk.person_match_threshold;
  for (const auto& d : cfg.devices) {
    if (d.driver == "chip_reader") traveller_options.chip_booths.insert(d.booth);
  }
  InspectionService inspections(
      worker, ex, clock, logger.Child("inspection"), std::move(traveller_options),
      inspection::VehicleOptions{
          .passage_window = cfg.risk.passage_window,
          .plate_candidate_min_confidence = cfg.risk.plate_candidate_min_confidence},
      InspectionService::Shared{rules, watchlist, anchors, declarations});
  inspections.SetDiskFullHandler([&disk] { return disk.OnDiskFull(); });
  inspections.SetStoreFaults(&store_faults);

  // The officer console (docs/console.md), on threads of its own.
  WorkerStoreRunner console_store(worker, ex);
  std::unique_ptr<console::Console> officer_console;
  if (cfg.console.enabled) {
    auto started = console::Console::Start({.config = cfg.console,
                                            .booths = cfg.booths,
                                            .data_dir = cfg.data_dir,
                                            .device_id = cfg.device_id,
                                            .problems =
                                                [&store_faults, &disk] {
                                                  return BoxProblems(store_faults.current(),
                                                                     disk.published_level());
                                                }},
                                           console_store, clock, logger.Child("console"));
    if (!started) {
      log.Critical("cannot start the officer console", {{"error", started.error().message()}});
      return kExitFailure;
    }
    officer_console = std::move(*started);
    std::string ports;
    for (auto p : officer_console->ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    log.Notice("officer console serving", {{"ports", ports}});
    inspections.SetRecordedHandler([&] { officer_console->NotifyRecorded(); });
  }

  // Devices: the configured hardware, or the same drivers against simulated peers.
  std::vector<hal::DeviceConfig> devices = cfg.devices;
  std::shared_ptr<hal::sim::Simulator> simulator;
  if (scenario) {
    auto sim = hal::sim::Simulator::Create(io, devices, std::move(*scenario), cfg.data_dir / "sim",
                                           logger.Child("sim"));
    if (!sim) {
      log.Critical("cannot start the simulation", {{"error", sim.error().message()}});
      return kExitUsage;
    }
    simulator = std::move(*sim);
  }
  const log::Logger hal_log = logger.Child("hal");
  hal::drivers::DeviceRegistry registry(
      hal::drivers::DriverContext{io, clock, hal_log}, [&](const hal::DeviceEvent& e) {
        if (const auto* f = std::get_if<hal::DeviceFault>(&e.payload)) {
          hal_log.Warning("device fault",
                          {{"device", e.device_id}, {"fault", f->kind}, {"detail", f->detail}});
        } else {
          // Readings carry personal data: log only what and where, never the content.
          hal_log.Debug("device event", {{"device", e.device_id}, {"kind", EventKind(e.payload)}});
        }
        journal.Record(e);
        inspections.OnEvent(e);
      });
  for (const auto& d : devices) {
    if (auto s = registry.Add(d); !s) {
      log.Critical("cannot create device", {{"error", s.error().message()}});
      return kExitUsage;
    }
  }
  registry.StartAll();

  auto write_health = [&](std::string health) {
    worker.Post(
        [now = clock.WallMs(), health = std::move(health)](store::Store& st) {
          auto s = st.state().Set("daemon.heartbeat_ms", std::to_string(now), now);
          if (s) s = st.state().Set("hal.health", health, now);
          return s;
        },
        ex,
        [&log, &store_faults](Status s) {
          if (s) {
            store_faults.OnSuccess();
          } else if (store_faults.OnFailure(s.error())) {
            log.Error("heartbeat not stored", {{"error", s.error().message()}});
          }
        });
  };
  // The trust store is changed by checkpointctl (another process): its generation is
  // polled with the heartbeat and the anchors rebuilt when it moved.
  auto refresh_anchors = [&] {
    worker.Post(
        [&, trust_generation](store::Store& st) -> std::string {
          auto g = inspection::TrustGeneration(st);
          if (!g || *g == *trust_generation) return {};
          auto set = inspection::LoadTrustAnchors(st);
          if (!set) return "error: " + set.error().message();
          *trust_generation = *g;
          anchors.Set(std::move(*set));
          return "reloaded";
        },
        ex,
        [&risk_log](std::string what) {
          if (what == "reloaded") {
            risk_log.Info("trust anchors reloaded: the trust store changed");
          } else if (!what.empty()) {
            risk_log.Error("trust anchors not reloaded", {{"error", what}});
          }
        });
  };
  // New bundles first, so that CSCAs or CRLs they bring move the trust generation
  // that refresh_anchors looks at next on the same thread.
  auto pick_up_bundles = [&] {
    worker.Post(
        [&](store::Store& st) {
          (void)pickup.Run(st, pickup_targets, clock.WallMs());
          return 0;
        },
        ex, [](int) {});
  };
  Ticker heartbeat(io, cfg.heartbeat_interval, [&] {
    write_health(HealthJson(registry.Health()));
    pick_up_bundles();
    refresh_anchors();
    worker.Post(
        [&disk, now = clock.WallMs()](store::Store& st) {
          disk.Check(st, now);
          return 0;
        },
        ex, [](int) {});
  });
  heartbeat.Start();
  // Telemetry to HQ (lane 2, the only lane shed when the disk is low): the devices'
  // health and the pipeline's counters, no personal data.
  auto telemetry_tick = [&] {
    const auto& is = inspections.stats();
    nlohmann::json body{
        {"devices", nlohmann::json::parse(HealthJson(registry.Health()))},
        {"inspections",
         {{"recorded", is.recorded},
          {"alerts", is.alerts},
          {"dropped", is.dropped},
          {"max_decode_us", is.max_decode_us}}},
        {"journal", {{"written", journal.written()}, {"dropped", journal.dropped()}}}};
    worker.Post(
        [&disk, now = clock.WallMs(), body = body.dump()](store::Store& st) {
          return disk.RecordTelemetry(st, common::NewUuid(), body, now);
        },
        ex,
        [&log, &store_faults](Expected<std::int64_t> seq) {
          if (!seq && store_faults.OnFailure(seq.error())) {
            log.Error("telemetry not recorded", {{"error", seq.error().message()}});
          }
        });
  };
  std::unique_ptr<Ticker> telemetry;
  if (cfg.telemetry_interval.count() > 0) {
    telemetry = std::make_unique<Ticker>(io, cfg.telemetry_interval, telemetry_tick);
    telemetry->Start();
  }

  // The watchdog is fed only after a round trip through the store thread, so a
  // stuck store (or loop) makes systemd restart us.
  std::unique_ptr<Ticker> watchdog;
  if (auto interval = notifier.watchdog_interval()) {
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2);
    if (period.count() < 1) period = std::chrono::milliseconds(1);
    watchdog = std::make_unique<Ticker>(io, period, [&] {
      worker.Post([](store::Store&) { return 0; }, ex, [&](int) { (void)notifier.Watchdog(); });
    });
    watchdog->Start();
    log.Info("watchdog enabled", {{"interval_ms", static_cast<std::int64_t>(period.count())}});
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  // SIGHUP: reload the rule bundle, the watchlist and the trust anchors.
  asio::signal_set reload(io, SIGHUP);
  std::function<void()> await_reload = [&] {
    reload.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      log.Notice("reloading risk rules, watchlist and trust anchors");
      worker.Post(
          [&](store::Store& st) {
            LoadRiskInputs(st, cfg, rules, watchlist, *watchlist_source, anchors, declarations,
                           risk_log);
            // The operator's rule file was read again: HQ's bundle goes back on top.
            pickup.ForgetRules();
            (void)pickup.Run(st, pickup_targets, clock.WallMs());
            return 0;
          },
          ex, [](int) {});
      await_reload();
    });
  };
  await_reload();
  asio::steady_timer drain_deadline(io);
  bool stopping = false;
  auto shutdown = [&](std::string_view why) {
    if (stopping) return;
    stopping = true;
    log.Notice("stopping", {{"reason", why}});
    (void)notifier.Stopping("stopping");
    if (officer_console) officer_console->Stop();  // its store jobs finish first
    signals.cancel();
    reload.cancel();
    if (simulator) simulator->Stop();
    // The devices' last health as they were working, not as stopped.
    auto last_health = std::make_shared<std::string>(HealthJson(registry.Health()));
    registry.StopAll();   // no event after this
    inspections.Flush();  // what was waiting for a partner read is inspected as it is
    heartbeat.Cancel();
    if (telemetry) telemetry->Cancel();
    if (watchdog) watchdog->Cancel();
    auto finish = std::make_shared<bool>(false);
    auto final_write = [&, finish, last_health] {
      if (*finish) return;
      *finish = true;
      drain_deadline.cancel();
      write_health(*last_health);
      worker.Post(
          [&](store::Store& st) -> Status {
            nlohmann::json d{{"events_written", journal.written()},
                             {"events_dropped", journal.dropped()},
                             {"inspections_recorded", inspections.stats().recorded},
                             {"inspections_dropped", inspections.stats().dropped}};
            auto e =
                st.audit().Append(DaemonEvent(clock, "daemon.stopped", cfg.device_id, d.dump()));
            if (!e) return std::move(e).error();
            return st.state().Set("daemon.state", "stopped", clock.WallMs());
          },
          ex,
          [&log](Status s) {
            if (!s) log.Error("stop not recorded", {{"error", s.error().message()}});
          });
    };
    // Everything the devices delivered is written before we stop, within bounds; at
    // once when the store is read-only or corrupt (waiting cannot help: what is held
    // was never acknowledged).
    drain_deadline.expires_after(store_faults.current() == store::Fault::kNone
                                     ? std::chrono::seconds(10)
                                     : std::chrono::seconds(0));
    drain_deadline.async_wait([&, final_write](const boost::system::error_code& ec) {
      if (ec) return;
      // The store cannot take them (the disk is full): stop retrying, so that the
      // daemon stops (systemd would otherwise kill it at its stop timeout).
      log.Error("device events or inspections still unwritten at shutdown; giving up on them");
      journal.GiveUp();
      inspections.GiveUp();
      final_write();
    });
    journal.Drain([&, final_write] { inspections.Drain(final_write); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    shutdown(signo == SIGTERM ? "SIGTERM" : "SIGINT");
  });

  if (simulator) {
    simulator->Run(
        [&](const std::string& id) { return registry.ListenPort(id); }, options.time_scale,
        [&] {
          log.Notice("scenario played",
                     {{"steps", static_cast<std::int64_t>(simulator->steps_played())}});
          if (!options.exit_after_scenario) return;
          // Let the drivers take in the last bytes (a frame timeout at most),
          // then stop; Drain() writes what they delivered.
          auto settle = std::make_shared<asio::steady_timer>(io, std::chrono::seconds(1));
          settle->async_wait([&, settle](const boost::system::error_code& ec) {
            if (!ec) shutdown("scenario complete");
          });
        });
  }

  (void)notifier.Ready("serving; device " + cfg.device_id);
  log.Notice("ready", {{"device", cfg.device_id},
                       {"site", cfg.site_id},
                       {"booths", static_cast<std::int64_t>(cfg.booths.size())},
                       {"devices", static_cast<std::int64_t>(registry.size())},
                       {"simulated", options.simulate.has_value()},
                       {"version", kVersion}});
  io.run();  // returns when shutdown has cancelled all periodic work and I/O
  if (officer_console) officer_console->Stop();
  worker.Stop();
  // Completions of the last jobs were posted to `io` after run() returned.
  io.restart();
  io.poll();
  const auto& is = inspections.stats();
  log.Notice("stopped", {{"events_written", static_cast<std::int64_t>(journal.written())},
                         {"events_dropped", static_cast<std::int64_t>(journal.dropped())},
                         {"events_shed", static_cast<std::int64_t>(journal.shed())},
                         {"inspections_recorded", static_cast<std::int64_t>(is.recorded)},
                         {"inspection_alerts", static_cast<std::int64_t>(is.alerts)},
                         {"inspection_decode_max_us", is.max_decode_us},
                         {"inspection_decode_total_us", is.total_decode_us}});
  return kExitOk;
}

}  // namespace checkpoint::daemon
