"""siak-sop run against the lab, over real SSH, with the agenda callback: progress, budgets, the hard
limit, the exit codes, the Laporan. Small test playbooks (tests/playbooks/) tagged with SOP step ids
stand in for the SOP playbooks so each case takes seconds."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labkit import BIN, REPO, pdf_text

# The wrapper reads the agenda the callback writes: without the callback there is nothing to test live.
pytestmark = pytest.mark.skipif(
    not (REPO / "plugins" / "callback" / "agenda.py").is_file(),
    reason="needs the dukcapil.siak.agenda callback",
)
STEPS = "tests/playbooks/sop_steps.yml"
BACKUP = "tests/playbooks/backup_steps.yml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def siak_sop(lab, *args: str, out: Path | None = None) -> subprocess.CompletedProcess:
    env = {**lab.env, "SIAK_PROGRESS": "plain"}
    if out is not None:
        env["SIAK_OUTPUT_DIR"] = str(out)
    cmd = [str(BIN / "siak-sop"), *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)


def run_id(result: subprocess.CompletedProcess) -> str:
    found = re.search(r"(?:jalan|run) (\d{8}T\d{6}Z-[0-9a-f]{6})", result.stdout)
    assert found, result.stdout + result.stderr
    return found.group(1)


def report_dir(out: Path, rid: str) -> Path:
    return out / "reports" / rid


def laporan(out: Path, rid: str, suffix: str, lang: str = "id") -> Path:
    """One run's Laporan file: named by the run id, in the folder of the run."""
    return report_dir(out, rid) / f"{'laporan' if lang == 'id' else 'report'}-{rid}.{suffix}"


def agenda(out: Path, rid: str) -> list[dict]:
    (path,) = (out / "agenda").glob(f"*/{rid}.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_run_within_budget_exits_0_with_progress_and_the_laporan(lab, tmp_path):
    out = tmp_path / "out"
    result = siak_sop(lab, "run", "upgrade", "--playbook", STEPS, "-i", str(lab.inventory), out=out)
    assert result.returncode == 0, result.stdout + result.stderr
    rid = run_id(result)
    assert (
        "[siak-sop] Langkah 1 mulai: Mulai, persiapan pemutakhiran (Mutu Baku: 5–10 menit)" in result.stdout
    )
    assert re.search(
        r"Langkah 1 selesai \d\d:\d\d / 5–10 menit: Sesuai; host selesai 2, sisa 0", result.stdout
    )
    assert re.search(r"Langkah 10 selesai .*host selesai 4, sisa 0", result.stdout)
    assert "kode keluar 0" in result.stdout
    folder = report_dir(out, rid)
    saved = json.loads((folder / "run.json").read_text())
    assert saved["office"]["name"].endswith("Kabupaten Contoh (lab)")  # from the lab inventory's group_vars
    assert saved["exit_code"] == 0
    text = pdf_text(laporan(out, rid, "pdf"))
    for expected in (
        "KABUPATEN CONTOH (LAB)",
        "SOP-PIAK-15",
        "Mulai, persiapan",
        "Sesuai",
        "Laporan update aplikasi SIAK pada server",
        "1.0.0 → 2.0.0",
        "diperbarui",
        "pc01",
    ):
        assert expected in text, expected
    assert "{{" not in text and "root @" not in text and "updated" not in text
    records = agenda(out, rid)
    assert records[-1]["type"] == "run_end" and records[-1]["complete"]
    assert "ansible.log" in {p.name for p in folder.iterdir()}
    assert not (out / "runner" / rid).exists()  # runner's private data (extra vars) is removed
    # The same Laporan rebuilt later from the agenda alone, in English.
    again = siak_sop(lab, "report", rid, "--lang", "en", "--output", str(tmp_path / "again"), out=out)
    assert again.returncode == 0, again.stdout + again.stderr
    text = pdf_text(tmp_path / "again" / f"report-{rid}.pdf")
    assert (
        "REPORT ON CARRYING OUT" in text and "Start, prepare the" in text and "KABUPATEN CONTOH (LAB)" in text
    )


def test_a_slow_step_is_cancelled_at_its_hard_limit_and_named(lab, tmp_path):
    out = tmp_path / "out"
    result = siak_sop(
        lab,
        "run",
        "upgrade",
        "--playbook",
        STEPS,
        "-i",
        str(lab.inventory),
        "-e",
        "siak_test_slow_step=start_server",
        "--hard-limit",
        "start_server=0.05",
        out=out,
    )
    assert result.returncode == 5, result.stdout + result.stderr
    assert "DIBATALKAN: Langkah 2 (Menjalankan server) berjalan" in result.stdout
    assert (
        "kode keluar 5: sebuah langkah melewati batas kerasnya dan jalan dibatalkan: Langkah 2 (Menjalankan server)"
        in (result.stdout)
    )
    rid = run_id(result)
    records = agenda(out, rid)
    assert records[-1]["type"] != "run_end"  # killed: the agenda is a prefix
    assert not [r for r in records if (r.get("step") or {}).get("id") == "login"]  # step 3 never started
    html = laporan(out, rid, "html").read_text()
    assert "Dibatalkan pada batas keras Langkah 2 (Menjalankan server)" in html
    row = html.split('id="step-start_server"')[1].split("</tr>")[0]
    assert "Dibatalkan" in row and "Penjelasan penyimpangan" in row


def test_a_failed_step_exits_3_naming_host_and_step(lab, tmp_path):
    out = tmp_path / "out"
    result = siak_sop(
        lab,
        "run",
        "upgrade",
        "--playbook",
        STEPS,
        "-i",
        str(lab.inventory),
        "-e",
        "siak_test_fail_step=login",
        out=out,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "GAGAL: siak-host, Langkah 3 (Masukan user password server)" in result.stderr
    html = laporan(out, run_id(result), "html").read_text()
    row = html.split('id="step-login"')[1].split("</tr>")[0]
    assert "Gagal" in row and "siak-host: tugas" in row  # the reason names the host and the task


def test_check_mode_tags_and_limit_reach_ansible(lab, tmp_path):
    out = tmp_path / "out"
    result = siak_sop(
        lab,
        "run",
        "upgrade",
        "--playbook",
        STEPS,
        "-i",
        str(lab.inventory),
        "--check",
        "--tags",
        "prepare,update_clients",
        "--limit",
        "siak-host,pc01",
        "--lang",
        "en",
        out=out,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Step 1 started: Start, prepare the upgrade" in result.stdout
    records = agenda(out, run_id(result))
    header = records[0]
    assert header["check_mode"] is True and header["limit"] == "siak-host,pc01"
    assert {(r.get("step") or {}).get("id") for r in records if r["type"] == "task"} == {
        "prepare",
        "update_clients",
    }
    assert {r["host"] for r in records if r["type"] == "task"} == {"siak-host", "pc01"}
    html = laporan(out, run_id(result), "html", "en").read_text()
    assert "Trial run (check mode)" in html and "Not run" in html
    assert "Rehearsed in this trial run" in html and "not selected (--tags prepare,update_clients)" in html


def _hours_inventory(tmp_path: Path, inside: bool) -> Path:
    """Service hours for the backup guard: a window around now (inside) or on another weekday (outside)."""
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    if now.hour == 23 and now.minute >= 58:  # the window below cannot reach past 23:59
        time.sleep(150)
        now = datetime.now(ZoneInfo("Asia/Jakarta"))
    day = DAYS[now.weekday()] if inside else DAYS[(now.weekday() + 3) % 7]
    path = tmp_path / "hours.yml"
    path.write_text(
        "database_servers:\n  vars:\n    oracle_backup_service_hours:\n"
        f"      - {{days: {day}, start: '00:00', end: '23:59'}}\n"
    )
    return path


def test_backup_inside_service_hours_is_refused_unless_forced(lab, tmp_path):
    out = tmp_path / "out"
    hours = _hours_inventory(tmp_path, inside=True)
    args = ("run", "backup", "--playbook", BACKUP, "-i", str(lab.inventory), "-i", str(hours))
    refused = siak_sop(lab, *args, out=out)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "siak-sop: backup ditolak karena masih dalam jam pelayanan" in refused.stderr
    assert not (out / "agenda").exists()  # nothing ran
    forced = siak_sop(lab, *args, "--force", out=out)
    assert forced.returncode == 4, forced.stdout + forced.stderr
    assert (
        "MENYIMPANG: Langkah 1 (Persiapan membackup database): Melebihi Mutu Baku: dimulai dalam jam pelayanan"
        in forced.stderr
    )
    html = laporan(out, run_id(forced), "html").read_text()
    assert "KASI SIAK" in html and "KABID PIAK" in html and "Sub Koordinator" not in html
    records = agenda(out, run_id(forced))
    assert "oracle_backup_force" in records[0]["extra_var_names"]  # the role gets the same decision


def test_ctrl_c_stops_the_run_with_130(lab, tmp_path):
    out = tmp_path / "out"
    env = {**lab.env, "SIAK_PROGRESS": "plain", "SIAK_OUTPUT_DIR": str(out)}
    cmd = [str(BIN / "siak-sop"), "run", "upgrade", "--playbook", STEPS, "-i", str(lab.inventory)]
    cmd += ["-e", "siak_test_slow_step=start_server"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "Langkah 2 mulai" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(lines) + rest + err
    assert "DIHENTIKAN oleh SIGINT saat Langkah 2 (Menjalankan server) berjalan" in err


def test_sigterm_is_named_as_sigterm_with_the_running_step(lab, tmp_path):
    """AWX and systemd stop a job with SIGTERM: the summary says so, and names the step that was running."""
    out = tmp_path / "out"
    env = {**lab.env, "SIAK_PROGRESS": "plain", "SIAK_OUTPUT_DIR": str(out)}
    cmd = [str(BIN / "siak-sop"), "run", "upgrade", "--playbook", STEPS, "-i", str(lab.inventory)]
    cmd += ["-e", "siak_test_slow_step=start_server"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Langkah 2 mulai" in line:
            proc.send_signal(signal.SIGTERM)
            break
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(lines) + rest + err
    assert "DIHENTIKAN oleh SIGTERM saat Langkah 2 (Menjalankan server) berjalan" in err
    assert "Ctrl-C" not in err and "Langkah 1 (" not in err


def test_no_agenda_exits_6(lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "agenda").write_text("a file where the agenda folder should be\n")
    result = siak_sop(
        lab, "run", "upgrade", "--playbook", STEPS, "-i", str(lab.inventory), "--tags", "prepare", out=out
    )
    assert result.returncode == 6, result.stdout + result.stderr
    assert "Tidak ada agenda untuk jalan" in result.stderr
