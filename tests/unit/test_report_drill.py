"""The Laporan Uji Pemulihan: the restore drill's report, made by the one report module from the drill run's
agenda alone, under the backup SOP it serves (its number, its signature chain from the SOP data), with each
copy read back, the restore and Data Pump's reading, and a verdict that names every damaged copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import html5lib
import pytest
from agenda_builder import Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils import exitcodes
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import drill, render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import parse_lines
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop import cli, runner, wrapper_cli

BACKUP = load_sop("backup")
SHA = "ab" * 32
OFFICE = {
    "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Contoh",
    "place": "Contoh",
    "signers": {
        "Administrator Database": {"name": "Budi Santoso, S.Kom", "nip": "198501012010011001"},
        "KASI SIAK": {"name": "Rina Wati, S.Kom", "nip": "198003032006042003"},
    },
}


def place(name: str, path: str, *, encrypted: bool = False, problems: tuple[str, ...] = ()) -> dict:
    return {
        "name": name,
        "path": f"{path}/03012027",
        "encrypted": encrypted,
        "verified": not problems,
        "problems": list(problems),
    }


def drill_result(*damaged: str) -> dict:
    """What roles/oracle_backup/tasks/drill.yml publishes for one server (damaged: names of bad copies)."""
    places = [
        place("server", "/u01/backup"),
        place("flashdisk", "/media/flashdisk", encrypted=True),
        place("disk2", "/mnt/disk2/drill"),
    ]
    for p in places:
        if p["name"] in damaged:
            p.update(verified=False, problems=["master.dmp does not match its checksum"])
    return {
        "verdict": "failed" if damaged else "passed",
        "message": "",
        "folder": "03012027",
        "places": places,
        "restore": {"source": "flashdisk", "decrypted": True, "sha256": SHA, "expected": SHA, "ok": True},
        "parse": {"mode": "sqlfile", "schema": "", "ok": True, "reason": "import succeeded"},
        "started": "2027-01-03T20:10:00+07:00",
        "run_id": "drill1",
    }


def drill_run(result: dict | None, status: str = "successful") -> Run:
    run = Run(sop_id="backup_db", playbook="restore_drill.yml", run_id="drill1")
    run.task(None, "siak-db", 0, 5).task(None, "siak-db", 5, 40)
    results = {"siak_results": {drill.RESULTS_KEY: {"siak-db": result}}} if result else {}
    return run.end(status, results=results)


def record(run: Run):
    return parse_lines(run.lines(), "drill1.jsonl")


def context(run: Run, lang: str = "id") -> dict:
    return drill.build(record(run), BACKUP, lang=lang, office=OFFICE, version="0.1.0")


def test_a_run_of_the_drill_is_a_drill_and_an_sop_run_is_not():
    assert drill.is_drill(record(drill_run(drill_result())))
    # Stopped before it published anything, the drill's playbook still makes a drill report.
    assert drill.is_drill(record(drill_run(None, "failed")))
    assert not drill.is_drill(record(Run(playbook="site.yml").end()))
    assert not drill.is_drill(record(Run().task("prepare", "h", 0, 1).end()))


def test_a_passing_drill_reads_as_passed_under_the_backup_sop_and_its_signature_chain():
    ctx = context(drill_run(drill_result()))
    assert ctx["kind"] == drill.KIND and ctx["title"] == "Laporan Uji Pemulihan"
    assert ctx["sop"]["nomor"] == BACKUP.nomor and BACKUP.nomor in ctx["serves"]
    assert "bukan langkah SOP" in ctx["serves"]
    assert ctx["status"] == "LULUS: backup dapat dipulihkan" and ctx["status_class"] == "ok"
    (d,) = ctx["drills"]
    assert d["host"] == "siak-db" and d["folder"] == "03012027" and d["verdict"] == "passed"
    assert d["reasons"] == [] and d["damaged"] == []
    assert [p["verified"] for p in d["places"]] == ["ya", "ya", "ya"]
    assert [p["encrypted"] for p in d["places"]] == ["tidak", "ya (age)", "tidak"]
    assert (
        d["restore"]["source"] == "flashdisk (didekripsi dengan kunci uji)" and d["restore"]["match"] == "ya"
    )
    assert d["parse"]["mode"] == "SQLFILE (hanya dibaca, tidak ada yang diimpor)"
    assert d["parse"]["result"] == "berhasil"
    # The chain is the backup SOP's, from its data, with the office's signers.
    assert [s["title"] for s in ctx["signatures"]] == [s.title for s in BACKUP.signatures]
    assert [s["title"] for s in ctx["signatures"]] == ["Administrator Database", "KASI SIAK", "KABID PIAK"]
    assert [s["name"] for s in ctx["signatures"]][:2] == ["Budi Santoso, S.Kom", "Rina Wati, S.Kom"]
    assert ctx["place_date"].startswith("Contoh, ") and "November 2026" in ctx["place_date"]
    assert drill.exit_code(record(drill_run(drill_result())), ctx["drills"]) == exitcodes.OK


def test_a_failing_drill_names_the_damaged_copy_and_why():
    run = drill_run(drill_result("disk2"), "failed")
    ctx = context(run)
    assert ctx["status"] == "GAGAL pada siak-db" and ctx["status_class"] == "bad"
    (d,) = ctx["drills"]
    assert d["verdict"] == "failed" and d["word"] == "GAGAL"
    assert d["damaged"] == ["disk2"]
    assert d["reasons"] == ["disk2: master.dmp does not match its checksum"]
    assert [p["verified"] for p in d["places"]] == ["ya", "ya", "TIDAK"]
    assert drill.exit_code(record(run), ctx["drills"]) == exitcodes.FAILED
    md = render.render_markdown(ctx)
    assert (
        "**Penilaian:** GAGAL\n" in md and "**Alasan:** disk2: master.dmp does not match its checksum" in md
    )
    assert (
        "| disk2 | /mnt/disk2/drill/03012027 | tidak | TIDAK | master.dmp does not match its checksum |" in md
    )
    assert "**Salinan rusak:** disk2" in md


def test_a_restore_that_does_not_match_and_a_parse_that_fails_are_each_a_reason():
    result = drill_result()
    result["verdict"] = "failed"
    result["restore"].update(ok=False, sha256="cd" * 32, error="")
    result["parse"].update(ok=False, reason="not run: the restored dump does not match its manifest")
    (d,) = context(drill_run(result, "failed"))["drills"]
    assert d["verdict"] == "failed" and d["damaged"] == []
    assert d["reasons"] == [
        "dump hasil pemulihan tidak cocok dengan manifest-nya",
        "Data Pump: not run: the restored dump does not match its manifest",
    ]
    # A verdict the role got wrong never reads better than its own parts.
    result["verdict"] = "passed"
    assert context(drill_run(result))["drills"][0]["verdict"] == "failed"


def test_a_drill_stopped_before_it_published_names_the_task_that_stopped_it():
    run = Run(sop_id="backup_db", playbook="restore_drill.yml", run_id="drill1").task(None, "siak-db", 0, 5)
    task = run.records[-1]
    task.update(status="failed", task="Drill | Take the backup lock", summary={"msg": "the lock is held"})
    ctx = context(run.end("failed"))
    (d,) = ctx["drills"]
    assert d["verdict"] == "failed" and d["folder"] == "-" and d["places"] == []
    assert d["reasons"] == ["tugas 'Drill | Take the backup lock': the lock is held"]


def test_in_english_on_request():
    ctx = context(drill_run(drill_result("disk2"), "failed"), lang="en")
    assert ctx["title"] == "Restore drill report" and ctx["drills"][0]["word"] == "FAILED"
    assert ctx["sop"]["nama"] == BACKUP.name_en
    passed = context(drill_run(drill_result()), lang="en")
    assert passed["status"] == "PASSED: the backup can be restored"


def test_no_english_in_the_indonesian_report():
    ctx = context(drill_run(drill_result("disk2"), "failed"))
    text = render.render_markdown(ctx) + render.render_html(ctx)
    for word in (
        "PASSED",
        "Restore drill",
        "decrypted",
        "Damaged",
        "Reasons",
        "Carried out by",
        "yes",
        "NO |",
    ):
        assert word not in text, word


def test_the_html_is_valid_and_the_pdf_holds_the_report(tmp_path):
    ctx = context(drill_run(drill_result("disk2"), "failed"))
    html = render.render_html(ctx)
    html5lib.HTMLParser(strict=True).parse(html)
    written = render.write_report(ctx, tmp_path)
    assert sorted(p.name for p in written.values()) == [
        "laporan-drill1.html",
        "laporan-drill1.json",
        "laporan-drill1.md",
        "laporan-drill1.pdf",
    ]
    assert json.loads(written["json"].read_text())["drills"][0]["damaged"] == ["disk2"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(written["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "LAPORAN UJI PEMULIHAN",
        BACKUP.nomor,
        "GAGAL pada siak-db",
        "Salinan rusak",
        "disk2",
        "Administrator Database",
        "KASI SIAK",
        "KABID PIAK",
        "Budi Santoso, S.Kom",
    ):
        assert expected in text, expected
    assert "{{" not in text and "root @" not in text


@pytest.fixture
def out(tmp_path, monkeypatch):
    monkeypatch.setenv("SIAK_LANG", "id")
    monkeypatch.setenv("SIAK_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.delenv("SIAK_AGENDA_DIR", raising=False)
    return tmp_path / "out"


@pytest.mark.parametrize(("damaged", "code"), [((), exitcodes.OK), (("disk2",), exitcodes.FAILED)])
def test_siak_sop_report_makes_the_drill_report_by_run_id(capsys, out, tmp_path, damaged, code):
    path = tmp_path / "drill1.jsonl"
    path.write_text(
        "\n".join(drill_run(drill_result(*damaged), "failed" if damaged else "successful").lines())
    )
    assert cli.main(["report", str(path), "--no-pdf"]) == code
    folder = out / "reports" / "drill1"
    data = json.loads((folder / "laporan-drill1.json").read_text())
    assert data["kind"] == drill.KIND and data["run_id"] == "drill1"
    assert (folder / "laporan-drill1.md").read_text().startswith("# Laporan Uji Pemulihan")
    assert f"Hasil: kode keluar {code}:" in capsys.readouterr().out


@pytest.mark.parametrize(("damaged", "code"), [((), exitcodes.OK), (("disk2",), exitcodes.FAILED)])
def test_siak_sop_run_drill_ends_with_the_drill_report_and_its_verdict(tmp_path, damaged, code):
    playbook, sop_id = runner.PLAYBOOKS["drill"]
    assert playbook == "restore_drill.yml" and sop_id == BACKUP.id
    request = runner.RunRequest(
        name="drill",
        sop=BACKUP,
        work_dir=Path.cwd(),
        collection_dir=Path.cwd(),
        playbook=Path("playbooks") / playbook,
        inventories=[],
        output_dir=tmp_path,
        budget=BudgetConfig(),
        office=OFFICE,
    )
    ok = not damaged
    result = runner.RunResult(rc=0 if ok else 2, status="successful" if ok else "failed", agenda=None)
    run = record(drill_run(drill_result(*damaged), "successful" if ok else "failed"))
    verdicts, got, _outcome, ctx = wrapper_cli.laporan(request, result, run, None)
    assert verdicts == [] and got == code
    assert ctx["kind"] == drill.KIND and ctx["drills"][0]["damaged"] == list(damaged)
