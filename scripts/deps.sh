#!/usr/bin/env bash
# The one list of Debian packages Checkpoint Edge needs, and the one place that
# installs them. Used by scripts/demo.sh, scripts/test.sh, .ci/run and packaging
# (CMake reads `deps.sh --print runtime` for the .deb Depends field).
#
#   scripts/deps.sh                 install what building, testing and running need
#   scripts/deps.sh --cross arm64   also the arm64 cross toolchain, libraries and qemu-user
#   scripts/deps.sh --cross armhf   the same for 32-bit ARM; exits 3 when Debian's armhf
#                                   index or libraries cannot be had (scripts/cross-test.sh
#                                   armhf reports that as a skip)
#   scripts/deps.sh --package       also lintian and shellcheck (scripts/package.sh)
#   scripts/deps.sh --bench         also Node.js and npm, for the peer benchmarks in bench/
#   scripts/deps.sh --test          also what only tests use: Chromium, Node.js and npm, for the
#                                   officer console's browser test (tests/console/browser;
#                                   playwright-core from its package-lock.json, never a browser
#                                   download), and grub-common (grub-editenv, grub-script-check)
#                                   for the GRUB boot environment's tests (tests/update)
#   scripts/deps.sh --print SET     print one set (build|runtime|runtime-hq|cross-arm64|cross-armhf|package|bench|test),
#                                   one per line
#
# Idempotent: asks dpkg what is present and only calls apt-get for what is missing,
# so a second run takes well under a second.
set -euo pipefail

# Building and testing (native).
BUILD=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev          # Asio, Beast (header-only); not libboost-dev, which pulls 1.74
  libsqlite3-dev sqlite3    # the store; the sqlite3 CLI for technicians and tests
  libssl-dev                # SHA-256, Ed25519 keys, TLS, CMS
  libsodium-dev             # Ed25519 signing and verification of records (2x OpenSSL 3.0)
  libcurl4-openssl-dev      # HTTPS client of the sync agent (OpenSSL flavour)
  libpq-dev                 # HQ's PostgreSQL backend (libpq)
  postgresql                # a throwaway server for HQ's PostgreSQL tests (scripts/pg.sh)
  libtomlplusplus-dev       # config parsing with line/column in errors
  nlohmann-json3-dev        # JSON payloads
  libsystemd-dev            # sd_notify / watchdog
  libpugixml-dev            # ANSI N42.42 XML from radiation portal monitors
  zlib1g-dev                # CRC-32 of chip reader frames; uplink batches from older agents
  libzstd-dev               # compression of uplink batches (Zstandard, RFC 8878)
  libarchive-dev            # checkpointctl diag: the support bundle (tar.gz)
  catch2                    # tests (Debian 12 ships v2)
  clang-format              # style check, part of the test suite
  clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  dpkg-dev file             # cpack's .deb: dpkg-shlibdeps (the packaging.deb test)
  systemd                   # systemd-analyze: the units test (verify, exposure ceilings)
)
# What the installed binaries need at run time (the .deb Depends field, checked by
# tests/packaging/deb_test.sh): the box's package, and what HQ's needs besides.
RUNTIME=(libsqlite3-0 libssl3 libsodium23 libcurl4 libtomlplusplus3 libsystemd0 libpugixml1v5 zlib1g
  libzstd1 libarchive13)
RUNTIME_HQ=(libpq5)  # HQ's PostgreSQL backend
# Cross-building for arm64 against Debian multiarch libraries, tests under qemu-user.
CROSS_ARM64=(
  g++-aarch64-linux-gnu qemu-user-static
  libsqlite3-dev:arm64 libssl-dev:arm64 libcurl4-openssl-dev:arm64
  libboost1.81-dev:arm64 libtomlplusplus-dev:arm64 libsystemd-dev:arm64
  libpugixml-dev:arm64 zlib1g-dev:arm64 libsodium-dev:arm64 libzstd-dev:arm64 libarchive-dev:arm64
  # libpq: the library only. libpq-dev is not multiarch (Multi-Arch: no), so
  # libpq-dev:arm64 would remove the host's libpq-dev; its headers are the same for
  # both, and CMake links the arm64 libpq.so.5 by its soname (ADR 0011).
  libpq5:arm64
)
# The same for 32-bit ARM (armhf). Debian's armhf index has failed to sync before:
# installed only by --cross armhf, which reports such a failure instead of failing.
CROSS_ARMHF=(
  g++-arm-linux-gnueabihf qemu-user-static
  libsqlite3-dev:armhf libssl-dev:armhf libcurl4-openssl-dev:armhf
  libboost1.81-dev:armhf libtomlplusplus-dev:armhf libsystemd-dev:armhf
  libpugixml-dev:armhf zlib1g-dev:armhf libsodium-dev:armhf libzstd-dev:armhf libarchive-dev:armhf
  libpq5:armhf  # the library only, as for arm64 (libpq-dev is not multiarch)
)
# Packaging checks (scripts/package.sh): lintian, and shellcheck for the maintainer
# scripts.
PACKAGE=(lintian shellcheck)
# Benchmarks only (bench/run.sh): the peer parsers run on Node.js, installed with npm
# inside bench/ (never a project dependency). A machine with Node.js from elsewhere
# (e.g. NodeSource, which bundles npm) is left as it is.
BENCH=(nodejs npm)
# What only tests use. The officer console's browser test (tests/console/browser):
# Debian's Chromium, driven by playwright-core (npm, pinned by the committed
# package-lock.json). The updater's GRUB tests (tests/update/grub_test.cpp): the real
# grub-editenv on real grubenv files, and grub-script-check for the shipped grub.cfg
# part; grub-common holds the tools only (no bootloader is installed or run).
TEST_ONLY=(chromium grub-common)

print_set() {
  case "$1" in
    build) printf '%s\n' "${BUILD[@]}" ;;
    runtime) printf '%s\n' "${RUNTIME[@]}" ;;
    runtime-hq) printf '%s\n' "${RUNTIME_HQ[@]}" ;;
    cross-arm64) printf '%s\n' "${CROSS_ARM64[@]}" ;;
    cross-armhf) printf '%s\n' "${CROSS_ARMHF[@]}" ;;
    package) printf '%s\n' "${PACKAGE[@]}" ;;
    bench) printf '%s\n' "${BENCH[@]}" ;;
    test) printf '%s\n' "${TEST_ONLY[@]}" "${BENCH[@]}" ;;
    *) echo "deps.sh: unknown set '$1' (build|runtime|runtime-hq|cross-arm64|cross-armhf|package|bench|test)" >&2; exit 2 ;;
  esac
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "deps.sh: need root to install packages (run as root or install sudo)" >&2; exit 1
  fi
}

missing() {
  local p name arch native
  native=$(dpkg --print-architecture)
  for p in "$@"; do
    name=${p%%:*}
    arch=$native
    [ "$name" != "$p" ] && arch=${p#*:}
    # Installed means "install ok installed" for the wanted architecture (or "all").
    # With a foreign architecture added, one name can have several entries.
    if ! dpkg-query -W -f='${Architecture} ${Status}\n' "$name" 2>/dev/null |
      grep -qE "^($arch|all) install ok installed$"; then
      echo "$p"
    fi
  done
}

install() {
  local need
  mapfile -t need < <(missing "$@" | sed '/^$/d')
  [ ${#need[@]} -eq 0 ] && return 0
  echo "deps.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when something is missing: keeps the no-op path fast.
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# armhf: a failure of Debian's archive (an index that fails to download, libraries
# that will not install) is reported with exit status 3, never left half-done: the
# architecture is removed again when nothing of it got installed, so that a later
# `apt-get update` for the other architectures still works.
cross_armhf() {
  local added=0 need log
  if ! dpkg --print-foreign-architectures | grep -qx armhf; then
    as_root dpkg --add-architecture armhf
    added=1
  fi
  mapfile -t need < <(missing "${CROSS_ARMHF[@]}" | sed '/^$/d')
  [ ${#need[@]} -eq 0 ] && return 0
  log=$(mktemp)
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update exits 0 on some index failures: its warnings count too.
  if as_root apt-get update -qq >"$log" 2>&1 && ! grep -qE '^(W|E): ' "$log" &&
    as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  echo "deps.sh: armhf unavailable: $(grep -E '^(W|E): ' "$log" | head -3 | tr '\n' ' ')" >&2
  rm -f "$log"
  if [ $added -eq 1 ] && ! dpkg-query -W -f='${Architecture}\n' 2>/dev/null | grep -qx armhf; then
    as_root dpkg --remove-architecture armhf
    as_root apt-get update -qq >/dev/null 2>&1 || true
  fi
  exit 3
}

case "${1:-}" in
  --print) print_set "${2:?--print needs a set name}" ;;
  --cross)
    case "${2:-}" in
      arm64)
        install "${BUILD[@]}"
        if ! dpkg --print-foreign-architectures | grep -qx arm64; then
          as_root dpkg --add-architecture arm64
        fi
        install "${CROSS_ARM64[@]}"
        ;;
      armhf) install "${BUILD[@]}" && cross_armhf ;;
      *) echo "deps.sh: --cross arm64 or --cross armhf" >&2; exit 2 ;;
    esac
    ;;
  --package) install "${BUILD[@]}" "${PACKAGE[@]}" ;;
  --bench)
    install "${BUILD[@]}"
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then install "${BENCH[@]}"; fi
    ;;
  --test)
    install "${BUILD[@]}" "${TEST_ONLY[@]}"
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then install "${BENCH[@]}"; fi
    ;;
  "") install "${BUILD[@]}" ;;
  *) echo "usage: deps.sh [--cross arm64|armhf | --package | --bench | --test | --print SET]" >&2; exit 2 ;;
esac
