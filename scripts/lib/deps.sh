# Sourced by scripts/test and scripts/quickstart: installs the Debian packages the build, the tests
# and the quickstart need, and only when one is missing (so a ready machine runs no apt at all).

WAKA_PACKAGES=(
    g++ cmake ninja-build pkg-config ccache git
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
    libpqxx-dev libpq-dev libprotobuf-dev protobuf-compiler libarchive-dev libtomlplusplus-dev
    libcli11-dev libspdlog-dev libfmt-dev libhowardhinnant-date-dev libsystemd-dev libssl-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    postgresql-15 openssl curl ca-certificates tzdata
)

# scripts/package needs these besides the build's packages.
WAKA_PACKAGE_PACKAGES=(
    dpkg-dev
)

# Only scripts/test needs these: the packaging test (lintian, dpkg-dev, systemd-analyze) and the
# /docs page rendered by a headless browser (chromium).
WAKA_TEST_PACKAGES=(
    lintian dpkg-dev systemd init-system-helpers chromium
)

# Prints the packages not installed among those given.
waka_missing_packages() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$pkg"
        fi
    done
}

# waka_ensure_packages [test|package]: the build's packages, plus the test-only or the
# packaging-only ones.
waka_ensure_packages() {
    local wanted=("${WAKA_PACKAGES[@]}")
    case "${1:-}" in
        test) wanted+=("${WAKA_TEST_PACKAGES[@]}") ;;
        package) wanted+=("${WAKA_PACKAGE_PACKAGES[@]}") ;;
    esac
    local missing
    missing=$(waka_missing_packages "${wanted[@]}")
    if [ -z "$missing" ]; then
        return 0
    fi
    echo "installing missing packages: $(echo $missing | tr '\n' ' ')" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    # shellcheck disable=SC2086
    $sudo apt-get update -qq >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}
