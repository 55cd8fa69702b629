#!/usr/bin/env bash
# The first README command, the main job: installs what is missing, builds, and
# runs checkpointd on the embedded SQLite default with the sample configuration and
# simulated devices: a morning at a road crossing (scenarios/crossing-day.jsonl)
# drives every device through its real driver and wire protocol. Shows the events
# as they are stored, then the store, the devices' health and the audit chain.
# Everything it writes stays under ./demo-data (or $CHECKPOINT_DEMO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target checkpointd checkpointctl

bin=build/release
demo=${CHECKPOINT_DEMO_DIR:-$PWD/demo-data}
scenario=${CHECKPOINT_SCENARIO:-scenarios/crossing-day.jsonl}
rm -rf "$demo"
mkdir -p "$demo"
cfg=$demo/checkpoint.toml
sed -e "s|^data_dir = .*|data_dir = \"$demo/data\"|" \
    -e "s|^heartbeat_interval_s = .*|heartbeat_interval_s = 1|" \
    -e "s|^rules = .*|rules = \"$PWD/config/rules/default.json\"|" \
    config/checkpoint.example.toml >"$cfg"
ctl() { "$bin/tools/checkpointctl" --config "$cfg" "$@"; }

echo
echo "== the local watchlist (a person, a lost ID card, a stolen truck)"
install -d -m 0700 "$demo/data"  # personal data: the owner only, as checkpointd makes it
ctl watchlist import scenarios/demo-watchlist.jsonl

echo
echo "== checkpointd with simulated devices, scenario $scenario (log: $demo/checkpointd.log)"
"$bin/firmware/daemon/checkpointd" --config "$cfg" --simulate "$scenario" \
  --exit-after-scenario 2>"$demo/checkpointd.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# A live line per second while the scenario plays: events stored so far.
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  line=$(ctl status 2>/dev/null | grep '^device events' || true)
  [ -n "$line" ] && echo "   $(date +%T) ${line#device events }"
done
wait "$pid"
trap - EXIT

echo
echo "== what the drivers reported (faults; readings are never logged)"
grep -E 'level=(warning|error)' "$demo/checkpointd.log" | sed -E 's/^ts=[^ ]+ //; s/^/   /' || true
echo
echo "== inspections (kind, booth or lane, level, reasons of the rules; the records hold the rest)"
sqlite3 -separator '  ' "$demo/data/checkpoint.db" \
  "SELECT kind, booth, level, coalesce((SELECT group_concat(json_extract(r.value, '$.rule'), ', ')
     FROM json_each(payload, '$.assessment.reasons') AS r), '') FROM inspections ORDER BY id" |
  sed 's/^/   /'
echo
echo "== store after the run"
ctl status
ctl verify
