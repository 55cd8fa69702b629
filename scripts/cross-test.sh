#!/usr/bin/env bash
# Cross-builds the whole tree for ARM (Debian multiarch) and runs the unit tests
# under qemu-user. Installs the cross toolchain and the target's libraries first.
#   scripts/cross-test.sh            arm64: build in build/arm64 and run every test
#   scripts/cross-test.sh armhf      32-bit ARM in build/armhf; when Debian's armhf
#                                    archive cannot be had, prints "armhf skipped:
#                                    <reason>" and exits 0 (it is not in the path that
#                                    must always work; docs/systemd.md, "ARM")
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-arm64}
case "$arch" in
  arm64) triple=aarch64-linux-gnu machine=AArch64 ;;
  armhf) triple=arm-linux-gnueabihf machine=ARM ;;
  *) echo "usage: cross-test.sh [arm64|armhf]" >&2; exit 2 ;;
esac
if [ "$arch" = armhf ]; then
  rc=0
  scripts/deps.sh --cross armhf || rc=$?
  if [ $rc -eq 3 ]; then
    echo "cross-test: armhf skipped: Debian's armhf packages could not be installed (reason above)"
    exit 0
  fi
  [ $rc -eq 0 ] || exit $rc
else
  scripts/deps.sh --cross arm64
fi
cmake -S . -B "build/$arch" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHECKPOINT_WERROR=ON \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchains/$triple.cmake"
cmake --build "build/$arch"
readelf -h "build/$arch/firmware/daemon/checkpointd" | grep -q "Machine: *$machine\$" \
  || { echo "cross-test: checkpointd is not an $arch binary" >&2; exit 1; }
# HQ's PostgreSQL tests: the server is the host's (native), only libpq is the target's.
pg_env=$(scripts/pg.sh start)  # a failed start stops here (set -e)
eval "$pg_env"
trap 'scripts/pg.sh stop "$CHECKPOINT_TEST_PG_DIR"' EXIT
# qemu is slow: give every test a generous timeout so a hang fails instead of stalling CI.
ctest --test-dir "build/$arch" --output-on-failure -j2 --timeout 900
