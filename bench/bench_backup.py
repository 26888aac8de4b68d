"""Benchmark: the role's verified copy of a 2 GiB dump to the second disk, side by side with the baselines.

Starts its own lab, writes a 2 GiB dump-like file on siak-db, then on siak-db itself (over SSH):
  - plain `cp` (returns before the data is on the disk: a lower bound that proves nothing);
  - what a careful ADB types: `cp`, `sync`, `sha256sum` of the source, then `sha256sum` of the copy read
    back from the medium with its cached pages dropped first;
  - the physical floor: an O_DIRECT write of the file (`dd oflag=direct`), then an O_DIRECT read-back;
  - dukcapil.siak.verified_copy as the role runs it by default: the source read once, hashed while the
    copy is written with direct I/O and each 64 MiB of it hashed, fsync, then the whole copy read back
    from the medium with direct I/O, each 64 MiB hashed again (one thread per core) and compared;
  - zstd -T0 of the file (all cores): its size ratio and time.
The source's cached pages are dropped (for that file only) before every run, so each starts cold. Times of
verified_copy are the module's own (the copy, not Ansible's start-up). Prints the ratios the issue sets
goals for (verified / careful <= 0.5, verified / floor <= 1.25), and the load average before and after,
since the machine is shared. Asserts nothing.
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
        dest = f"{DISK2}/copy.dmp"
        careful = (
            f"cp {SRC} {dest} && sync {dest} && sha256sum {SRC} >/dev/null"
            f" && dd if={dest} iflag=nocache count=0 status=none && sha256sum {dest} >/dev/null"
        )
        floor = (
            f"dd if={SRC} of={dest} bs=8M iflag=direct oflag=direct status=none"
            f" && dd if={dest} of=/dev/null bs=8M iflag=direct status=none"
        )
        rows: dict[str, list[float]] = {
            "cp": [],
            "careful ADB (cp, sync, 2x sha256sum)": [],
            "floor (O_DIRECT write + read)": [],
            "verified copy (role default)": [],
        }
        for _round in range(ROUNDS):
            for name, command in (
                ("cp", f"cp {SRC} {dest}"),
                ("careful ADB (cp, sync, 2x sha256sum)", careful),
                ("floor (O_DIRECT write + read)", floor),
            ):
                cold(lab, SRC)
                rows[name].append(timed_inside(lab, command))
                lab.sh("siak-db", f"sync; rm -f {dest}")
            cold(lab, SRC)
            rows["verified copy (role default)"].append(verified_copy(lab, dest, True))
            lab.sh("siak-db", f"rm -f {dest}")
        cold(lab, SRC)
        zstd_s = timed_inside(lab, f"zstd -T0 -q -f {SRC} -o {DISK2}/z.zst && sync {DISK2}/z.zst")
        sizes = lab.sh("siak-db", f"stat -c %s {SRC} {DISK2}/z.zst").stdout.split()
        lab.sh("siak-db", f"rm -f {DISK2}/z.zst {SRC}")

        best = {k: min(v) for k, v in rows.items()}
        verified = best["verified copy (role default)"]
        mib = SIZE_MIB
        print(
            f"\nbench_backup: {mib} MiB dump to /mnt/disk2 on siak-db, best of {ROUNDS} (source cold each time)"
        )
        print(f"{'method':<40} {'seconds':>8} {'MiB/s':>8} {'verified/this':>14}")
        for name, secs in best.items():
            print(f"{name:<40} {secs:8.2f} {mib / secs:8.1f} {verified / secs:14.2f}")
        print(f"{'zstd -T0 (+sync)':<40} {zstd_s:8.2f} {mib / zstd_s:8.1f} {verified / zstd_s:14.2f}")
        print(f"zstd -T0 size ratio (compressed/original): {int(sizes[1]) / int(sizes[0]):.3f}")
        print(
            f"goals: verified / careful = {verified / best['careful ADB (cp, sync, 2x sha256sum)']:.2f} (<= 0.5), "
            f"verified / floor = {verified / best['floor (O_DIRECT write + read)']:.2f} (<= 1.25)"
        )
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
