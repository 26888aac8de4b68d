"""Helpers for the client rollout's tests and benchmark: stand-in SIAK client packages and a distribution point.

The distribution point is the role's own stdlib server (roles/client_rollout/files/distpoint.py) started in
the foreground, so a test owns its process and reads its access log.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

from siak_lab.standins.builder import build_client_package

REPO = Path(__file__).resolve().parents[1]
DISTPOINT = REPO / "roles" / "client_rollout" / "files" / "distpoint.py"


def _distpoint_module():
    spec = importlib.util.spec_from_file_location("siak_distpoint", DISTPOINT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def make_package(folder: Path, version: str, payload_bytes: int = 4096) -> tuple[Path, str]:
    """A SIAK client stand-in package (the lab's own builder): bin/siak-client, VERSION, a random payload."""
    return build_client_package(folder, version, payload_bytes=payload_bytes)


def free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class DistPoint:
    """The distribution point on the controller, serving ``root`` on ``address`` (a loopback address)."""

    def __init__(self, root: Path, address: str, log: Path, corrupt_for: list[str] | None = None) -> None:
        self.root, self.address, self.log = root, address, log
        self.port = free_port(address)
        self.pidfile = log.with_suffix(".pid")
        cmd = [
            sys.executable,
            str(DISTPOINT),
            "serve",
            "--foreground",
            "--root",
            str(root),
            "--bind",
            address,
            "--port",
            str(self.port),
            "--log",
            str(log),
            "--pidfile",
            str(self.pidfile),
        ]
        for client in corrupt_for or []:
            cmd += ["--fault-corrupt-for", client]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((address, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"distribution point did not start on {address}:{self.port}")

    def url(self, name: str) -> str:
        return f"http://{self.address}:{self.port}/{name}"

    def records(self) -> list[dict]:
        return _distpoint_module().read_log(self.log)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
