"""Benchmark: the server upgrade (siak_upgrade) of a 200 MB, 5,000-file release against `rsync -a` of the same
tree plus a service restart, side by side in one run on a lab of its own; then a rerun at the same version.

Targets (issue 3): upgrade / (rsync + restart) <= 1.5; rerun < 10 s. Printed, never asserted.
The upgrade time is the whole ansible-playbook run (start-up included); the baseline is rsync -a of the
unpacked tree into a fresh folder over the same SSH, then the same stop and start commands. Both sides write
the same 5,000 files, and on the lab's ext4 (mounted with discard) that cost moves several-fold from one
moment to the next, so one pair says little: the bench runs --rounds interleaved pairs (default 3), each in
an application root and rsync folder of its own, alternating which side goes first, and prints every
round's ratio and the median. Each timed part starts after a sync, so none pays for the writeback of the
one before; controller CPU seconds and the load are printed too. Figures and where the time goes:
docs/server-upgrade.md. Run under the bench lock:
    flock /work/.bench.lock python bench/bench_server_upgrade.py [--size-mib 200] [--files 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from labkit import make_lab  # noqa: E402
from siak_lab.standins.builder import build_release  # noqa: E402

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
    ap.add_argument("--rounds", type=int, default=3, help="interleaved baseline/upgrade pairs (median)")
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
        tree.mkdir()
        subprocess.run(["tar", "-xzf", v2.path, "-C", str(tree)], check=True)  # our own artifact, built above

        def upgrade(rel, root: str) -> tuple[float, float]:
            """One whole ansible-playbook run of siak_upgrade; returns (wall seconds, controller CPU seconds)."""
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
            took, used = time.monotonic() - start, children_cpu() - cpu
            if result.returncode != 0:
                print(result.stdout[-3000:], file=sys.stderr)
                raise SystemExit("bench_server_upgrade: the upgrade failed")
            return took, used

        ssh = (
            f"ssh -i {lab.dir}/id_ed25519 -p 2222 -o UserKnownHostsFile={lab.dir}/known_hosts "
            "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes"
        )

        def baseline(root: str, copy: str) -> tuple[float, float]:
            """rsync -a of the unpacked tree into a fresh folder over SSH, then the service's stop and start."""
            restart = f"{service(addr, root)['stop_command']} && {service(addr, root)['start_command']}"
            os.sync()
            start, cpu = time.monotonic(), children_cpu()
            subprocess.run(["rsync", "-a", "-e", ssh, f"{tree}/", f"root@{addr}:{copy}/"], check=True)
            done = lab.sh("siak-vm", restart)
            took, used = time.monotonic() - start, children_cpu() - cpu
            if done.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: baseline restart failed: {done.stderr}")
            return took, used

        rounds = []
        for n in range(1, args.rounds + 1):
            # Each round has its own application root and rsync folder, so neither side deletes 5,000
            # files (ext4 with discard) just before the other is timed; the order alternates per round.
            root = f"/srv/bench/app{n}"
            upgrade(v1, root)  # v1 installed and serving, as before a real upgrade (not timed)
            if n % 2:
                base_s, base_cpu = baseline(root, f"/srv/bench/rsync-copy{n}")
                up_s, up_cpu = upgrade(v2, root)
            else:
                up_s, up_cpu = upgrade(v2, root)
                base_s, base_cpu = baseline(root, f"/srv/bench/rsync-copy{n}")
                # the baseline restarted what the upgrade had switched to: still 2.0 from this root
            rerun_s = upgrade(v2, root)[0]
            with urllib.request.urlopen(f"http://{addr}:{PORT}/version", timeout=5) as resp:
                served = resp.read().decode().strip()
            rounds.append(
                {
                    "baseline_s": round(base_s, 2),
                    "upgrade_s": round(up_s, 2),
                    "ratio": round(up_s / base_s, 2),
                    "rerun_s": round(rerun_s, 2),
                    "baseline_controller_cpu_s": round(base_cpu, 2),
                    "upgrade_controller_cpu_s": round(up_cpu, 2),
                    "served_after": served,
                }
            )
            print(
                f"round {n} ({'baseline first' if n % 2 else 'upgrade first'}): rsync -a + restart {base_s:5.2f} s, "
                f"siak_upgrade 1.0 -> 2.0 {up_s:5.2f} s, ratio {up_s / base_s:.2f}; rerun {rerun_s:5.2f} s; "
                f"controller CPU {base_cpu:.1f} / {up_cpu:.1f} s; serving {served or '?'}",
                flush=True,
            )
            stop = lab.sh("siak-vm", service(addr, root)["stop_command"])  # frees the port for the next round
            if stop.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: stopping round {n}'s service failed: {stop.stderr}")

        def median(key: str) -> float:
            return statistics.median(r[key] for r in rounds)

        print(f"rsync -a + restart (baseline): median {median('baseline_s'):5.2f} s")
        print(f"siak_upgrade 1.0 -> 2.0:       median {median('upgrade_s'):5.2f} s")
        print(
            f"ratio upgrade / baseline:      median {median('ratio'):.2f} (target <= 1.5); per round "
            + ", ".join(f"{r['ratio']:.2f}" for r in rounds)
        )
        print(f"rerun at 2.0 (no change):      median {median('rerun_s'):5.2f} s (target < 10 s)")
        print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "server_upgrade.json").write_text(
            json.dumps(
                {
                    "size_mib": args.size_mib,
                    "files": args.files,
                    "rounds": rounds,
                    "median_ratio": median("ratio"),
                    "median_baseline_s": median("baseline_s"),
                    "median_upgrade_s": median("upgrade_s"),
                    "median_rerun_s": median("rerun_s"),
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
