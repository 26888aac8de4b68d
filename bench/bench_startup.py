"""siak-sop's start-up: `siak-sop budgets upgrade` in two checkouts, side by side, interleaved.

Every siak-sop command first starts ansible-core's collection loader, finds the installed collection with
it and loads its logic (src/siak_sop/collection.py). This measures what that
costs against a baseline checkout: give the baseline's folder (its .venv and ansible.cfg are used).

    python bench/bench_startup.py [BASELINE_CHECKOUT] [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline", type=Path, nargs="?", help="a checkout to compare with (its .venv)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    sides = {"this checkout": REPO}
    if args.baseline:
        sides["baseline"] = args.baseline.resolve()
    times: dict[str, list[float]] = {name: [] for name in sides}
    print("load before", os.getloadavg())
    for round_no in range(args.rounds):
        order = list(sides.items()) if round_no % 2 == 0 else list(reversed(sides.items()))
        for name, folder in order:
            env = {**os.environ, "ANSIBLE_CONFIG": str(folder / "ansible.cfg")}
            started = time.perf_counter()
            subprocess.run(
                [str(folder / ".venv" / "bin" / "siak-sop"), "budgets", "upgrade"],
                cwd=folder,
                env=env,
                capture_output=True,
                check=True,
            )
            times[name].append(time.perf_counter() - started)
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s over {len(values)} runs")
    if args.baseline:
        ratio = statistics.median(times["this checkout"]) / statistics.median(times["baseline"])
        print(f"ratio this/baseline: {ratio:.2f}")
    print("load after", os.getloadavg())


if __name__ == "__main__":
    main()
