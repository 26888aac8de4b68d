"""siak-sop run against plain ansible-playbook on the same lab run, side by side (target: ratio <= 1.1).

Self-contained: starts its own lab (root, real SSH), runs the same playbook both ways, alternating
which goes first each round, and prints the median wall and CPU times and their ratios, for a quick
run and for an SOP-like run where one step waits 30 s on its work. Both runs have the
agenda callback on (the checkout's ansible.cfg enables it), so the difference is the wrapper itself:
ansible-runner, the live progress, the budgets and the Laporan (HTML, and the PDF unless --no-pdf).
The quick run shows the wrapper's fixed cost: starting before the playbook (imports, checks), and
finishing after it (the verdicts and the Laporan; the PDF is rendered while Ansible exits). The load
average is printed before and after: compare ratios measured side by side, not absolute times.

    python bench/bench_wrapper.py [--rounds 3] [--workstations 4] [--playbook tests/playbooks/sop_steps.yml]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from labkit import BIN, make_lab  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time, and the CPU time (user + system) of the command and everything it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(
            f"bench: {' '.join(cmd[:3])} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return took, cpu


# Two runs of the same playbook: the quick one (every step a second or two: the wrapper's fixed cost
# shows most) and one shaped like an SOP run, where a step waits on real work (here 30 s on step 2).
WORKLOADS = {
    "quick": [],
    "sop-like": ["-e", "siak_test_slow_step=start_server", "-e", "siak_test_sleep_s=30"],
}


def measure(variants: dict[str, list[str]], env: dict[str, str], rounds: int, label: str) -> dict:
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(rounds):
        order = list(variants) if round_no % 2 == 0 else list(reversed(variants))
        for name in order:
            wall, used = timed(variants[name], env)
            times[name].append(wall)
            cpu[name].append(used)
        print(
            f"{label} round {round_no + 1}: "
            + ", ".join(f"{n} {times[n][-1]:.1f}s (cpu {cpu[n][-1]:.1f}s)" for n in variants),
            flush=True,
        )
    return {"times": times, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workstations", type=int, default=4)
    parser.add_argument("--playbook", default="tests/playbooks/sop_steps.yml")
    parser.add_argument("--sop", default="upgrade", help="the SOP whose table the wrapper applies")
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (the lab uses namespaces)")
    results = {}
    print(
        "load average (1, 5, 15 min) at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True
    )
    with tempfile.TemporaryDirectory(prefix="bench-wrapper-") as tmp:
        lab = make_lab(Path(tmp), os.getpid() + 7, workstations=args.workstations)
        try:
            lab.up()
            env = {**lab.env, "SIAK_PROGRESS": "plain"}
            inventory = str(lab.inventory)
            timed([str(BIN / "ansible-playbook"), "-i", inventory, args.playbook], env)  # warm up
            for name, extra in WORKLOADS.items():
                if args.workload not in ("all", name):
                    continue
                plain = [str(BIN / "ansible-playbook"), "-i", inventory, args.playbook, *extra]
                wrapper = [
                    str(BIN / "siak-sop"),
                    "run",
                    args.sop,
                    "--playbook",
                    args.playbook,
                    "-i",
                    inventory,
                ]
                wrapper += extra
                variants = {
                    "ansible-playbook": plain,
                    "siak-sop run": wrapper,
                    "siak-sop run --no-pdf": [*wrapper, "--no-pdf"],
                }
                results[name] = measure(variants, env, args.rounds, name)
        finally:
            lab.down()
    print(f"\n{args.playbook}, lab of {args.workstations} workstations, {args.rounds} rounds, medians:")
    print(f"  {'workload':<10} {'':<24} {'wall':>8} {'ratio':>6}   {'cpu':>7} {'ratio':>6}")
    for name, found in results.items():
        times, cpu = found["times"], found["cpu"]
        base, base_cpu = (
            statistics.median(times["ansible-playbook"]),
            statistics.median(cpu["ansible-playbook"]),
        )
        for variant in times:
            wall, used = statistics.median(times[variant]), statistics.median(cpu[variant])
            print(
                f"  {name:<10} {variant:<24} {wall:7.1f}s {wall / base:6.2f}   {used:6.1f}s {used / base_cpu:6.2f}"
            )
    print("load average (1, 5, 15 min) at end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("target: siak-sop run / ansible-playbook <= 1.1 (wall). CPU is printed too: on a shared, loaded")
    print("machine the wall times swing with other work, the CPU each run used much less.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
