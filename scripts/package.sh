#!/usr/bin/env bash
# Builds the Debian packages (checkpoint-edge, checkpoint-hq) with CPack, checks
# them (tests/packaging/deb_test.sh) and runs lintian, which must report no error
# and no warning; each override in packaging/debian/lintian/ says why it is there.
#   scripts/package.sh [amd64]   from build/release (configured and built if needed)
#   scripts/package.sh arm64     from build/arm64 (scripts/cross-test.sh builds it)
#   ... --dpkg-cycle             then, amd64 only and as root, the packages' whole life
#                                under the real dpkg on THIS machine: install (apt-get,
#                                dependencies from Debian), upgrade, remove, purge, checked
#                                at each step, undone at the end (tests/packaging/dpkg_cycle.sh).
#                                Opt-in (or CHECKPOINT_DPKG_CYCLE=1): CI's machine is
#                                disposable, a developer's is not.
# The packages land in build/packages/<arch>/.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=amd64
cycle=${CHECKPOINT_DPKG_CYCLE:-0}
for a in "$@"; do
  case "$a" in
    --dpkg-cycle) cycle=1 ;;
    amd64 | arm64) arch=$a ;;
    *) echo "usage: package.sh [amd64|arm64] [--dpkg-cycle]" >&2; exit 2 ;;
  esac
done
if [ "$cycle" = 1 ] && { [ "$arch" != amd64 ] || [ "$(id -u)" -ne 0 ]; }; then
  echo "package: --dpkg-cycle installs the amd64 packages on this machine: amd64 and root only" >&2
  exit 2
fi
scripts/deps.sh --package
case "$arch" in
  amd64)
    build=build/release
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHECKPOINT_WERROR=ON >/dev/null
    cmake --build "$build"
    emulator=
    ;;
  arm64)
    build=build/arm64
    [ -f "$build/CMakeCache.txt" ] || { echo "package: run scripts/cross-test.sh first" >&2; exit 1; }
    cmake --build "$build"
    emulator=/usr/bin/qemu-aarch64-static
    ;;
esac
out=build/packages/$arch
rm -rf "$out"
(cd "$build" && cpack --config CPackConfig.cmake -B "$OLDPWD/$out" >/dev/null)
rm -rf "$out/_CPack_Packages"
CHECKPOINT_EMULATOR=$emulator tests/packaging/deb_test.sh "$build" "$out"
# --fail-on error,warning: warnings are fixed or overridden with a reason.
lintian --fail-on error,warning --display-info --tag-display-limit 0 "$out"/*.deb
for deb in "$out"/*.deb; do echo "package: $deb, lintian clean"; done
if [ "$cycle" = 1 ]; then tests/packaging/dpkg_cycle.sh "$out"; fi
