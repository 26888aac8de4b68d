"""Benchmark: a verified copy of a 2 GiB dump to the second disk against plain `cp`, side by side.

Starts its own lab, writes a 2 GiB dump-like file on siak-db, then on siak-db itself (over SSH):
  - `cp` of the file to /mnt/disk2, and `cp` followed by `sync` of the copy (what a durable copy costs);
  - dukcapil.siak.verified_copy of the same file: the source is read once and hashed (SHA-256) on one
    thread while another writes the copy, whose writeback is started every 64 MiB; then fsync and the
    read-back, once from the medium after the whole copy is written (the role's default: reading and
    hashing overlap) and once from the page cache (pipelined: each segment read back while the next is
    copied, so the two SHA-256 passes run on both cores at once);
  - zstd -T0 of the file (all cores): size and time ratio against cp.
The source's cached pages are dropped (for that file only) before every run, so each starts cold.
Times of verified_copy are the module's own (copy only, not Ansible's start-up). Prints ratios against
cp (the issue's target: at most 1.3) and against cp+sync (a durable copy), and the load average before
and after, since the machine is shared. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from labkit import make_lab

SIZE_MIB = int(os.environ.get("BENCH_BACKUP_MIB", "2048"))
SRC = "/srv/bench/master.dmp"
DISK2 = "/mnt/disk2/bench"
ROUNDS = int(os.environ.get("BENCH_BACKUP_ROUNDS", "2"))

# Dump-like content: fixed-width rows of digits and names, compressible the way table data is.
MAKE_DUMP = f"""
import os, random
rng = random.Random(6)
names = [b"SITI", b"AHMAD", b"BUDI", b"DEWI", b"RINA", b"AGUS", b"SRI", b"EKO", b"NUR", b"YULI"]
rows = []
for i in range(400000):
    nik = b"%016d" % rng.randrange(10**15, 10**16)
    rows.append(nik + b"|" + rng.choice(names) + b" " + rng.choice(names) + b"|%08d|%d|%03d\\n" % (
        rng.randrange(19400101, 20251231), rng.randrange(2), rng.randrange(1000)))
block = b"".join(rows)
block = (block * (64 * 1048576 // len(block) + 1))[: 64 * 1048576]
os.makedirs("/srv/bench", exist_ok=True)
with open("{SRC}", "wb") as fh:
    for n in range({SIZE_MIB} // 64):
        fh.write(block[n:] + block[:n])
    fh.flush()
    os.fsync(fh.fileno())
"""


def timed(lab, command: str) -> float:
    start = time.monotonic()
    result = lab.sh("siak-db", command)
    if result.returncode != 0:
        raise SystemExit(f"bench: {command} failed: {result.stderr}")
    return time.monotonic() - start


def timed_inside(lab, command: str) -> float:
    """Wall time measured on siak-db itself (no SSH start-up in it)."""
    out = lab.sh("siak-db", f"s=$(date +%s.%N); {command}; e=$(date +%s.%N); echo $s $e")
    if out.returncode != 0:
        raise SystemExit(f"bench: {command} failed: {out.stderr}")
    start, end = out.stdout.split()[-2:]
    return float(end) - float(start)


def cold(lab, path: str) -> None:
    lab.sh("siak-db", f"dd if={path} iflag=nocache count=0 status=none")


def verified_copy(lab, dest: str, from_disk: bool) -> float:
    args = f"src={SRC} dest={dest} from_disk={from_disk}"
    result = lab.ansible("siak-db", "dukcapil.siak.verified_copy", args)
    match = re.search(r"=> (\{.*\})", result.stdout)
    if result.returncode != 0 or not match:
        raise SystemExit(f"bench: verified_copy failed: {result.stdout[-2000:]}")
    data = json.loads(match.group(1))
    assert data["verified"]
    return float(data["duration_s"])


def main() -> int:
    if os.geteuid() != 0:
        print("bench_backup: needs root (the lab)")
        return 2
    load_before = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    lab = make_lab(base, os.getpid() + 7, workstations=0)
    try:
        lab.up()
        print(f"making a {SIZE_MIB} MiB dump-like file on siak-db ...", flush=True)
        timed(lab, f"python3 - <<'PY'\n{MAKE_DUMP}\nPY")
        timed(lab, f"mkdir -p {DISK2}")
        rows = {
            "cp": [],
            "cp+sync": [],
            "verified (read back from disk)": [],
            "verified (read back cached)": [],
        }
        for _round in range(ROUNDS):
            cold(lab, SRC)
            rows["cp"].append(timed_inside(lab, f"cp {SRC} {DISK2}/cp.dmp"))
            lab.sh("siak-db", f"sync; rm -f {DISK2}/cp.dmp")
            cold(lab, SRC)
            rows["cp+sync"].append(timed_inside(lab, f"cp {SRC} {DISK2}/cp.dmp && sync {DISK2}/cp.dmp"))
            lab.sh("siak-db", f"rm -f {DISK2}/cp.dmp")
            cold(lab, SRC)
            rows["verified (read back from disk)"].append(verified_copy(lab, f"{DISK2}/v.dmp", True))
            lab.sh("siak-db", f"rm -f {DISK2}/v.dmp")
            cold(lab, SRC)
            rows["verified (read back cached)"].append(verified_copy(lab, f"{DISK2}/v.dmp", False))
            lab.sh("siak-db", f"rm -f {DISK2}/v.dmp")
        cold(lab, SRC)
        zstd_s = timed_inside(lab, f"zstd -T0 -q -f {SRC} -o {DISK2}/z.zst && sync {DISK2}/z.zst")
        sizes = lab.sh("siak-db", f"stat -c %s {SRC} {DISK2}/z.zst").stdout.split()
        lab.sh("siak-db", f"rm -f {DISK2}/z.zst {SRC}")

        best = {k: min(v) for k, v in rows.items()}
        mib = SIZE_MIB
        print(
            f"\nbench_backup: {mib} MiB dump to /mnt/disk2 on siak-db, best of {ROUNDS} (source cold each time)"
        )
        print(f"{'method':<34} {'seconds':>8} {'MiB/s':>8} {'vs cp':>7} {'vs cp+sync':>11}")
        for name, secs in best.items():
            print(
                f"{name:<34} {secs:8.2f} {mib / secs:8.1f} {secs / best['cp']:7.2f} "
                f"{secs / best['cp+sync']:11.2f}"
            )
        print(
            f"{'zstd -T0 (+sync)':<34} {zstd_s:8.2f} {mib / zstd_s:8.1f} {zstd_s / best['cp']:7.2f} "
            f"{zstd_s / best['cp+sync']:11.2f}"
        )
        print(f"zstd size ratio (compressed/original): {int(sizes[1]) / int(sizes[0]):.3f}")
        load_after = os.getloadavg()
        print(
            "load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}; at end: {:.2f} {:.2f} {:.2f}"
            " on {} cores".format(*load_before, *load_after, os.cpu_count())
        )
        print(f"all rounds: {json.dumps({k: [round(x, 2) for x in v] for k, v in rows.items()})}")
    finally:
        lab.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
