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
