# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small distribution point: serves the files of one folder over HTTP, read-only, with an access log.

For an office whose SIAK server has no web server to spare, the controller serves the client package
itself while a rollout runs (``client_rollout_serve: true``), and the lab and the benchmark use it as
the distribution point. Standard library only, so it runs with the controller's own Python.

  distpoint.py serve --root DIR --bind ADDR --port N --log FILE --pidfile FILE [--max-seconds S]
  distpoint.py stop --pidfile FILE

``serve`` returns once the server listens (it detaches itself); ``stop`` ends it. The access log has
one JSON object a line: time, client address, agent, host (the workstation's name when the
agent carries it), method, path, status, bytes (body bytes sent).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None (missing, a folder, or outside root)."""
    name = unquote(urlsplit(url_path).path).lstrip("/")
    if not name or "\0" in name:
        return None
    candidate = (root / name).resolve()
    try:
        candidate.relative_to(root)
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def agent_host(agent: str) -> str:
    """The workstation name a rollout puts in its User-Agent (``name/1 (pc05)``), or ""."""
    if agent.endswith(")") and "(" in agent:
        return agent.rsplit("(", 1)[1][:-1].strip()
    return ""


def log_line(client: str, agent: str, method: str, path: str, *, status: int, sent: int) -> str:
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "client": client,
        "agent": agent,
        "host": agent_host(agent),
        "method": method,
        "path": path,
        "status": status,
        "bytes": sent,
    }
    return json.dumps(record, sort_keys=True) + "\n"


def read_log(path: Path) -> list[dict]:
    """The access log's records (for tests and benchmarks)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Handler(BaseHTTPRequestHandler):
    server_version = "siak-distpoint/1"
    protocol_version = "HTTP/1.1"

    def _send(self, head_only: bool) -> None:
        cfg = self.server.cfg  # type: ignore[attr-defined]
        target = resolve(cfg["root"], self.path)
        sent = 0
        if target is None:
            body = b"not found\n"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(body)
            self._log(404, 0)
            return
        size = target.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if not head_only:
            self.wfile.flush()
            with open(target, "rb") as fh:
                if agent_host(self.headers.get("User-Agent", "")) in cfg["corrupt_for"]:
                    # Lab fault: this client receives the right length with one byte changed.
                    data = bytearray(fh.read())
                    if data:
                        data[len(data) // 2] ^= 0xFF
                    self.wfile.write(bytes(data))
                    sent = len(data)
                else:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        sent = self.connection.sendfile(fh)
        self._log(200, sent)

    def do_GET(self) -> None:
        self._send(head_only=False)

    def do_HEAD(self) -> None:
        self._send(head_only=True)

    def _log(self, status: int, sent: int) -> None:
        cfg = self.server.cfg  # type: ignore[attr-defined]
        agent = self.headers.get("User-Agent", "") if self.headers else ""
        line = log_line(self.client_address[0], agent, self.command, self.path, status=status, sent=sent)
        with cfg["lock"], open(cfg["log"], "a", encoding="utf-8") as fh:
            fh.write(line)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr log: the JSON access log is the record."""


def serve(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if not root.is_dir():
        print(f"distpoint: {root} is not a folder. Pass --root with the folder that holds the package")
        return 2
    try:
        server = ThreadingHTTPServer((args.bind, args.port), Handler)
    except OSError as err:
        print(f"distpoint: cannot listen on {args.bind}:{args.port}: {err.strerror}. Pick another port")
        return 2
    server.daemon_threads = True
    server.cfg = {  # type: ignore[attr-defined]
        "root": root,
        "log": Path(args.log),
        "lock": threading.Lock(),
        "corrupt_for": set(args.fault_corrupt_for or []),
    }
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    Path(args.log).touch()
    if args.foreground:
        Path(args.pidfile).write_text(f"{os.getpid()}\n", encoding="utf-8")
        _run(server, args)
        return 0
    # Detach: the parent returns (so a playbook task ends) once the child listens.
    child = os.fork()
    if child > 0:
        Path(args.pidfile).write_text(f"{child}\n", encoding="utf-8")
        print(json.dumps({"url": f"http://{args.bind}:{server.server_address[1]}/", "pid": child}))
        return 0
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _run(server, args)
    os._exit(0)


def _run(server: ThreadingHTTPServer, args: argparse.Namespace) -> None:
    # A rollout that dies leaves no server behind for long: it ends itself after --max-seconds.
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        # A short poll: a stop (SIGTERM) ends the server within 0.05 s, and the rollout's report waits for it.
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            Path(args.pidfile).unlink()


def stop(args: argparse.Namespace) -> int:
    try:
        pid = int(Path(args.pidfile).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        print(json.dumps({"stopped": False}))
        return 0
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(args.pidfile).exists():
        time.sleep(0.05)
    print(json.dumps({"stopped": True, "pid": pid}))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="distpoint.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--root", required=True)
    s.add_argument("--bind", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8088)
    s.add_argument("--log", required=True)
    s.add_argument("--pidfile", required=True)
    s.add_argument("--max-seconds", type=float, default=4 * 3600)
    s.add_argument("--foreground", action="store_true")
    s.add_argument(
        "--fault-corrupt-for",
        action="append",
        help="lab fault: corrupt what the workstation of this name receives",
    )
    t = sub.add_parser("stop")
    t.add_argument("--pidfile", required=True)
    args = p.parse_args(argv)
    return serve(args) if args.command == "serve" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
