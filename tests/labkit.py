"""Test harness for the lab: start one, run Ansible against it over SSH, always tear it down.

Used by every integration test. A lab is a real set of sshd hosts (siak-lab); nothing here uses
ansible_connection=local for a managed host.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_net(seed: int) -> str:
    """A loopback /24 unlikely to collide with the demo lab (127.77.0) or a parallel test run."""
    return f"127.{80 + seed % 150}.{(seed // 150) % 250}"


def lab_seed(slot: int) -> int:
    """The seed of this process's lab number `slot` (0-63).

    pytest-xdist runs test files in worker processes with nearby pids: spreading each pid over 64
    slots keeps every worker's labs on their own /24s (pid + offset would let one worker's
    pid + 13 meet another worker's pid).
    """
    if not 0 <= slot < 64:
        raise ValueError(f"lab slot {slot} is outside 0-63")
    return os.getpid() * 64 + slot


@dataclass
class LabHandle:
    dir: Path
    out: Path
    net: str
    workstations: int = 4
    env: dict = field(default_factory=dict)

    @property
    def inventory(self) -> Path:
        return self.dir / "inventory"

    def lab(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [
            str(BIN / "siak-lab"),
            "--lab-dir",
            str(self.dir),
            "--inventory-dir",
            str(self.inventory),
            *args,
        ]
        return subprocess.run(cmd, cwd=REPO, env=self.env, capture_output=True, text=True, check=check)

    def up(self) -> None:
        self.lab("up", "--workstations", str(self.workstations), "--net", self.net)

    def down(self) -> None:
        self.lab("down", check=False)

    def start(self, *hosts: str) -> None:
        self.lab("start", *hosts)

    def stop(self, *hosts: str) -> None:
        self.lab("stop", *hosts)

    def status(self) -> dict[str, bool]:
        return {h["name"]: h["running"] for h in json.loads(self.lab("status").stdout)}

    def ansible(self, pattern: str, module: str, args: str = "", *extra: str) -> subprocess.CompletedProcess:
        cmd = [str(BIN / "ansible"), "-i", str(self.inventory), pattern, "-m", module, "-o"]
        if args:
            cmd += ["-a", args]
        return subprocess.run(
            [*cmd, *extra], cwd=REPO, env=self.env, capture_output=True, text=True, check=False
        )

    def playbook(
        self, playbook: str, *extra: str, inventory: Path | None = None
    ) -> subprocess.CompletedProcess:
        cmd = [str(BIN / "ansible-playbook"), "-i", str(inventory or self.inventory), playbook, *extra]
        return subprocess.run(cmd, cwd=REPO, env=self.env, capture_output=True, text=True, check=False)

    def address(self, host: str) -> str:
        return json.loads((self.dir / "lab.json").read_text())["hosts"][host]["address"]

    def kill_controller_ssh(self, host: str) -> list[int]:
        """Kill the controller's ssh processes to a lab host (its ControlMaster and sessions), as a lost
        connection does, while the host itself stays up. Returns the pids killed."""
        address, killed = self.address(host), []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                comm = Path(f"/proc/{entry}/comm").read_text().strip()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if comm == "ssh" and any(address.encode() in arg for arg in cmdline):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry), 9)
                    killed.append(int(entry))
        return killed

    def sh(self, host: str, command: str) -> subprocess.CompletedProcess:
        """Run a shell command on a host over real SSH (the lab's own key and known_hosts)."""
        state = json.loads((self.dir / "lab.json").read_text())
        address, port = state["hosts"][host]["address"], state["port"]
        cmd = [
            "ssh",
            "-i",
            str(self.dir / "id_ed25519"),
            "-p",
            str(port),
            "-o",
            f"UserKnownHostsFile={self.dir / 'known_hosts'}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            f"root@{address}",
            command,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)


def make_lab(base: Path, seed: int, workstations: int = 4) -> LabHandle:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        SIAK_OUTPUT_DIR=str(base / "out"),
        PATH=f"{BIN}:{env.get('PATH', '')}",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
    )
    handle = LabHandle(
        dir=base / "lab", out=base / "out", net=free_net(seed), workstations=workstations, env=env
    )
    handle.out.mkdir(parents=True, exist_ok=True)
    return handle


@contextlib.contextmanager
def running_lab(base: Path, seed: int, workstations: int = 4) -> Iterator[LabHandle]:
    """A lab up for the block, torn down after it even when the block or the start-up fails (a fixture's
    `with running_lab(...) as lab: yield lab`)."""
    handle = make_lab(base, seed, workstations)
    try:
        handle.up()
        yield handle
    finally:
        handle.down()


def need_root() -> None:
    """Integration tests start real labs: they need root (namespaces, sshd)."""
    if os.geteuid() != 0:
        import pytest  # only the integration tests call this

        pytest.fail("integration tests need root: the lab mounts namespaces and runs sshd")


@contextlib.contextmanager
def vm_lab(base: Path, slot: int, workstations: int = 0) -> Iterator[LabHandle]:
    """A lab of this process's lab number `slot` with the SIAK VM running; always torn down."""
    need_root()
    with running_lab(base, lab_seed(slot), workstations) as handle:
        handle.start("siak-vm")
        yield handle


@contextlib.contextmanager
def siak_1_0_lab(base: Path, slot: int, workstations: int = 1) -> Iterator[LabHandle]:
    """The office before the upgrade: the demo releases built under `base`/releases, SIAK 1.0 and its proxy
    installed on the SIAK VM (playbooks/server_upgrade.yml) and running."""
    with vm_lab(base, slot, workstations) as handle:
        handle.env["SIAK_LAB_RELEASES"] = str(base / "releases")
        handle.lab("release", "--demo", "--out", str(base / "releases"))
        seeded = handle.playbook("playbooks/server_upgrade.yml", "-e", "siak_lab_release_version=1.0")
        assert seeded.returncode == 0, seeded.stdout[-3000:]
        yield handle


def lab_processes(lab_dir: Path) -> list[str]:
    """Live (non-zombie) processes whose command line names this lab's directory."""
    marker = str(lab_dir)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{entry}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(f"{entry} {cmdline}")
    return found


def lab_mounts(lab_dir: Path) -> list[str]:
    marker = str(lab_dir)
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        return [line for line in fh if marker in line]


def newest_run(lab: LabHandle) -> str:
    """The run id of the newest agenda in the lab's output (the run a test just made)."""
    paths = sorted((lab.out / "agenda").glob("*/*.jsonl"), key=lambda p: p.stat().st_mtime)
    assert paths, "no agenda was written"
    return paths[-1].stem


def run_results(lab: LabHandle, run_id: str) -> dict:
    """What the run published through the results channel, as its agenda's run_end holds it."""
    (path,) = list((lab.out / "agenda").glob(f"*/{run_id}.jsonl"))
    end = json.loads(path.read_text().splitlines()[-1])
    assert end["type"] == "run_end", end
    return end.get("results", {}).get("siak_results", {})


def laporan(lab: LabHandle, run_id: str) -> tuple[dict, str]:
    """The run's one Laporan, rendered from the lab's agenda by `siak-sop report` (no PDF): its JSON copy
    (the report's data, in its words) and its Markdown copy."""
    result = subprocess.run(
        [str(BIN / "siak-sop"), "report", run_id, "--no-pdf"],
        cwd=REPO,
        env=lab.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    folder = lab.out / "reports" / run_id
    assert (folder / f"laporan-{run_id}.json").is_file(), result.stdout + result.stderr
    data = json.loads((folder / f"laporan-{run_id}.json").read_text())
    return data, (folder / f"laporan-{run_id}.md").read_text()


def pdf_text(path: Path | str) -> str:
    """The text of a rendered PDF (a Laporan, a Buku Agenda page) in its layout, as pdftotext gives it."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
