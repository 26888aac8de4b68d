"""The Buku Agenda: the office's logbook, rebuilt from the agenda files (never edited by hand).

One row per SOP step per run: Tanggal, No., Kegiatan, Pelaksana, Mulai, Selesai, Durasi, Mutu Baku,
Output, Keterangan, in Bahasa Indonesia (``lang="id"``) or English. Rows come from the ``task``
records of each run's JSON lines file, the step data from the SOP tables. Building rows is pure;
:func:`load_runs` and :func:`write_book` are the I/O edges.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from siak_sop.agenda import Verdict, lookup_step, verify_file
from siak_sop.sop import Step, load_sop

HEADINGS = {
    "id": (
        "Tanggal",
        "No.",
        "Kegiatan",
        "Pelaksana",
        "Mulai",
        "Selesai",
        "Durasi",
        "Mutu Baku",
        "Output",
        "Keterangan",
    ),
    "en": (
        "Date",
        "No.",
        "Activity",
        "Performed by",
        "Start",
        "End",
        "Duration",
        "Time standard",
        "Output",
        "Remarks",
    ),
}
FILE_NAMES = {"id": "buku-agenda", "en": "agenda-book"}
TITLES = {"id": "Buku Agenda", "en": "Agenda book"}
# What the office reads for each status, worst first: the first one a host has is its verdict.
STATUS_WORDS = {
    "id": {
        "unreachable": "tidak terjangkau",
        "failed": "gagal",
        "rescued": "gagal lalu dipulihkan",
        "ignored": "gagal (diabaikan)",
        "changed": "diubah",
        "ok": "berhasil",
        "skipped": "dilewati",
    },
    "en": {
        "unreachable": "unreachable",
        "failed": "failed",
        "rescued": "failed, then rescued",
        "ignored": "failed (ignored)",
        "changed": "changed",
        "ok": "ok",
        "skipped": "skipped",
    },
}
WORDS = {
    "id": {
        "hosts": "host",
        "over": "Melebihi Mutu Baku ({took} > {limit})",
        "check": "Uji coba (check mode): tidak ada yang diubah",
        "prefix": "Catatan tidak lengkap: run terhenti sebelum selesai",
        "incomplete": "Agenda tidak lengkap: {n} baris gagal ditulis",
        "broken": "PERINGATAN: berkas agenda tidak utuh ({problem}); hanya baris yang utuh dipakai",
        "auto": "Dicatat otomatis oleh dukcapil.siak.agenda",
        "run": "run {run_id}",
        "inferred": "Pelaksana disimpulkan dari kata-kata SOP: kolom Pelaksana tidak terbaca di teks yang disahkan.",
    },
    "en": {
        "hosts": "host(s)",
        "over": "Over the time standard ({took} > {limit})",
        "check": "Trial run (check mode): nothing was changed",
        "prefix": "Record incomplete: the run stopped before it finished",
        "incomplete": "Agenda incomplete: {n} line(s) could not be written",
        "broken": "WARNING: the agenda file is not intact ({problem}); only its intact lines are used",
        "auto": "Recorded automatically by dukcapil.siak.agenda",
        "run": "run {run_id}",
        "inferred": "Performers are inferred from the SOP's wording: its Pelaksana columns did not survive in the text.",
    },
}


@dataclass
class Run:
    """One run's records as read back from its file, with what verify said about it."""

    path: str
    verdict: Verdict
    header: dict[str, Any] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> Run:
        run = cls(path=verdict.path, verdict=verdict)
        for record in verdict.records:
            kind = record.get("type")
            if kind == "run_start":
                run.header = record
            elif kind == "task":
                run.tasks.append(record)
            elif kind == "run_end":
                run.end = record
        return run

    @property
    def started(self) -> str:
        return str(self.header.get("started", ""))


@dataclass(frozen=True)
class Row:
    tanggal: str
    no: str
    kegiatan: str
    pelaksana: str
    mulai: str
    selesai: str
    durasi: str
    mutu_baku: str
    output: str
    keterangan: str
    run_id: str = ""
    step_id: str = ""

    def cells(self) -> tuple[str, ...]:
        return (
            self.tanggal,
            self.no,
            self.kegiatan,
            self.pelaksana,
            self.mulai,
            self.selesai,
            self.durasi,
            self.mutu_baku,
            self.output,
            self.keterangan,
        )


def format_duration(seconds: float, lang: str = "id") -> str:
    """``1 jam 2 mnt 3 dtk`` / ``1 h 2 min 3 s``, whole seconds."""
    total = round(max(seconds, 0.0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    units = ("jam", "mnt", "dtk") if lang == "id" else ("h", "min", "s")
    parts = []
    if hours:
        parts.append(f"{hours} {units[0]}")
    if minutes:
        parts.append(f"{minutes} {units[1]}")
    if secs or not parts:
        parts.append(f"{secs} {units[2]}")
    return " ".join(parts)


def _parse(moment: str) -> datetime | None:
    try:
        return datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return None


def _host_verdicts(tasks: list[dict[str, Any]]) -> dict[str, str]:
    """Each host's worst status in a step (unreachable, failed, ... skipped)."""
    order = list(STATUS_WORDS["en"])
    worst: dict[str, str] = {}
    for task in tasks:
        host, status = task.get("host", "?"), task.get("status", "ok")
        if status not in order:
            continue
        if host not in worst or order.index(status) < order.index(worst[host]):
            worst[host] = status
    return worst


def _hosts_note(tasks: list[dict[str, Any]], lang: str) -> str:
    verdicts = _host_verdicts(tasks)
    words = STATUS_WORDS[lang]
    by_status: dict[str, list[str]] = {}
    for host, status in sorted(verdicts.items()):
        by_status.setdefault(status, []).append(host)
    parts = []
    for status in words:
        hosts = by_status.get(status)
        if not hosts:
            continue
        if status in ("ok", "changed", "skipped"):
            parts.append(f"{words[status]} {len(hosts)}")
        else:
            parts.append(f"{words[status]}: {', '.join(hosts)}")
    return f"{len(verdicts)} {WORDS[lang]['hosts']} ({'; '.join(parts)})"


def _run_notes(run: Run, lang: str) -> list[str]:
    words = WORDS[lang]
    notes = []
    if run.header.get("check_mode"):
        notes.append(words["check"])
    state = run.verdict.state
    if state == "broken":
        notes.append(words["broken"].format(problem=run.verdict.message))
    elif state == "prefix":
        notes.append(words["prefix"])
    elif state == "incomplete":
        notes.append(words["incomplete"].format(n=(run.end or {}).get("write_errors", "?")))
    return notes


def _local(moment: str, part: str) -> str:
    parsed = _parse(moment)
    if parsed is None:
        return "–"
    return parsed.strftime("%Y-%m-%d" if part == "date" else "%H:%M:%S")


def _step_row(run: Run, step: Step, tasks: list[dict[str, Any]], lang: str) -> Row:
    starts = [t["start"] for t in tasks if _parse(t.get("start", ""))]
    ends = [t["end"] for t in tasks if _parse(t.get("end", ""))]
    first = min(starts, key=_parse) if starts else ""
    last = max(ends, key=_parse) if ends else ""
    totals = ((run.end or {}).get("totals") or {}).get("steps", {}).get(step.id)
    if totals and isinstance(totals.get("duration_s"), int | float):
        seconds = float(totals["duration_s"])
    elif first and last:
        seconds = (_parse(last) - _parse(first)).total_seconds()  # type: ignore[operator]
    else:
        seconds = 0.0
    notes = [_hosts_note(tasks, lang)]
    limit = step.waktu.max_minutes
    if limit is not None and seconds > limit * 60:
        notes.append(
            WORDS[lang]["over"].format(took=format_duration(seconds, lang), limit=step.waktu.label(lang))
        )
    notes.extend(_run_notes(run, lang))
    notes.append(WORDS[lang]["run"].format(run_id=run.header.get("run_id", "?")))
    return Row(
        tanggal=_local(first, "date"),
        no=str(step.number),
        kegiatan=step.title(lang),
        pelaksana=", ".join(step.pelaksana),
        mulai=_local(first, "time"),
        selesai=_local(last, "time"),
        durasi=format_duration(seconds, lang),
        mutu_baku=step.waktu.label(lang),
        output=(step.output if lang == "id" else step.output_en) or "–",
        keterangan="; ".join(notes),
        run_id=str(run.header.get("run_id", "")),
        step_id=step.id,
    )


def _agenda_row(run: Run, step: Step, lang: str) -> Row:
    """The SOP's own "record in the agenda" step, done by the callback when the run closes its file."""
    ended = (run.end or {}).get("ended", "")
    notes = [WORDS[lang]["auto"], *_run_notes(run, lang)]
    notes.append(WORDS[lang]["run"].format(run_id=run.header.get("run_id", "?")))
    return Row(
        tanggal=_local(ended or run.started, "date"),
        no=str(step.number),
        kegiatan=step.title(lang),
        pelaksana=", ".join(step.pelaksana),
        mulai=_local(ended, "time") if ended else "–",
        selesai=_local(ended, "time") if ended else "–",
        durasi=format_duration(0, lang) if ended else "–",
        mutu_baku=step.waktu.label(lang),
        output=(step.output if lang == "id" else step.output_en) or "–",
        keterangan="; ".join(notes),
        run_id=str(run.header.get("run_id", "")),
        step_id=step.id,
    )


def rows_for_run(run: Run, lang: str = "id") -> list[Row]:
    """One row per SOP step the run did, in the SOP's order, then the agenda step itself."""
    by_step: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for task in run.tasks:
        step = task.get("step")
        if isinstance(step, dict) and step.get("sop") and step.get("id"):
            by_step.setdefault((step["sop"], step["id"]), []).append(task)
    rows: list[Row] = []
    for sop_id in sorted({key[0] for key in by_step}):
        sop = load_sop(sop_id)
        done = False
        for step in sop.steps:
            tasks = by_step.get((sop_id, step.id))
            if tasks and lookup_step(sop_id, step.id) is not None:
                rows.append(_step_row(run, step, tasks, lang))
                done = done or step.automation.get("ref") == "dukcapil.siak.agenda"
        agenda_step = next((s for s in sop.steps if s.automation.get("ref") == "dukcapil.siak.agenda"), None)
        if agenda_step is not None and not done:
            rows.append(_agenda_row(run, agenda_step, lang))
    return rows


def agenda_files(agenda_dir: str | Path) -> list[Path]:
    return sorted(p for p in Path(agenda_dir).glob("*/*.jsonl") if p.is_file())


def load_runs(agenda_dir: str | Path) -> list[Run]:
    """Every run in the agenda folder, verified, oldest first."""
    runs = [Run.from_verdict(verify_file(path)) for path in agenda_files(agenda_dir)]
    return sorted(runs, key=lambda r: (_parse(r.started) or datetime.min.astimezone(), r.path))


def book_rows(runs: list[Run], lang: str = "id") -> list[Row]:
    return [row for run in runs for row in rows_for_run(run, lang)]


def render_csv(rows: list[Row], lang: str = "id") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS[lang])
    for row in rows:
        writer.writerow(row.cells())
    return out.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: list[Row], lang: str = "id", source: str = "") -> str:
    head = HEADINGS[lang]
    note = (
        f"Dibangun ulang dari berkas agenda di `{source}`; jangan diubah dengan tangan."
        if lang == "id"
        else f"Rebuilt from the agenda files in `{source}`; do not edit by hand."
    )
    lines = [f"# {TITLES[lang]}", "", note, WORDS[lang]["inferred"], "", "| " + " | ".join(head) + " |"]
    lines.append("|" + "---|" * len(head))
    lines += ["| " + " | ".join(_md_cell(c) for c in row.cells()) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str, encoding: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def write_book(agenda_dir: str | Path, out_dir: str | Path, lang: str = "id") -> tuple[list[Path], list[Run]]:
    """Rebuild the Buku Agenda (CSV and Markdown) from every agenda file; returns the files and runs."""
    runs = load_runs(agenda_dir)
    rows = book_rows(runs, lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = FILE_NAMES[lang]
    csv_path, md_path = out / f"{base}.csv", out / f"{base}.md"
    # utf-8-sig: the office opens the CSV in a spreadsheet, which needs the mark to read "–" right
    _write_atomic(csv_path, render_csv(rows, lang), "utf-8-sig")
    _write_atomic(md_path, render_markdown(rows, lang, str(agenda_dir)), "utf-8")
    return [csv_path, md_path], runs
