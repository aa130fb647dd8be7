# Sourced helpers for a private, throwaway PostgreSQL 15 cluster on 127.0.0.1 (never port 5432's
# system cluster). initdb refuses root, so the server runs as the postgres user.

WAKA_PG_BIN=${WAKA_PG_BIN:-/usr/lib/postgresql/15/bin}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
waka_free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

# waka_pg_start DIR: initialises a cluster in DIR/data (if new) and starts it on a free port.
# Sets WAKA_PG_PORT and WAKA_PG_ADMIN_URL.
waka_pg_start() {
    local dir=$1
    mkdir -p "$dir"
    chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        (cd / && runuser -u postgres -- "$WAKA_PG_BIN/initdb" -D "$dir/data" -A trust -E UTF8 \
            --locale=C --no-sync -U postgres >"$dir/initdb.log" 2>&1) || {
            cat "$dir/initdb.log" >&2
            return 1
        }
        # Trust for everyone, except members of waka_password_login: they must give their
        # password (scram) over TCP, so that a test of password handling can fail.
        runuser -u postgres -- sh -c "{ echo 'host all +waka_password_login 127.0.0.1/32 scram-sha-256'; \
            cat '$dir/data/pg_hba.conf'; } >'$dir/data/pg_hba.new' && \
            mv '$dir/data/pg_hba.new' '$dir/data/pg_hba.conf'" || return 1
    fi
    WAKA_PG_PORT=$(waka_free_port)
    (cd / && runuser -u postgres -- "$WAKA_PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $WAKA_PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
        start >/dev/null) || {
        cat "$dir/server.log" >&2
        return 1
    }
    WAKA_PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$WAKA_PG_PORT/postgres"
    export WAKA_PG_PORT WAKA_PG_ADMIN_URL
}

# waka_pg_stop DIR: stops the cluster of DIR (pg_ctl signals the pid in its postmaster.pid).
waka_pg_stop() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        (cd / && runuser -u postgres -- "$WAKA_PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop \
            >/dev/null 2>&1) || true
    fi
}
