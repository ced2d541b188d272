#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: pg_server.sh start|stop <state-dir>
#
#   start  initdb in a new temporary directory (owned by the postgres user when run as root:
#          PostgreSQL refuses to run as root), trust auth, listening on 127.0.0.1 only on a free
#          port below 32768, its unix socket in the temporary directory; fsync stays on. Writes
#          <state-dir>/url (postgresql://postgres@127.0.0.1:<port>/postgres) and <state-dir>/pgdir.
#   stop   stops that server and removes its directory and the state files.
#
# ctest runs start and stop as the FIXTURES_SETUP / FIXTURES_CLEANUP of the tests that need it
# (they read <state-dir>/url); every test creates a database of its own there.
set -euo pipefail

action=${1:?usage: pg_server.sh start|stop <state-dir>}
state=${2:?usage: pg_server.sh start|stop <state-dir>}
bin=${SOKET_PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [[ -f "$state/pgdir" ]] || return 0
  local dir
  dir=$(cat "$state/pgdir")
  if [[ -d "$dir/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  rm -f "$state/pgdir" "$state/url"
}

case "$action" in
  start)
    [[ -x "$bin/initdb" ]] || { echo "pg_server: $bin/initdb not found (apt install postgresql-15)" >&2; exit 1; }
    mkdir -p "$state"
    stop  # a server left over by an interrupted run
    dir=$(mktemp -d /tmp/soket-pg-XXXXXX)
    echo "$dir" >"$state/pgdir"
    chmod 700 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
      if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then continue; fi
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$state/url"
        echo "pg_server: PostgreSQL on 127.0.0.1:$port ($dir)"
        exit 0
      fi
      echo "pg_server: start on port $port failed (attempt $attempt)" >&2
      tail -n 5 "$dir/server.log" >&2 || true
    done
    exit 1
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: pg_server.sh start|stop <state-dir>" >&2
    exit 2
    ;;
esac
