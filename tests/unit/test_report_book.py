"""The Buku Agenda of a day: every run's head and step rows with the Laporan's own verdicts, as an A4 PDF."""

from __future__ import annotations

import json
import subprocess

from agenda_builder import Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import book

from siak_sop import cli

DAY = "2026-11-23"


def write_day(tmp_path, runs):
    folder = tmp_path / "agenda" / DAY
    folder.mkdir(parents=True)
    for run_id, run in runs.items():
        (folder / f"{run_id}.jsonl").write_text("\n".join(run.lines()) + "\n", encoding="utf-8")
    return tmp_path / "agenda"


def upgrade(run_id="r1"):
    return (
        Run(run_id=run_id)
        .task("prepare", "localhost", 0, 30)
        .task("start_server", "siak-host", 30, 400)
        .task("replace_app", "siak-vm", 500, 200, "changed")
        .end()
    )


def killed_backup():
    run = Run(sop_id="backup_db", playbook="backup.yml", run_id="b1").task(
        "run_export", "siak-db", 3600, 60, end=False
    )
    run.records[0]["started"] = "2026-11-23T20:00:00+07:00"  # after the upgrade's run
    return run


def test_each_run_has_its_head_and_the_laporan_verdicts(tmp_path):
    agenda = write_day(tmp_path, {"r1": upgrade(), "b1": killed_backup()})
    context = book.day_model(
        DAY, book.load_day(agenda, DAY), office={"place": "Contoh", "name": "Disdukcapil"}
    )
    assert context["day"] == "23 November 2026" and context["place_date"] == "Contoh, 23 November 2026"
    runs = {r["run_id"]: r for r in context["runs"]}
    assert list(runs) == ["r1", "b1"]  # in start order
    up = runs["r1"]
    assert up["sop"] == "SOP-PIAK-15 Pemutakhiran versi aplikasi SIAK" and len(up["head"]) == 64
    assert up["state"] == "lengkap" and not up["state_bad"]
    verdicts = {r["kegiatan"]: (r["verdict"], r["reason"]) for r in up["rows"]}
    assert verdicts["Menjalankan server"][0] == "Melebihi Mutu Baku"
    assert verdicts["Mencatat dalam agenda, Selesai"] == ("Sesuai", "dicatat di agenda saat jalan ditutup")
    backup = runs["b1"]
    assert backup["state"] == "terputus: tanpa catatan penutup" and backup["state_bad"]
    rows = {r["kegiatan"]: (r["verdict"], r["reason"]) for r in backup["rows"]}
    # A killed run never shows its agenda step as recorded.
    assert rows["Mencatat dalam agenda kegiatan harian"] == (
        "Tidak dijalankan",
        "jalan terputus sebelum menutup catatannya",
    )
    assert rows["Membuka file backup.bat di server dan jalankan"][0] == "Dibatalkan"


def test_the_cli_writes_the_day_as_an_a4_pdf(tmp_path, capsys):
    agenda = write_day(tmp_path, {"r1": upgrade(), "b1": killed_backup()})
    out = tmp_path / "book"
    assert cli.main(["agenda", "book", "--agenda-dir", str(agenda), "--out", str(out)]) == 0
    pdf = out / f"buku-agenda-{DAY}.pdf"
    assert str(pdf) in capsys.readouterr().out
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "BUKU AGENDA: 23 NOVEMBER 2026",
        "SOP-PIAK-15",
        "000.8.3.3/24/1.Dukcapil/2025",
        "jalan r1",
        "Melebihi",
        "Mengetahui,",
    ):
        assert expected in text, expected
    data = json.loads((out / f"buku-agenda-{DAY}.json").read_text(encoding="utf-8"))
    assert [r["run_id"] for r in data["runs"]] == ["r1", "b1"]


def test_an_altered_run_is_marked_and_the_exit_code_says_so(tmp_path, capsys):
    agenda = write_day(tmp_path, {"r1": upgrade()})
    path = agenda / DAY / "r1.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"siak-vm"', '"siak-xx"'), encoding="utf-8")
    assert (
        cli.main(["agenda", "book", "--agenda-dir", str(agenda), "--out", str(tmp_path / "b"), "--no-pdf"])
        == 2
    )
    assert "r1.jsonl" in capsys.readouterr().out
    data = json.loads((tmp_path / "b" / f"buku-agenda-{DAY}.json").read_text(encoding="utf-8"))
    assert data["runs"][0]["state"] == "DIUBAH: rantai hash tidak cocok" and data["damaged"] == ["r1.jsonl"]


def test_english_book(tmp_path):
    agenda = write_day(tmp_path, {"r1": upgrade()})
    context = book.day_model(DAY, book.load_day(agenda, DAY), lang="en")
    assert (
        context["title"] == "Agenda book" and context["runs"][0]["rows"][1]["verdict"] == "Over the Mutu Baku"
    )


def test_a_day_without_agenda_is_one_clear_error(tmp_path):
    (tmp_path / "agenda" / "2026-11-22").mkdir(parents=True)
    assert cli.main(["agenda", "book", "--agenda-dir", str(tmp_path / "agenda"), "--day", DAY]) == 2
    assert cli.main(["agenda", "book", "--agenda-dir", str(tmp_path / "agenda"), "--day", "23-11-2026"]) == 2


def _chain(agenda, run_id):
    """Chain a run's head into its day, as the agenda callback does when a run ends (no signing key)."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda_seal

    path = agenda / DAY / f"{run_id}.jsonl"
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    entry = {"run_id": run_id, "file": path.name, "lines": last["seq"] + 1, "head": last["hash"]}
    agenda_seal.append_day(
        agenda / DAY, {**entry, "ending": "complete", "ended": last.get("ended", "")}, None
    )


def test_the_page_shows_the_days_chain_and_a_removed_run(tmp_path, capsys):
    agenda = write_day(tmp_path, {"r1": upgrade("r1"), "r2": upgrade("r2")})
    _chain(agenda, "r1")
    _chain(agenda, "r2")
    chain = book.load_chain(agenda, DAY)
    context = book.day_model(DAY, book.load_day(agenda, DAY), chain=chain)
    assert context["chain"]["ok"] and context["chain"]["text"] == "utuh, 2 jalan terangkai"
    assert all(r["signature"] == "tidak ditandatangani" for r in context["runs"])
    (agenda / DAY / "r2.jsonl").unlink()  # a run removed from the day
    out = tmp_path / "book"
    assert cli.main(["agenda", "book", "--agenda-dir", str(agenda), "--out", str(out), "--no-pdf"]) == 2
    data = json.loads((out / f"buku-agenda-{DAY}.json").read_text(encoding="utf-8"))
    assert not data["chain"]["ok"] and data["chain"]["text"].startswith("RUSAK")


def backup_at_16(results=None):
    """A backup started Monday 16:00: after the default hours (Mon-Thu until 15:00), inside an office's that
    serves until 17:00."""
    run = Run(sop_id="backup_db", playbook="backup.yml", run_id="b2")
    run.records[0]["started"] = "2026-11-23T16:00:00+07:00"
    for step, at in (("prepare_backup", -10800), ("run_export", -10790), ("record_daily_agenda", -10700)):
        run.task(step, "siak-db", at, 5)
    return run.end(results=results)


def test_the_office_service_hours_the_run_published_judge_its_first_step_in_book_and_laporan(tmp_path):
    """The backup role publishes the office's service hours it judged step 1 by; the Buku Agenda and the Laporan
    judge "after service hours" by the same, and without them by the default week, so both always agree."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, runlog
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import laporan
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.service_hours import (
        DEFAULT_TIMEZONE,
        DEFAULT_WINDOWS,
    )
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

    office_hours = {
        "windows": [{"days": "mon-fri", "start": "08:00", "end": "17:00"}],
        "timezone": "Asia/Jakarta",
    }
    published = {
        "siak_results": {"oracle_backup": {"siak-db": {"verdict": "verified", "service_hours": office_hours}}}
    }
    expected = {"b-default": "Sesuai", "b-office": "Melebihi Mutu Baku"}
    for run_id, results in (("b-default", None), ("b-office", published)):
        agenda = write_day(tmp_path / run_id, {run_id: backup_at_16(results)})
        (block,) = book.day_model(DAY, book.load_day(agenda, DAY), office={})["runs"]
        row = next(r for r in block["rows"] if r["kegiatan"] == "Persiapan membackup database")
        assert row["verdict"] == expected[run_id], (run_id, row)
        run = runlog.read_agenda(agenda / DAY / f"{run_id}.jsonl")
        verdicts, _code = laporan.run_outcome(
            run, load_sop("backup"), budgets.BudgetConfig(), cancelled_step=None, cancelled_at=None,
            interrupted=False, runner_failed=False, windows=DEFAULT_WINDOWS, timezone=DEFAULT_TIMEZONE,
        )  # fmt: skip
        first = verdicts[0]
        assert first.step.id == "prepare_backup"
        assert first.kind == (budgets.INSIDE_SERVICE_HOURS if results else budgets.AFTER_HOURS_OK), run_id
