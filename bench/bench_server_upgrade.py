"""Benchmark: the server upgrade of a 200 MiB, 5,000-file release, three ways side by side in one run on a lab of
its own: (a) `rsync -a` of the unpacked tree plus a restart, (b) the ansistrano way with builtin modules (copy
the archive, unarchive it into a new release folder, switch the link, restart: bench/playbooks/ansistrano_way.yml)
and (c) this collection's siak_upgrade, the artifact sent from the controller (the default); then a rerun of (c)
at the same version, health check included. (c') is the same role with the artifact at an http:// URL that the
controller serves (roles/client_rollout/files/distpoint.py, as a web server of the office would): the server reads
it as it arrives and unpacks it in the same pass, inside one ordinary module run.

Each round also measures where a transfer-then-unpack upgrade's time must go with ordinary module execution,
part by part on the same lab: (d1) `ansible-playbook` start-up with one module run on the server (a ping),
(d2) the artifact's transfer over the same SSH (scp, as the connection plugin sends files), (d3) `tar -xzf`
of it on the server into a fresh folder, (d4) the restart. Their sum (d) is the floor of any design that sends
the artifact with the connection and then unpacks it, however few module runs it makes; (c)/(d) is what this
role adds on top (lock, reconcile, checksum, switch, health check). (c') is not bound by (d): the transfer and
the unpack overlap, as (a)'s transfer and writes do; its floor (d') is (d1) plus the server fetching the
artifact from the URL and unpacking it in one pipeline (curl | tar -xzf) plus (d4). Each round also times what
one more module run costs (the same module again, its payload already built), the unit of everything (c) and
(c') add to their floors. After the rounds, one more (c) runs with ansible.posix.profile_tasks and prints its
per-task times.

Goals (issue 16): (c)/(a) <= 1.5, (c)/(b) <= 0.5, rerun < 3 s, with ordinary module execution only. Printed,
never asserted. Each time is a whole run (ansible-playbook start-up included for (b) and (c)). On a shared
machine one trio says little, so the bench runs --rounds interleaved rounds (default 3), each in folders of its own, rotating which side goes first, and
prints every round's ratios and the medians. Each timed part starts after a sync. Every side writes to the same
journaled ext4, made for the run on a loop device and mounted at /srv/bench in the server (ServerDisk says why;
--disk machine writes to the lab host's own folders instead). Figures: bench/RESULTS.md.
Run it alone, through the bench gate:
    /work/tools/bench .venv/bin/python bench/bench_server_upgrade.py [--size-mib 200] [--files 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from client_rollout_kit import DistPoint  # noqa: E402
from labkit import make_lab  # noqa: E402
from siak_lab.standins.builder import build_release  # noqa: E402

PORT = 18180
# The floor's second playbook runs this many more pings than the first: the difference, divided, is what one
# more module run costs.
MORE_RUNS = 4


def service(addr: str, root: str, port: int = PORT) -> dict:
    script = f"/usr/bin/python3 {root}/current/bin/siak_standin.py"
    return {
        "manager": "command",
        "start_command": f"{script} start --kind app --bind {addr} --port {port} --pidfile {root}/shared/run/app.pid",
        "stop_command": f"{script} stop --pidfile {root}/shared/run/app.pid",
    }


class ServerDisk:
    """A journaled ext4 (mkfs.ext4's defaults, as an office server's disk is made) on a loop device, mounted at
    /srv/bench inside the lab's siak-vm, where every side writes.

    Why not the lab host's own /srv: it is an overlay on this machine's root file system, an ext4 made without
    a journal. Without a journal, ext4 passes over every inode freed in the last one to six minutes when it
    allocates a new one (fs/ext4/ialloc.c, recently_deleted), so after any 5,000-file delete (a lab torn down,
    an earlier round's folder) each of the next 5,000 creations walks that list, several times slower. That
    cost belongs to this machine, not to any side's design, and it fell on whichever side happened to run
    next (bench/RESULTS.md). A journaled ext4 makes no such check.
    """

    def __init__(self, image: Path, size_gib: int):
        self.image, self.device = image, None
        subprocess.run(["truncate", "-s", f"{size_gib}G", str(image)], check=True)
        self.device = subprocess.run(
            ["losetup", "--find", "--show", str(image)], check=True, capture_output=True, text=True
        ).stdout.strip()
        # Inode tables and journal written now: ext4lazyinit would otherwise write them during the rounds.
        subprocess.run(
            ["mkfs.ext4", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", self.device], check=True
        )

    def mount(self, lab) -> None:
        done = lab.sh("siak-vm", f"mkdir -p /srv/bench && mount {self.device} /srv/bench")
        if done.returncode != 0:
            raise SystemExit(f"bench_server_upgrade: cannot mount the bench disk in siak-vm: {done.stderr}")

    def release(self, lab) -> None:
        lab.sh("siak-vm", "umount /srv/bench")
        if self.device:
            subprocess.run(["losetup", "--detach", self.device], check=False)


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes (ansible-playbook, rsync, ssh) on the controller."""
    t = os.times()
    return t.children_user + t.children_system


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=float, default=200)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved baseline/upgrade pairs (median)")
    ap.add_argument(
        "--disk",
        choices=("ext4", "machine"),
        default="ext4",
        help="where the server writes: a journaled ext4 on a loop device (default; see ServerDisk), or the lab "
        "host's own overlay on this machine's root file system",
    )
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_server_upgrade: needs root (the lab)", file=sys.stderr)
        return 2
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = Path(tempfile.mkdtemp(prefix="bench-upgrade-"))
    dist = disk = None
    lab = make_lab(base, os.getpid() + 11, workstations=0)
    try:
        lab.up()
        lab.start("siak-vm")
        if args.disk == "ext4":
            disk = ServerDisk(base / "srv-bench.img", size_gib=12)
            disk.mount(lab)
        print(f"the server writes to /srv/bench on {'a journaled ext4' if disk else 'the lab host overlay'}")
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

        dist = DistPoint(rels, f"{lab.net}.1", base / "distpoint.log")

        def upgrade(rel, root: str, artifact: str | None = None, port: int = PORT) -> tuple[float, float]:
            """One whole ansible-playbook run of siak_upgrade; returns (wall seconds, controller CPU seconds)."""
            values = {
                "siak_upgrade_version": rel.version,
                "siak_upgrade_artifact": artifact or rel.path,
                "siak_upgrade_sha256": rel.sha256,
                "siak_upgrade_root": root,
                "siak_upgrade_service": service(addr, root, port),
                "siak_upgrade_health": {
                    "kind": "http",
                    "url": f"http://{addr}:{port}/health",
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

        ssh_options = [
            "-i", f"{lab.dir}/id_ed25519",
            "-o", f"UserKnownHostsFile={lab.dir}/known_hosts",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
        ]  # fmt: skip
        ssh = " ".join(["ssh", "-p", "2222", *ssh_options])

        def ansistrano(rel, root: str, serving: str) -> tuple[float, float]:
            """Side (b): builtin copy + unarchive into releases/<version>, link switch, restart."""
            svc = service(addr, serving)
            values = {
                "bench_root": root,
                "bench_version": rel.version,
                "bench_artifact": rel.path,
                "bench_stop": svc["stop_command"],
                "bench_start": svc["start_command"],
            }
            varfile = base / f"vars-{time.monotonic_ns()}.json"
            varfile.write_text(json.dumps(values))
            os.sync()
            start, cpu = time.monotonic(), children_cpu()
            result = lab.playbook("bench/playbooks/ansistrano_way.yml", "-e", f"@{varfile}")
            took, used = time.monotonic() - start, children_cpu() - cpu
            if result.returncode != 0:
                print(result.stdout[-3000:], file=sys.stderr)
                raise SystemExit("bench_server_upgrade: the ansistrano way failed")
            return took, used

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

        ping_playbook = base / "ping.yml"
        ping_playbook.write_text(
            "- hosts: siak_servers\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n"
        )
        pings_playbook = base / "pings.yml"
        pings_playbook.write_text(
            "- hosts: siak_servers\n  gather_facts: false\n  tasks:\n"
            + "".join(f"    - ansible.builtin.ping:\n      register: ping{i}\n" for i in range(1 + MORE_RUNS))
        )

        def floor(root: str, n: int) -> dict:
            """(d1)-(d4): the parts any transfer-then-unpack upgrade pays, each timed on its own."""
            parts = {}
            os.sync()
            start = time.monotonic()
            result = lab.playbook(str(ping_playbook))
            parts["startup_s"] = time.monotonic() - start
            if result.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: the ping playbook failed: {result.stdout[-2000:]}")
            folder = f"/srv/bench/floor{n}"
            if lab.sh("siak-vm", f"mkdir -p {folder}/tree").returncode != 0:
                raise SystemExit("bench_server_upgrade: cannot make the floor's folder")
            start = time.monotonic()
            subprocess.run(
                ["scp", "-q", "-P", "2222", *ssh_options, v2.path, f"root@{addr}:{folder}/artifact.tar.gz"],
                check=True,
            )
            parts["transfer_s"] = time.monotonic() - start
            start = time.monotonic()
            done = lab.sh("siak-vm", f"tar -xzf {folder}/artifact.tar.gz -C {folder}/tree")
            parts["unpack_s"] = time.monotonic() - start
            if done.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: the floor's unpack failed: {done.stderr}")
            restart = f"{service(addr, root)['stop_command']} && {service(addr, root)['start_command']}"
            start = time.monotonic()
            done = lab.sh("siak-vm", restart)
            parts["restart_s"] = time.monotonic() - start
            if done.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: the floor's restart failed: {done.stderr}")
            # (d'): the artifact at the URL, fetched and unpacked in one pipeline on the server, as (c') overlaps them.
            if lab.sh("siak-vm", f"mkdir -p {folder}/from-url").returncode != 0:
                raise SystemExit("bench_server_upgrade: cannot make the floor's URL folder")
            os.sync()
            start = time.monotonic()
            done = lab.sh(
                "siak-vm",
                "bash -c "
                + shlex.quote(
                    f"set -o pipefail; curl -sSf {dist.url(Path(v2.path).name)} | tar -xzf - -C {folder}/from-url"
                ),
            )
            parts["fetch_unpack_s"] = time.monotonic() - start
            if done.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: the floor's fetch and unpack failed: {done.stderr}")
            # What one more module run costs, the same module again (its payload already built).
            start = time.monotonic()
            result = lab.playbook(str(pings_playbook))
            parts["module_run_s"] = max(0.0, (time.monotonic() - start - parts["startup_s"]) / MORE_RUNS)
            if result.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: the pings playbook failed: {result.stdout[-2000:]}")
            lab.sh("siak-vm", f"rm -rf {folder}")
            parts["floor_s"] = sum(parts[k] for k in ("startup_s", "transfer_s", "unpack_s", "restart_s"))
            parts["url_floor_s"] = parts["startup_s"] + parts["fetch_unpack_s"] + parts["restart_s"]
            return parts

        rounds = []
        for n in range(1, args.rounds + 1):
            # Each round has its own application root and rsync folder, so neither side deletes 5,000
            # files (ext4 with discard) just before the other is timed; the order alternates per round.
            root, url_root = f"/srv/bench/app{n}", f"/srv/bench/app-url{n}"
            upgrade(v1, root)  # v1 installed and serving, as before a real upgrade (not timed)
            upgrade(v1, url_root, port=PORT + 1)
            sides = {
                "a": lambda n=n, root=root: baseline(root, f"/srv/bench/rsync-copy{n}"),
                "b": lambda n=n, root=root: ansistrano(v2, f"/srv/bench/ansistrano{n}", root),
                "c": lambda root=root: upgrade(v2, root),
                "u": lambda url_root=url_root: upgrade(v2, url_root, dist.url(Path(v2.path).name), PORT + 1),
            }
            order = "abcu"[n % 4 :] + "abcu"[: n % 4]
            timed = {side: sides[side]() for side in order}
            (base_s, base_cpu), (ans_s, _ans_cpu), (up_s, up_cpu) = timed["a"], timed["b"], timed["c"]
            url_s = timed["u"][0]
            lab.sh("siak-vm", service(addr, url_root, PORT + 1)["stop_command"])
            # (a) and (b) restart the service of this round's root: it still serves 2.0 from its own release.
            rerun_s = upgrade(v2, root)[0]
            with urllib.request.urlopen(f"http://{addr}:{PORT}/version", timeout=5) as resp:
                served = resp.read().decode().strip()
            parts = floor(root, n)
            rounds.append(
                {
                    "order": order,
                    "baseline_s": round(base_s, 2),
                    "ansistrano_s": round(ans_s, 2),
                    "upgrade_s": round(up_s, 2),
                    "ratio": round(up_s / base_s, 2),
                    "ratio_ansistrano": round(up_s / ans_s, 2),
                    "url_s": round(url_s, 2),
                    "ratio_url": round(url_s / base_s, 2),
                    "ratio_url_ansistrano": round(url_s / ans_s, 2),
                    "rerun_s": round(rerun_s, 2),
                    "baseline_controller_cpu_s": round(base_cpu, 2),
                    "upgrade_controller_cpu_s": round(up_cpu, 2),
                    "served_after": served,
                    **{key: round(value, 2) for key, value in parts.items()},
                    "ratio_floor_baseline": round(parts["floor_s"] / base_s, 2),
                    "ratio_floor_ansistrano": round(parts["floor_s"] / ans_s, 2),
                    "ratio_upgrade_floor": round(up_s / parts["floor_s"], 2),
                    "ratio_url_floor_baseline": round(parts["url_floor_s"] / base_s, 2),
                    "ratio_url_floor_ansistrano": round(parts["url_floor_s"] / ans_s, 2),
                    "ratio_url_upgrade_floor": round(url_s / parts["url_floor_s"], 2),
                }
            )
            print(
                f"round {n} (order {order}): (a) rsync -a + restart {base_s:5.2f} s, (b) ansistrano way {ans_s:5.2f} s, "
                f"(c) siak_upgrade 1.0 -> 2.0 {up_s:5.2f} s; (c)/(a) {up_s / base_s:.2f}, (c)/(b) {up_s / ans_s:.2f}; "
                f"rerun {rerun_s:5.2f} s; "
                f"controller CPU {base_cpu:.1f} / {up_cpu:.1f} s; serving {served or '?'}",
                flush=True,
            )
            print(
                f"  (c') siak_upgrade, the artifact at an http:// URL {url_s:5.2f} s; "
                f"(c')/(a) {url_s / base_s:.2f}, (c')/(b) {url_s / ans_s:.2f}",
                flush=True,
            )
            print(
                f"  (d) floor {parts['floor_s']:5.2f} s = start-up and one module run {parts['startup_s']:.2f} "
                f"+ transfer {parts['transfer_s']:.2f} + tar -xzf {parts['unpack_s']:.2f} "
                f"+ restart {parts['restart_s']:.2f}; (d)/(a) {parts['floor_s'] / base_s:.2f}, "
                f"(d)/(b) {parts['floor_s'] / ans_s:.2f}, (c)/(d) {up_s / parts['floor_s']:.2f}",
                flush=True,
            )
            print(
                f"  (d') URL floor {parts['url_floor_s']:5.2f} s = start-up {parts['startup_s']:.2f} "
                f"+ curl | tar -xzf {parts['fetch_unpack_s']:.2f} + restart {parts['restart_s']:.2f}; "
                f"(d')/(a) {parts['url_floor_s'] / base_s:.2f}, (d')/(b) {parts['url_floor_s'] / ans_s:.2f}, "
                f"(c')/(d') {url_s / parts['url_floor_s']:.2f}; one more module run {parts['module_run_s']:.2f} s",
                flush=True,
            )
            stop = lab.sh("siak-vm", service(addr, root)["stop_command"])  # frees the port for the next round
            if stop.returncode != 0:
                raise SystemExit(f"bench_server_upgrade: stopping round {n}'s service failed: {stop.stderr}")

        def median(key: str) -> float:
            return statistics.median(r[key] for r in rounds)

        def ratio(label: str, key: str, goal: str) -> None:
            per_round = ", ".join(f"{r[key]:.2f}" for r in rounds)
            print(f"{label}: median {median(key):.2f} (goal {goal}); per round {per_round}")

        print(f"(a) rsync -a + restart:        median {median('baseline_s'):5.2f} s")
        print(f"(b) ansistrano way (builtin):  median {median('ansistrano_s'):5.2f} s")
        print(f"(c) siak_upgrade 1.0 -> 2.0:   median {median('upgrade_s'):5.2f} s")
        ratio("(c)/(a)", "ratio", "<= 1.5")
        ratio("(c)/(b)", "ratio_ansistrano", "<= 0.5")
        print(f"(c') siak_upgrade, artifact at a URL: median {median('url_s'):5.2f} s")
        ratio("(c')/(a)", "ratio_url", "<= 1.5")
        ratio("(c')/(b)", "ratio_url_ansistrano", "<= 0.5")
        print(f"rerun at 2.0 (health checked): median {median('rerun_s'):5.2f} s (goal < 3 s)")
        print(
            f"(d) floor of transfer-then-unpack: median {median('floor_s'):5.2f} s "
            f"(start-up {median('startup_s'):.2f}, transfer {median('transfer_s'):.2f}, "
            f"tar -xzf {median('unpack_s'):.2f}, restart {median('restart_s'):.2f}); "
            f"(d)/(a) median {median('ratio_floor_baseline'):.2f}, (d)/(b) median {median('ratio_floor_ansistrano'):.2f}, "
            f"(c)/(d) median {median('ratio_upgrade_floor'):.2f}"
        )
        print(
            f"(d') floor of an upgrade from a URL: median {median('url_floor_s'):5.2f} s "
            f"(start-up {median('startup_s'):.2f}, curl | tar -xzf {median('fetch_unpack_s'):.2f}, "
            f"restart {median('restart_s'):.2f}); (d')/(a) median {median('ratio_url_floor_baseline'):.2f}, "
            f"(d')/(b) median {median('ratio_url_floor_ansistrano'):.2f}, "
            f"(c')/(d') median {median('ratio_url_upgrade_floor'):.2f}"
        )
        print(f"one more module run (a ping, its payload built): median {median('module_run_s'):.2f} s")
        profile_root = "/srv/bench/profiled"
        upgrade(v1, profile_root)
        varfile = base / "vars-profiled.json"
        varfile.write_text(
            json.dumps(
                {
                    "siak_upgrade_version": v2.version,
                    "siak_upgrade_artifact": v2.path,
                    "siak_upgrade_sha256": v2.sha256,
                    "siak_upgrade_root": profile_root,
                    "siak_upgrade_service": service(addr, profile_root),
                    "siak_upgrade_health": {"kind": "http", "url": f"http://{addr}:{PORT}/health"},
                }
            )
        )
        os.sync()
        profiled = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.inventory),
             "tests/playbooks/upgrade_app_only.yml", "-e", f"@{varfile}"],
            cwd=REPO, capture_output=True, text=True, check=False,
            env={**lab.env, "ANSIBLE_CALLBACKS_ENABLED": "dukcapil.siak.agenda,dukcapil.siak.laporan,ansible.posix.profile_tasks",
                 "PROFILE_TASKS_SORT_ORDER": "none", "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all"},
        )  # fmt: skip
        if profiled.returncode != 0:
            print(profiled.stdout[-3000:] + profiled.stderr[-2000:], file=sys.stderr)
            raise SystemExit("bench_server_upgrade: the profiled upgrade failed")
        recap = profiled.stdout[profiled.stdout.rfind("PLAY RECAP") :]
        print("(c) once more, per task (ansible.posix.profile_tasks):")
        print("\n".join(line for line in recap.splitlines() if re.search(r"-{3,} +[0-9.]+s$", line)))
        print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "server_upgrade.json").write_text(
            json.dumps(
                {
                    "size_mib": args.size_mib,
                    "disk": args.disk,
                    "files": args.files,
                    "rounds": rounds,
                    "median_ratio": median("ratio"),
                    "median_ratio_ansistrano": median("ratio_ansistrano"),
                    "median_url_s": median("url_s"),
                    "median_ratio_url": median("ratio_url"),
                    "median_ratio_url_ansistrano": median("ratio_url_ansistrano"),
                    "median_ansistrano_s": median("ansistrano_s"),
                    "median_baseline_s": median("baseline_s"),
                    "median_upgrade_s": median("upgrade_s"),
                    "median_rerun_s": median("rerun_s"),
                    "median_floor_s": median("floor_s"),
                    "median_ratio_floor_baseline": median("ratio_floor_baseline"),
                    "median_ratio_upgrade_floor": median("ratio_upgrade_floor"),
                    "median_ratio_floor_ansistrano": median("ratio_floor_ansistrano"),
                    "median_url_floor_s": median("url_floor_s"),
                    "median_ratio_url_floor_baseline": median("ratio_url_floor_baseline"),
                    "median_ratio_url_floor_ansistrano": median("ratio_url_floor_ansistrano"),
                    "median_ratio_url_upgrade_floor": median("ratio_url_upgrade_floor"),
                    "median_module_run_s": median("module_run_s"),
                    "loadavg": os.getloadavg()[0],
                },
                indent=2,
            )
        )
    finally:
        if dist is not None:
            dist.stop()
        if disk is not None:
            disk.release(lab)
        lab.down()
        subprocess.run(["rm", "-rf", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
