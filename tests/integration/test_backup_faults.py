"""The backup under faults, live in the lab: damaged copies and retention, leftovers of cut-off runs on a
nearly full flashdisk, a SIGKILL mid-export, a cancel at a step's hard limit, the restore drill, and the
steps' tags. Every test checks the server's real state afterwards (folders, files, processes, the lock).

No Oracle runs in the lab: the stand-in (tests/lab/siak_lab/standins/oracle_export.py) runs a Data Pump job
apart from its client, as a database does, so killing the client leaves the job running.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_backup import PASSWORD, ROOT, backup, backup_laporan, folders, newest_run, seed_backup, sh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labkit import BIN, REPO, laporan, pdf_text, run_results

LOCK = f"{ROOT}/.siak-backup.lock"
PARAM = f"{ROOT}/.siak-backup-param"
JOB = "/var/log/siak-lab/datapump-jobs/SYSTEM.SIAK_BACKUP.json"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def standin(lab, mode: str = "success", size_kib: int = 1024, delay_s: int = 0, release: str = "19.3.0.0.0"):
    script = (
        "import json; p='/etc/siak-lab/oracle-standin.json'; c=json.load(open(p)); "
        f"c.update(mode='{mode}', size_kib={size_kib}, delay_s={delay_s}, release='{release}'); "
        "json.dump(c, open(p, 'w'))"
    )
    assert lab.sh("siak-db", f'python3 -c "{script}"').returncode == 0


def flip(lab, path: str, offset: int = 0) -> None:
    """One byte of a file changed in place (its size stays; its mtime changes, as any write's does)."""
    code = (
        f"f=open('{path}','r+b'); f.seek({offset}); b=f.read(1); f.seek({offset}); "
        "f.write(bytes([b[0] ^ 1])); f.close()"
    )
    sh(lab, "siak-db", f'python3 -c "{code}"')


def descendants(pid: int) -> list[int]:
    """Every process below pid on this machine (children first found, then theirs)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(lab, pid: int) -> bool:
    return lab.sh("siak-db", f"kill -0 {int(pid)}").returncode == 0


def job_pid(lab) -> int:
    out = sh(lab, "siak-db", f"cat {JOB} 2>/dev/null || echo '{{}}'")
    return int(json.loads(out).get("pid") or 0)


def assert_nothing_left(lab, export_pids: list[int]) -> None:
    """No lock, no parameter file (it holds the password), no export process, no Data Pump job."""
    assert sh(lab, "siak-db", f"ls -a {LOCK} {PARAM} 2>/dev/null || true") == ""
    for pid in export_pids:
        assert not alive(lab, pid), f"export process {pid} still runs"
    pid = job_pid(lab)
    assert not pid or not alive(lab, pid), f"Data Pump job process {pid} still runs"


def test_retention_counts_only_copies_whose_content_matches(db):
    lab = db
    standin(lab, "success", 256)
    enough, few = "/mnt/disk2/ret-enough", "/mnt/disk2/ret-few"
    for name in ("05122026", "04122026", "03122026", "02122026", "01122026", "30112026"):
        seed_backup(lab, "siak-db", enough, name)
    for name in ("05122026", "04122026", "03122026"):
        seed_backup(lab, "siak-db", few, name)
    seed_backup(lab, "siak-db", enough, "28112026", manifest=False)  # an office's own folder
    for dest in (enough, few):  # the two copies before the new one are damaged; their manifests stay
        flip(lab, f"{dest}/05122026/master.dmp")
        flip(lab, f"{dest}/04122026/master.dmp")
    destinations = [
        {
            "name": "enough",
            "type": "path",
            "path": enough,
            "mount_point": "/mnt/disk2",
            "keep_daily": 3,
            "keep_monthly": 0,
        },
        {
            "name": "few",
            "type": "path",
            "path": few,
            "mount_point": "/mnt/disk2",
            "keep_daily": 3,
            "keep_monthly": 0,
        },
    ]
    result = backup(
        lab, oracle_backup_now="2026-12-06T20:00:00+07:00", oracle_backup_destinations=destinations
    )
    assert result.returncode == 0, result.stdout[-4000:]
    # Three good backups stay where three were meant to: the new one and the two newest good older ones.
    # With three good ones, the damaged ones need no longer be kept; they are named in the result.
    assert folders(lab, "siak-db", enough) == {"06122026", "03122026", "02122026", "28112026"}
    # Too few good ones: nothing good is deleted, and the damaged ones are kept for inspection.
    assert folders(lab, "siak-db", few) == {"06122026", "05122026", "04122026", "03122026"}
    (said,) = [
        line for line in result.stdout.splitlines() if '"msg":' in line and "ditemukan cadangan rusak" in line
    ]
    # The backup_folder module's reasons come back as catalogue messages and are said on the controller.
    assert re.search(
        r"ditemukan cadangan rusak: enough: 05122026 \(master.dmp tidak cocok dengan checksum-nya \(manifest \w+\.\.\., "
        r"berkas \w+\.\.\.\)\), 04122026 \(.*\), dihapus: masih ada 3 cadangan baik di sana; few: 05122026 \(.*\), "
        r"04122026 \(.*\), disimpan untuk diperiksa: kurang dari 3 cadangan baik di sana\. Periksa disk tersebut",
        said,
    ), said
    # Each good copy now carries the record of its verification; a damaged one does not.
    for name in ("06122026", "03122026", "02122026"):
        record = json.loads(sh(lab, "siak-db", f"cat {enough}/{name}/.siak-verified"))
        assert set(record["files"]) == {"SHA256SUMS", "master.dmp"} | (
            {"master.log"} if name == "06122026" else set()
        )
    assert sh(lab, "siak-db", f"ls -a {few}/05122026/.siak-verified 2>/dev/null || true") == ""
    cells, _report = backup_laporan(lab, newest_run(lab))
    retention = cells["Retensi (backup lama yang dihapus)"].splitlines()
    assert (
        "few: disimpan 06122026, 03122026; dihapus -; rusak, disimpan untuk diperiksa 05122026, 04122026"
        in (retention)
    ), retention


def test_a_cut_off_runs_leftovers_are_removed_before_they_fill_the_flashdisk(db):
    """What a power cut leaves: a lock of a process that is gone, a half-made server folder, and a partial
    copy that fills most of the 256 MiB flashdisk. The rerun removes them first, then backs up."""
    lab = db
    standin(lab, "success", 64 * 1024)
    sh(
        lab,
        "siak-db",
        "mkdir -p /media/flashdisk/13122026.partial && head -c 190M /dev/zero > /media/flashdisk/13122026.partial/master.dmp",
    )
    sh(lab, "siak-db", f"mkdir -p {ROOT}/13122026.partial && echo half > {ROOT}/13122026.partial/master.dmp")
    gone = subprocess.run(["true"], check=True)  # a process of this controller that has ended
    del gone
    dead_pid = os.getpid() + 4_000_000  # no process has this pid (beyond pid_max)
    holder = {
        "token": "feedfacefeedfacefeedface",
        "run_id": "cut-by-power",
        "user": "adb",
        "host": socket.gethostname(),
        "boot_id": Path("/proc/sys/kernel/random/boot_id").read_text().strip(),
        "pid": dead_pid,
        "pid_start": "12345",
        "since": "2026-12-13T20:00:00+0700",
        "since_epoch": int(time.time()),
    }
    sh(lab, "siak-db", f"echo '{json.dumps(holder)}' > {LOCK}")
    destinations = [{"name": "flashdisk", "type": "path", "path": "/media/flashdisk"}]
    result = backup(
        lab, oracle_backup_now="2026-12-20T20:00:00+07:00", oracle_backup_destinations=destinations
    )
    assert result.returncode == 0, result.stdout[-4000:]
    out = result.stdout + result.stderr
    assert f"{LOCK} diambil alih dari jalan cut-by-power oleh adb di {socket.gethostname()}" in out
    assert "prosesnya sudah tidak berjalan" in out
    assert "folder setengah jadi 13122026.partial" in out
    assert "13122026.partial" not in folders(lab, "siak-db", "/media/flashdisk")
    assert "13122026.partial" not in folders(lab, "siak-db", ROOT)
    assert sh(lab, "siak-db", "cd /media/flashdisk/20122026 && sha256sum -c SHA256SUMS").count(": OK") == 2
    assert_nothing_left(lab, [])
    cells, _report = backup_laporan(lab, newest_run(lab))
    cleaned = cells["Sisa run yang terputus, sudah dibersihkan"].splitlines()
    assert "flashdisk: folder setengah jadi 13122026.partial" in cleaned, cleaned
    assert "server: folder setengah jadi 13122026.partial" in cleaned, cleaned
    sh(lab, "siak-db", "rm -rf /media/flashdisk/20122026")  # 64 MiB: leave the flashdisk to the other tests


def test_sigkill_mid_export_then_the_rerun_stops_the_export_and_its_job(db):
    lab = db
    standin(lab, "success", 1024, delay_s=60)
    extra = {
        "oracle_backup_now": "2026-12-27T20:00:00+07:00",
        "oracle_backup_poll_s": 1,
        "oracle_backup_destinations": [],
    }
    cmd = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory),
        "playbooks/backup.yml",
        "-e",
        json.dumps(extra),
    ]
    run = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=lab.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        holder: dict = {}
        while time.monotonic() < deadline and not holder.get("target"):
            time.sleep(1)
            text = lab.sh("siak-db", f"cat {LOCK} 2>/dev/null").stdout.strip()
            holder = json.loads(text) if text.startswith("{") else {}
        assert holder.get("target"), "the export never started"
    finally:
        # SIGKILL the whole run: ansible-playbook and its workers (which start sessions of their own).
        for pid in [run.pid, *descendants(run.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        run.wait()
    export_pid = int(holder["target"][0]["pid"])
    # What the SIGKILL left: the lock, the parameter file with the password, the export and its job.
    assert alive(lab, export_pid) and job_pid(lab) and alive(lab, job_pid(lab))
    assert PASSWORD in sh(lab, "siak-db", f"cat {PARAM}/export.par")
    killed_job = job_pid(lab)
    standin(lab, "success", 1024, delay_s=0)
    result = backup(lab, **extra)
    assert result.returncode == 0, result.stdout[-4000:]
    out = result.stdout + result.stderr
    assert f"{LOCK} diambil alih dari jalan" in out and "prosesnya sudah tidak berjalan" in out
    assert f"proses ekspor pid {export_pid}" in out and "job Data Pump SIAK_BACKUP" in out
    assert not alive(lab, killed_job)
    assert_nothing_left(lab, [export_pid])
    assert sh(lab, "siak-db", f"cd {ROOT}/27122026 && sha256sum -c SHA256SUMS").count(": OK") == 2


def as_awx_job(job_id: int, template_id: int, extra: dict) -> list[str]:
    """ansible-playbook as an AWX job runs it: in a container of its own (here a UTS namespace with the
    job pod's host name, so no process of another job can be looked at) with AWX's own extra variables."""
    awx = {"awx_job_id": job_id, "awx_job_template_id": template_id, "awx_user_name": "adb"}
    return [
        "unshare",
        "--uts",
        "sh",
        "-c",
        f'hostname automation-job-{job_id}-x && exec "$@"',
        "sh",
        str(BIN / "ansible-playbook"),
        "-e",
        json.dumps({**extra, **awx}),
    ]


def test_an_awx_cancel_is_cleaned_up_by_the_next_job_of_the_backup_template(db):
    lab = db
    standin(lab, "success", 1024, delay_s=60)
    extra = {
        "oracle_backup_now": "2026-12-28T20:00:00+07:00",
        "oracle_backup_poll_s": 1,
        "oracle_backup_destinations": [],
    }
    inventory = ["-i", str(lab.inventory), "playbooks/backup.yml"]
    run = subprocess.Popen(
        [*as_awx_job(101, 7, extra), *inventory],
        cwd=REPO,
        env=lab.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        holder: dict = {}
        while time.monotonic() < deadline and not holder.get("target"):
            time.sleep(1)
            text = lab.sh("siak-db", f"cat {LOCK} 2>/dev/null").stdout.strip()
            holder = json.loads(text) if text.startswith("{") else {}
        assert holder.get("target"), "the export never started"
        assert (holder["host"], holder["awx_job_id"], holder["awx_job_template_id"]) == (
            "automation-job-101-x",
            "101",
            "7",
        )
    finally:
        # The cancel: the job's processes are ended (TERM, as AWX's cancel does, then KILL, as the end of
        # the job's container does); nothing of the play's own cleanup runs.
        pids = [run.pid, *descendants(run.pid)]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        run.wait()
    export_pid = int(holder["target"][0]["pid"])
    assert alive(lab, export_pid) and PASSWORD in sh(lab, "siak-db", f"cat {PARAM}/export.par")
    killed_job = job_pid(lab)
    standin(lab, "success", 1024, delay_s=0)
    # A job of another template (the restore drill) cannot know that job 101 ended: refused, nothing changed.
    other = subprocess.run(
        [*as_awx_job(102, 8, extra), *inventory],
        cwd=REPO,
        env=lab.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert other.returncode != 0
    assert "dipegang oleh jalan yang masih berlangsung" in other.stdout and "job AWX 101" in other.stdout
    assert alive(lab, export_pid) and sh(lab, "siak-db", f"ls {PARAM}").strip()
    # The next job of the backup template takes over at once and cleans up, then backs up.
    result = subprocess.run(
        [*as_awx_job(103, 7, extra), *inventory],
        cwd=REPO,
        env=lab.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    out = result.stdout + result.stderr
    assert f"{LOCK} diambil alih dari jalan" in out and "job dari job template AWX yang sama" in out
    assert f"proses ekspor pid {export_pid}" in out and "job Data Pump SIAK_BACKUP" in out
    assert not alive(lab, killed_job)
    assert_nothing_left(lab, [export_pid])
    assert sh(lab, "siak-db", f"cd {ROOT}/28122026 && sha256sum -c SHA256SUMS").count(": OK") == 2


def _hours_outside(tmp_path: Path) -> Path:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    day = DAYS[(datetime.now(ZoneInfo("Asia/Jakarta")).weekday() + 3) % 7]
    path = tmp_path / "hours.yml"
    path.write_text(
        "database_servers:\n  vars:\n    oracle_backup_service_hours:\n"
        f"      - {{days: {day}, start: '00:00', end: '23:59'}}\n"
        "    oracle_backup_destinations: []\n"
    )
    return path


# Step 1 may finish inside any limit on a fast machine, so the case that aims at step 1 also limits
# step 2, whose export the stand-in holds for 45 seconds: the run is cancelled in step 1 or 2, never
# later, whatever the machine's speed.
@pytest.mark.parametrize(
    "limits",
    [("prepare_backup=0.01", "run_export=0.05"), ("run_export=0.05",)],
    ids=["in-step-1-or-2", "in-step-2"],
)
def test_a_cancel_at_a_hard_limit_leaves_no_export_no_password_and_no_lock(db, tmp_path, limits):
    lab = db
    standin(lab, "success", 1024, delay_s=45)
    before = job_pid(lab)
    env = {**lab.env, "SIAK_PROGRESS": "plain", "SIAK_OUTPUT_DIR": str(tmp_path / "out")}
    cmd = [
        str(BIN / "siak-sop"),
        "run",
        "backup",
        "--no-pdf",
        "-i",
        str(lab.inventory),
        "-i",
        str(_hours_outside(tmp_path)),
        *[arg for limit in limits for arg in ("--hard-limit", limit)],
        "-e",
        "oracle_backup_poll_s=1",
    ]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 5, result.stdout + result.stderr
    steps = "[12]" if len(limits) == 2 else "2"
    assert re.search(rf"DIBATALKAN: Langkah {steps} ", result.stdout), result.stdout
    assert "Bersih: proses ekspor dihentikan, file parameter dihapus, kunci dilepas" in result.stderr, (
        result.stderr
    )
    started = job_pid(lab)
    assert_nothing_left(lab, [started] if started and started != before else [])
    # The rerun is not refused and backs up.
    standin(lab, "success", 1024, delay_s=0)
    rerun = backup(lab, oracle_backup_now="2027-01-10T20:00:00+07:00", oracle_backup_destinations=[])
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert_nothing_left(lab, [])
    sh(lab, "siak-db", f"rm -rf {ROOT}/10012027")


def test_the_restore_drill_proves_a_good_backup_and_names_a_damaged_copy(db, tmp_path):
    lab = db
    standin(lab, "success", 1024, release="21.3.0.0.0")
    identity = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = re.search(r"public key: (age1\w+)", identity.read_text()).group(1)
    destinations = [
        {"name": "flashdisk", "type": "path", "path": "/media/flashdisk", "encrypt_to": [recipient]},
        {"name": "disk2", "type": "path", "path": "/mnt/disk2/drill", "mount_point": "/mnt/disk2"},
    ]
    made = backup(lab, oracle_backup_now="2027-01-03T20:00:00+07:00", oracle_backup_destinations=destinations)
    assert made.returncode == 0, made.stdout[-4000:]
    # Oracle 21c: Data Pump checksummed the dump and checked it (VERIFY_ONLY) before it counted.
    assert "Generating checksums for dump file set" in sh(lab, "siak-db", f"cat {ROOT}/03012027/master.log")
    assert "dump file set is consistent" in sh(lab, "siak-db", f"cat {ROOT}/03012027/master-verify.log")

    # A backup still holds the lock (a live process of this controller stands for it): the drill, started
    # as its schedule starts it just after the backup, waits for it instead of failing, then drills.
    running = subprocess.Popen(["sleep", "600"])
    try:
        start = Path(f"/proc/{running.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        holder = {
            "token": "0123456789abcdef01234567",
            "run_id": "evening-backup",
            "user": "adb",
            "host": socket.gethostname(),
            "boot_id": Path("/proc/sys/kernel/random/boot_id").read_text().strip(),
            "pid": running.pid,
            "pid_start": start,
            "since": "2027-01-03T20:00:00+0700",
            "since_epoch": int(time.time()),
        }
        sh(lab, "siak-db", f"echo '{json.dumps(holder)}' > {LOCK}")
        extra = {
            "oracle_backup_now": "2027-01-03T20:00:00+07:00",
            "oracle_backup_poll_s": 1,
            "oracle_backup_destinations": destinations,
            "oracle_backup_drill_identity_file": str(identity),
        }
        waiting = subprocess.Popen(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                str(lab.inventory),
                "playbooks/restore_drill.yml",
                "-e",
                json.dumps(extra),
            ],
            cwd=REPO,
            # This drill runs in English (SIAK_LANG=en); the run's language is Bahasa Indonesia by default.
            env={**lab.env, "SIAK_LANG": "en"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: list[str] = []
        for line in waiting.stdout:
            lines.append(line)
            if "FAILED - RETRYING" in line:
                break
        assert waiting.poll() is None, "".join(lines)[-3000:]
        assert json.loads(sh(lab, "siak-db", f"cat {LOCK}"))["run_id"] == "evening-backup"
    finally:
        running.kill()
        running.wait()
    rest, _ = waiting.communicate(timeout=600)
    drill_out = "".join(lines) + rest
    assert waiting.returncode == 0, drill_out[-4000:]
    assert "restore drill passed for 03012027" in drill_out
    assert "evening-backup" in drill_out and "its process no longer runs" in drill_out

    drill = backup(
        lab,
        playbook="playbooks/restore_drill.yml",
        oracle_backup_destinations=destinations,
        oracle_backup_drill_identity_file=str(identity),
    )
    assert drill.returncode == 0, drill.stdout[-4000:]
    assert "uji pemulihan lulus untuk 03012027" in drill.stdout
    # Its report is the Laporan Uji Pemulihan of the one report module, rendered from the run's agenda by
    # run id (siak-sop report): each place read back, the decrypted copy's restore, Data Pump's reading.
    run_id = newest_run(lab)
    published = run_results(lab, run_id)["oracle_restore_drill"]["siak-db"]
    assert published["verdict"] == "passed" and published["folder"] == "03012027"
    report, md = laporan(lab, run_id)
    assert report["kind"] == "restore_drill" and report["title"] == "Laporan Uji Pemulihan"
    assert report["status"] == "LULUS: backup dapat dipulihkan"
    assert [s["title"] for s in report["signatures"]] == ["Administrator Database", "KASI SIAK", "KABID PIAK"]
    (passed,) = report["drills"]
    assert passed["host"] == "siak-db" and passed["folder"] == "03012027" and passed["damaged"] == []
    assert {p["name"]: p["verified"] for p in passed["places"]} == {
        "server": "ya",
        "flashdisk": "ya",
        "disk2": "ya",
    }
    assert passed["restore"]["source"] == "flashdisk (didekripsi dengan kunci uji)"
    assert passed["restore"]["match"] == "ya" and passed["restore"]["sha256"] == passed["restore"]["expected"]
    assert "| Data Pump (SQLFILE (hanya dibaca, tidak ada yang diimpor)) | berhasil:" in md
    calls = sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log")
    assert "impdp" in calls and PASSWORD not in calls
    # Nothing of the drill stays on the server: no key, no parameter file, no restored dump, no lock.
    assert (
        sh(lab, "siak-db", f"ls -a {PARAM} {LOCK} {ROOT}/export/siak-restore-drill.dmp 2>/dev/null || true")
        == ""
    )

    # The same drill through `siak-sop run drill`: the wrapper ends with the same report, by run id.
    wrapped = subprocess.run(
        [
            str(BIN / "siak-sop"),
            "run",
            "drill",
            "-i",
            str(lab.inventory),
            "--no-pdf",
            "-e",
            json.dumps(
                {
                    "oracle_backup_poll_s": 1,
                    "oracle_backup_destinations": destinations,
                    "oracle_backup_drill_identity_file": str(identity),
                }
            ),
        ],
        cwd=REPO,
        env={**lab.env, "SIAK_PROGRESS": "plain"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert wrapped.returncode == 0, wrapped.stdout[-3000:] + wrapped.stderr[-3000:]
    found = re.search(r"jalan (\S+) \(restore_drill\.yml\)", wrapped.stdout)
    assert found, wrapped.stdout[-3000:]
    wrapped_report = lab.out / "reports" / found.group(1) / f"laporan-{found.group(1)}.json"
    assert json.loads(wrapped_report.read_text())["status"] == "LULUS: backup dapat dipulihkan"

    # A damaged copy, drilled as the schedule runs it (plain ansible-playbook, SIAK_LAPORAN_WHEN=always):
    # the dukcapil.siak.laporan callback writes the report by run id and the run ends with its verdict.
    flip(lab, "/mnt/disk2/drill/03012027/master.dmp", 4096)
    lab.env["SIAK_LAPORAN_WHEN"] = "always"
    try:
        damaged = backup(
            lab,
            playbook="playbooks/restore_drill.yml",
            oracle_backup_destinations=destinations,
            oracle_backup_drill_identity_file=str(identity),
        )
    finally:
        lab.env.pop("SIAK_LAPORAN_WHEN", None)
    assert damaged.returncode == 3, damaged.stdout[-4000:]
    assert (
        "uji pemulihan GAGAL untuk 03012027: disk2: master.dmp tidak cocok dengan checksum-nya"
        in damaged.stdout
    )
    run_id = newest_run(lab)
    folder = lab.out / "reports" / run_id
    assert sorted(p.name for p in folder.glob("laporan-*")) == [
        f"laporan-{run_id}.{ext}" for ext in ("html", "json", "md", "pdf")
    ], damaged.stdout[-3000:]
    report = json.loads((folder / f"laporan-{run_id}.json").read_text())
    assert report["status"] == "GAGAL pada siak-db"
    (failed,) = report["drills"]
    assert failed["word"] == "GAGAL" and failed["damaged"] == ["disk2"]
    (reason,) = failed["reasons"]
    assert reason.startswith("disk2: master.dmp tidak cocok dengan checksum-nya (manifest "), reason
    assert {p["name"]: p["verified"] for p in failed["places"]} == {
        "server": "ya",
        "flashdisk": "ya",
        "disk2": "TIDAK",
    }
    text = pdf_text(folder / f"laporan-{run_id}.pdf")
    assert "LAPORAN UJI PEMULIHAN" in text and "Salinan rusak" in text and "KABID PIAK" in text
    assert (
        sh(lab, "siak-db", f"ls -a {PARAM} {LOCK} {ROOT}/export/siak-restore-drill.dmp 2>/dev/null || true")
        == ""
    )


def test_each_step_tag_runs_alone_or_says_what_it_needs(db):
    lab = db
    standin(lab, "success", 256)
    listed = lab.playbook("playbooks/backup.yml", "--list-tags")
    assert listed.returncode == 0, listed.stdout
    for tag in (
        "prepare_backup",
        "run_export",
        "open_backup_folder",
        "make_dated_folder",
        "copy_to_spare",
        "record_daily_agenda",
    ):
        assert tag in listed.stdout
    now = {"oracle_backup_now": "2027-01-17T20:00:00+07:00", "oracle_backup_destinations": []}
    export = backup(lab, "--tags", "run_export", **now)
    assert export.returncode == 0, export.stdout[-3000:]
    assert sh(lab, "siak-db", f"ls {ROOT}/export").split() == ["master.dmp", "master.log"]
    assert "17012027" not in folders(lab, "siak-db", ROOT)
    alone = backup(lab, "--tags", "make_dated_folder", **now)
    assert alone.returncode == 2
    assert "memerlukan Langkah 3 (open_backup_folder) dalam proses yang sama" in alone.stdout
    promoted = backup(lab, "--tags", "open_backup_folder,make_dated_folder", **now)
    assert promoted.returncode == 0, promoted.stdout[-3000:]
    assert sh(lab, "siak-db", f"cd {ROOT}/17012027 && sha256sum -c SHA256SUMS").count(": OK") == 2
    assert_nothing_left(lab, [])
    sh(lab, "siak-db", f"rm -rf {ROOT}/17012027")
