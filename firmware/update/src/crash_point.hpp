#pragma once
// The kill tests' hook: with CHECKPOINT_UPDATE_CRASH_AT=<point> in the environment,
// the process ends at once (_exit, no cleanup, as SIGKILL would) when it reaches
// <point>: a state's name just after that state is persisted, "slot-write" in the
// middle of writing a slot, or "store-rolled-back" between the store's rollback and
// the boot selector's. Deterministic, no timing involved.

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace checkpoint::update::detail {

inline constexpr int kCrashExitCode = 86;

inline void CrashPoint(std::string_view point) {
  const char* at = std::getenv("CHECKPOINT_UPDATE_CRASH_AT");
  if (at && point == at) ::_exit(kCrashExitCode);
}

}  // namespace checkpoint::update::detail
