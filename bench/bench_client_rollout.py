"""Benchmark: the client rollout against a naive push and against the lower bound, side by side in one run.

32 lab workstations, a 50 MB client package. Measured in this order, each on fresh target folders and
after a sync (so that no phase pays for the writeback of the one before):

- lower bound: parallel scp and untar of the package to every PC, without Ansible (one ssh per PC at once);
- naive push: ansible.builtin.copy, then ansible.builtin.unarchive, with Ansible's default 5 forks;
- the role: playbooks/client_rollout.yml pulling from the controller's distribution point (client_rollout_serve);
- the rerun: the same command again, with nothing to do.

Prints, per phase, the wall time and the CPU seconds spent on the controller side (ansible, ssh, scp: the
children of this script; the lab hosts' own sshd and commands are not counted), the load average before and
after, and the ratios the issue names (targets: naive/role >= 3, role/lower bound <= 1.5, rerun/first run
<= 0.15). The machine is shared: compare the ratios of one run, and the load, not absolute times. Never
asserted. Run it under the benchmark lock: flock /work/.bench.lock python bench/bench_client_rollout.py
Usage: python bench/bench_client_rollout.py [--pcs 32] [--mib 50]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from client_rollout_kit import free_port, make_package  # noqa: E402
from labkit import make_lab  # noqa: E402

NAIVE = """---
- name: Naive push of the SIAK client
  hosts: workstations
  gather_facts: false
  tasks:
    - name: Make the target folder
      ansible.builtin.file:
        path: /opt/naive
        state: directory
        mode: "0755"
    - name: Copy the package
      ansible.builtin.copy:
        src: {package}
        dest: /tmp/naive-package.tar.gz
        mode: "0600"
    - name: Unpack it
      ansible.builtin.unarchive:
        src: /tmp/naive-package.tar.gz
        dest: /opt/naive
        remote_src: true
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, fn) -> float:
    # Each phase writes 1.7 GB to the lab's disk; without this the next phase would pay for its writeback.
    os.sync()
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    start = time.monotonic()
    fn()
    took = time.monotonic() - start
    print(
        f"  {label:<44} {took:8.1f} s   controller CPU {_children_cpu() - cpu:6.1f} s   load {load:5.1f}",
        flush=True,
    )
    return took


def ssh_base(lab) -> list[str]:
    return [
        "-i",
        str(lab.dir / "id_ed25519"),
        "-o",
        f"UserKnownHostsFile={lab.dir / 'known_hosts'}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
    ]


def lower_bound(lab, package: Path, pcs: list[str]) -> None:
    state = json.loads((lab.dir / "lab.json").read_text())
    port = state["port"]

    def one(pc: str) -> None:
        address = state["hosts"][pc]["address"]
        base = ssh_base(lab)
        subprocess.run(
            ["scp", "-q", "-P", str(port), *base, str(package), f"root@{address}:/tmp/lb-package.tar.gz"],
            check=True,
        )
        subprocess.run(
            [
                "ssh",
                "-p",
                str(port),
                *base,
                f"root@{address}",
                "mkdir -p /opt/lb && tar -xzf /tmp/lb-package.tar.gz -C /opt/lb",
            ],
            check=True,
        )

    with ThreadPoolExecutor(max_workers=len(pcs)) as pool:
        list(pool.map(one, pcs))


def playbook(lab, *args: str) -> subprocess.CompletedProcess:
    result = lab.playbook(*args)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-2000:])
        raise SystemExit(f"bench: ansible-playbook {args[0]} failed with rc {result.returncode}")
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pcs", type=int, default=32)
    p.add_argument("--mib", type=int, default=50)
    p.add_argument("--net", default=os.environ.get("SIAK_BENCH_NET", "127.75.1"))
    args = p.parse_args()
    if os.geteuid() != 0:
        print("bench: needs root (the lab mounts namespaces and runs sshd)")
        return 2
    pcs = [f"pc{i:02d}" for i in range(1, args.pcs + 1)]
    with tempfile.TemporaryDirectory(prefix="bench-client-rollout-") as tmp:
        base = Path(tmp)
        lab = make_lab(base, os.getpid(), workstations=args.pcs)
        lab.net = args.net
        package, _sha = make_package(base / "dist", "9.9.0", payload_bytes=args.mib * 1024 * 1024)
        naive = base / "naive.yml"
        naive.write_text(NAIVE.format(package=package))
        print(f"bench_client_rollout: {args.pcs} workstations, package {package.stat().st_size / 1e6:.1f} MB")
        print(
            f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}"
        )
        lab.up()
        try:
            # Warm every SSH host key and the package in the page cache, equally for everyone.
            lab.ansible("workstations", "ansible.builtin.ping")
            role_args = [
                "playbooks/client_rollout.yml",
                "-e",
                "client_rollout_version=9.9.0",
                "-e",
                f"client_rollout_package_path={package}",
                "-e",
                "client_rollout_serve=true",
                "-e",
                f"client_rollout_serve_address={args.net}.1",
                "-e",
                f"client_rollout_serve_port={free_port(args.net + '.1')}",
            ]
            t_lower = timed("lower bound (parallel scp + untar)", lambda: lower_bound(lab, package, pcs))
            t_naive = timed(
                "naive push (copy + unarchive, 5 forks)", lambda: playbook(lab, str(naive), "-f", "5")
            )
            t_role = timed("client_rollout (pull, canary + waves)", lambda: playbook(lab, *role_args))
            t_rerun = timed("client_rollout rerun (nothing to do)", lambda: playbook(lab, *role_args))
            # One more rerun, untimed, with ansible.posix.profile_tasks: where a rerun's time goes.
            profiled = subprocess.run(
                [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.inventory), *role_args],
                cwd=REPO, capture_output=True, text=True, check=False,
                env={**lab.env, "ANSIBLE_CALLBACKS_ENABLED": "dukcapil.siak.agenda,ansible.posix.profile_tasks",
                     "PROFILE_TASKS_SORT_ORDER": "none", "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all"},
            )  # fmt: skip
            recap = profiled.stdout[profiled.stdout.rfind("PLAY RECAP") :]
            rerun_tasks = [line for line in recap.splitlines() if re.search(r"-{3,} +[0-9.]+s$", line)]
        finally:
            lab.down()
    print()
    print(f"  naive push / role      {t_naive / t_role:7.3f}x  (target >= 3)")
    print(f"  role / lower bound     {t_role / t_lower:7.3f}x  (target <= 1.5)")
    print(f"  rerun / first run      {t_rerun / t_role:7.3f}   (target <= 0.15)")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("  a rerun, per task (ansible.posix.profile_tasks, untimed):")
    print("\n".join(f"    {line}" for line in rerun_tasks))
    print(
        f"  uptime: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
