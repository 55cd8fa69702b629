#pragma once
// `checkpointctl trust ...` (the CSCA trust store) and `checkpointctl pa ...`
// (passive authentication of chip data read from files). Output contracts are
// documented in docs/technician.md and docs/documents/passive-authentication.md.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace checkpoint::tools {

struct TrustContext {
  std::filesystem::path database;
  std::string device_id = "local";
  bool json = false;
  // The time certificates and CRLs are judged at; default: now.
  std::optional<std::chrono::system_clock::time_point> at;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// args: what follows "trust": list | add-csca FILE | add-crl FILE |
// import-masterlist FILE | remove FINGERPRINT. Exit 0 ok, 1 refused or failed,
// 2 usage.
int TrustCommand(const std::vector<std::string>& args, const TrustContext& ctx);

// args: what follows "pa": --sod FILE --dg N=FILE ... [--mrz FILE]. Prints the step
// report as JSON. Exit 0 passed, 1 failed, 3 not verified or no chip data, 2 usage
// or unreadable input.
int PaCommand(const std::vector<std::string>& args, const TrustContext& ctx);

// "2026-06-15" or "2026-06-15T10:00:00Z" (UTC); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> ParseUtcTime(const std::string& text);

}  // namespace checkpoint::tools
