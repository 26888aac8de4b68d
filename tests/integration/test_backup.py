"""playbooks/backup.yml against the lab over SSH: the backup SOP with faults, each asserted.

No Oracle runs in the lab: tests/lab/oracle_standin.yml installs a stand-in expdp/exp on siak-db that
writes a dump and a log in the real formats, in the mode a test chooses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import subprocess
import time

import pytest

from labkit import laporan, newest_run

# Sunday evenings in Jakarta: after service hours, so no test depends on when it runs.
SUNDAY = "2026-11-22T20:00:00+07:00"
LATER_SUNDAY = "2026-11-29T20:00:00+07:00"
PASSWORD = "lab-only-not-a-secret"
ROOT = "/srv/siak-backup"


def standin(lab, mode: str = "success", size_kib: int = 1024) -> None:
    script = (
        "import json; p='/etc/siak-lab/oracle-standin.json'; c=json.load(open(p)); "
        f"c.update(mode='{mode}', size_kib={size_kib}); json.dump(c, open(p, 'w'))"
    )
    assert lab.sh("siak-db", f'python3 -c "{script}"').returncode == 0


def backup(lab, *args: str, playbook: str = "playbooks/backup.yml", **extra):
    extra_vars = {"oracle_backup_now": SUNDAY, "oracle_backup_poll_s": 1, **extra}
    return lab.playbook(playbook, "-e", json.dumps(extra_vars), *args)


@contextlib.contextmanager
def in_english(lab):
    """The run's language is Bahasa Indonesia by default (SIAK_LANG); one case per message family runs in English."""
    lab.env["SIAK_LANG"] = "en"
    try:
        yield
    finally:
        lab.env.pop("SIAK_LANG", None)


def sh(lab, host: str, command: str) -> str:
    result = lab.sh(host, command)
    assert result.returncode == 0, result.stderr
    return result.stdout


def folders(lab, host: str, path: str) -> set[str]:
    out = sh(lab, host, f"mkdir -p {path} && find {path} -mindepth 1 -maxdepth 1 -type d -printf '%f\\n'")
    return set(out.split())


def read_bytes(lab, host: str, path: str) -> bytes:
    return subprocess.run([*lab_ssh(lab, host), f"cat {path}"], capture_output=True, check=True).stdout


def lab_ssh(lab, host: str) -> list[str]:
    state = json.loads((lab.dir / "lab.json").read_text())
    return [
        "ssh",
        "-i",
        str(lab.dir / "id_ed25519"),
        "-p",
        str(state["port"]),
        "-o",
        f"UserKnownHostsFile={lab.dir / 'known_hosts'}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        f"root@{state['hosts'][host]['address']}",
    ]


def seed_backup(lab, host: str, path: str, name: str, manifest: bool = True) -> None:
    """An older backup folder made the way the role makes one (or an office's own, without a manifest)."""
    make = f"mkdir -p {path}/{name} && cd {path}/{name} && echo old-{name} > master.dmp"
    if manifest:
        make += " && sha256sum master.dmp > SHA256SUMS"
    sh(lab, host, make)


def backup_laporan(lab, run_id: str) -> tuple[dict[str, str], dict]:
    """The run's Laporan (rendered from its agenda) and its Laporan Data Backup Database for siak-db, by column."""
    report, _md = laporan(lab, run_id)
    (section,) = [s for s in report["outputs"] if s["step"] == "record_daily_agenda"]
    (row,) = [r for r in section["rows"] if r["host"] == "siak-db"]
    return dict(zip(section["columns"], row["cells"], strict=True)), report


def failure_message(result) -> str:
    lines = [line for line in result.stdout.splitlines() if '"msg":' in line and "Langkah" in line]
    return lines[-1] if lines else result.stdout[-3000:]


@contextlib.contextmanager
def custom_stats(lab):
    lab.env["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    try:
        yield
    finally:
        lab.env.pop("ANSIBLE_SHOW_CUSTOM_STATS", None)


def test_the_whole_backup_is_verified_before_it_counts(db, tmp_path):
    lab = db
    standin(lab, "success", 1024)
    # An age key pair on the controller: the server only ever gets the public key.
    identity = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = re.search(r"public key: (age1\w+)", identity.read_text()).group(1)
    # A backup made earlier the same day: the new one must not overwrite it.
    seed_backup(lab, "siak-db", ROOT, "22112026")
    # Older backups on disk2 for retention (keep 2 days, 2 months), and an office's own folder.
    for name in ("21112026", "20112026", "19112026", "31102026", "30092026", "31082026"):
        seed_backup(lab, "siak-db", "/mnt/disk2/siak-backup", name)
    seed_backup(lab, "siak-db", "/mnt/disk2/siak-backup", "15112026", manifest=False)
    # A lock left two days ago by a run on another controller (an older lock format, without since_epoch):
    # its process cannot be looked at, so it is judged by its age (the file's), and taken over.
    stale = {"run_id": "killed-run", "owner": "adb@old", "started": time.time() - 2 * 86400}
    sh(lab, "siak-db", f"echo '{json.dumps(stale)}' > {ROOT}/.siak-backup.lock")
    sh(lab, "siak-db", f"touch -d '2 days ago' {ROOT}/.siak-backup.lock")
    destinations = [
        {"name": "flashdisk", "type": "path", "path": "/media/flashdisk", "encrypt_to": [recipient]},
        {
            "name": "disk2",
            "type": "path",
            "path": "/mnt/disk2/siak-backup",
            "mount_point": "/mnt/disk2",
            "keep_daily": 2,
            "keep_monthly": 2,
        },
        {
            "name": "siak-host",
            "type": "ssh",
            "host": "siak-host",
            "path": "/srv/siak-backup-spare",
            "identity_file": str(lab.dir / "id_ed25519"),
            "known_hosts_file": str(lab.dir / "known_hosts"),
        },
    ]
    with custom_stats(lab):
        result = backup(lab, oracle_backup_destinations=destinations)
    assert result.returncode == 0, result.stdout[-4000:]
    assert f"{ROOT}/.siak-backup.lock diambil alih dari jalan killed-run" in result.stdout + result.stderr
    assert "umurnya sudah melewati batas kunci" in result.stdout + result.stderr

    # Steps 3-4: a new dated folder, never over the first one of the day, owner-only, with a manifest.
    new = "22112026-2"
    assert sh(lab, "siak-db", f"cat {ROOT}/22112026/master.dmp").strip() == "old-22112026"
    listing = sh(lab, "siak-db", f"stat -c '%a %n' {ROOT}/{new} {ROOT}/{new}/*").split("\n")
    assert listing[0] == f"700 {ROOT}/{new}"
    assert sorted(listing[1:-1]) == [
        f"600 {ROOT}/{new}/SHA256SUMS",
        f"600 {ROOT}/{new}/master.dmp",
        f"600 {ROOT}/{new}/master.log",
    ]
    assert sh(lab, "siak-db", f"cd {ROOT}/{new} && sha256sum -c SHA256SUMS").count(": OK") == 2
    dump = read_bytes(lab, "siak-db", f"{ROOT}/{new}/master.dmp")
    assert len(dump) == 1024 * 1024 and dump.startswith(b"SIAK-LAB STAND-IN DUMP")
    digest = hashlib.sha256(dump).hexdigest()
    assert not sh(lab, "siak-db", f"ls -A {ROOT}/export"), "the dump and log were moved, not copied"
    assert sh(lab, "siak-db", f"ls {ROOT}/.siak-backup.lock 2>/dev/null || true") == "", "lock released"

    # Step 2: the password never reached a command line, and the parameter file is gone.
    calls = sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log")
    assert "parfile=" in calls and PASSWORD not in calls
    assert sh(lab, "siak-db", "ls -d /tmp/siak-backup-* 2>/dev/null || true") == ""
    assert sh(lab, "siak-db", f"ls -d {ROOT}/.siak-backup-param 2>/dev/null || true") == ""
    assert PASSWORD not in result.stdout + result.stderr

    # Step 5: the flashdisk copy is encrypted and decrypts, with the private key, to the same bytes.
    flash = f"/media/flashdisk/{new}"
    assert folders(lab, "siak-db", flash) == set()
    files = set(sh(lab, "siak-db", f"ls {flash}").split())
    assert files == {"master.dmp.age", "master.log.age", "SHA256SUMS", "SHA256SUMS.plain"}
    assert sh(lab, "siak-db", f"cd {flash} && sha256sum -c SHA256SUMS").count(": OK") == 3
    encrypted = tmp_path / "master.dmp.age"
    encrypted.write_bytes(read_bytes(lab, "siak-db", f"{flash}/master.dmp.age"))
    plain = subprocess.run(
        ["age", "-d", "-i", str(identity), str(encrypted)], capture_output=True, check=True
    ).stdout
    assert plain == dump
    assert f"{digest}  master.dmp" in sh(lab, "siak-db", f"cat {flash}/SHA256SUMS.plain")

    # The other host's copy, checked there, carries the same verification record as a local copy: each
    # file's size and mtime as that host's file system has them, so its retention trusts it only while
    # they are unchanged.
    spare = sh(lab, "siak-host", f"cd /srv/siak-backup-spare/{new} && sha256sum master.dmp")
    assert spare.split()[0] == digest
    record = json.loads(sh(lab, "siak-host", f"cat /srv/siak-backup-spare/{new}/.siak-verified"))
    assert set(record["files"]) == {"master.dmp", "master.log", "SHA256SUMS"}
    stats = sh(
        lab,
        "siak-host",
        f"cd /srv/siak-backup-spare/{new} && stat -c '%n %s' master.dmp master.log SHA256SUMS",
    )
    assert {line.split()[0]: int(line.split()[1]) for line in stats.splitlines()} == {
        name: size for name, (size, _mtime) in record["files"].items()
    }
    mtime_ns = sh(
        lab,
        "siak-host",
        f"python3 -c \"import os; print(os.stat('/srv/siak-backup-spare/{new}/master.dmp').st_mtime_ns)\"",
    )
    assert record["files"]["master.dmp"][1] == int(mtime_ns)
    assert sh(lab, "siak-host", f"stat -c %a /srv/siak-backup-spare/{new}/.siak-verified").strip() == "600"

    # Retention on disk2: exactly 2 days and 2 months, the office's own folder untouched.
    assert folders(lab, "siak-db", "/mnt/disk2/siak-backup") == {new, "21112026", "31102026", "15112026"}

    # Step 6: the result for the agenda and the report.
    stats = result.stdout[result.stdout.index("CUSTOM STATS") :]
    assert "siak_results" in stats and digest in stats
    # The agenda (the dukcapil.siak.agenda callback) records the steps and the same results.
    agenda = [
        json.loads(line)
        for path in sorted((lab.out / "agenda").glob("*/*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    ends = [e for e in agenda if e["type"] == "run_end" and "oracle_backup" in json.dumps(e.get("results"))]
    result_db = ends[-1]["results"]["siak_results"]["oracle_backup"]["siak-db"]
    assert result_db["verdict"] == "verified" and result_db["sha256"] == digest
    assert result_db["destinations_verified"] == ["flashdisk", "disk2", "siak-host"]
    steps = {e["step"]["id"] for e in agenda if e["type"] == "task" and e.get("step")}
    assert {
        "prepare_backup",
        "run_export",
        "open_backup_folder",
        "make_dated_folder",
        "copy_to_spare",
        "record_daily_agenda",
    } <= steps
    # The Laporan Data Backup Database is the backup's output in the run's one Laporan, from that agenda.
    cells, report = backup_laporan(lab, newest_run(lab))
    assert report["verdicts"]["record_daily_agenda"] == "Sesuai"
    assert cells["Hasil"] == "terverifikasi" and cells["Checksum SHA-256"] == digest
    assert cells["Salinan cadangan, masing-masing diverifikasi"] == (
        "flashdisk (terenkripsi): terverifikasi\ndisk2: terverifikasi\nsiak-host: terverifikasi"
    )
    assert [s["title"] for s in report["signatures"]] == ["Administrator Database", "KASI SIAK", "KABID PIAK"]

    # A byte flipped in the disk2 copy after it was written is found by the verify playbook.
    flip = (
        "import os; p='/mnt/disk2/siak-backup/22112026-2/master.dmp'; f=open(p,'r+b'); f.seek(4096); "
        "b=f.read(1); f.seek(4096); f.write(bytes([b[0] ^ 1])); f.close()"
    )
    sh(lab, "siak-db", f'python3 -c "{flip}"')
    # Named, not "the newest": other tests on this session's lab leave later-dated backups on the server.
    checked = backup(
        lab,
        playbook="playbooks/backup_verify.yml",
        oracle_backup_destinations=destinations,
        oracle_backup_verify_folder=new,
    )
    assert checked.returncode == 2, checked.stdout[-3000:]
    assert (
        "disk2: /mnt/disk2/siak-backup/22112026-2: master.dmp tidak cocok dengan checksum-nya"
        in checked.stdout
    )
    assert "siak-db: cadangan 22112026-2 rusak atau hilang:" in checked.stdout
    assert "flashdisk" not in checked.stdout.split("rusak atau hilang:")[1].split("Buat cadangan baru")[0]


@pytest.mark.parametrize(
    ("method", "mode", "lang", "expected"),
    [
        (
            "expdp",
            "ora_error",
            "id",
            "log ekspor berisi galat (kode keluar 5, EX_SUCC_ERR: job selesai dengan galat)",
        ),
        ("expdp", "killed", "en", "the export was cut short"),
        (
            "exp",
            "warnings",
            "id",
            "exp selesai dengan peringatan: EXP-00091: Exporting questionable statistics.",
        ),
    ],
)
def test_a_failed_export_promotes_no_folder(db, method, mode, lang, expected):
    lab = db
    standin(lab, mode, 256)
    seed_backup(lab, "siak-db", ROOT, "01112026")
    before = folders(lab, "siak-db", ROOT)
    with in_english(lab) if lang == "en" else contextlib.nullcontext():
        result = backup(lab, oracle_backup_method=method, oracle_backup_destinations=[])
    assert result.returncode == 2, result.stdout[-3000:]
    message = failure_message(result)
    assert expected in message
    if lang == "en":
        assert "siak-db: Langkah 2 (run_export) failed: the export failed:" in message
        assert "No backup folder was made and older backups are untouched" in message
    else:
        assert "siak-db: Langkah 2 (run_export) gagal: ekspor gagal:" in message
        assert "Tidak ada folder cadangan yang dibuat dan cadangan lama tidak disentuh" in message
        assert "Baca log ekspor yang dikutip di atas" in message
    if mode == "ora_error":
        assert "ORA-01555: snapshot too old" in message  # Oracle's own words, quoted as they are
    assert folders(lab, "siak-db", ROOT) == before
    assert sh(lab, "siak-db", f"cat {ROOT}/01112026/master.dmp").strip() == "old-01112026"
    assert sh(lab, "siak-db", f"ls {ROOT}/.siak-backup.lock 2>/dev/null || true") == ""
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_flashdisk_and_a_full_one_fail_but_keep_the_backup(db):
    """The office's own script makes the dump; one destination is not mounted, the other is full."""
    lab = db
    standin(lab, "success", 1024)
    sh(lab, "siak-db", "mkdir -p /media/usb")  # the flashdisk's folder, with nothing plugged in
    seed_backup(lab, "siak-db", "/media/flashdisk", "01112026")
    seed_backup(lab, "siak-db", ROOT, "02112026")
    destinations = [
        {"name": "usb", "type": "path", "path": "/media/usb"},
        {"name": "flashdisk", "type": "path", "path": "/media/flashdisk"},
    ]
    lab.lab("fill", "siak-db", "--leave-kib", "256")
    try:
        result = backup(
            lab,
            oracle_backup_now=LATER_SUNDAY,
            oracle_backup_method="script",
            oracle_backup_script="/opt/siak-backup-script/backup.sh",
            oracle_backup_destinations=destinations,
            oracle_backup_keep_daily=1,
            oracle_backup_keep_monthly=0,
        )
        flash_after = folders(lab, "siak-db", "/media/flashdisk")
    finally:
        lab.lab("unfill", "siak-db")
    assert result.returncode == 2, result.stdout[-3000:]
    message = failure_message(result)
    # Said on the controller in the run's language (Bahasa Indonesia by default); the system's own words as they are.
    assert "siak-db: Langkah 5 (copy_to_spare) gagal:" in message
    assert "usb: /media/usb di siak-db tidak ter-mount (itu hanya folder di /media)" in message
    assert "flashdisk: penyalinan /srv/siak-backup/29112026 ke /media/flashdisk/29112026" in message
    assert "No space left on device; salinan yang belum selesai sudah dihapus" in message
    assert "Cadangan /srv/siak-backup/29112026 di server tetap disimpan dan sudah diverifikasi" in message
    # The partial copy is gone, the older backup on the flashdisk is kept.
    assert "29112026" not in flash_after and "29112026.partial" not in flash_after
    assert "01112026" in flash_after
    # The server's backup is complete, and retention did not run (keep_daily=1 would have removed 02112026).
    assert sh(lab, "siak-db", f"cd {ROOT}/29112026 && sha256sum -c SHA256SUMS").count(": OK") == 2
    assert "02112026" in folders(lab, "siak-db", ROOT)
    assert folders(lab, "siak-db", "/media/usb") == set()


def test_inside_service_hours_is_refused_and_a_running_backup_is_not_overlapped(db):
    lab = db
    monday = "2026-11-23T10:00:00+07:00"
    result = backup(lab, oracle_backup_now=monday)
    assert result.returncode == 2
    assert (
        "siak-db: Langkah 1 (prepare_backup): sekarang pukul 2026-11-23T10:00:00+07:00 (Asia/Jakarta), di dalam "
        "jam pelayanan (Senin–Kamis 08:00–15:00)"
    ) in result.stdout
    assert "isi oracle_backup_force=true" in result.stdout

    # Forced past service hours, it still meets the lock of a backup that is running now (on an AWX node).
    holder = {
        "token": "0123456789abcdef01234567",
        "run_id": "running-now",
        "user": "adb",
        "host": "awx-ee-7",
        "boot_id": "not-this-boot",
        "pid": 4242,
        "pid_start": "1",
        "since": "2026-11-23T10:00:00+0700",
        "since_epoch": int(time.time()),
    }
    sh(lab, "siak-db", f"mkdir -p {ROOT} && echo '{json.dumps(holder)}' > {ROOT}/.siak-backup.lock")
    calls_before = sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log 2>/dev/null || true")
    try:
        result = backup(lab, oracle_backup_now=monday, oracle_backup_force=True)
        lock_after = sh(lab, "siak-db", f"cat {ROOT}/.siak-backup.lock")
    finally:
        sh(lab, "siak-db", f"rm -f {ROOT}/.siak-backup.lock")
    assert result.returncode == 2
    assert (
        f"siak-db: {ROOT}/.siak-backup.lock dipegang oleh jalan yang masih berlangsung: jalan running-now oleh adb di awx-ee-7"
        in result.stdout
    )
    assert json.loads(lock_after)["run_id"] == "running-now"
    assert sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log 2>/dev/null || true") == calls_before


def test_check_mode_changes_nothing(db):
    lab = db
    before = folders(lab, "siak-db", ROOT)
    calls_before = sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log 2>/dev/null || true")
    with in_english(lab):
        result = backup(lab, "--check", "--diff", oracle_backup_now="2026-12-06T20:00:00+07:00")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Check mode: would export with expdp" in result.stdout and "Nothing was changed." in result.stdout
    assert folders(lab, "siak-db", ROOT) == before
    assert sh(lab, "siak-db", f"ls {ROOT}/.siak-backup.lock 2>/dev/null || true") == ""
    assert sh(lab, "siak-db", "cat /var/log/siak-lab/oracle-standin.log 2>/dev/null || true") == calls_before
