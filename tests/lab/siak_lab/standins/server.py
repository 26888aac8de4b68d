"""Stand-in for the SIAK application or proxy: a stdlib HTTP server shipped inside each release.

It reports the version of the release directory it was started from (``<release>/VERSION``, read once at
start, so a running server never changes its answer when the ``current`` link moves under it) and a
health endpoint that fails when the release carries a ``BROKEN`` marker. Control commands work without
systemd, with a pidfile:

    python3 <release>/bin/siak_standin.py start --kind app --bind 127.0.0.1 --port 8080 --pidfile P
    python3 <release>/bin/siak_standin.py stop --pidfile P
    python3 <release>/bin/siak_standin.py status --pidfile P

GET /version -> the version; GET /health -> 200 "OK <kind> <version>" or 503 "BROKEN ...".
This file runs on lab hosts with their /usr/bin/python3 and imports nothing outside the stdlib.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MARKER = "siak_standin"


def release_dir() -> Path:
    # bin/siak_standin.py inside releases/<version>/: resolve through the `current` link once.
    return Path(__file__).resolve().parents[1]


def read_pid(pidfile: Path) -> int | None:
    """The pid in ``pidfile`` if that process is alive and is this stand-in, else None."""
    try:
        pid = int(pidfile.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if MARKER.encode() in cmdline else None


def make_handler(kind: str, version: str, broken: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"siak-{kind}-standin"

        def _send(self, status: int, text: str) -> None:
            body = (text + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Siak-Version", version)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/version":
                self._send(200, version)
            elif self.path == "/health":
                if broken:
                    self._send(503, f"BROKEN {kind} {version}")
                else:
                    self._send(200, f"OK {kind} {version}")
            else:
                self._send(404, "not found")

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def serve(kind: str, bind: str, port: int) -> int:
    release = release_dir()
    version = (release / "VERSION").read_text().strip()
    broken = (release / "BROKEN").exists()
    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer((bind, port), make_handler(kind, version, broken))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


def listening(bind: str, port: int) -> bool:
    try:
        with socket.create_connection((bind, port), timeout=0.3):
            return True
    except OSError:
        return False


def start(args: argparse.Namespace) -> int:
    pidfile = Path(args.pidfile)
    if read_pid(pidfile):
        print(f"{args.kind} already running (pid {read_pid(pidfile)})")
        return 0
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    log_path = Path(args.log) if args.log else pidfile.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [
                *(sys.executable, str(Path(__file__).resolve()), "serve", "--kind", args.kind),
                *("--bind", args.bind, "--port", str(args.port)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    pidfile.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pidfile.unlink(missing_ok=True)
            print(f"{args.kind} exited at start (code {proc.returncode}); see {log_path}", file=sys.stderr)
            return 1
        if listening(args.bind, args.port):
            print(f"{args.kind} started (pid {proc.pid}) on {args.bind}:{args.port}")
            return 0
        time.sleep(0.05)
    print(f"{args.kind} did not listen on {args.bind}:{args.port} within {args.wait} s", file=sys.stderr)
    return 1


def stop(args: argparse.Namespace) -> int:
    pidfile = Path(args.pidfile)
    pid = read_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        print("not running")
        return 0
    for sig, wait in ((signal.SIGTERM, args.timeout), (signal.SIGKILL, 2.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and read_pid(pidfile):
            time.sleep(0.05)
        if not read_pid(pidfile):
            break
    pidfile.unlink(missing_ok=True)
    print(f"stopped (pid {pid})")
    return 0


def status(args: argparse.Namespace) -> int:
    pid = read_pid(Path(args.pidfile))
    print(f"running (pid {pid})" if pid else "not running")
    return 0 if pid else 3


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=MARKER, description="Stand-in SIAK application/proxy for the lab")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("serve", "start"):
        sp = sub.add_parser(name)
        sp.add_argument("--kind", choices=("app", "proxy"), default="app")
        sp.add_argument("--bind", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8080)
        if name == "start":
            sp.add_argument("--pidfile", required=True)
            sp.add_argument("--log", default="")
            sp.add_argument("--wait", type=float, default=10.0)
    sp = sub.add_parser("stop")
    sp.add_argument("--pidfile", required=True)
    sp.add_argument("--timeout", type=float, default=10.0)
    sp = sub.add_parser("status")
    sp.add_argument("--pidfile", required=True)
    args = p.parse_args(argv)
    if args.command == "serve":
        return serve(args.kind, args.bind, args.port)
    return {"start": start, "stop": stop, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
