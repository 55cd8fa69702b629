#!/usr/bin/env bash
# The first README command, the main job: installs what is missing, builds, and
# runs the whole system on this machine: a local HQ (checkpoint-hq, SQLite), the
# appliance (checkpointd on the embedded SQLite default with the sample configuration
# and simulated devices) and its sync agent (checkpoint-sync). HQ publishes the
# watchlist as a signed bundle, the box fetches, verifies and applies it; a morning
# at a road crossing (scenarios/crossing-day.jsonl) drives every device through its
# real driver and wire protocol while the link to HQ goes down and comes back. Shows
# the events as they are stored, the store, the devices' health and the audit chain,
# and ends with HQ's verified summary. Everything it writes stays under ./demo-data
# (or $CHECKPOINT_DEMO_DIR); every process it starts is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target checkpointd checkpointctl checkpoint-hq checkpoint-sync

bin=build/release
demo=${CHECKPOINT_DEMO_DIR:-$PWD/demo-data}
scenario=${CHECKPOINT_SCENARIO:-scenarios/crossing-day.jsonl}
# The customs declarations the scenario's trucks are checked against (a weight mismatch).
declarations=${CHECKPOINT_DECLARATIONS:-$PWD/scenarios/crossing-day-declarations.jsonl}
rm -rf "$demo"
mkdir -p "$demo"
cfg=$demo/checkpoint.toml
# A free port on 127.0.0.1 for the officer console.
console_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^data_dir = .*|data_dir = \"$demo/data\"|" \
    -e "0,/^heartbeat_interval_s = .*/s||heartbeat_interval_s = 1  # the daemon's, for the demo|" \
    -e "s|^rules = .*|rules = \"$PWD/config/rules/default.json\"\\ndeclarations = \"$declarations\"|" \
    -e "s|^enabled = false .*|enabled = true  # the officer console, for the demo|" \
    -e "s|^listen = \[\"127.0.0.1:8443\"\].*|listen = [\"127.0.0.1:$console_port\"]  # a free port, for the demo\\nassets = \"$PWD/firmware/console/assets\"|" \
    config/checkpoint.example.toml >"$cfg"
ctl() { "$bin/tools/checkpointctl" --config "$cfg" "$@"; }

hq() { "$bin/hq/checkpoint-hq" "$@"; }
sync_agent() { "$bin/agent/checkpoint-sync" "$1" --config "$cfg" "${@:2}"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
# HQ on a free port of 127.0.0.1; "listening 127.0.0.1:PORT" tells which.
start_hq() {
  # The binary itself in the background (not a shell function: its pid is HQ's).
  "$bin/hq/checkpoint-hq" serve --data "$demo/hq" --listen "127.0.0.1:${1:-0}" \
    >"$demo/hq.out" 2>>"$demo/hq.log" &
  hq_pid=$!
  pids+=("$hq_pid")
  for _ in $(seq 100); do
    grep -q '^listening ' "$demo/hq.out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's/^listening 127.0.0.1://p' "$demo/hq.out")
  [ -n "$port" ] || { echo "checkpoint-hq did not start: see $demo/hq.log" >&2; exit 1; }
}
pending() {
  sqlite3 "$demo/data/checkpoint.db" "SELECT count(*) FROM outbox WHERE synced_at_ms IS NULL"
}

echo
echo "== HQ: its CA, a content-signing key, an enrollment token for this box"
device=$(sed -n 's/^id = "\(.*\)".*/\1/p' "$cfg" | head -1)
site=$(sed -n 's/^site = "\(.*\)".*/\1/p' "$cfg" | head -1)
hq init --data "$demo/hq" >/dev/null
hq signing-key --data "$demo/hq" >"$demo/hq-signing-keys.pem"
hq token --data "$demo/hq" --device "$device" --site "$site" >"$demo/token.txt"
start_hq
sed -i -e "s|^hq_url = .*|hq_url = \"https://127.0.0.1:$port\"|" "$cfg"
echo "   HQ listening on 127.0.0.1:$port; box $device at crossing point $site"

echo
echo "== the box enrolls (device key, CSR, one-time token) and fetches HQ's signed watchlist"
install -d -m 0700 "$demo/data"  # personal data: the owner only, as checkpointd makes it
sync_agent enroll --hq-ca "$demo/hq/ca.pem" --hq-signing-keys "$demo/hq-signing-keys.pem" \
  --token-file "$demo/token.txt" 2>>"$demo/checkpoint-sync.log"
hq publish --data "$demo/hq" --kind watchlist --file scenarios/demo-watchlist.jsonl \
  2>>"$demo/hq.log" | sed 's/^/   HQ: /'
sync_agent fetch 2>>"$demo/checkpoint-sync.log"
echo "   installed: $(cat "$demo/data/bundles/watchlist/installed.json" 2>/dev/null | head -c 160)"

# An officer for the console: the password in a file only the owner reads.
umask 077
head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 16 >"$demo/officer-password.txt"
umask 022
ctl officer add DEMO-1 --name "Demo Officer" --agency border_guard \
  <"$demo/officer-password.txt" >/dev/null

echo
echo "== checkpointd with simulated devices, scenario $scenario (logs: $demo/*.log)"
"$bin/firmware/daemon/checkpointd" --config "$cfg" --simulate "$scenario" \
  --exit-after-scenario 2>"$demo/checkpointd.log" &
pid=$!
pids+=("$pid")
# The officer console's address, once checkpointd serves it.
for _ in $(seq 50); do
  grep -q 'msg="officer console serving"' "$demo/checkpointd.log" 2>/dev/null && break
  sleep 0.1
done
if grep -q 'msg="officer console serving"' "$demo/checkpointd.log" 2>/dev/null; then
  echo "   officer console: https://127.0.0.1:$console_port/ (officer DEMO-1, password in" \
    "$demo/officer-password.txt; the box's self-signed certificate), while the scenario plays"
fi
"$bin/agent/checkpoint-sync" run --config "$cfg" 2>>"$demo/checkpoint-sync.log" &
agent_pid=$!
pids+=("$agent_pid")

# A live line per second while the scenario plays: events stored, records not yet
# at HQ. The link to HQ goes down after 3 s and comes back 4 s later.
second=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  second=$((second + 1))
  if [ "$second" = 3 ]; then
    kill "$hq_pid"; wait "$hq_pid" 2>/dev/null || true
    echo "   $(date +%T) -- link to HQ down: the box keeps inspecting and recording"
  elif [ "$second" = 7 ]; then
    start_hq "$port"
    echo "   $(date +%T) -- link to HQ back"
  fi
  line=$(ctl status 2>/dev/null | grep '^device events' || true)
  [ -n "$line" ] && echo "   $(date +%T) ${line#device events }; not yet at HQ: $(pending)"
done
wait "$pid" || true
[ "$second" -ge 7 ] || start_hq "$port"

echo
echo "== the agent drains what the box recorded while HQ was away (alerts first)"
for _ in $(seq 120); do
  [ "$(pending)" = 0 ] && break
  sleep 0.5
done
echo "   not yet at HQ: $(pending)"
kill "$agent_pid" 2>/dev/null || true
wait "$agent_pid" 2>/dev/null || true

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

echo
echo "== HQ's verified summary (every record's signature and hash chain checked on arrival)"
last=$(sqlite3 "$demo/data/checkpoint.db" "SELECT coalesce(max(seq), 0) FROM outbox")
sqlite3 -separator ' ' "$demo/hq/hq.db" \
  "SELECT 'records received:', count(*), '(the box numbered', $last, ')',
          '  held without a gap up to:', (SELECT coalesce(max(contiguous), 0) FROM device_progress),
          '  flagged (tampering, chain breaks):', (SELECT count(*) FROM flags) FROM records" |
  sed 's/^/   /'
hq summary --data "$demo/hq" | python3 -c '
import json, sys
s = json.load(sys.stdin)
for site in s["sites"]:
    print("   crossing point %s: %d inspections %s, %d with watchlist hits, %d decisions, %d telemetry"
          % (site["site"] or "(none)", site["inspections"], site["levels"],
             site["inspections_with_hits"], site["decisions"], site["telemetry"]))
    for a in site["agencies"]:
        print("     hits on %s lists: %d (alerts: %d)" % (a["agency"], a["hits"], a["alerts"]))
'
echo
echo "   logs: $demo/checkpointd.log, $demo/checkpoint-sync.log, $demo/hq.log"
