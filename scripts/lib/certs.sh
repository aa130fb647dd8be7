# shellcheck shell=bash
# Sourced helper: a private PKI for the agent gateway, made with the openssl CLI.
#
#   waka_pki_ensure DIR [DNS_NAME] [IP_ADDRESS]
#
# Writes into DIR (created 0700):
#   ca.pem      self-signed CA certificate, EC P-256 (basicConstraints CA:TRUE, keyCertSign)
#   ca.key      its private key (0600)
#   server.pem  gateway certificate signed by the CA, SAN = DNS:<name> and IP:<address>
#               (default localhost and 127.0.0.1), extendedKeyUsage serverAuth
#   server.key  its private key (0600)
# Existing files are kept while the server certificate still verifies against the CA and stays
# valid for at least one more day, so agents that already trust ca.pem keep working across restarts.
# Nothing here is meant for production: the CA key lives next to the certificates.

# Validity of the certificates in days (825 is the longest lifetime TLS clients accept for leaves).
WAKA_PKI_DAYS=${WAKA_PKI_DAYS:-825}

# waka_make_ca KEY PEM SUBJECT_CN: a self-signed EC P-256 CA (pathlen 0) valid WAKA_PKI_DAYS.
waka_make_ca() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
    openssl req -x509 -new -key "$1" -sha256 -days "$WAKA_PKI_DAYS" -subj "/CN=$3" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$2"
}

# True when DIR holds a CA and a server certificate that are usable for at least one more day.
waka_pki_valid() {
    local dir=$1 file
    for file in ca.pem ca.key server.pem server.key; do
        [ -s "$dir/$file" ] || return 1
    done
    openssl x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$dir/ca.pem" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1
}

waka_pki_ensure() {
    local dir=$1 dns_name=${2:-localhost} ip_address=${3:-127.0.0.1}
    if waka_pki_valid "$dir"; then
        return 0
    fi
    mkdir -p "$dir"
    chmod 0700 "$dir"
    # A subshell so that the umask (keys are born 0600, never briefly world-readable) and the
    # temporary files stay local; it writes into a scratch directory and moves the set into place
    # only once every step worked.
    (
        set -euo pipefail
        umask 077
        local work
        work=$(mktemp -d "$dir/.new.XXXXXX")
        trap 'rm -rf "$work"' EXIT

        waka_make_ca "$work/ca.key" "$work/ca.pem" "Waka Deploy quickstart CA"

        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/server.key" 2>/dev/null
        openssl req -new -key "$work/server.key" -subj "/CN=$dns_name" -out "$work/server.csr"
        cat >"$work/server.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$dns_name,IP:$ip_address
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
EOF
        # A random serial: two runs must never issue two certificates with the same serial.
        openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
            -set_serial "0x$(openssl rand -hex 16)" -days "$WAKA_PKI_DAYS" -sha256 \
            -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null

        openssl verify -CAfile "$work/ca.pem" "$work/server.pem" >/dev/null
        chmod 0644 "$work/ca.pem" "$work/server.pem"
        chmod 0600 "$work/ca.key" "$work/server.key"
        for file in ca.key ca.pem server.key server.pem; do
            mv -f "$work/$file" "$dir/$file"
        done
    )
}

#   waka_agent_ca_ensure DIR
#
# The agent CA that signs agents' client certificates (ADR 0034): DIR/agent-ca.pem and
# DIR/agent-ca.key (0600), EC P-256, made once and kept while valid for at least 30 more days.
waka_agent_ca_ensure() {
    local dir=$1
    if [ -s "$dir/agent-ca.key" ] && [ -s "$dir/agent-ca.pem" ] &&
        openssl x509 -in "$dir/agent-ca.pem" -noout -checkend 2592000 >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$dir"
    chmod 0700 "$dir"
    (
        set -euo pipefail
        umask 077
        local work
        work=$(mktemp -d "$dir/.new.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        waka_make_ca "$work/agent-ca.key" "$work/agent-ca.pem" "Waka Deploy agent CA"
        chmod 0644 "$work/agent-ca.pem"
        mv -f "$work/agent-ca.key" "$dir/agent-ca.key"
        mv -f "$work/agent-ca.pem" "$dir/agent-ca.pem"
    )
}
