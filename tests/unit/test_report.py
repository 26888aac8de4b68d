"""The Laporan: valid HTML with the SOP rows, and an A4 PDF whose text carries the same rows and figures."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser

import html5lib
import pytest
from agenda_builder import Run

from siak_sop import budgets
from siak_sop.report import model, render
from siak_sop.runlog import parse_lines, step_runs
from siak_sop.sop import load_sop

UPGRADE = load_sop("upgrade")
RESULTS = {
    "siak_upgrade": {
        "siak-vm": {
            "from_version": "1.0.0",
            "to_version": "2.0.0",
            "sha256": "ab" * 32,
            "duration_s": 41.2,
            "result": "updated",
        }
    },
    "client_rollout": {
        "pc01": {"from_version": "1.0.0", "to_version": "2.0.0", "status": "updated"},
        "pc02": {"from_version": "1.0.0", "to_version": None, "status": "offline"},
    },
}


def context(lang="id", **kw):
    run = (
        Run()
        .task("prepare", "siak-host", 0, 30)
        .task("start_server", "siak-host", 30, 400)
        .task("replace_app", "siak-vm", 500, 200, "changed")
        .end(results=RESULTS)
    )
    record = parse_lines(run.lines(), "/out/agenda/2026-11-23/r1.jsonl")
    verdicts = budgets.verdicts(UPGRADE, step_runs(record))
    office = {"name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Contoh"}
    return model.build(record, UPGRADE, verdicts, lang=lang, office=office, version="0.1.0", **kw)


class Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self._cells: list[str] | None = None
        self._class = ""
        self._in_sop = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "sop":
            self._in_sop = True
        if self._in_sop and tag == "tr" and (attrs.get("id") or "").startswith("step-"):
            self._cells, self._class = [], attrs.get("class", "")
        if self._cells is not None and tag == "td":
            self._cells.append("")

    def handle_endtag(self, tag):
        if tag == "tr" and self._cells is not None:
            self.rows.append((self._class, [c.strip() for c in self._cells]))
            self._cells = None
        if tag == "table":
            self._in_sop = False

    def handle_data(self, data):
        if self._cells:
            self._cells[-1] += data


def test_html_is_valid_and_has_every_sop_row():
    html = render.render_html(context())
    html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error
    parser = Rows()
    parser.feed(html)
    assert len(parser.rows) == len(UPGRADE.steps)
    numbers = [row[1][0] for row in parser.rows]
    assert numbers == [str(s.number) for s in UPGRADE.steps]  # 9 and 10 printed twice, as in the SOP
    over = [cells for cls, cells in parser.rows if "deviation" in cls]
    assert len(over) == 1 and over[0][1] == "Menjalankan server"
    assert "Melebihi (lebih 1,7 menit)" in over[0]
    assert "Penjelasan penyimpangan" in over[0][-1]
    first = parser.rows[0][1]
    assert "19:00:00" in first and "19:00:30" in first and "Sesuai" in first
    assert "Kabupaten Contoh" in html and "SOP-PIAK-15" in html and "Kepala Bidang" in html


def test_english_on_request():
    html = render.render_html(context("en"))
    assert "SOP Execution Report" in html and "Over (over 1.7 min)" in html
    assert "Start the server" in html and 'lang="en"' in html


def test_results_show_versions_totals_and_offline_pcs():
    sections = {s["role"]: s for s in context()["results"]}
    assert sections["siak_upgrade"]["columns"] == ["Versi lama", "Versi baru", "Hasil", "SHA-256", "Durasi"]
    assert sections["siak_upgrade"]["rows"][0]["cells"][:2] == ["1.0.0", "2.0.0"]
    assert sections["client_rollout"]["totals"] == {"updated": 1, "offline": 1}
    assert sections["client_rollout"]["offline"] == ["pc02"]


def test_cancelled_status_names_the_step():
    ctx = context(outcome={"cancelled_step": "replace_app", "cancelled_label": "6 (Me-replace file SIAK)"})
    assert ctx["status"] == "Dibatalkan pada batas keras langkah 6 (Me-replace file SIAK)"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    written = render.write_report(context(), folder)
    return written["pdf"]


def test_pdf_is_a4_and_carries_the_rows(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "SOP-PIAK-15",
        "Mulai, persiapan",
        "Menjalankan server",
        "Melebihi",
        "06:40",
        "1,7",
        "Me-replace file SIAK",
        "Mencatat dalam",
        "siak-vm",
        "2.0.0",
        "offline 1",
        "Kepala Bidang",
        "Sub Koordinator",
        "Administrator Database",
    ):
        assert expected in text, expected


def test_pdf_renders_to_a_page_image(pdf, tmp_path):
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    page = next(tmp_path.glob("p*.png"))
    assert page.stat().st_size > 5000


def test_a_backup_result_reads_down_the_page_with_sizes_and_checksums():
    results = {
        "oracle_backup": {
            "siak-db": {
                "verdict": "verified",
                "folder": "/backup/23112026",
                "file": "master.dmp",
                "size": "1048576",
                "sha256": "cd" * 32,
                "files": [{"name": "master.dmp", "size": 1048576}, {"name": "master.log", "size": 512}],
                "destinations": [
                    {"name": "/media/flashdisk", "verified": True, "error": "", "files": [{"n": 1}]}
                ],
                "destinations_verified": ["/media/flashdisk"],
                "durations_s": {"run_export": 12.5},
            }
        }
    }
    (section,) = model.result_sections(results, "id")
    assert section["vertical"] and section["totals"] == {}
    cells = dict(zip(section["columns"], section["rows"][0]["cells"], strict=True))
    assert cells["Ukuran"] == "1.0 MiB (1,048,576 B)"
    assert cells["Berkas"] == "master.dmp"
    assert cells["Salinan"] == "name: /media/flashdisk; verified: ya; files: 1 entri"
    assert section["columns"][:4] == ["Hasil", "Berkas", "Ukuran", "SHA-256"]
    html = render.render_html({**context(), "results": [section]})
    html5lib.HTMLParser(strict=True).parse(html)
    assert "cd" * 32 in html and "/backup/23112026" in html


def test_rollout_totals_count_the_result_field():
    rows = {f"pc0{i}": {"from_version": "1", "to_version": "2", "result": "updated"} for i in range(1, 4)}
    rows["pc04"] = {"from_version": "1", "to_version": None, "result": "offline"}
    (section,) = model.result_sections({"client_rollout": rows}, "en")
    assert section["totals"] == {"updated": 3, "offline": 1} and section["offline"] == ["pc04"]


def test_a_run_with_no_sop_step_says_so():
    record = parse_lines(Run().end().lines(), "r.jsonl")
    ctx = model.build(record, UPGRADE, budgets.verdicts(UPGRADE, step_runs(record)), lang="en")
    assert ctx["summary"] == "No task of this run belongs to an SOP step (no step tags)."


def test_an_early_pdf_is_taken_only_for_the_same_html(tmp_path):
    html = render.render_html(context())
    early = render.EarlyPdf()
    early.start(lambda: html, tmp_path)
    assert early.take(html + "<!-- changed -->") is None  # another outcome: the caller renders anew
    data = early.take(html)
    assert data is not None
    assert data.startswith(b"%PDF")


def test_an_early_pdf_that_fails_or_never_started_leaves_nothing(tmp_path):
    assert render.EarlyPdf().take("<p>x</p>") is None
    early = render.EarlyPdf()

    def broken() -> str:
        raise ValueError("the agenda went away")

    early.start(broken, tmp_path)
    assert early.take("<p>x</p>") is None


def test_write_report_uses_the_early_pdf_of_its_html(tmp_path):
    ctx = context()
    early = render.EarlyPdf()
    early.start(lambda: render.render_html(ctx), tmp_path)
    early.take(render.render_html(ctx))  # wait for it
    early._pdf = b"%PDF-early"  # what write_report writes tells which PDF it took
    written = render.write_report(ctx, tmp_path / "same", early=early)
    assert written["pdf"].read_bytes() == b"%PDF-early"
    assert oct(written["pdf"].stat().st_mode & 0o777) == "0o640"
    other = render.write_report(context(lang="en"), tmp_path / "other", early=early)
    assert other["pdf"].read_bytes().startswith(b"%PDF-1.")
