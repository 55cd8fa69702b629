#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan+UBSan, coverage) and runs each from
# its seed corpus in tests/fuzz/corpus/<name>/. New inputs go to a scratch
# directory, never into the repository; crashes are saved under build/fuzz/artifacts/
# and fail the run.
#   scripts/fuzz.sh              20 s per target, random seed (exploration)
#   scripts/fuzz.sh 3600         the long run (docs/fuzzing.md)
#   scripts/fuzz.sh --runs 20000 a fixed number of inputs per target from seed 1:
#                                the same inputs on every machine, so the CI gate is
#                                reproducible (a finding fails every run, locally first)
# One summary line per target: executions, exec/s, coverage edges, new inputs found,
# peak RSS (libFuzzer's final stats). FUZZ_KEEP=DIR keeps each target's new inputs in
# DIR/<name>/ (for `-merge=1` into the seed corpus by hand) instead of deleting them.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time="${1:-20}")
what="${1:-20} s"
if [[ ${1:-} == --runs ]]; then
  limit=(-runs="$2" -seed=1)
  what="$2 inputs (seed 1)"
fi
scripts/deps.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHECKPOINT_FUZZ=ON -DCHECKPOINT_SANITIZE=address,undefined >/dev/null
cmake --build build/fuzz --target fuzz_all
mkdir -p build/fuzz/artifacts
status=0
# One of libFuzzer's final stats (-print_final_stats=1) from the current log.
final() { grep -m1 "stat::$1" "$log" | awk '{print $2}' || true; }
for bin in build/fuzz/tests/fuzz/fuzz_*; do
  name=${bin##*/fuzz_}
  work=$(mktemp -d)
  log=build/fuzz/artifacts/$name.log
  if ! "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$name-" "$work" "tests/fuzz/corpus/$name" \
      >"$log" 2>&1; then
    echo "fuzz: $name FAILED (see $log)" >&2
    tail -n 30 "$log" >&2
    status=1
  fi
  runs=$(final number_of_executed_units)
  rate=$(final average_exec_per_sec)
  rss=$(final peak_rss_mb)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  echo "fuzz: $name: ${runs:-?} executions (limit ${what}), ${rate:-?} exec/s," \
    "coverage ${cov:-?} edges, corpus $(ls "$work" | wc -l) new, peak RSS ${rss:-?} MB"
  if [[ -n ${FUZZ_KEEP:-} ]]; then
    mkdir -p "$FUZZ_KEEP" && rm -rf "${FUZZ_KEEP:?}/$name" && mv "$work" "$FUZZ_KEEP/$name"
  else
    rm -rf "$work"
  fi
done
exit $status
