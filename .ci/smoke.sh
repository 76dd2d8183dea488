#!/usr/bin/env bash
# Starts the executable in an empty folder on a free port, checks health, docs and a problem
# response, then SIGTERM must end it with exit 0.
set -euo pipefail
exe=$(realpath "$1")
dir=$(mktemp -d)
port=$(bun -e 'const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }); console.log(s.port); s.stop()')
cd "$dir"
PORT=$port HOST=127.0.0.1 "$exe" > kiosk.log 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
fail() { echo "smoke: $*"; cat kiosk.log; exit 1; }
curl -fsS "http://127.0.0.1:$port/health/live" | grep -q '"ok"' || fail "live"
curl -fsS "http://127.0.0.1:$port/health/ready" | grep -q '"migrations":"ok"' || fail "ready"
curl -fsS "http://127.0.0.1:$port/docs" | grep -q 'swagger-ui' || fail "docs page"
curl -fsS "http://127.0.0.1:$port/docs/json" | grep -q '"openapi":"3.1' || fail "docs json"
headers=$(curl -sS -D - -o body.json "http://127.0.0.1:$port/no/such/route")
echo "$headers" | grep -qi '^content-type: application/problem+json' || fail "404 content type"
echo "$headers" | grep -qi '^x-request-id: ' || fail "request id"
echo "$headers" | grep -qi '^x-content-type-options: nosniff' || fail "security headers"
grep -q '"status":404' body.json || fail "404 body"
[ -f data/kiosk.db ] || fail "no ./data/kiosk.db"

kill -TERM $pid
code=0
wait $pid || code=$?
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
echo "smoke: ok (exit 0 after SIGTERM)"
