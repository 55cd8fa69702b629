#!/usr/bin/env bash
# The first README command, the main job: installs what is missing, builds, and
# runs checkpointd on the embedded SQLite default with the sample configuration,
# showing that it is alive; then stops it cleanly and verifies the store.
# Everything it writes stays under ./demo-data (or $CHECKPOINT_DEMO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target checkpointd checkpointctl

bin=build/release
demo=${CHECKPOINT_DEMO_DIR:-$PWD/demo-data}
rm -rf "$demo"
mkdir -p "$demo"
cfg=$demo/checkpoint.toml
sed -e "s|^data_dir = .*|data_dir = \"$demo/data\"|" \
    -e "s|^heartbeat_interval_s = .*|heartbeat_interval_s = 1|" \
    config/checkpoint.example.toml >"$cfg"
ctl() { "$bin/tools/checkpointctl" --config "$cfg" "$@"; }

echo
echo "== starting checkpointd (log: $demo/checkpointd.log)"
"$bin/firmware/daemon/checkpointd" --config "$cfg" 2>"$demo/checkpointd.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# Wait (bounded) for the daemon to report itself running in its store.
for _ in $(seq 1 100); do
  if ctl --json status 2>/dev/null | grep -q '"state": "running"'; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$demo/checkpointd.log" >&2; exit 1; }
  sleep 0.1
done
ctl status
echo
echo "== alive: heartbeats over the next 3 seconds"
for _ in 1 2 3; do
  sleep 1
  ctl --json status | grep -E '"(state|heartbeat_age_ms)"' | tr -d ' ,' | paste -sd' '
done

echo
echo "== stopping checkpointd (SIGTERM)"
kill -TERM "$pid"
wait "$pid"
trap - EXIT
sed -e 's/^/   /' "$demo/checkpointd.log"
echo
echo "== store after a clean stop"
ctl status
ctl verify
