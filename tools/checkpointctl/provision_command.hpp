#pragma once
// `checkpointctl provision`: the technician's one command on a new box (docs/technician.md,
// ADR "provision"). Steps, each recorded in a journal in the data directory
// (provision.json, versioned, written atomically) so that a run cut anywhere is resumed:
//   validate  the site file (booths, lanes, devices) as checkpointd would, before anything
//   keys      data directory (0700), agent directory (0700), pinned HQ CA, device key (0600)
//   enrolled  CSR and one-time token to HQ (agent::Enroll), device certificate installed
//   config    the configuration, validated again, moved into place atomically; an
//             existing different one is backed up first
//   selftest  every configured device opened with its driver (hal::drivers::SelfTest)
//   complete  the report (also kept in the journal; a re-run re-prints it)

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace checkpoint::tools {

struct ProvisionOptions {
  std::string hq_url;                  // --hq
  std::filesystem::path hq_ca;         // --hq-ca: HQ's CA certificate, pinned
  std::filesystem::path signing_keys;  // --hq-signing-keys: optional, pinned
  std::filesystem::path token_file;    // --token-file: the one-time token
  std::filesystem::path site_file;     // --site: device, booths and lanes, devices (TOML)
  std::filesystem::path config_path;   // --config: where the configuration is written
  std::filesystem::path data_dir;      // --data-dir (default /var/lib/checkpoint)
  std::string proxy;                   // --proxy: HTTP proxy for HQ
  // --sync-user: the agent's user (checkpoint-sync on a packaged box). Run as root,
  // provision creates the agent's directory, key and certificate as that user.
  std::string sync_user;
  // --group: the [paths] group the services share (ADR 0012); the data directory must
  // then exist (the package makes it) and is left as it is.
  std::string group;
  bool retest = false;  // --retest: run the self-test again when complete
  bool json = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// Exit codes: 0 provisioned and every device passed; 3 provisioned but a device failed
// its self-test; 1 a step failed (what to do is printed); 2 bad arguments or site file.
int Provision(const ProvisionOptions& options);
// `provision ARGS`: --hq, --hq-ca, --hq-signing-keys, --token-file, --site, --proxy,
// --sync-user, --group, --retest into `defaults` (which carries --config, --data-dir and --json),
// then Provision.
int ProvisionCommand(const std::vector<std::string>& args, ProvisionOptions defaults);

// The environment variable of the deterministic crash hook used by the tests: the
// process _exit()s right after the named step's effects, before its journal entry.
inline constexpr const char* kProvisionCrashEnv = "CHECKPOINT_PROVISION_CRASH_AFTER";

}  // namespace checkpoint::tools
