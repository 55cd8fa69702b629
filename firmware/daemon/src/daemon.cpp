#include "checkpoint/daemon/daemon.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>
#include <memory>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/systemd.hpp"
#include "checkpoint/daemon/store_worker.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::daemon {

namespace asio = boost::asio;

namespace {

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

}  // namespace

int RunDaemon(const config::Config& cfg, const log::Logger& logger) {
  const log::Logger log = logger.Child("daemon");
  common::SystemClock clock;
  common::SystemdNotifier notifier;

  ::umask(0077);  // keys and personal data: nothing we create is readable by others
  bool tightened = false;
  if (auto s = common::EnsurePrivateDirectory(cfg.data_dir, &tightened); !s) {
    log.Critical("cannot prepare data directory", {{"error", s.error().message()}});
    return kExitFailure;
  }
  if (tightened) {
    log.Warning("data directory permissions were too open; set to 0700",
                {{"path", cfg.data_dir.string()}});
  }

  auto opened = store::Store::Open({.path = cfg.DatabasePath(),
                                    .device_id = cfg.device_id,
                                    .busy_timeout_ms = cfg.busy_timeout_ms});
  if (!opened) {
    log.Critical("cannot open store", {{"error", opened.error().message()}});
    return kExitFailure;
  }
  const auto& m = opened->migration();
  log.Info("store open", {{"path", cfg.DatabasePath().string()},
                          {"schema_from", m.from},
                          {"schema", m.to},
                          {"migrated_up", static_cast<std::int64_t>(m.applied.size())},
                          {"rolled_back", static_cast<std::int64_t>(m.rolled_back.size())}});

  // Record the start before announcing readiness: if the store cannot take a
  // write, the daemon is not ready.
  {
    auto started = opened->audit().Append(DaemonEvent(
        clock, "daemon.started", cfg.device_id, std::string("{\"version\":\"") + kVersion + "\"}"));
    auto state = opened->state();
    Status s = started ? state.Set("daemon.state", "running", clock.WallMs())
                       : Status(std::move(started).error());
    if (s) s = state.Set("daemon.version", kVersion, clock.WallMs());
    if (s) s = state.Set("daemon.heartbeat_ms", std::to_string(clock.WallMs()), clock.WallMs());
    if (!s) {
      log.Critical("cannot write to store", {{"error", s.error().message()}});
      return kExitFailure;
    }
  }

  asio::io_context io(1);
  StoreWorker worker(std::move(*opened));
  auto ex = io.get_executor();

  Ticker heartbeat(io, cfg.heartbeat_interval, [&] {
    worker.Post(
        [now = clock.WallMs()](store::Store& st) {
          return st.state().Set("daemon.heartbeat_ms", std::to_string(now), now);
        },
        ex,
        [&log](Status s) {
          if (!s) log.Error("heartbeat not stored", {{"error", s.error().message()}});
        });
  });
  heartbeat.Start();

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
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log.Notice("stopping", {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (void)notifier.Stopping("stopping");
    heartbeat.Cancel();
    if (watchdog) watchdog->Cancel();
    worker.Post(
        [&](store::Store& st) -> Status {
          auto e = st.audit().Append(DaemonEvent(clock, "daemon.stopped", cfg.device_id, "{}"));
          if (!e) return std::move(e).error();
          return st.state().Set("daemon.state", "stopped", clock.WallMs());
        },
        ex,
        [&log](Status s) {
          if (!s) log.Error("stop not recorded", {{"error", s.error().message()}});
        });
  });

  (void)notifier.Ready("serving; device " + cfg.device_id);
  log.Notice("ready", {{"device", cfg.device_id},
                       {"site", cfg.site_id},
                       {"booths", static_cast<std::int64_t>(cfg.booths.size())},
                       {"version", kVersion}});
  io.run();  // returns when the signal handler has cancelled all periodic work
  worker.Stop();
  // Completions of the last jobs were posted to `io` after run() returned.
  io.restart();
  io.poll();
  log.Notice("stopped");
  return kExitOk;
}

}  // namespace checkpoint::daemon
