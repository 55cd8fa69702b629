#!/usr/bin/env bash
# The systemd units: `systemd-analyze verify` finds nothing to say, and the offline
# `systemd-analyze security` exposure of each stays at or under its ceiling
# (docs/systemd.md records the figures). Exit 77 (skipped) without systemd-analyze.
#   units_test.sh UNIT_DIR DAEMON SYNC HQ UNIT=CEILING...   (ceiling as printed: 1.5)
set -euo pipefail
units=$1
# Absolute: systemd takes nothing else as a program path.
daemon=$(realpath "$2") sync=$(realpath "$3") hq=$(realpath "$4")
shift 4
if ! command -v systemd-analyze >/dev/null; then
  echo "units_test: systemd-analyze not installed; skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart= programs exist: point them at the build tree.
for f in "$units"/*.service "$units"/*.timer; do
  sed -e "s#/usr/sbin/checkpointd#$daemon#g" -e "s#/usr/sbin/checkpoint-sync#$sync#g" \
    -e "s#/usr/sbin/checkpoint-hq#$hq#g" "$f" >"$tmp/$(basename "$f")"
done
status=0
if ! out=$(cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1) || [ -n "$out" ]; then
  echo "units_test: systemd-analyze verify:"
  echo "$out"
  status=1
fi
for pair in "$@"; do
  unit=${pair%%=*} ceiling=${pair#*=}
  report=$(systemd-analyze security --offline=true "$tmp/$unit" 2>&1) || true
  exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
  if [ -z "$exposure" ]; then
    echo "units_test: no exposure figure for $unit:"
    echo "$report"
    status=1
  elif awk -v e="$exposure" -v c="$ceiling" 'BEGIN { exit !(e > c) }'; then
    echo "units_test: $unit exposure $exposure is over its ceiling $ceiling:"
    grep '✗' <<<"$report" || true
    status=1
  else
    echo "units_test: $unit exposure $exposure (ceiling $ceiling)"
  fi
done
# Every unit in the directory has a ceiling.
for f in "$units"/*.service; do
  case " $* " in *" $(basename "$f")="*) ;; *)
    echo "units_test: $(basename "$f") has no exposure ceiling"
    status=1
    ;;
  esac
done
exit $status
