#!/usr/bin/env bash
# Starts a throwaway Redis for the tests (REDIS_URL's), on a loopback port, from Debian's package
# (installed when missing: CI's fresh machine runs this as root).
#   scripts/redis.sh start [PORT]   prints the server's URL (redis://127.0.0.1:PORT)
#   scripts/redis.sh stop
# It lives in $KIOSK_REDIS_DIR (default /tmp/kiosk-redis): no persistence, loopback only.
set -euo pipefail
command_name=${1:-start}
port=${2:-${KIOSK_REDIS_PORT:-56379}}
base=${KIOSK_REDIS_DIR:-/tmp/kiosk-redis}

answers() { redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; }

case "$command_name" in
  start)
    if ! command -v redis-server >/dev/null 2>&1; then
      if [ "$(id -u)" != 0 ]; then echo "Redis is not installed (apt-get install redis-server as root)" >&2; exit 69; fi
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    fi
    if ! answers; then
      mkdir -p "$base"
      redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --pidfile "$base/redis-$port.pid" --dir "$base" --logfile "$base/redis-$port.log"
      for _ in $(seq 50); do answers && break; sleep 0.1; done
      answers || { echo "redis-server did not start (see $base/redis-$port.log)" >&2; exit 1; }
    fi
    echo "redis://127.0.0.1:$port"
    ;;
  stop)
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/redis.sh start [PORT] | stop" >&2
    exit 2
    ;;
esac
