// The daemon's footprint (issue 7 item 6): start-up time to READY=1, resident memory
// at idle and under a steady simulated load without watchlists. A real checkpointd
// child process with the example configuration and simulated devices, a real
// $NOTIFY_SOCKET (as systemd gives a Type=notify service), /proc/PID/status.
//
//   footprint_bench --daemon PATH --config TEMPLATE --rules FILE --scenario FILE
//                   [--load-seconds N] [--time-scale X] [--starts N]
//
// In the same run, the baseline: the same binary's `--version` (loading and linking
// it, and exit), so the start-up ratio says what the daemon's own start costs.
// Stripped binary sizes are bench/run.sh's part (they need the cross build).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/box_config.hpp"
#include "support/load_scenario.hpp"
#include "support/notify_receiver.hpp"

extern char** environ;

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "footprint_bench: %s\n", why.c_str());
  std::exit(1);
}

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// A child with `extra_env` added to ours; its stdout and stderr go to `log`.
pid_t Start(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
            const fs::path& log) {
  std::vector<std::string> env_strings(extra_env);
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) Die("cannot start " + args[0]);
  return pid;
}

int Reap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) Die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// VmRSS and VmHWM of a process, in KiB.
struct Memory {
  long rss_kb = 0;
  long hwm_kb = 0;
};
Memory MemoryOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Memory m;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = std::atol(line.c_str() + 6);
  }
  return m;
}

long CountRows(const fs::path& db, const char* sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Die("cannot open " + db.string());
  }
  sqlite3_stmt* st = nullptr;
  long n = -1;
  if (sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

double Mib(long kb) {
  return static_cast<double>(kb) / 1024.0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  fs::path daemon, tmpl, rules, scenario;
  double load_seconds = 60, scale = 0.1;
  int starts = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--daemon")
      daemon = v;
    else if (a == "--config")
      tmpl = v;
    else if (a == "--rules")
      rules = fs::absolute(v);
    else if (a == "--scenario")
      scenario = v;
    else if (a == "--load-seconds")
      load_seconds = std::atof(v);
    else if (a == "--time-scale")
      scale = std::atof(v);
    else if (a == "--starts")
      starts = std::max(1, std::atoi(v));
    else
      Die("unknown option " + a);
  }
  if (daemon.empty() || tmpl.empty() || rules.empty() || scenario.empty()) {
    Die("usage: footprint_bench --daemon PATH --config TEMPLATE --rules FILE --scenario FILE "
        "[--load-seconds N] [--time-scale X] [--starts N]");
  }
  char tmpl_dir[] = "/tmp/footprint_bench.XXXXXX";
  if (!mkdtemp(tmpl_dir)) Die("mkdtemp");
  const fs::path tmp = tmpl_dir;
  const fs::path data = tmp / "data", cfg = tmp / "checkpoint.toml", log = tmp / "checkpointd.log";
  try {
    checkpoint::testing::WriteExampleConfig(tmpl, cfg, data, rules);
  } catch (const std::exception& e) {
    Die(e.what());
  }
  const fs::path idle = tmp / "idle.jsonl";
  std::ofstream(idle) << "# no events: the devices are there, nothing happens\n";
  std::printf("# footprint_bench: %s, %s\n", daemon.c_str(), tmp.c_str());

  // Baseline: the binary loaded, linked and gone.
  std::vector<double> exec_ms;
  for (int i = 0; i < starts; ++i) {
    const auto t0 = Clock::now();
    if (Reap(Start({daemon.string(), "--version"}, {}, log)) != 0) Die("--version failed");
    exec_ms.push_back(Ms(t0, Clock::now()));
  }

  // Start-up to READY=1: the first start creates the store, the others open it.
  std::vector<double> ready_ms;
  Memory at_ready, at_idle;
  double first_ms = 0;
  for (int i = 0; i <= starts; ++i) {
    const fs::path sock_path = tmp / ("notify" + std::to_string(i) + ".sock");
    checkpoint::testing::NotifySocket sock(sock_path);
    const auto t0 = Clock::now();
    const pid_t pid =
        Start({daemon.string(), "--config", cfg.string(), "--simulate", idle.string()},
              {"NOTIFY_SOCKET=" + sock_path.string()}, log);
    if (sock.ReceiveUntil("READY=1", 60s).empty()) Die("no READY=1 in 60 s; see " + log.string());
    const double ms = Ms(t0, Clock::now());
    if (i == 0) {
      first_ms = ms;
    } else {
      ready_ms.push_back(ms);
    }
    if (i == starts) {
      at_ready = MemoryOf(pid);
      // Idle: whatever the daemon does with nothing happening, for 5 s (a benchmark
      // may wait; the notify socket's silence is the clock).
      sock.ReceiveUntil("STOPPING=1", 5s);
      at_idle = MemoryOf(pid);
    }
    kill(pid, SIGTERM);
    if (Reap(pid) != 0) Die("checkpointd did not stop cleanly; see " + log.string());
  }
  std::printf(
      "start-up to READY=1: first start (creates the store) %.1f ms; later starts median "
      "%.1f ms; baseline (--version: load, link, exit) median %.1f ms; ratio %.1fx\n",
      first_ms, Median(ready_ms), Median(exec_ms), Median(ready_ms) / Median(exec_ms));
  std::printf("resident memory at READY=1: %.1f MiB; idle 5 s later: %.1f MiB (peak %.1f MiB)\n",
              Mib(at_ready.rss_kb), Mib(at_idle.rss_kb), Mib(at_idle.hwm_kb));

  // Steady load: the crossing-day scenario back to back, no watchlist installed.
  const fs::path load = tmp / "load.jsonl";
  // The scenario back to back for `load_seconds` at `scale` (the daemon plays
  // offsets times --time-scale).
  const std::size_t events = checkpoint::testing::WriteRepeatedScenario(
      scenario, load, static_cast<long>(load_seconds * 1000 / scale));
  const long before = CountRows(data / "checkpoint.db", "SELECT count(*) FROM outbox");
  const fs::path sock_path = tmp / "notify-load.sock";
  checkpoint::testing::NotifySocket sock(sock_path);
  const auto t0 = Clock::now();
  const pid_t pid = Start({daemon.string(), "--config", cfg.string(), "--simulate", load.string(),
                           "--time-scale", std::to_string(scale), "--exit-after-scenario"},
                          {"NOTIFY_SOCKET=" + sock_path.string()}, log);
  if (sock.ReceiveUntil("READY=1", 60s).empty()) Die("no READY=1 under load");
  Memory peak, last;
  std::vector<long> samples;
  // Sampled every 250 ms until the daemon stops after the scenario (STOPPING=1).
  for (;;) {
    const std::string m = sock.Receive(250ms);
    const Memory now = MemoryOf(pid);
    if (now.rss_kb > 0) {
      last = now;
      samples.push_back(now.rss_kb);
      peak.rss_kb = std::max(peak.rss_kb, now.rss_kb);
      peak.hwm_kb = std::max(peak.hwm_kb, now.hwm_kb);
    }
    // STOPPING=1, or gone (a zombie has no VmRSS).
    if (m.find("STOPPING=1") != std::string::npos || now.rss_kb == 0) break;
    if (Ms(t0, Clock::now()) > 1000 * (load_seconds * 3 + 60)) Die("the load run did not end");
  }
  const int rc = Reap(pid);
  const double seconds = Ms(t0, Clock::now()) / 1000;
  const long stored = CountRows(data / "checkpoint.db", "SELECT count(*) FROM outbox") - before;
  if (rc != 0) Die("checkpointd exited with " + std::to_string(rc) + "; see " + log.string());
  // Growth over the run (a plateau, or a leak): the resident size at each tenth.
  std::printf("resident memory over the load run, MiB, at each tenth:");
  for (int k = 1; k <= 10 && !samples.empty(); ++k) {
    std::printf(" %.1f", Mib(samples[(samples.size() - 1) * static_cast<std::size_t>(k) / 10]));
  }
  std::printf("\n");
  std::sort(samples.begin(), samples.end());
  const double median_mib =
      samples.empty() ? 0 : static_cast<double>(samples[samples.size() / 2]) / 1024.0;
  std::printf(
      "steady load without watchlists: %zu scenario events in %.1f s (%.1f events/s), "
      "%ld records stored; resident memory median %.1f MiB, max %.1f MiB, peak (VmHWM) "
      "%.1f MiB, at the end %.1f MiB; target <= 30 MiB\n",
      events, seconds, static_cast<double>(events) / seconds, stored, median_mib, Mib(peak.rss_kb),
      Mib(peak.hwm_kb), Mib(last.rss_kb));
  std::printf(
      "RESULT {\"first_start_ms\":%.1f,\"start_ms\":%.1f,\"exec_baseline_ms\":%.1f,"
      "\"rss_ready_mib\":%.1f,\"rss_idle_mib\":%.1f,\"load_events\":%zu,\"load_s\":%.1f,"
      "\"load_records\":%ld,\"rss_load_median_mib\":%.1f,\"rss_load_max_mib\":%.1f,"
      "\"hwm_load_mib\":%.1f}\n",
      first_ms, Median(ready_ms), Median(exec_ms), Mib(at_ready.rss_kb), Mib(at_idle.rss_kb),
      events, seconds, stored, median_mib, Mib(peak.rss_kb), Mib(peak.hwm_kb));
  fs::remove_all(tmp);
  return 0;
}
