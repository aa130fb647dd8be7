# Sourced by scripts/test and scripts/quickstart: installs the Debian packages the build, the tests
# and the quickstart need, and only when one is missing (so a ready machine runs no apt at all).

WAKA_PACKAGES=(
    g++ cmake ninja-build pkg-config ccache git
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
    libpqxx-dev libpq-dev libprotobuf-dev protobuf-compiler libarchive-dev libtomlplusplus-dev
    libcli11-dev libspdlog-dev libfmt-dev libhowardhinnant-date-dev libsystemd-dev libssl-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    postgresql-15 openssl curl ca-certificates tzdata
    lintian dpkg-dev systemd init-system-helpers
)

waka_missing_packages() {
    local pkg
    for pkg in "${WAKA_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$pkg"
        fi
    done
}

waka_ensure_packages() {
    local missing
    missing=$(waka_missing_packages)
    if [ -z "$missing" ]; then
        return 0
    fi
    echo "installing missing packages: $(echo $missing | tr '\n' ' ')" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    # shellcheck disable=SC2086
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}
