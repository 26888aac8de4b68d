"""Verdicts and exit codes from agendas recorded in real lab runs (tests/fixtures/record_agendas.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import laporan, model
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import parse_time, read_agenda
from ansible_collections.dukcapil.siak.plugins.plugin_utils.service_hours import DEFAULT_WINDOWS
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agendas"
CASES = sorted(p.name.removesuffix(".run.json") for p in FIXTURES.glob("*.run.json"))


def outcome(name: str):
    saved = json.loads((FIXTURES / f"{name}.run.json").read_text())
    run = read_agenda(FIXTURES / f"{name}.jsonl")
    sop = load_sop(saved["sop"])
    verdicts, code = laporan.run_outcome(
        run,
        sop,
        budgets.BudgetConfig(steps=saved["budget"]["steps"]),
        cancelled_step=saved["cancelled_step"],
        cancelled_at=parse_time(saved["cancelled_at"]),
        interrupted=saved["interrupted"],
        runner_failed=saved["status"] == "failed",
        windows=saved.get("service_hours") or DEFAULT_WINDOWS,
        timezone=saved["timezone"],
    )
    return saved, run, {v.step.id: v for v in verdicts}, code


def test_every_recorded_case_is_here():
    assert {"upgrade_within", "upgrade_failed", "upgrade_cancelled", "upgrade_over", "backup_within"} <= set(
        CASES
    )


@pytest.mark.parametrize("name", CASES)
def test_exit_code_matches_the_recorded_run(name):
    saved, _run, _verdicts, code = outcome(name)
    assert code == saved["exit_code"]


def test_within():
    _saved, run, v, code = outcome("upgrade_within")
    assert code == 0 and run.complete
    assert v["prepare"].kind == budgets.WITHIN and v["start_server"].kind == budgets.WITHIN
    assert v["update_clients"].kind == budgets.NO_BUDGET  # the SOP sets no time for step 10
    assert v["start_vm"].kind == budgets.NOT_RUN
    assert run.results["test_upgrade"]["siak-db"]["to_version"] == "2.0.0"


def test_failed():
    _saved, run, v, code = outcome("upgrade_failed")
    assert code == 3 and run.failed
    assert v["login"].kind == budgets.FAILED and v["login"].deviation
    assert v["start_server"].kind == budgets.WITHIN


def test_cancelled_at_the_hard_limit():
    saved, run, v, code = outcome("upgrade_cancelled")
    assert code == 5 and not run.finished  # killed: no closing record
    assert saved["cancelled_step"] == "start_server"
    assert v["start_server"].kind == budgets.CANCELLED and v["start_server"].run.open
    assert v["start_server"].run.duration_s >= 3  # the 0.05 min hard limit had passed
    assert v["login"].kind == budgets.NOT_RUN


def test_a_real_overrun():
    _saved, run, v, code = outcome("upgrade_over")
    assert code == 4 and run.complete
    over = v["start_server"]
    assert over.kind == budgets.OVER and over.deviation
    assert over.run.duration_s > 300 and 0 < over.minutes_over < 2
    assert over.label("id").startswith("Melebihi Mutu Baku (lebih ")


def test_backup_after_service_hours():
    _saved, _run, v, code = outcome("backup_within")
    assert code == 0
    assert v["prepare_backup"].kind == budgets.AFTER_HOURS_OK
    assert v["run_export"].kind == budgets.WITHIN
    assert v["copy_to_spare"].kind == budgets.NOT_RUN


def test_report_from_a_recorded_agenda(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("SIAK_OUTPUT_DIR", str(out))
    monkeypatch.delenv("SIAK_AGENDA_DIR", raising=False)
    saved = json.loads((FIXTURES / "upgrade_over.run.json").read_text())
    (out / "agenda" / "2026-11-21").mkdir(parents=True)
    shutil.copyfile(
        FIXTURES / "upgrade_over.jsonl", out / "agenda" / "2026-11-21" / f"{saved['run_id']}.jsonl"
    )
    (out / "reports" / saved["run_id"]).mkdir(parents=True)
    shutil.copyfile(FIXTURES / "upgrade_over.run.json", out / "reports" / saved["run_id"] / "run.json")
    assert cli.main(["report", saved["run_id"]]) == 4
    pdf = out / "reports" / saved["run_id"] / f"laporan-{saved['run_id']}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "KABUPATEN CONTOH (LAB)" in text  # the office the wrapper read from the lab inventory
    assert "Menjalankan server" in text and "Melebihi" in text and "05:" in text


def test_the_real_backup_playbook_run_and_its_results():
    """Recorded from playbooks/backup.yml (the backup SOP's own playbook) through siak-sop in the lab."""
    _saved, run, v, code = outcome("backup_real_playbook")
    assert code == 0 and run.complete
    assert [
        v[s].kind for s in ("run_export", "open_backup_folder", "make_dated_folder", "copy_to_spare")
    ] == [budgets.WITHIN] * 4
    assert v["prepare_backup"].kind == budgets.AFTER_HOURS_OK
    (section,) = model.output_sections(run, load_sop("backup"), "id")
    cells = dict(zip(section["columns"], section["rows"][0]["cells"], strict=True))
    assert cells["Hasil"] == "terverifikasi" and cells["Berkas backup"] == "master.dmp"
    assert cells["Salinan cadangan, masing-masing diverifikasi"] == (
        "flashdisk: terverifikasi\ndisk2: terverifikasi\nsiak-host: terverifikasi"
    )
    assert len(cells["Checksum SHA-256"]) == 64


def test_the_real_upgrade_playbook_run():
    """Recorded from playbooks/upgrade.yml through siak-sop in the lab, the VM off at the start: step 1's
    preflight finds it unreachable (ignored on purpose), step 4 starts it; the run succeeds."""
    _saved, run, v, code = outcome("upgrade_real_playbook")
    assert code == 0 and run.complete and not run.failed
    assert v["prepare"].kind == budgets.WITHIN and v["prepare"].run.statuses.get("ignored") == 1
    assert v["start_vm"].kind == budgets.WITHIN
    assert v["record_agenda"].kind == budgets.WITHIN


@pytest.mark.parametrize("name", CASES)
def test_every_fixture_is_an_intact_agenda(name):
    """The agenda callback's own check: recorded fixtures are intact; the cancelled run is a valid prefix."""
    chain = laporan.check_chain(FIXTURES / f"{name}.jsonl")
    assert chain is not None
    assert chain["state"] == ("prefix" if name == "upgrade_cancelled" else "complete")


def test_a_changed_line_makes_the_report_say_so_and_exit_6(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SIAK_OUTPUT_DIR", str(tmp_path / "out"))
    lines = (FIXTURES / "upgrade_within.jsonl").read_text().splitlines()
    lines[5] = lines[5].replace('"status":"ok"', '"status":"changed"', 1)  # an edit after the fact
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join(lines) + "\n")
    assert cli.main(["report", str(forged), "--no-pdf", "--output", str(tmp_path / "r")]) == 6
    assert "line 6" in capsys.readouterr().err
    assert "RANTAI HASH RUSAK" in next((tmp_path / "r").glob("laporan-*.html")).read_text()
