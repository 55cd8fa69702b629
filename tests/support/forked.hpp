#pragma once
// Runs a test's body in a forked child, for what must not touch the test process
// (a private mount namespace, a tmpfs of its own). Catch's assertions stay in the
// parent: the child reports by its exit status (0 pass, 77 cannot run here, e.g. not
// root, anything else fail, the reason on its stderr).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>

namespace checkpoint::testing {

inline void RunForked(const std::function<int()>& child, const char* cannot_run_warning) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::fflush(nullptr);
    ::_exit(child());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    // Catch2 v2 has no skip: say it loudly. CI runs as root, where this runs.
    WARN(cannot_run_warning);
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace checkpoint::testing
