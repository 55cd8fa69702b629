#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the tests of HQ's PostgreSQL
# backend (tests/hq). Nothing of it outlives the run: a directory under /tmp, a
# free port, trust authentication for 127.0.0.1 only, no fsync.
#
#   scripts/pg.sh run CMD [ARG...]   start a cluster, run CMD with it, stop it (the
#                                    usual way: scripts/pg.sh run ctest --test-dir ...)
#   scripts/pg.sh start              start one; print the exports below (eval them)
#   scripts/pg.sh stop DIR           stop the cluster in DIR and remove DIR
#   scripts/pg.sh restart DIR        stop and start it again on the same port
#   scripts/pg.sh halt DIR           stop the server only (fast: connections are cut)
#   scripts/pg.sh resume DIR         start it again after halt, on the same port
#
# Exports for the tests:
#   CHECKPOINT_TEST_PG       admin connection string (key=value; tests add dbname=)
#   CHECKPOINT_TEST_PG_DIR   the cluster's directory (for stop and restart)
#
# initdb and the server refuse to run as root: as root, they run as the postgres
# user (created by Debian's postgresql package; scripts/deps.sh installs it).
set -euo pipefail

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$d/initdb" ] || { echo "pg.sh: no PostgreSQL server (scripts/deps.sh installs it)" >&2; exit 1; }
  echo "$d"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# server_start DIR PORT: starts the server of DIR on PORT; fails if it cannot.
server_start() {
  as_owner "$(bin_dir)/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $2 -k $1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>&1
}

start() {
  local bin dir port
  bin=$(bin_dir)
  dir=$(mktemp -d /tmp/checkpoint-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: try random ones until the server starts on one.
  for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 20000))
    if server_start "$dir" "$port"; then
      echo "$port" >"$dir/port"
      echo "export CHECKPOINT_TEST_PG='host=127.0.0.1 port=$port user=postgres dbname=postgres'"
      echo "export CHECKPOINT_TEST_PG_DIR='$dir'"
      return 0
    fi
  done
  cat "$dir/server.log" >&2
  echo "pg.sh: the server did not start" >&2
  exit 1
}

stop() {
  local dir=${1:?pg.sh stop DIR}
  case "$dir" in /tmp/checkpoint-pg.*) ;; *) echo "pg.sh: not a cluster of pg.sh: $dir" >&2; exit 2 ;; esac
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

restart() {
  local dir=${1:?pg.sh restart DIR}
  # Fast shutdown (connections are cut, as in a server restart), then the same
  # options again (pg_ctl keeps them in postmaster.opts).
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart \
    >/dev/null
}

halt() {
  local dir=${1:?pg.sh halt DIR}
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

resume() {
  local dir=${1:?pg.sh resume DIR}
  server_start "$dir" "$(cat "$dir/port")" || { cat "$dir/server.log" >&2; exit 1; }
}

case "${1:-}" in
  start) start ;;
  halt) halt "${2:-}" ;;
  resume) resume "${2:-}" ;;
  stop) stop "${2:-}" ;;
  restart) restart "${2:-}" ;;
  run)
    shift
    [ $# -gt 0 ] || { echo "usage: pg.sh run CMD [ARG...]" >&2; exit 2; }
    env=$(start)
    eval "$env"
    trap 'stop "$CHECKPOINT_TEST_PG_DIR"' EXIT
    "$@"
    ;;
  *) echo "usage: pg.sh run CMD... | start | stop DIR | restart DIR | halt DIR | resume DIR" >&2
     exit 2 ;;
esac
