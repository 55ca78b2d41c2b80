# Sourced by the shell tests that drive a real `risk serve`: a scratch directory ($dir) removed on
# exit together with the server ($pid, once started), its database path ($db), a free loopback
# port ($port) and the base URL ($base).
dir="$(mktemp -d)"
pid=""
cleanup() {
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

db="$dir/risk.db"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# Starts `risk serve` ($BIN; environment settings first: `start_server NAME=value …`) on $db at
# $port without demo data, its output appended to $dir/server.log, and waits for /healthz (30 s);
# exits with the log when it does not come up.
start_server() {
    env "$@" "$BIN" serve --addr "127.0.0.1:$port" --database "$db" --no-demo --create \
        >>"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        if curl -fsS -m 1 "$base/healthz" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "$(basename "$0"): the server did not start" >&2
    cat "$dir/server.log" >&2
    exit 1
}
