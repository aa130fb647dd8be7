#!/usr/bin/env bash
# Phase fan-out (issue 14, "Done when"): seconds from the start of a fleet change until an
# instruction is handed to every member's agent channel, for a rollout phase and, side by side,
# for the enforcement of a critical patch over the same fleet (a patch rollout, ADR 0038). One
# JSON line per run. Not part of scripts/test; results and the command go to docs/benchmarks.md.
#
# It starts a private PostgreSQL (scripts/lib/pg.sh) and runs the built fanout_bench against it,
# each run on a fresh database.
#
# usage: tests/bench/fanout/run.sh [build dir, default build/test] [sizes, default "1000 10000"]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build/test}
sizes=${2:-1000 10000}
bench=$build/tests/bench/fanout/fanout_bench
[ -x "$bench" ] || { echo "build fanout_bench first: cmake --build $build --target fanout_bench" >&2; exit 1; }
# shellcheck source=/dev/null
. "$root/scripts/lib/deps.sh"
# shellcheck source=/dev/null
. "$root/scripts/lib/pg.sh"
pg=$(mktemp -d)
export WAKA_PG_DIR=$pg
waka_pg_start "$pg"
trap 'waka_pg_stop "$pg"; rm -rf "$pg"' EXIT
export WAKA_TEST_PG_URL=$WAKA_PG_ADMIN_URL
for n in $sizes; do
    "$bench" rollout "$n"
    "$bench" patch "$n"
done
