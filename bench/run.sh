#!/usr/bin/env bash
# Runs every benchmark on a release build. Results go to stdout; the headline
# figures are copied into bench/RESULTS.md with the date and this command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target store_bench
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -m)"
build/release/bench/store_bench "$@"
