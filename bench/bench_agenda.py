"""Benchmark: the agenda callback's cost on a 1,000-task playbook, against the same run without it.

With the callback, every run is also sealed as an office's would be: its head signed with an SSH key
(ssh-keygen -Y sign) and chained into the day's chain.

The playbook runs on localhost (the controller itself, connection local), tasks tagged with SOP step ids
in blocks, so every event goes through the callback: a task_start and a task line per task, hashed and
appended. Runs alternate (without, with; then with, without) several times in one process; the ratios
of the median wall-clock times and of the median CPU times are printed (target: at most 1.05). The CPU
ratio is the steadier figure on a machine others share. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STEPS = ["prepare", "open_app_folder", "replace_app", "open_proxy_folder", "replace_proxy"]


def playbook(tasks: int) -> str:
    lines = [
        "---",
        "- name: Bench | Many small steps",
        "  hosts: localhost",
        "  connection: local",
        "  gather_facts: false",
        "  tasks:",
    ]
    per_block = tasks // len(STEPS)
    for b, step in enumerate(STEPS):
        count = per_block if b < len(STEPS) - 1 else tasks - per_block * (len(STEPS) - 1)
        lines += [f"    - name: Bench | Step {step}", f"      tags: [{step}]", "      block:"]
        for i in range(count):
            lines += [
                f"        - name: Bench | Task {b}-{i}",
                "          ansible.builtin.debug:",
                f"            msg: step {step} task {i}",
                "            verbosity: 0",
            ]
    return "\n".join(lines) + "\n"


def configs(tmpdir: Path) -> dict[bool, Path]:
    """The checkout's ansible.cfg twice, the same but for the line that enables the callback."""
    text = (REPO / "ansible.cfg").read_text(encoding="utf-8")
    text = text.replace("./build/collections", str(REPO / "build" / "collections"))
    found = {}
    for with_agenda in (True, False):
        lines = text.splitlines()
        if not with_agenda:
            lines = [line for line in lines if not line.startswith("callbacks_enabled")]
        path = tmpdir / f"ansible-{'with' if with_agenda else 'without'}.cfg"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        found[with_agenda] = path
    return found


def run_once(
    book: Path, cfg: dict[bool, Path], with_agenda: bool, agenda_dir: Path, index: int, *, key: Path
) -> tuple[float, float]:
    """Wall-clock and CPU seconds (ansible-playbook and every process it started) of one run."""
    env = dict(os.environ)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    env.update(
        ANSIBLE_CONFIG=str(cfg[with_agenda]),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.null",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        SIAK_AGENDA_DIR=str(agenda_dir),
        SIAK_RUN_ID=f"bench-{index}",
        SIAK_AGENDA_SIGNING_KEY=str(key),
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", str(book)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"bench run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    written = list(agenda_dir.glob(f"*/bench-{index}.jsonl"))
    if bool(written) != with_agenda:
        sys.exit(f"run {index}: agenda {'missing' if with_agenda else 'written although switched off'}")
    if with_agenda:
        seal = json.loads(written[0].with_name(f"bench-{index}.seal.json").read_text(encoding="utf-8"))
        if "BEGIN SSH SIGNATURE" not in seal.get("signature", ""):
            sys.exit(f"run {index}: the agenda was not signed")
    return took, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-agenda-") as tmp:
        tmpdir = Path(tmp)
        book = tmpdir / "bench.yml"
        book.write_text(playbook(args.tasks), encoding="utf-8")
        agenda_dir = tmpdir / "agenda"
        cfg = configs(tmpdir)
        key = tmpdir / "agenda_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        times: dict[str, list[float]] = {"without": [], "with": []}
        cpus: dict[str, list[float]] = {"without": [], "with": []}
        index = 0
        warm = tmpdir / "warm.yml"
        warm.write_text(playbook(10), encoding="utf-8")
        run_once(warm, cfg, True, agenda_dir, index, key=key)  # warm the page cache (imports, the SOP tables)
        for rep in range(args.reps):
            # alternate which side goes first, so a drift in machine load hits both alike
            order = ("without", "with") if rep % 2 == 0 else ("with", "without")
            for side in order:
                index += 1
                wall, cpu = run_once(book, cfg, side == "with", agenda_dir, index, key=key)
                times[side].append(wall)
                cpus[side].append(cpu)
                print(f"rep {rep + 1} {side:>7} the agenda: wall {wall:7.2f} s, cpu {cpu:7.2f} s", flush=True)
        lines = sum(1 for _line in next(agenda_dir.glob(f"*/bench-{index}.jsonl"), Path(os.devnull)).open())
        without, with_ = statistics.median(times["without"]), statistics.median(times["with"])
        ratio = with_ / without
        cpu_without, cpu_with = statistics.median(cpus["without"]), statistics.median(cpus["with"])
        cpu_ratio = cpu_with / cpu_without
        summary = {
            "tasks": args.tasks,
            "reps": args.reps,
            "median_without_s": round(without, 2),
            "median_with_s": round(with_, 2),
            "ratio": round(ratio, 3),
            "median_cpu_without_s": round(cpu_without, 2),
            "median_cpu_with_s": round(cpu_with, 2),
            "cpu_ratio": round(cpu_ratio, 3),
            "target": 1.05,
            "runs_without_s": [round(t, 2) for t in times["without"]],
            "runs_with_s": [round(t, 2) for t in times["with"]],
            "cpu_without_s": [round(t, 2) for t in cpus["without"]],
            "cpu_with_s": [round(t, 2) for t in cpus["with"]],
        }
    print(
        f"agenda callback with signing, {args.tasks} tasks on localhost, {args.reps} alternating reps: "
        f"median without {without:.2f} s, with {with_:.2f} s, ratio {ratio:.3f} (target <= 1.05)"
    )
    print(
        f"CPU seconds (ansible-playbook and its workers): median without {cpu_without:.2f}, "
        f"with {cpu_with:.2f}, ratio {cpu_ratio:.3f}"
    )
    if lines:
        print(f"agenda lines per run: {lines}")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "bench_agenda.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
