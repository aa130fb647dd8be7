#!/usr/bin/env bash
# Fleet scale over the wire (issue 15; docs/benchmarks.md "Fleet scale"): waka-swarm's N simulated
# agents against one coordinator over real TLS WebSockets, every figure in one run:
#   connect      N agents enrol and connect (seconds, failed attempts)
#   idle RSS     coordinator memory per idle connection ((RSS with N idle - RSS before) / N)
#   fan-out      a rollout of manifest-001 to all N (one phase, no cap), and then a critical patch
#                (enforcement with a 100 % strategy): ms from the API call to the last instruction
#                arriving at an agent, and until the rollout has succeeded
#   storms       STORMS reconnect storms (every session closed, back within the jitter): seconds
#                until all are back, failed attempts, coordinator RSS after each
# Not part of scripts/test (a smoke run of it is, tests/e2e/swarm). Writes one JSON line per figure;
# the coordinator's and the swarm's logs stay in $WAKA_QUICKSTART_STATE.logs/.
#
# It runs the quickstart (private PostgreSQL, the demo catalog, an admin token), stops the
# quickstart's own coordinator and agent, and starts a coordinator of its own on that database:
# agents by credential only (no client certificates: the swarm does not make one per agent), no
# per-address connection cap or handshake rate (the swarm is 250 addresses at most).
#
# usage: tests/bench/swarm/run.sh [agents, default 1000] [storms, default 3] [storm jitter ms, 5000]
#   WAKA_SWARM_BIN  the built waka-swarm (default build/test/tests/bench/swarm/waka-swarm)
#   WAKA_SWARM_STOP_AFTER=idle  stop after the idle figure (for profiling the idle state)
#   WAKA_SWARM_COORDINATOR_ENV  NAME=value words for the coordinator's environment, e.g. heaptrack's
#       LD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so DUMP_HEAPTRACK_OUTPUT=/tmp/idle.raw
#       (then: /usr/lib/heaptrack/libexec/heaptrack_interpret </tmp/idle.raw | gzip >/tmp/idle.gz;
#       heaptrack_print -f /tmp/idle.gz)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
agents=${1:-1000}
storms=${2:-3}
jitter_ms=${3:-5000}
swarm=${WAKA_SWARM_BIN:-$root/build/test/tests/bench/swarm/waka-swarm}
[ -x "$swarm" ] || { echo "build waka-swarm first: cmake --build build/test --target waka-swarm" >&2; exit 1; }
state=${WAKA_QUICKSTART_STATE:-/tmp/waka-bench-swarm}
export WAKA_QUICKSTART_STATE=$state WAKA_QUICKSTART_HTTP_PORT=0 WAKA_QUICKSTART_GATEWAY_PORT=0
# One fd per agent on both sides, and a few more.
[ "$(ulimit -n)" -ge $((agents + 200)) ] || ulimit -n $((agents + 200)) 2>/dev/null ||
    { echo "open files limit $(ulimit -n) is below $((agents + 200)) (hard: $(ulimit -Hn))" >&2; exit 1; }

"$root/scripts/quickstart" reset >/dev/null
"$root/scripts/quickstart" >"$state.quickstart.log"
bin=$root/build/quickstart
work=$(mktemp -d)
coordinator_pid="" swarm_pid=""
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
cleanup() {
    stop_pid "$swarm_pid"
    stop_pid "$coordinator_pid"
    "$root/scripts/quickstart" stop >/dev/null 2>&1 || true
    # The logs outlive the run (for the bottleneck behind a figure); credentials do not.
    mkdir -p "$state.logs"
    cp "$work"/*.log "$work"/swarm.* "$state.logs/" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# The quickstart's coordinator and agent go (by their pid files); its PostgreSQL stays.
for daemon in agent coordinator; do
    pid=$(cat "$state/pids/$daemon.pid")
    kill "$pid"
    while [ -e "/proc/$pid" ]; do sleep 0.1; done
done

cat >"$work/coordinator.toml" <<TOML
log_level = "warn"
ready_file = "$work/ready"
[http]
address = "127.0.0.1"
port = 0
[gateway]
address = "127.0.0.1"
port = 0
cert_file = "$state/pki/server.pem"
key_file = "$state/pki/server.key"
max_connections_per_address = 0
handshakes_per_second_per_address = 0
[storage]
dir = "$state/coordinator"
[audit]
key_file = "$state/audit.key"
[release]
keys_dir = "$state/release-keys"
[scheduler]
auto_update = false
[patches]
rollout_strategy = '{"phases":[{"name":"all","percent":100}],"max_concurrency":"100%","max_failures":"100%"}'
TOML
# shellcheck disable=SC2086 # WAKA_SWARM_COORDINATOR_ENV is a list of NAME=value words
env WAKA_DATABASE_URL=postgresql://postgres@127.0.0.1:$(cat "$state/pg/port")/waka \
    ${WAKA_SWARM_COORDINATOR_ENV:-} "$bin/coordinator/waka-coordinator" --config "$work/coordinator.toml" \
    >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
for _ in $(seq 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
http_port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$work/ready")
gateway_port=$(sed -n 's/.*"gateway_port":\([0-9]*\).*/\1/p' "$work/ready")
[ -n "$http_port" ] && [ -n "$gateway_port" ] || { cat "$work/coordinator.log" >&2; exit 1; }
api=http://127.0.0.1:$http_port
token=$(cat "$state/token")

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$coordinator_pid/status"; }
now_ms() { date +%s%3N; }
# api_call METHOD PATH [BODY]: the body of the answer on stdout (token from a pipe, not argv).
api_call() {
    curl -sS --max-time 120 -X "$1" -H @<(printf 'Authorization: Bearer %s\n' "$token") \
        -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$api$2"
}
field() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
# wait_event NAME N [SECONDS]: the Nth swarm event NAME (a JSON line), waiting at most SECONDS.
wait_event() {
    local line deadline=$((SECONDS + ${3:-600}))
    while [ "$SECONDS" -lt "$deadline" ]; do
        line=$(grep "\"event\":\"$1\"" "$work/swarm.jsonl" | sed -n "${2}p")
        [ -n "$line" ] && { echo "$line"; return 0; }
        kill -0 "$swarm_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "no $1 event $2 from waka-swarm" >&2
    tail -n 20 "$work/swarm.err" >&2
    return 1
}
# wait_rollout ID: until the rollout has finished; prints its state.
wait_rollout() {
    local state deadline=$((SECONDS + 600))
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=$(api_call GET "/api/v1/rollouts/$1?member_limit=0" | field state)
        case $state in succeeded | aborted | reverted | paused) echo "$state"; return 0 ;; esac
        sleep 0.2
    done
    echo "rollout $1 did not finish" >&2
    return 1
}
emit() { echo "{\"figure\":\"$1\",\"agents\":$agents,$2}"; }

"$swarm" provision --api "$api" --token-file "$state/token" --count "$agents" \
    --out "$work/credentials" >"$work/provision.json"
emit provision "\"seconds\":$(field seconds <"$work/provision.json")"

rss_before=$(rss_kib)
sources=$(( (agents + 999) / 1000 + 1 ))
"$swarm" run --url "wss://127.0.0.1:$gateway_port/agent/v1/connect" --ca-file "$state/pki/ca.pem" \
    --credentials "$work/credentials" --sources "$sources" --connect-jitter-ms 2000 \
    --storm-jitter-ms "$jitter_ms" --latency-ms 50 --max-seconds 3000 \
    >"$work/swarm.jsonl" 2>"$work/swarm.err" &
swarm_pid=$!
connected=$(wait_event connected 1)
emit connect "\"seconds\":$(field seconds <<<"$connected"),\"failed_attempts\":$(field failed_attempts <<<"$connected")"
# Idle: every agent has sent its inventory and a heartbeat or two.
sleep 20
rss_idle=$(rss_kib)
emit idle_rss "\"rss_before_kib\":$rss_before,\"rss_idle_kib\":$rss_idle,\"kib_per_connection\":$(( (rss_idle - rss_before) / agents ))"
[ "${WAKA_SWARM_STOP_AFTER:-}" = idle ] && exit 0

# fan_out NAME WAVE START_MS ROLLOUT_ID: the figure of one fleet change.
fan_out() {
    local wave last finished_state
    wave=$(wait_event instructions "$2")
    last=$(field last_unix_ms <<<"$wave")
    finished_state=$(wait_rollout "$4")
    emit "$1" "\"instructions\":$(field count <<<"$wave"),\"to_last_instruction_ms\":$((last - $3)),\"to_finished_ms\":$(($(now_ms) - $3)),\"state\":\"$finished_state\""
}
start=$(now_ms)
rollout=$(api_call POST /api/v1/rollouts \
    '{"manifest_id":"manifest-001","selector":"env=swarm","reason":"swarm fan-out","strategy":{"phases":[{"name":"all","percent":100}]}}' |
    field id)
fan_out rollout_fanout 1 "$start" "$rollout"
start=$(now_ms)
api_call POST /api/v1/security/patches '{"patch_id":"patch-swarm","component_type":"platform","component_name":"webwaka-platform","affected_versions":"<2.1.0","patched_version":"2.1.0","severity":"critical","description":"swarm fan-out"}' >/dev/null
for _ in $(seq 100); do
    patch_rollout=$(api_call GET "/api/v1/rollouts?limit=1" | field id)
    [ "$patch_rollout" != "$rollout" ] && break
    sleep 0.1
done
fan_out patch_fanout 2 "$start" "$patch_rollout"
emit fanout_rss "\"rss_after_kib\":$(rss_kib)"

for storm in $(seq "$storms"); do
    kill -USR1 "$swarm_pid"
    event=$(wait_event storm "$storm")
    sleep 5
    emit storm "\"storm\":$storm,\"jitter_ms\":$jitter_ms,\"seconds\":$(field seconds <<<"$event"),\"failed_attempts\":$(field failed_attempts <<<"$event"),\"rss_after_kib\":$(rss_kib)"
done
kill "$swarm_pid"
wait "$swarm_pid" || true
swarm_pid=""
emit swarm_totals "\"totals\":$(grep '"event":"stopped"' "$work/swarm.jsonl")"
