#pragma once
// checkpointctl commands. Each returns a process exit code and writes its report to
// `out` (human text, or JSON with --json) and problems to `err`.

#include <cstdio>
#include <optional>
#include <string>

#include "checkpoint/config/config.hpp"

namespace checkpoint::tools {

struct Context {
  config::Config config;
  bool json = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// Health of the store, daemon, devices and agent: schema, records, outbox backlog, audit
// chain, certificate and last contact with HQ, installed bundles, firmware version.
// Exit 0 healthy, 1 a problem (listed); a daemon stopped on purpose is not a problem.
int Status(const Context& ctx);
// PRAGMA integrity_check and the full audit chain; exit 1 when either fails.
int Verify(const Context& ctx);
// Migrates the schema to `target` (default: this firmware's newest).
int Migrate(const Context& ctx, std::optional<int> target);

}  // namespace checkpoint::tools
