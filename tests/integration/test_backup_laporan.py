"""The backup's Laporan, live in the lab: `siak-sop run backup` over the backup SOP's own playbook (the
Oracle stand-in on siak-db) for an ordinary run, one over its Mutu Baku, one cancelled at a hard limit and
a trial run. Each Laporan is rendered from the run's agenda, carries the verdicts the agenda gives, and is
signed by the backup SOP's own chain (Administrator Database, KASI SIAK, KABID PIAK).

Over budget is made, never waited for: the office's own copy of the SOP tables ($SIAK_SOP_DIR) gives the
export step a Mutu Baku of 0 minutes, and the stand-in holds the export a few seconds, so the step is over
its maximum on any machine, however fast or slow.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import sop as sop_module
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import model
from test_backup import ROOT, sh
from test_backup_faults import _hours_outside, standin

from labkit import BIN, REPO, pdf_text

CHAIN = ["Administrator Database", "KASI SIAK", "KABID PIAK"]
STEPS = (
    "prepare_backup",
    "run_export",
    "open_backup_folder",
    "make_dated_folder",
    "copy_to_spare",
    "record_daily_agenda",
)


def run_backup(lab, tmp_path: Path, *args: str, now: str, env: dict | None = None, pdf: bool = False):
    out = tmp_path / "out"
    cmd = [
        str(BIN / "siak-sop"),
        "run",
        "backup",
        "-i",
        str(lab.inventory),
        "-i",
        str(_hours_outside(tmp_path)),
        "-e",
        "oracle_backup_poll_s=1",
        "-e",
        f"oracle_backup_now={now}",
        *([] if pdf else ["--no-pdf"]),
        *args,
    ]
    full_env = {**lab.env, "SIAK_PROGRESS": "plain", "SIAK_OUTPUT_DIR": str(out), **(env or {})}
    result = subprocess.run(
        cmd, cwd=REPO, env=full_env, capture_output=True, text=True, check=False, timeout=600
    )
    found = re.search(r"(?:jalan|run) (\d{8}T\d{6}Z-[0-9a-f]{6})", result.stdout)
    assert found, result.stdout + result.stderr
    rid = found.group(1)
    folder = out / "reports" / rid
    report = json.loads((folder / f"laporan-{rid}.json").read_text())
    return result, report, folder, rid


def chain_of(report: dict) -> list[str]:
    return [s["title"] for s in report["signatures"]]


def backup_cells(report: dict) -> dict[str, str]:
    (section,) = [s for s in report["outputs"] if s["step"] == "record_daily_agenda"]
    (row,) = [r for r in section["rows"] if r["host"] == "siak-db"]
    return dict(zip(section["columns"], row["cells"], strict=True))


def agenda_verdicts(out: Path, rid: str, sop) -> dict[str, str]:
    """Each step's verdict recomputed from the agenda file alone, as an auditor would."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, runlog

    (path,) = (out / "agenda").glob(f"*/{rid}.jsonl")
    run = runlog.read_agenda(path)
    # The service hours the run published with its result, as an auditor finds them in the agenda.
    windows, timezone = run.service_hours(None, "Asia/Jakarta")
    assert windows, "the agenda does not say which service hours step 1 was judged by"
    verdicts = budgets.verdicts(sop, runlog.step_runs(run), windows=windows, timezone=timezone)
    outcomes = model.step_outcomes(run, sop, verdicts, "id")
    return {step.id: o.word for step, o in zip(sop.steps, outcomes, strict=True)}


def test_an_ordinary_backup_laporan(db, tmp_path):
    lab = db
    standin(lab, "success", 1024)
    result, report, folder, rid = run_backup(lab, tmp_path, now="2027-02-07T20:00:00+07:00", pdf=True)
    try:
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert report["status"] == "Selesai sesuai Mutu Baku"
        assert report["verdicts"] == agenda_verdicts(tmp_path / "out", rid, sop_module.load_sop("backup"))
        assert {report["verdicts"][s] for s in STEPS} == {"Sesuai"}
        cells = backup_cells(report)
        digest = sh(lab, "siak-db", f"sha256sum {ROOT}/07022027/master.dmp").split()[0]
        assert cells["Hasil"] == "terverifikasi" and cells["Checksum SHA-256"] == digest
        assert cells["Berkas backup"] == "master.dmp" and cells["Folder"] == f"{ROOT}/07022027"
        assert chain_of(report) == CHAIN
        text = pdf_text(folder / f"laporan-{rid}.pdf")
        flat = re.sub(r"\s+", " ", text)
        for words in ("Laporan Data Backup Database", *CHAIN, digest[:32]):
            assert words in flat, words
        assert "Sub Koordinator" not in flat and "Kepala Bidang" not in flat
    finally:
        sh(lab, "siak-db", f"rm -rf {ROOT}/07022027")


def test_a_backup_over_its_mutu_baku(db, tmp_path):
    lab = db
    sops = tmp_path / "sops"
    shutil.copytree(Path(sop_module.__file__).parent / "sops", sops)
    table = (sops / "backup_db.yml").read_text()
    export = table.index("  - id: run_export")
    waktu = table.index("waktu: {min: 40, max: 40}", export)
    (sops / "backup_db.yml").write_text(table[:waktu] + "waktu: {min: 0, max: 0}" + table[waktu + 25 :])
    standin(lab, "success", 1024, delay_s=3)
    try:
        result, report, _folder, rid = run_backup(
            lab,
            tmp_path,
            "--hard-limit",
            "run_export=none",
            now="2027-02-14T20:00:00+07:00",
            env={"SIAK_SOP_DIR": str(sops)},
        )
        assert result.returncode == 4, result.stdout[-4000:] + result.stderr[-2000:]
        assert report["status"] == "Selesai, dengan 1 langkah melebihi Mutu Baku"
        assert report["verdicts"]["run_export"] == "Melebihi Mutu Baku"
        assert report["verdicts"] == agenda_verdicts(
            tmp_path / "out", rid, sop_module.load_sop_file(sops / "backup_db.yml")
        )
        (row,) = [r for r in report["rows"] if r["id"] == "run_export"]
        assert row["deviation"] and re.fullmatch(
            r"lebih \d+,\d menit dari maksimum 0 menit", row["reason"]
        ), row
        # The backup itself is good: a deviation in time is not a failed backup.
        assert backup_cells(report)["Hasil"] == "terverifikasi"
        assert chain_of(report) == CHAIN
    finally:
        standin(lab, "success", 1024, delay_s=0)
        sh(lab, "siak-db", f"rm -rf {ROOT}/14022027")


def test_a_cancelled_backup_laporan(db, tmp_path):
    lab = db
    standin(lab, "success", 1024, delay_s=45)
    try:
        result, report, _folder, _rid = run_backup(
            lab, tmp_path, "--hard-limit", "run_export=0.05", now="2027-02-21T20:00:00+07:00"
        )
        assert result.returncode == 5, result.stdout[-4000:] + result.stderr[-2000:]
        assert report["status"].startswith("Dibatalkan pada batas keras Langkah 2"), report["status"]
        assert report["verdicts"]["run_export"] == "Dibatalkan"
        # The steps after the cancelled one did not run, and say so; none is shown as done.
        for step in ("open_backup_folder", "make_dated_folder", "copy_to_spare"):
            assert report["verdicts"][step] == "Tidak dijalankan", (step, report["verdicts"])
        assert chain_of(report) == CHAIN
        assert "21022027" not in sh(lab, "siak-db", f"ls {ROOT}").split()
    finally:
        standin(lab, "success", 1024, delay_s=0)


def test_a_trial_backup_laporan(db, tmp_path):
    lab = db
    standin(lab, "success", 1024)
    before = sh(lab, "siak-db", f"ls -a {ROOT}")
    result, report, _folder, _rid = run_backup(lab, tmp_path, "--check", now="2027-02-28T20:00:00+07:00")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert report["check_mode"] is True
    assert report["status"] == "Uji coba (check mode) selesai: tidak ada yang diubah"
    assert report["rehearsed"], report
    assert not any(v in ("Gagal", "Dibatalkan", "Melebihi Mutu Baku") for v in report["verdicts"].values())
    assert chain_of(report) == CHAIN
    assert sh(lab, "siak-db", f"ls -a {ROOT}") == before


@pytest.fixture(autouse=True)
def _no_lock_left(db):
    """Every case leaves the server unlocked, so the next one (and the next module) is not refused."""
    yield
    assert sh(db, "siak-db", f"ls {ROOT}/.siak-backup.lock 2>/dev/null || true") == ""
