"""Benchmark: the server upgrade (siak_upgrade) of a 200 MB, 5,000-file release against `rsync -a` of the same
tree plus a service restart, side by side in one run on a lab of its own; then a rerun at the same version.

Targets (issue 3): upgrade / (rsync + restart) <= 1.5; rerun < 10 s. Printed, never asserted.
The upgrade time is the whole ansible-playbook run (start-up included); the baseline is rsync -a of the
unpacked tree into a fresh folder over the same SSH, then the same stop and start commands. Load averages
are printed before and after, with the controller-side CPU seconds of each, since wall times on a shared
machine move with the load (both sides write the same 5,000 files, whose cost on the lab's overlay varies
several-fold from run to run; each timed part starts after a sync, so none pays for the writeback of
the one before). The upgrade streams the tar.gz into its unpack in one SSH command; figures
and where the time goes: docs/server-upgrade.md. Run under the bench lock:
    flock /work/.bench.lock python bench/bench_server_upgrade.py [--size-mib 200] [--files 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from labkit import make_lab  # noqa: E402
from siak_sop.lab.standins.builder import build_release  # noqa: E402

PORT = 18180


def service(addr: str, root: str) -> dict:
    script = f"/usr/bin/python3 {root}/current/bin/siak_standin.py"
    return {
        "manager": "command",
        "start_command": f"{script} start --kind app --bind {addr} --port {PORT} --pidfile {root}/shared/run/app.pid",
        "stop_command": f"{script} stop --pidfile {root}/shared/run/app.pid",
    }


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes (ansible-playbook, rsync, ssh) on the controller."""
    t = os.times()
    return t.children_user + t.children_system


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=float, default=200)
    ap.add_argument("--files", type=int, default=5000)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_server_upgrade: needs root (the lab)", file=sys.stderr)
        return 2
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = Path(tempfile.mkdtemp(prefix="bench-upgrade-"))
    lab = make_lab(base, os.getpid() + 11, workstations=0)
    try:
        lab.up()
        lab.start("siak-vm")
        addr = json.loads((lab.dir / "lab.json").read_text())["hosts"]["siak-vm"]["address"]
        rels = base / "releases"
        v1 = build_release("app", "1.0", rels)
        t0 = time.monotonic()
        v2 = build_release("app", "2.0", rels, size_bytes=int(args.size_mib * 1024 * 1024), files=args.files)
        print(
            f"built {Path(v2.path).name}: {v2.files} files, {v2.unpacked_bytes / 2**20:.0f} MiB unpacked, "
            f"{Path(v2.path).stat().st_size / 2**20:.0f} MiB packed ({time.monotonic() - t0:.1f} s)"
        )
        tree = base / "tree"
        with tarfile.open(v2.path) as tar:
            tar.extractall(tree, filter="data")

        def upgrade(rel, root: str) -> float:
            values = {
                "siak_upgrade_version": rel.version,
                "siak_upgrade_artifact": rel.path,
                "siak_upgrade_sha256": rel.sha256,
                "siak_upgrade_root": root,
                "siak_upgrade_service": service(addr, root),
                "siak_upgrade_health": {
                    "kind": "http",
                    "url": f"http://{addr}:{PORT}/health",
                    "body_contains": "OK",
                },
            }
            varfile = base / f"vars-{time.monotonic_ns()}.json"
            varfile.write_text(json.dumps(values))
            os.sync()  # no run pays for the writeback of the one before (each writes 200 MB)
            start, cpu = time.monotonic(), children_cpu()
            result = lab.playbook("tests/playbooks/upgrade_app_only.yml", "-e", f"@{varfile}")
            took = time.monotonic() - start
            cpu_s[rel.version] = children_cpu() - cpu
            if result.returncode != 0:
                print(result.stdout[-3000:], file=sys.stderr)
                raise SystemExit("bench_server_upgrade: the upgrade failed")
            return took

        cpu_s: dict[str, float] = {}
        root = "/srv/bench/app"
        upgrade(v1, root)  # v1 installed and serving, as before a real upgrade

        # Baseline: rsync -a of the unpacked tree into a fresh folder over the same SSH, then restart.
        ssh = (
            f"ssh -i {lab.dir}/id_ed25519 -p 2222 -o UserKnownHostsFile={lab.dir}/known_hosts "
            "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes"
        )
        restart = f"{service(addr, root)['stop_command']} && {service(addr, root)['start_command']}"
        os.sync()
        start, cpu = time.monotonic(), children_cpu()
        subprocess.run(
            ["rsync", "-a", "-e", ssh, f"{tree}/", f"root@{addr}:/srv/bench/rsync-copy/"], check=True
        )
        done = lab.sh("siak-vm", restart)
        baseline = time.monotonic() - start
        baseline_cpu = children_cpu() - cpu
        if done.returncode != 0:
            raise SystemExit(f"bench_server_upgrade: baseline restart failed: {done.stderr}")

        took = upgrade(v2, root)
        rerun = upgrade(v2, root)
        with urllib.request.urlopen(f"http://{addr}:{PORT}/version", timeout=5) as resp:
            served = resp.read().decode().strip()

        print(f"rsync -a + restart (baseline): {baseline:7.1f} s   controller CPU {baseline_cpu:.1f} s")
        print(
            f"siak_upgrade 1.0 -> 2.0:       {took:7.1f} s   ratio {took / baseline:.2f} (target <= 1.5)"
            f"   controller CPU {cpu_s['2.0']:.1f} s"
        )
        print(f"rerun at 2.0 (no change):      {rerun:7.1f} s   (target < 10 s)")
        print(
            f"serving after: {served or '?'}; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "server_upgrade.json").write_text(
            json.dumps(
                {
                    "size_mib": args.size_mib,
                    "files": args.files,
                    "baseline_s": round(baseline, 1),
                    "upgrade_s": round(took, 1),
                    "ratio": round(took / baseline, 2),
                    "rerun_s": round(rerun, 1),
                    "baseline_controller_cpu_s": round(baseline_cpu, 1),
                    "upgrade_controller_cpu_s": round(cpu_s["2.0"], 1),
                    "loadavg": os.getloadavg()[0],
                },
                indent=2,
            )
        )
    finally:
        lab.down()
        subprocess.run(["rm", "-rf", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
