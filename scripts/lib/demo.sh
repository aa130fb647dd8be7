# shellcheck shell=bash
# Sourced by scripts/quickstart: a tiny HTTP client for the coordinator's API and the demo catalog
# (bundles built from examples/bundles, their releases, artifacts and manifests).
#
# Callers set, before using waka_api:
#   WAKA_API_URL    e.g. http://127.0.0.1:8000
#   WAKA_API_TOKEN  the admin token (sent in a header read from a pipe: never on a command line)
#   WAKA_API_OUT    a file that receives the body of the last answer

# waka_api METHOD PATH [curl arguments...]: prints the HTTP status code ("000" when the coordinator
# could not be reached) and leaves the answer's body in $WAKA_API_OUT.
waka_api() {
    local method=$1 path=$2
    shift 2
    local code
    : >"$WAKA_API_OUT"   # a failed call must not leave the previous answer behind
    # `-H @file` reads the header from a file: here a pipe fed by printf, a shell builtin, so the
    # token appears in no process's argv (ps shows those).
    code=$(curl -sS --max-time 120 -o "$WAKA_API_OUT" -w '%{http_code}' -X "$method" \
        -H @<(printf 'Authorization: Bearer %s\n' "$WAKA_API_TOKEN") "$@" \
        "$WAKA_API_URL$path" 2>"$WAKA_API_OUT.err") || true
    printf '%s\n' "${code:-000}"
}

# waka_json_string KEY FILE: the first string value of "KEY" in a JSON file. Enough for the flat
# answers the quickstart reads (tokens, ids, ports), without a dependency on jq.
waka_json_string() {
    sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1
}

# waka_json_number KEY FILE: the first number value of "KEY" in a JSON file.
waka_json_number() {
    sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1
}

# waka_json_true KEY FILE: succeeds when "KEY": true appears in a JSON file.
waka_json_true() {
    grep -Eq "\"$1\"[[:space:]]*:[[:space:]]*true" "$2"
}

# Fails with the answer's body when the last call's status is not one of the accepted ones.
# waka_api_expect WHAT STATUS ACCEPTED...
waka_api_expect() {
    local what=$1 status=$2 ok
    shift 2
    for ok in "$@"; do
        if [ "$status" = "$ok" ]; then
            return 0
        fi
    done
    echo "quickstart: $what failed: HTTP $status" >&2
    if [ -s "$WAKA_API_OUT" ]; then
        printf '  answer: %s\n' "$(head -c 2000 "$WAKA_API_OUT")" >&2
    fi
    if [ -s "$WAKA_API_OUT.err" ]; then
        printf '  %s\n' "$(cat "$WAKA_API_OUT.err")" >&2
    fi
    return 1
}

# The demo releases: "<type>-<name>/<version>" directories under examples/bundles.
waka_demo_releases() {
    local src=$1
    (cd "$src" && find . -mindepth 3 -maxdepth 3 -name bundle.json -printf '%h\n' | sed 's|^\./||' |
        sort)
}

# waka_demo_build_bundles SRC OUT: builds OUT/<type>-<name>-<version>.tar.gz for every release
# under SRC. A bundle holds the version directory (bundle.json, app/ ...) plus the shared demo hooks
# of SRC/hooks; a version's own hooks/ would override those. release.json stays out: it is catalog
# metadata (the body of POST /api/v1/versions), not part of what the agent installs.
# The archives are reproducible (sorted, fixed owner, mode and time, gzip -n): the same sources
# give the same SHA-256, so a second run uploads an identical artifact.
waka_demo_build_bundles() {
    local src=$1 out=$2 release stage
    local -a members
    mkdir -p "$out"
    stage=$(mktemp -d "$out/.stage.XXXXXX")
    for release in $(waka_demo_releases "$src"); do
        waka_demo_check_release "$src/$release" || { rm -rf "$stage"; return 1; }
        rm -rf "${stage:?}/bundle"
        mkdir -p "$stage/bundle/hooks"
        cp -p "$src/hooks/"* "$stage/bundle/hooks/"
        cp -pR "$src/$release/." "$stage/bundle/"
        rm -f "$stage/bundle/release.json"
        # Members named plainly (bundle.json, hooks/...), not "./bundle.json": bundle.json at the root.
        mapfile -t members < <(cd "$stage/bundle" && ls -A)
        tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
            --mode='u+rwX,go+rX,go-w' -C "$stage/bundle" -cf - "${members[@]}" |
            gzip -n -9 >"$out/${release//\//-}.tar.gz.tmp"
        mv "$out/${release//\//-}.tar.gz.tmp" "$out/${release//\//-}.tar.gz"
    done
    rm -rf "$stage"
}

# A release directory <type>-<name>/<version> must say the same in bundle.json and release.json:
# the agent refuses a bundle whose bundle.json does not match what it was asked to install.
waka_demo_check_release() {
    local dir=$1 file type name version
    version=$(basename "$dir")
    for file in bundle.json release.json; do
        type=$(waka_json_string component_type "$dir/$file")
        name=$(waka_json_string component_name "$dir/$file")
        if [ "$type-$name/$(waka_json_string version "$dir/$file")" != \
            "$(basename "$(dirname "$dir")")/$version" ]; then
            echo "quickstart: $dir/$file does not match its directory (type-name/version)" >&2
            return 1
        fi
    done
}

# waka_demo_load_catalog SRC BUNDLES WAKACTL KEY: registers every demo release (POST
# /api/v1/versions), signs its bundle with KEY (wakactl release sign) and uploads it with its
# statement (PUT /api/v1/artifacts/..., X-Waka-Release-Signature). What a previous run registered
# is kept (409).
waka_demo_load_catalog() {
    local src=$1 bundles=$2 ctl=$3 key=$4 release type name version status bundle
    for release in $(waka_demo_releases "$src"); do
        type=$(waka_json_string component_type "$src/$release/release.json")
        name=$(waka_json_string component_name "$src/$release/release.json")
        version=$(waka_json_string version "$src/$release/release.json")
        status=$(waka_api POST /api/v1/versions -H 'Content-Type: application/json' \
            --data-binary @"$src/$release/release.json")
        waka_api_expect "registering $type:$name $version" "$status" 201 409 || return 1
        bundle=$bundles/${release//\//-}.tar.gz
        "$ctl" release sign --key "$key" --type "$type" --name "$name" --version "$version" \
            -o "$bundle.sig" "$bundle" >/dev/null || return 1
        status=$(waka_api PUT "/api/v1/artifacts/$type/$name/$version" \
            -H 'Content-Type: application/gzip' \
            -H "X-Waka-Release-Signature: $(cat "$bundle.sig")" --data-binary @"$bundle")
        waka_api_expect "uploading the bundle of $type:$name $version" "$status" 200 201 409 ||
            return 1
        echo "  release $type:$name $version (artifact $(sha256sum \
            "$bundles/${release//\//-}.tar.gz" | cut -c1-12)…)"
    done
}

# The demo manifests. manifest-001 is what the runbook deploys; manifest-002 upgrades the platform
# to 2.1.0 so that an upgrade and the runbook's rollback to manifest-001 can be tried as well.
waka_demo_manifest() {
    local id=$1 platform=$2
    cat <<EOF
{
  "id": "$id",
  "platform_version": "$platform",
  "suites": {"commerce": "1.5.0"},
  "capabilities": {"reporting": "1.0.0"},
  "configuration": {"site_name": "WebWaka demo", "region": "lagos", "currency": "NGN"}
}
EOF
}

waka_demo_create_manifests() {
    local id platform status
    for id in manifest-001:2.0.0 manifest-002:2.1.0; do
        platform=${id#*:}
        id=${id%%:*}
        status=$(waka_api POST /api/v1/manifests -H 'Content-Type: application/json' \
            --data-binary @<(waka_demo_manifest "$id" "$platform"))
        waka_api_expect "creating $id" "$status" 201 409 || return 1
        echo "  manifest $id: platform $platform, suite commerce 1.5.0, capability reporting 1.0.0"
    done
}
