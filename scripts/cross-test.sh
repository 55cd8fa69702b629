#!/usr/bin/env bash
# Cross-builds the whole tree for arm64 (Debian multiarch) and runs the unit tests
# under qemu-user. Installs the cross toolchain and arm64 libraries first.
#   scripts/cross-test.sh            build in build/arm64 and run every test
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --cross arm64
cmake -S . -B build/arm64 -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHECKPOINT_WERROR=ON \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchains/aarch64-linux-gnu.cmake"
cmake --build build/arm64
readelf -h build/arm64/firmware/daemon/checkpointd | grep -q 'AArch64' \
  || { echo "cross-test: checkpointd is not an aarch64 binary" >&2; exit 1; }
# HQ's PostgreSQL tests: the server is the host's (native), only libpq is arm64.
pg_env=$(scripts/pg.sh start)  # a failed start stops here (set -e)
eval "$pg_env"
trap 'scripts/pg.sh stop "$CHECKPOINT_TEST_PG_DIR"' EXIT
# qemu is slow: give every test a generous timeout so a hang fails instead of stalling CI.
ctest --test-dir build/arm64 --output-on-failure -j2 --timeout 900
