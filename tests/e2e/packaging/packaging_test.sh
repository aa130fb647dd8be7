#!/usr/bin/env bash
# Packaging end to end: builds the packages twice (two versions) from an existing build, checks
# their contents and lintian, then installs, upgrades, removes and purges them in a throwaway dpkg
# root (dpkg --root with chrootless maintainer scripts, which honour DPKG_ROOT).
#   packaging_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d /tmp/waka-packaging-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "--- $*"; }

# expect_mode PATH MODE [OWNER]
expect_mode() {
    [ -e "$1" ] || fail "$1 is missing"
    local mode
    mode=$(stat -c %a "$1")
    [ "$mode" = "$2" ] || fail "$1 has mode $mode, expected $2"
    if [ $# -ge 3 ]; then
        local owner
        owner=$(stat -c %u:%g "$1")
        [ "$owner" = "$3" ] || fail "$1 is owned by $owner, expected $3"
    fi
}

proj=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
v1=$proj
v2=$proj+upgrade1
step "build packages $v1 and $v2 from $build"
"$src/scripts/package" --build-dir "$build" --no-build --out "$work/old" --version "$v1" \
    >"$work/old.list" 2>"$work/package.log" || { cat "$work/package.log" >&2; fail "scripts/package"; }
"$src/scripts/package" --build-dir "$build" --no-build --out "$work/new" --version "$v2" \
    >"$work/new.list" 2>>"$work/package.log" || { cat "$work/package.log" >&2; fail "scripts/package"; }
mapfile -t old <"$work/old.list"
mapfile -t new <"$work/new.list"
names=$(for deb in "${old[@]}"; do dpkg-deb -f "$deb" Package; done | sort | tr '\n' ' ')
[ "$names" = "waka-agent waka-coordinator wakactl " ] || fail "expected 3 packages, got: $names"
ls -l "$work/old"

step "contents, modes and control fields"
for deb in "${old[@]}"; do
    name=$(dpkg-deb -f "$deb" Package)
    listing=$(dpkg-deb -c "$deb")
    grep -Eq "^-rwxr-xr-x root/root .* \./usr/bin/" <<<"$listing" || fail "$name: no 0755 binary"
    grep -q "\./usr/share/doc/$name/copyright" <<<"$listing" || fail "$name: no copyright"
    depends=$(dpkg-deb -f "$deb" Depends)
    grep -q "libc6 (>=" <<<"$depends" || fail "$name: Depends lacks libc6 from dpkg-shlibdeps: $depends"
    case "$name" in
        waka-agent | waka-coordinator)
            grep -Eq "^-rw-r--r-- root/root .* \./lib/systemd/system/$name.service$" <<<"$listing" ||
                fail "$name: no unit"
            dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles >"$work/conffiles"
            grep -qx "/etc/waka/${name#waka-}.toml" "$work/conffiles" ||
                fail "$name: conffiles: $(cat "$work/conffiles")"
            grep -q "libsystemd0" <<<"$depends" || fail "$name: Depends lacks libsystemd0: $depends"
            ;;
        wakactl)
            # A plain client: the binary, its bash completion and docs; no unit, config or scripts.
            files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $1, $6}' | sort -k2)
            expected="-rwxr-xr-x ./usr/bin/wakactl
-rw-r--r-- ./usr/share/bash-completion/completions/wakactl
-rw-r--r-- ./usr/share/doc/wakactl/changelog.gz
-rw-r--r-- ./usr/share/doc/wakactl/copyright
-rw-r--r-- ./usr/share/doc/wakactl/wakactl.md.gz"
            [ "$files" = "$expected" ] || fail "wakactl file list:
$files"
            controls=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | sort | tr '\n' ' ')
            [ "$controls" = "./ ./control ./md5sums " ] || fail "wakactl control files: $controls"
            grep -q "libsystemd0" <<<"$depends" && fail "wakactl: Depends names libsystemd0: $depends"
            ;;
    esac
    echo "$name: $(stat -c %s "$deb") bytes; Depends: $depends"
done

if command -v lintian >/dev/null; then
    step "lintian (errors fail the test)"
    lintian --tag-display-limit 0 "${old[@]}" >"$work/lintian.txt" 2>&1 || true
    cat "$work/lintian.txt"
    if grep -q '^E:' "$work/lintian.txt"; then
        fail "lintian reported errors"
    fi
else
    fail "lintian is not installed (scripts/lib/deps.sh lists it)"
fi

root=$work/root
admin=$root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates" "$admin/triggers"
touch "$admin/status" "$admin/available"
# The root holds only our packages: libraries come from the host, hence --force-depends.
dpkg_root() {
    dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null "$@" \
        >>"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg $*"; }
}
installed_version() {
    dpkg-query --admindir="$admin" -W -f='${Version} ${Status}' "$1" 2>/dev/null || true
}

step "install $v1 into a throwaway root"
dpkg_root --install "${old[@]}"
[ "$(installed_version waka-agent)" = "$v1 install ok installed" ] || fail "agent not installed"
[ "$(installed_version waka-coordinator)" = "$v1 install ok installed" ] ||
    fail "coordinator not installed"
[ "$(installed_version wakactl)" = "$v1 install ok installed" ] || fail "wakactl not installed"
uid=$(awk -F: '$1 == "waka-coordinator" {print $3 ":" $4}' "$root/etc/passwd")
[ -n "$uid" ] || fail "no waka-coordinator user in the root's /etc/passwd"
grep -q '^waka-coordinator:.*:/usr/sbin/nologin$' "$root/etc/passwd" || fail "user has a shell"
expect_mode "$root/var/lib/waka-coordinator" 750 "$uid"
expect_mode "$root/var/lib/waka-agent" 700 0:0
expect_mode "$root/etc/waka/agent.toml" 644 0:0
expect_mode "$root/etc/waka/coordinator.toml" 644 0:0
expect_mode "$root/etc/waka/audit.key" 640 "0:${uid#*:}"
[ "$(tr -d '\n' <"$root/etc/waka/audit.key" | wc -c)" = 64 ] || fail "audit.key is not 32 bytes of hex"
expect_mode "$root/usr/bin/waka-agent" 755 0:0
expect_mode "$root/usr/bin/wakactl" 755 0:0
expect_mode "$root/usr/share/bash-completion/completions/wakactl" 644 0:0
for unit in waka-agent waka-coordinator; do
    link=$root/etc/systemd/system/multi-user.target.wants/$unit.service
    [ -L "$link" ] || fail "$unit.service is not enabled (no $link)"
done

step "installed binaries run"
"$root/usr/bin/waka-agent" --version | grep -qF "$proj" || fail "waka-agent --version"
"$root/usr/bin/waka-coordinator" --version | grep -qF "$proj" || fail "waka-coordinator --version"
[ "$("$root/usr/bin/waka-agent" --version)" = "waka-agent $proj" ] || fail "waka-agent --version format"
[ "$("$root/usr/bin/wakactl" --version)" = "wakactl $proj" ] ||
    fail "wakactl --version: $("$root/usr/bin/wakactl" --version 2>&1)"
# The installed completion loads in bash and completes the subcommands of the installed binary.
completion=$(bash -c '. "$1" && complete -p wakactl && COMP_WORDS=(wakactl dep) COMP_CWORD=1 &&
    _wakactl && echo "${COMPREPLY[*]}"' _ "$root/usr/share/bash-completion/completions/wakactl") ||
    fail "the installed bash completion does not load"
grep -q "^complete -o default -F _wakactl wakactl$" <<<"$completion" || fail "completion: $completion"
grep -qx "deploy deployments" <<<"$completion" || fail "completion of 'dep': $completion"
# The packaged default configuration parses (all commented): the agent then names what is missing.
status=0
"$root/usr/bin/waka-agent" --config "$root/etc/waka/agent.toml" >"$work/agent.out" 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "instance_id is required" "$work/agent.out" ||
    fail "agent with the default config: status $status, $(cat "$work/agent.out")"
status=0
"$root/usr/bin/waka-coordinator" --config "$root/etc/waka/coordinator.toml" >"$work/coord.out" 2>&1 ||
    status=$?
[ "$status" = 2 ] || fail "coordinator with the default config: status $status, $(cat "$work/coord.out")"

step "systemd-analyze verify on the installed units"
mkdir -p "$work/units"
for unit in waka-agent waka-coordinator; do
    # ExecStart= must name an existing executable and `verify --root` needs a whole systemd tree:
    # verify the installed unit with ExecStart pointing at the binary inside the throwaway root.
    sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$root/lib/systemd/system/$unit.service" \
        >"$work/units/$unit.service"
    systemd-analyze verify "$work/units/$unit.service" >"$work/verify.txt" 2>&1 ||
        { cat "$work/verify.txt" >&2; fail "systemd-analyze verify $unit"; }
    if [ -s "$work/verify.txt" ]; then
        cat "$work/verify.txt" >&2
        fail "systemd-analyze verify $unit printed warnings"
    fi
    systemd-analyze security --offline=true "$work/units/$unit.service" 2>/dev/null | tail -1
done

step "coordinator from its package configuration; agent enrolled with waka-agent enroll connects"
[ -n "${WAKA_TEST_PG_URL:-}" ] || fail "WAKA_TEST_PG_URL is not set (scripts/test starts PostgreSQL)"
db=waka_packaging_$$
psql -q "$WAKA_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null || fail "create database"
# shellcheck source=scripts/lib/certs.sh
. "$src/scripts/lib/certs.sh"
waka_pki_ensure "$work/pki" localhost 127.0.0.1 >/dev/null 2>&1 || fail "test PKI"
install -m 0644 "$work/pki/ca.pem" "$root/etc/waka/ca.pem"
admin_token=packaging-test-admin-token-0123456789
# The secrets as the unit delivers them (LoadCredential=): files in the service's credentials
# directory, named by the unit's Environment= lines with %d replaced as systemd does; for a file
# the administrator left out, SetCredential= delivers a lone newline.
unit_environment() {
    sed -n 's/^Environment=//p' "$root/lib/systemd/system/$1.service" | sed "s|%d|$2|g"
}
coordinator_credentials=$work/credentials/waka-coordinator.service
agent_credentials=$work/credentials/waka-agent.service
install -d -m 0700 "$coordinator_credentials" "$agent_credentials"
printf '%s\n' "${WAKA_TEST_PG_URL%/*}/$db" >"$coordinator_credentials/database-url"
printf '%s\n' "$admin_token" >"$coordinator_credentials/bootstrap-token"
printf '\n' >"$agent_credentials/enrollment-token"
waka_agent_ca_ensure "$work/pki"
install -m 0600 "$work/pki/agent-ca.key" "$coordinator_credentials/agent-ca-key"
unit_environment waka-coordinator "$coordinator_credentials" >"$work/coordinator.unit-env"
grep -qx "WAKA_DATABASE_URL_FILE=$coordinator_credentials/database-url" "$work/coordinator.unit-env" ||
    fail "the coordinator unit does not deliver database.url as a credential"
unit_environment waka-agent "$agent_credentials" >"$work/agent.unit-env"
# What an operator puts in /etc/waka/coordinator.env (0600); ports 0 and the state dir of the root
# keep the test hermetic.
install -m 0600 /dev/null "$root/etc/waka/coordinator.env"
cat >"$root/etc/waka/coordinator.env" <<ENV
WAKA_GATEWAY_CERT_FILE=$work/pki/server.pem
WAKA_GATEWAY_KEY_FILE=$work/pki/server.key
WAKA_GATEWAY_AGENT_CA_CERT_FILE=$work/pki/agent-ca.pem
WAKA_HTTP_PORT=0
WAKA_GATEWAY_PORT=0
WAKA_STORAGE_DIR=$root/var/lib/waka-coordinator
WAKA_READY_FILE=$work/ready.json
WAKA_AUDIT_KEY_FILE=$root/etc/waka/audit.key
ENV
pids=()
stop_daemons() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
trap 'stop_daemons; psql -q "$WAKA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"' EXIT
(set -a && . "$work/coordinator.unit-env" && . "$root/etc/waka/coordinator.env" && set +a &&
    exec "$root/usr/bin/waka-coordinator" --config "$root/etc/waka/coordinator.toml") \
    >"$work/coordinator.log" 2>&1 &
pids+=($!)
# wait_for SECONDS COMMAND...: polls a condition with a deadline (the daemons signal nothing else).
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
wait_for 30 test -s "$work/ready.json" || { cat "$work/coordinator.log" >&2; fail "coordinator not ready"; }
http_port=$(sed 's/.*"http_port":\([0-9]*\).*/\1/' "$work/ready.json")
gateway_port=$(sed 's/.*"gateway_port":\([0-9]*\).*/\1/' "$work/ready.json")
api=http://127.0.0.1:$http_port/api/v1
curl -sf -X POST "$api/instances" -H "Authorization: Bearer $admin_token" \
    -H "Content-Type: application/json" -d '{"id": "instance-prod-01"}' >"$work/instance.json" ||
    fail "register instance"
sed -n 's/.*"enrollment_token" *: *"\([^"]*\)".*/\1/p' "$work/instance.json" >"$work/token"
[ -s "$work/token" ] || fail "no enrollment token in $(cat "$work/instance.json")"

"$root/usr/bin/waka-agent" enroll --url "wss://localhost:$gateway_port" --instance instance-prod-01 \
    --ca "$root/etc/waka/ca.pem" --token-file - --config "$root/etc/waka/agent.toml" \
    --state-dir "$root/var/lib/waka-agent" <"$work/token" >"$work/enroll.out" || fail "enroll"
grep -qF "$(cat "$work/token")" "$work/enroll.out" && fail "enroll printed the token"
expect_mode "$root/etc/waka/agent.toml" 644 0:0
expect_mode "$root/var/lib/waka-agent/enrollment-token" 600 0:0
[ "$(cat "$work/token")" = "$(cat "$root/var/lib/waka-agent/enrollment-token")" ] || fail "stored token differs"
grep -qx 'instance_id = "instance-prod-01"' "$root/etc/waka/agent.toml" || fail "instance_id"
grep -qx "coordinator_url = \"wss://localhost:$gateway_port/agent/v1/connect\"" \
    "$root/etc/waka/agent.toml" || fail "coordinator_url: $(cat "$root/etc/waka/agent.toml")"
grep -qF "$(cat "$work/token")" "$root/etc/waka/agent.toml" && fail "the token leaked into agent.toml"
status=0
WAKA_ENROLLMENT_TOKEN=t "$root/usr/bin/waka-agent" enroll --url https://x --instance i \
    --ca "$root/etc/waka/ca.pem" >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "enroll accepted an https:// URL (status $status)"
status=0
"$root/usr/bin/waka-agent" enroll --url wss://c:8443 --instance i --ca "$root/etc/waka/ca.pem" \
    --token t >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "enroll took a token from its command line (status $status)"

(set -a && . "$work/agent.unit-env" && set +a &&
    exec "$root/usr/bin/waka-agent" --config "$root/etc/waka/agent.toml") >"$work/agent.log" 2>&1 &
pids+=($!)
connected() {
    curl -sf -H "Authorization: Bearer $admin_token" "$api/instances/instance-prod-01" |
        grep -q '"connected" *: *true'
}
wait_for 30 connected || { cat "$work/agent.log" "$work/coordinator.log" >&2; fail "agent never connected"; }
wait_for 10 test ! -e "$root/var/lib/waka-agent/enrollment-token" || fail "token file not deleted"
expect_mode "$root/var/lib/waka-agent/credential" 600 0:0
stop_daemons
grep -q "waka-agent stopped" "$work/agent.log" || fail "agent did not stop cleanly on SIGTERM"
status=0
WAKA_ENROLLMENT_TOKEN=t2 "$root/usr/bin/waka-agent" enroll --url wss://c:8443 --instance i1 \
    --ca "$root/etc/waka/ca.pem" --config "$work/other.toml" --state-dir "$root/var/lib/waka-agent" \
    >/dev/null 2>&1 || status=$?
[ "$status" = 1 ] || fail "enroll replaced a stored credential without --force (status $status)"

step "upgrade to $v2 keeps configuration and state"
echo "# edited by the operator" >>"$root/etc/waka/coordinator.toml"
audit_key=$(cat "$root/etc/waka/audit.key")
mkdir -p "$root/var/lib/waka-coordinator/artifacts"
echo data >"$root/var/lib/waka-coordinator/artifacts/blob"
dpkg_root --install "${new[@]}"
[ "$(installed_version waka-agent)" = "$v2 install ok installed" ] || fail "agent not upgraded"
[ "$(installed_version wakactl)" = "$v2 install ok installed" ] || fail "wakactl not upgraded"
grep -q "edited by the operator" "$root/etc/waka/coordinator.toml" || fail "upgrade lost config"
grep -qx 'instance_id = "instance-prod-01"' "$root/etc/waka/agent.toml" ||
    fail "upgrade lost the enrolled agent.toml"
[ -f "$root/var/lib/waka-coordinator/artifacts/blob" ] || fail "upgrade lost coordinator state"
[ -f "$root/var/lib/waka-agent/credential" ] || fail "upgrade lost the agent credential"
[ "$(cat "$root/etc/waka/audit.key")" = "$audit_key" ] || fail "upgrade replaced the audit key"

step "remove keeps configuration and state"
dpkg_root --remove waka-agent waka-coordinator wakactl
[ ! -e "$root/usr/bin/wakactl" ] || fail "remove left wakactl"
[ ! -e "$root/usr/share/bash-completion/completions/wakactl" ] || fail "remove left the completion"
[ ! -e "$root/usr/bin/waka-agent" ] || fail "remove left the binary"
[ ! -e "$root/lib/systemd/system/waka-coordinator.service" ] || fail "remove left the unit"
[ -f "$root/etc/waka/agent.toml" ] || fail "remove deleted agent.toml"
[ -f "$root/var/lib/waka-agent/credential" ] || fail "remove deleted the agent state"
[ -f "$root/var/lib/waka-coordinator/artifacts/blob" ] || fail "remove deleted coordinator state"

step "purge deletes configuration and state"
dpkg_root --purge waka-agent waka-coordinator wakactl
for gone in etc/waka/agent.toml etc/waka/coordinator.toml var/lib/waka-agent \
    var/lib/waka-coordinator etc/systemd/system/multi-user.target.wants/waka-agent.service; do
    [ ! -e "$root/$gone" ] && [ ! -L "$root/$gone" ] || fail "purge left /$gone"
done
[ "$(cat "$root/etc/waka/audit.key")" = "$audit_key" ] ||
    fail "purge deleted the audit key (the database's chain needs it)"
for package in waka-agent wakactl; do
    [ -z "$(installed_version $package)" ] || [[ "$(installed_version $package)" == *not-installed* ]] ||
        fail "$package still known to dpkg: $(installed_version $package)"
done
echo "packaging test passed"
