#!/usr/bin/env bash
# The second README command: installs what is missing, builds with warnings as
# errors, runs every test; then builds again with ASan+UBSan and runs them again.
#   scripts/test.sh           both passes
#   scripts/test.sh --quick   the first pass only (for development)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test  # the build set, and Chromium for the console's browser test
# A throwaway PostgreSQL cluster for HQ's PostgreSQL tests, stopped at exit.
pg_env=$(scripts/pg.sh start)  # a failed start stops here (set -e)
eval "$pg_env"
trap 'scripts/pg.sh stop "$CHECKPOINT_TEST_PG_DIR"' EXIT

pass() {
  local dir=$1
  shift
  echo "== $dir: configure, build, test" >&2
  cmake -S . -B "$dir" -G Ninja -DCHECKPOINT_WERROR=ON "$@" >/dev/null
  cmake --build "$dir"
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 600
}

pass build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != --quick ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  pass build/asan -DCMAKE_BUILD_TYPE=Debug -DCHECKPOINT_SANITIZE=address,undefined
fi
