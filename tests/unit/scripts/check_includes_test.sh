#!/usr/bin/env bash
# scripts/check-includes passes on the tree as it is and fails, naming the file and the rule, on a
# copy of it with one bad include planted per rule below.
# Usage: check_includes_test.sh REPO_ROOT
set -uo pipefail
repo=$1
work=$(mktemp -d /tmp/waka-check-includes.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $1" >&2
    failures=$((failures + 1))
}

if ! out=$("$repo/scripts/check-includes" "$repo" 2>&1); then
    fail "the repository itself breaks the rules: $out"
fi

# plant FILE INCLUDE EXPECTED: copies the tree, adds the include to FILE, expects a refusal that
# names FILE and contains EXPECTED.
plant() {
    local file=$1 include=$2 expected=$3
    rm -rf "$work/tree" && mkdir -p "$work/tree"
    cp -r "$repo/coordinator" "$repo/agent" "$repo/shared" "$repo/ctl" "$work/tree/"
    [ -f "$work/tree/$file" ] || { fail "no $file to plant into"; return; }
    printf '#include %s\n' "$include" >>"$work/tree/$file"
    if out=$("$repo/scripts/check-includes" "$work/tree" 2>&1); then
        fail "$include in $file was not refused"
    elif [[ $out != *"$file:"*"$expected"* ]]; then
        fail "$include in $file refused without naming it and the rule: $out"
    fi
}

plant coordinator/deploy/dispatcher.cpp '"coordinator/pg/deployment_repository.hpp"' \
    "must not include coordinator/pg/deployment_repository.hpp"
plant coordinator/deploy/dispatcher.cpp '"coordinator/gateway/gateway_server.hpp"' \
    "use cases reach storage and agents through ports only"
plant coordinator/api/deployments.cpp '<pqxx/pqxx>' "libpqxx is included only in"
plant coordinator/domain/planner.cpp '<boost/asio/awaitable.hpp>' "plain types and pure rules"
plant coordinator/gateway/wire.cpp '"coordinator/deploy/dispatcher.hpp"' "knows ports, not use cases"
plant agent/install/bundle.cpp '"agent/link/link.hpp"' "install and link never include each other"
plant shared/core/log.cpp '"agent/daemon/agent.hpp"' "shared includes no daemon"
plant coordinator/api/system.cpp '<boost/beast/http.hpp>' "Beast is included only in"

if [ "$failures" -gt 0 ]; then
    exit 1
fi
echo "check-includes: passes on the tree, refuses every planted include"
