#!/usr/bin/env python3
"""Abusive clients against a real `risk serve` on loopback: each case prints the status and how
long the answer took, and fails unless the status is the expected one within the time allowed.

Usage: python3 tests/abuse.py [path/to/risk]   (default: target/release/risk); about 30 s.

Cases: oversize body (declared, and chunked without a length), trials over the cap, deeply
nested JSON, a portfolio with more rows than the cap, a portfolio over the body limit, a body
that trickles in (slowloris on the body: 408 after the body deadline), headers that trickle in
(slowloris on the headers: the connection is closed after the header deadline), and many idle
connections (the service still answers). Standard library only.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/risk"
PROFILE = open(os.path.join(HERE, "..", "data", "profiles", "manufacturer-ot-iso27001.json"), "rb").read()
SPEC = open(os.path.join(HERE, "..", "data", "example-spec.json"), "rb").read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raw(port, head, body=b"", timeout=60.0):
    """Sends a request as raw bytes; returns (status or None if closed, seconds)."""
    t = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
    return status, time.monotonic() - t


def request(port, method, path, key, body=b"", ctype="application/json", extra=b""):
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode() + extra + b"\r\n"
    return raw(port, head, body)


def main():
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "risk.db")
    keys = {}
    for role in ("insurer", "firm"):
        keys[role] = subprocess.run(
            [BIN, "keys", "create", "--role", role, "--subject", f"abuse-{role}", "--database", db],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    port = free_port()
    log = open(os.path.join(tmp, "server.log"), "wb")
    server = subprocess.Popen(
        [BIN, "serve", "--addr", f"127.0.0.1:{port}", "--database", db, "--no-demo", "--create"],
        stdout=log, stderr=log,
    )
    failures = 0
    try:
        for _ in range(300):
            try:
                if raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        ins, firm = keys["insurer"], keys["firm"]

        def check(name, got, want, limit):
            nonlocal failures
            status, secs = got
            ok = status in want and secs <= limit
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {status} in {secs:.2f} s (want {'/'.join(map(str, want))} within {limit} s)")

        mib = 1 << 20
        check("oversize body, declared (2 MiB)",
              request(port, "POST", "/v1/simulate", ins, b" " * (2 * mib)), {413}, 5)
        chunked = (
            f"POST /v1/simulate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ins}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        piece = b" " * 65536
        body = b"".join(b"%x\r\n" % len(piece) + piece + b"\r\n" for _ in range(40)) + b"0\r\n\r\n"
        check("oversize body, chunked without a length (2.5 MiB)", raw(port, chunked, body), {413}, 5)
        spec = json.loads(SPEC)
        spec["trials"] = 10_000_000
        check("trials over the cap in a spec (10^7)",
              request(port, "POST", "/v1/simulate", ins, json.dumps(spec).encode()), {422}, 5)
        check("trials over the cap in the query (2^64-1)",
              request(port, "POST", "/v1/assessments?trials=18446744073709551615", firm, PROFILE), {422}, 5)
        deep = b"[" * 400_000 + b"]" * 400_000
        check("deeply nested JSON (400,000 levels)", request(port, "POST", "/v1/simulate", ins, deep), {422}, 5)
        check("unterminated nested JSON (1,000,000 levels)",
              request(port, "POST", "/v1/assessments", firm, b"[" * 1_000_000), {400}, 5)
        rows = b"policy_id,frequency_mean,severity_median,severity_sigma\n" + b"".join(
            b"%d,0.1,1000,1\n" % i for i in range(20_001))
        check("portfolio over the row cap (20,001 rows, 0.4 MiB)",
              request(port, "POST", "/v1/portfolios", ins, rows, "text/csv"), {422}, 10)
        big = rows + b"".join(b"%d,0.1,1000,1\n" % i for i in range(20_001, 90_000))
        check(f"portfolio over the body limit ({len(big) / mib:.1f} MiB)",
              request(port, "POST", "/v1/portfolios", ins, big, "text/csv"), {413}, 5)

        # Slowloris on the body: headers promise 1000 bytes, one byte a second arrives.
        t = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall((
                f"POST /v1/simulate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ins}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            ).encode())
            s.setblocking(False)
            data = b""
            while time.monotonic() - t < 40 and not data:
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    try:
                        s.send(b" ")
                    except OSError:
                        break
                    time.sleep(1)
            status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
        check("slow body (1 byte/s)", (status, time.monotonic() - t), {408}, 20)

        # Slowloris on the headers: one header line every 2 s; the server must hang up.
        t = time.monotonic()
        closed_after = None
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for i in range(30):
                try:
                    s.sendall(b"X-Slow-%d: 1\r\n" % i)
                    s.settimeout(2)
                    if s.recv(65536) == b"":
                        closed_after = time.monotonic() - t
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_after = time.monotonic() - t
                    break
                else:
                    closed_after = time.monotonic() - t
                    break
        check("slow headers (a line every 2 s)",
              ("closed" if closed_after else None, closed_after or time.monotonic() - t), {"closed"}, 15)

        # 500 idle connections, then a request still gets through.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(500)]
        got = raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check("healthz with 500 idle connections open", got, {200}, 5)
        for s in idle:
            s.close()
    finally:
        server.terminate()
        server.wait(timeout=40)
        log.close()
    if failures:
        print(open(os.path.join(tmp, "server.log")).read()[-4000:], file=sys.stderr)
        sys.exit(1)
    print("abuse: every case answered within its limit with the expected status")


if __name__ == "__main__":
    main()
