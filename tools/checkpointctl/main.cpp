// checkpointctl: the field technician's command line.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "container_command.hpp"
#include "diag_command.hpp"
#include "mrz_command.hpp"
#include "officer_command.hpp"
#include "provision_command.hpp"
#include "screen_command.hpp"
#include "trust_command.hpp"
#include "update_command.hpp"
#include "watchlist_command.hpp"

namespace {
void Usage(std::FILE* out) {
  std::fprintf(out,
               "usage: checkpointctl [--config FILE | --data-dir DIR] [--json] [--at TIME] "
               "COMMAND\n"
               "commands:\n"
               "  provision --hq URL --hq-ca FILE --site FILE [--token-file FILE]\n"
               "            [--hq-signing-keys FILE] [--proxy URL] [--retest]\n"
               "            [--sync-user USER --group GROUP]  (a packaged box, as root)\n"
               "                    a new box: device key, enrollment, configuration written\n"
               "                    to --config, every device self-tested, a report;\n"
               "                    safe to run again (resumes; --data-dir, default\n"
               "                    /var/lib/checkpoint)\n"
               "  status            daemon, agent (certificate, last contact with HQ), devices,\n"
               "                    store, outbox backlog, audit chain, bundle and firmware\n"
               "                    versions; exit 0 healthy, 1 not\n"
               "  diag [--out FILE] [--log-file FILE]...\n"
               "                    a support bundle (tar.gz) without secrets or personal data\n"
               "  verify            full database integrity check and audit chain verification\n"
               "  migrate [--to N]  bring the store schema to version N (default: newest)\n"
               "  mrz [--pretty] [--no-correct]\n"
               "                    parse MRZ text from stdin (documents separated by a blank\n"
               "                    line) into JSON lines; needs no configuration\n"
               "  trust list | add-csca FILE | add-crl FILE | import-masterlist FILE |\n"
               "        remove FINGERPRINT\n"
               "                    the CSCA trust store (certificates DER or PEM)\n"
               "  pa --sod FILE --dg N=FILE... [--mrz FILE]\n"
               "                    passive authentication of chip data, report as JSON\n"
               "  container [--pretty] [CODE...]\n"
               "                    check ISO 6346 container codes (arguments, else stdin one\n"
               "                    a line) into JSON lines; needs no configuration\n"
               "  watchlist import FILE [--delta] | watchlist status\n"
               "                    load a watchlist (JSON lines) into the store, or show it\n"
               "  screen [--watchlist FILE] [--pretty]\n"
               "                    screen queries (JSON lines on stdin) against FILE or the\n"
               "                    store's watchlist into JSON lines\n"
               "  update [--slots DIR] [--uboot | --grub [--grubenv FILE]] [--keys FILE]\n"
               "         [--hardware ID] [--allow-offline] [--trial-timeout SECONDS]\n"
               "         install FILE | status | commit | rollback | trial-check | auto |\n"
               "         simulate-boot\n"
               "                    the A/B firmware update: install a signed image into the\n"
               "                    inactive slot, check and commit its trial, or roll back;\n"
               "                    auto: the trial check, then a newer staged firmware bundle\n"
               "                    as [update] auto_install allows (exit 5: restart into it)\n"
               "  officer add ID --name NAME --agency AGENCY [--role ROLE] [--language L] |\n"
               "          passwd ID | disable ID | enable ID | list\n"
               "                    officer console accounts; the password from the terminal\n"
               "                    or the first line of stdin, never the command line\n"
               "--data-dir DIR: the store is DIR/checkpoint.db, no configuration is read\n"
               "--at TIME: judge certificates and CRLs at TIME (YYYY-MM-DD[THH:MM:SSZ], UTC)\n");
}
}  // namespace

int main(int argc, char** argv) {
  using namespace checkpoint;
  std::string config_path(config::kDefaultPath);
  bool json = false;
  std::optional<std::string> data_dir;
  std::optional<std::chrono::system_clock::time_point> at;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "--data-dir" && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (a == "--at" && i + 1 < argc) {
      at = tools::ParseUtcTime(argv[++i]);
      if (!at) {
        std::fprintf(stderr, "checkpointctl: --at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n");
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else {
      rest.push_back(a);
    }
  }
  if (rest.empty()) {
    Usage(stderr);
    return 2;
  }
  if (rest[0] == "mrz") {
    tools::MrzCommandOptions o;
    o.pretty = json;
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == "--pretty") {
        o.pretty = true;
      } else if (rest[i] == "--no-correct") {
        o.correct = false;
      } else {
        Usage(stderr);
        return 2;
      }
    }
    return tools::MrzCommand(stdin, stdout, o);
  }
  if (rest[0] == "provision") {
    tools::ProvisionOptions o;
    o.config_path = config_path;
    o.data_dir = data_dir.value_or("/var/lib/checkpoint");
    o.json = json;
    return tools::ProvisionCommand({rest.begin() + 1, rest.end()}, o);
  }
  // The configuration, or nullopt after saying what is wrong with it.
  const auto load_config = [&]() -> std::optional<config::Config> {
    auto cfg = config::LoadConfig(config_path);
    if (!cfg) {
      std::fprintf(stderr, "checkpointctl: invalid configuration:\n%s\n",
                   cfg.error().message().c_str());
      return std::nullopt;
    }
    return std::move(*cfg);
  };
  if (rest[0] == "trust" || rest[0] == "pa") {
    tools::TrustContext tc;
    tc.json = json || rest[0] == "pa";
    tc.at = at;
    if (data_dir) {
      tc.database = std::filesystem::path(*data_dir) / "checkpoint.db";
    } else {
      auto cfg = load_config();
      if (!cfg) return 2;
      tc.database = cfg->DatabasePath();
      tc.device_id = cfg->device_id;
    }
    const std::vector<std::string> args(rest.begin() + 1, rest.end());
    try {
      return rest[0] == "trust" ? tools::TrustCommand(args, tc) : tools::PaCommand(args, tc);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "checkpointctl: %s\n", e.what());
      return 1;
    }
  }
  // The store for commands that need one: DIR/checkpoint.db, or the configured one.
  const auto database = [&](std::filesystem::path& path, std::string& device_id) -> bool {
    if (data_dir) {
      path = std::filesystem::path(*data_dir) / "checkpoint.db";
      return true;
    }
    auto cfg = load_config();
    if (!cfg) return false;
    path = cfg->DatabasePath();
    device_id = cfg->device_id;
    return true;
  };
  if (rest[0] == "watchlist") {
    tools::WatchlistContext wc;
    wc.json = json;
    if (!database(wc.database, wc.device_id)) return 2;
    try {
      return tools::WatchlistCommand({rest.begin() + 1, rest.end()}, wc);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "checkpointctl: %s\n", e.what());
      return 1;
    }
  }
  if (rest[0] == "update") {
    tools::UpdateContext uc;
    uc.json = json;
    if (data_dir) {
      uc.data_dir = *data_dir;
      uc.keys = uc.data_dir / "firmware-signing-keys.pem";
      uc.staged_dir = uc.data_dir / "bundles" / "firmware";
    } else {
      auto cfg = load_config();
      if (!cfg) return 2;
      uc.data_dir = cfg->data_dir;
      uc.keys = std::filesystem::path(config_path).parent_path() / "firmware-signing-keys.pem";
      uc.heartbeat_interval_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(cfg->heartbeat_interval).count();
      uc.staged_dir = cfg->BundlesDir() / "firmware";
      uc.auto_policy = {.enabled = cfg->update.auto_install,
                        .window_start_min = cfg->update.window_start_min,
                        .window_end_min = cfg->update.window_end_min};
    }
    try {
      const int rc = tools::UpdateCommand({rest.begin() + 1, rest.end()}, uc);
      if (rc == 2) Usage(stderr);
      return rc;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "checkpointctl: %s\n", e.what());
      return 1;
    }
  }
  if (rest[0] == "officer" || rest[0] == "user") {
    tools::OfficerContext oc;
    oc.json = json;
    if (!database(oc.database, oc.device_id)) return 2;
    return tools::OfficerCommand({rest.begin() + 1, rest.end()}, oc);
  }
  if (rest[0] == "screen") {
    tools::ScreenOptions o;
    o.pretty = json;
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == "--pretty") {
        o.pretty = true;
      } else if (rest[i] == "--watchlist" && i + 1 < rest.size()) {
        o.watchlist_file = rest[++i];
      } else {
        Usage(stderr);
        return 2;
      }
    }
    if (!o.watchlist_file && !database(o.database, o.device_id)) return 2;
    o.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   at.value_or(std::chrono::system_clock::now()).time_since_epoch())
                   .count();
    try {
      return tools::ScreenCommand(o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "checkpointctl: %s\n", e.what());
      return 1;
    }
  }
  if (rest[0] == "container") {
    tools::ContainerCommandOptions o;
    o.pretty = json;
    std::vector<std::string> codes;
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == "--pretty") {
        o.pretty = true;
      } else if (rest[i].starts_with("--")) {
        Usage(stderr);
        return 2;
      } else {
        codes.push_back(rest[i]);
      }
    }
    return tools::ContainerCommand(codes, stdin, stdout, o);
  }
  try {
    auto cfg = config::LoadConfig(config_path);
    if (!cfg) {
      std::fprintf(stderr, "checkpointctl: invalid configuration:\n%s\n",
                   cfg.error().message().c_str());
      return 2;
    }
    tools::Context ctx{*cfg, json};
    const std::string& cmd = rest[0];
    if (cmd == "status" && rest.size() == 1) return tools::Status(ctx);
    if (cmd == "verify" && rest.size() == 1) return tools::Verify(ctx);
    if (cmd == "diag") return tools::DiagCommand(ctx, {rest.begin() + 1, rest.end()});
    if (cmd == "migrate") {
      std::optional<int> target;
      if (rest.size() == 3 && rest[1] == "--to") {
        target = std::stoi(rest[2]);
      } else if (rest.size() != 1) {
        Usage(stderr);
        return 2;
      }
      return tools::Migrate(ctx, target);
    }
    Usage(stderr);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpointctl: %s\n", e.what());
    return 1;
  }
}
