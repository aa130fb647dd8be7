#!/usr/bin/env bash
# The front door under a flood (issue 13, "Done when"): the p99 latency of an authenticated
# GET /api/v1/deployments/{id} at rest, then while three floods hit the API from another address:
# requests without a token, requests with a guessed token, and 1 MiB uploads without a token.
# Not part of scripts/test (it takes about a minute and wants the machine to itself); results and
# the command go to docs/benchmarks.md.
#
# It runs the quickstart (PostgreSQL, a coordinator, an agent, a first deployment), then a second
# coordinator on the same database whose API listens on every address, with only 127.0.0.1
# exempt from the rate limits: the measuring client comes from 127.0.0.1, the floods from this
# host's first non-loopback address (so they are limited like any remote client).
#
# usage: tests/bench/front_door/run.sh [seconds per phase, default 15]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
seconds=${1:-15}
state=${WAKA_QUICKSTART_STATE:-/tmp/waka-bench-front-door}
export WAKA_QUICKSTART_STATE=$state WAKA_QUICKSTART_HTTP_PORT=0 WAKA_QUICKSTART_GATEWAY_PORT=0
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
flood_host=$(hostname -I | awk '{print $1}')
[ -n "$flood_host" ] && [ "${flood_host#127.}" = "$flood_host" ] ||
    { echo "no non-loopback address to flood from" >&2; exit 1; }

"$root/scripts/quickstart" reset >/dev/null
"$root/scripts/quickstart" >"$state.quickstart.log"
bin=$root/build/quickstart
ctl=$bin/ctl/wakactl
first_port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$state/coordinator.ready")
token=$(cat "$state/token")
export WAKA_TOKEN=$token
id=$(WAKA_URL=http://127.0.0.1:$first_port "$ctl" --json deploy --manifest manifest-001 \
    --instance instance-prod-01 --wait | sed -n 's/.*"id": *"\(deploy-[^"]*\)".*/\1/p' | head -1)
[ -n "$id" ] || { echo "no deployment id" >&2; exit 1; }

work=$(mktemp -d)
coordinator_pid=""
cleanup() {
    [ -n "$coordinator_pid" ] && kill "$coordinator_pid" 2>/dev/null && wait "$coordinator_pid" || true
    "$root/scripts/quickstart" stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
pg_port=$(cat "$state/pg/port")
WAKA_DATABASE_URL=postgresql://postgres@127.0.0.1:$pg_port/waka \
    "$bin/coordinator/waka-coordinator" --config "$state/coordinator.toml" \
    --http-address 0.0.0.0 --http-port 0 --http-allow-plain-http=true \
    --http-rate-limit-exempt-networks 127.0.0.1 --gateway-port 0 \
    --storage-dir "$work/storage" --ready-file "$work/ready" --scheduler-enabled=false \
    --log-level warn >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.2; done
port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$work/ready")
[ -n "$port" ] || { cat "$work/coordinator.log" >&2; exit 1; }

measure() {  # prints the p99 in ms of the authenticated GET
    wrk -t1 -c4 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/api/v1/deployments/$id" | tee "$work/$1.txt" |
        awk '$1 == "99%" {print $2}'
}
cat >"$work/upload.lua" <<'LUA'
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/gzip"
wrk.body = string.rep("x", 1048576)
LUA

idle=$(measure idle)
flood_for=$((seconds + 4))
base=http://$flood_host:$port
wrk -t1 -c100 -d"${flood_for}s" "$base/api/v1/deployments/$id" >"$work/flood-no-token.txt" &
f1=$!
wrk -t1 -c100 -d"${flood_for}s" -H "Authorization: Bearer waka_guessed" \
    "$base/api/v1/deployments/$id" >"$work/flood-guess.txt" &
f2=$!
wrk -t1 -c50 -d"${flood_for}s" -s "$work/upload.lua" \
    "$base/api/v1/artifacts/suite/commerce/9.9.9" >"$work/flood-upload.txt" &
f3=$!
# Measure once the floods are being refused (their first 429s show in /metrics), not before.
limited() {
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" |
        awk '/^waka_http_rate_limited_total\{limit="requests"\}/ {n = $2} END {exit !(n > 0)}'
}
for _ in $(seq 100); do limited && break; sleep 0.1; done
limited || { echo "the floods never reached the rate limit" >&2; exit 1; }
flooded=$(measure flooded)
wait "$f1" "$f2" "$f3"

echo "authenticated GET /api/v1/deployments/{id}, 4 connections, ${seconds}s each:"
echo "  p99 idle:    $idle"
echo "  p99 flooded: $flooded"
for f in no-token guess upload; do
    printf '  flood %-9s %s\n' "$f:" "$(awk '/Requests\/sec/ {print $2 " req/s"}' "$work/flood-$f.txt")"
done
echo "  measured throughput idle/flooded: $(awk '/Requests\/sec/ {print $2}' "$work/idle.txt") / $(awk '/Requests\/sec/ {print $2}' "$work/flooded.txt") req/s"
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" |
    grep -E '^waka_http_(rate_limited|auth_failures)_total' | sed 's/^/  /'
