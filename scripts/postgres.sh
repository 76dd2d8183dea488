#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and the benchmarks, on a loopback port,
# from Debian's packages (installed when missing: CI's fresh machine runs this as root).
#   scripts/postgres.sh start [PORT]   prints the server's URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop
# The cluster lives in $KIOSK_PG_DIR (default /tmp/kiosk-pg): fsync off, trust auth on loopback only.
set -euo pipefail
command_name=${1:-start}
port=${2:-${KIOSK_PG_PORT:-55432}}
base=${KIOSK_PG_DIR:-/tmp/kiosk-pg}

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi
}

case "$command_name" in
  start)
    bin=$(find_bin || true)
    if [ -z "$bin" ]; then
      if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed (apt-get install postgresql as root)" >&2; exit 69; fi
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends postgresql >/dev/null
      bin=$(find_bin)
    fi
    if [ -f "$base/data/postmaster.pid" ] && run_as_postgres "$bin/pg_ctl -D $base/data status" >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
    rm -rf "$base"
    mkdir -p "$base/data" "$base/sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$base"; fi
    run_as_postgres "$bin/initdb -D $base/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N" >/dev/null
    run_as_postgres "$bin/pg_ctl -D $base/data -l $base/log -w start -o \"-c listen_addresses=127.0.0.1 -p $port -k $base/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\"" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(find_bin)
    run_as_postgres "$bin/pg_ctl -D $base/data -m fast stop" >/dev/null
    ;;
  *)
    echo "usage: scripts/postgres.sh start [PORT] | stop" >&2
    exit 2
    ;;
esac
