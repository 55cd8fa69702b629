// checkpointd: the appliance daemon.
//   checkpointd --config FILE          run
//   checkpointd --config FILE --check  validate the configuration and exit
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "checkpoint/config/config.hpp"
#include "checkpoint/daemon/daemon.hpp"

namespace {
void Usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: checkpointd [--config FILE] [--check] [--simulate SCENARIO [--time-scale X]\n"
      "                   [--exit-after-scenario]] [--version]\n"
      "  --config FILE          configuration (default %s)\n"
      "  --check                validate the configuration and exit\n"
      "  --simulate SCENARIO    drive the configured devices' real drivers from a\n"
      "                         scenario (JSON lines) with simulated peers\n"
      "  --time-scale X         multiply scenario offsets by X (0.5: twice as fast)\n"
      "  --exit-after-scenario  stop once the scenario is played and stored\n",
      std::string(checkpoint::config::kDefaultPath).c_str());
}
}  // namespace

int main(int argc, char** argv) {
  using namespace checkpoint;
  std::string config_path(config::kDefaultPath);
  bool check_only = false;
  daemon::DaemonOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--simulate" && i + 1 < argc) {
      options.simulate = argv[++i];
    } else if (a == "--time-scale" && i + 1 < argc) {
      char* end = nullptr;
      options.time_scale = std::strtod(argv[++i], &end);
      if (!end || *end != '\0' || !(options.time_scale > 0 && options.time_scale <= 1000)) {
        std::fprintf(stderr, "checkpointd: --time-scale needs a number in (0, 1000]\n");
        return daemon::kExitUsage;
      }
    } else if (a == "--exit-after-scenario") {
      options.exit_after_scenario = true;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--version") {
      std::printf("checkpointd %s\n", daemon::kVersion);
      return daemon::kExitOk;
    } else if (a == "--help" || a == "-h") {
      Usage(stdout);
      return daemon::kExitOk;
    } else {
      std::fprintf(stderr, "checkpointd: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return daemon::kExitUsage;
    }
  }
  auto sink = std::make_shared<log::FdSink>(2);
  try {
    auto cfg = config::LoadConfig(config_path);
    if (!cfg) {
      // Multi-line: one problem per line, each naming file, line and key.
      std::fprintf(stderr, "checkpointd: invalid configuration:\n%s\n",
                   cfg.error().message().c_str());
      return daemon::kExitUsage;
    }
    if (check_only) {
      std::printf("%s: ok\n", config_path.c_str());
      return daemon::kExitOk;
    }
    log::Logger logger(sink, "checkpointd", cfg->log_level);
    return daemon::RunDaemon(*cfg, options, logger);
  } catch (const std::exception& e) {
    // Last line of defence: third-party exceptions are caught at module edges.
    log::Logger(sink, "checkpointd").Critical("unhandled exception", {{"what", e.what()}});
    return daemon::kExitFailure;
  }
}
