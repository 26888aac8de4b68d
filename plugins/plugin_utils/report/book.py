"""The Buku Agenda: one printable A4 page set per day, rebuilt from that day's agenda files.

Each run of the day is a block: its head (run id, SOP, times, result, the head of its hash chain and
what verification found) and a row per SOP step with the same verdict the run's Laporan gives. The
rows come from the agenda only, through the report model; nothing here edits an agenda file.

`day_model()` is pure given the verified runs; `load_day()` and `write_day()` are the I/O edges.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, runlog, service_hours
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, gettext_for, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import model, render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Sop, load_sop

SIGNATURE_WORDS = {
    "signed": N_("signed by {signer}"),
    "unsigned": N_("not signed"),
    "bad_signature": N_("BAD SIGNATURE"),
}
STATE_WORDS = {
    "error": N_("ended by an error before its last step"),
    "complete": N_("complete"),
    "incomplete": N_("incomplete: some lines could not be written"),
    "prefix": N_("broken off: no closing record"),
    "broken": N_("ALTERED: the hash chain does not verify"),
}


@dataclass
class DayRun:
    """One run of the day as the verifier read it (the chain, and the seal's signature when checked)."""

    path: Path
    state: str
    message: str
    records: list[dict[str, Any]]
    signature: str = ""  # signed, unsigned, bad_signature ("" when the agenda module gave none)
    signer: str = ""


@dataclass
class DayChain:
    """The day's chain of run heads (the agenda module's verify_day): intact, how many runs, its signature."""

    ok: bool
    lines: int
    signature: str = ""
    signer: str = ""
    problems: list[str] | None = None


def allowed_signers() -> str | None:
    return os.environ.get("SIAK_AGENDA_ALLOWED_SIGNERS") or None


def book_name(day: str, lang: str = "id") -> str:
    return f"{'buku-agenda' if lang == 'id' else 'agenda-book'}-{day}"


def parse_day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise SiakError(
            Said(N_("'{text}' is not a date"), text=text),
            fix=Said(N_("Give the day as YYYY-MM-DD, for example 2026-12-06")),
        ) from None


def load_day(agenda_dir: Path, day: str) -> list[DayRun]:
    """Every agenda file of the day (the date folder the callback writes), each verified with its seal."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda_seal import verify_run

    folder = agenda_dir / day
    if not folder.is_dir():
        raise SiakError(
            Said(N_("no agenda for {day}"), day=day),
            where=str(agenda_dir),
            fix=Said(N_("Check the date, or the agenda folder (--agenda-dir)")),
        )
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        checked = verify_run(path, allowed_signers())
        found.append(
            DayRun(
                path=path,
                state=checked.state,
                message=checked.chain.message,
                records=checked.chain.records,
                signature=checked.signature.state,
                signer=checked.signature.signer or "",
            )
        )
    return found


def load_chain(agenda_dir: Path, day: str) -> DayChain | None:
    """The day's chain as the agenda module checks it; None when the day has no chain yet."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda_seal import verify_day

    found = verify_day(agenda_dir / day, allowed_signers())
    if not found.lines:
        return None
    sig = found.signature
    return DayChain(
        ok=found.ok,
        lines=found.lines,
        signature=sig.state if sig else "",
        signer=(sig.signer or "") if sig else "",
        problems=list(found.problems),
    )


def _sop_of(run: runlog.RunRecord) -> Sop | None:
    ids = run.sop_ids()
    if ids:
        return load_sop(ids[0])
    return None


def run_block(day_run: DayRun, lang: str) -> dict[str, Any] | None:
    """One run's head and its step rows; None for a file that holds no run at all."""
    tr = gettext_for(lang)
    try:
        run = runlog.from_records(day_run.records, str(day_run.path))
    except SiakError:
        return None
    sop = _sop_of(run)
    head = day_run.records[-1].get("hash", "") if day_run.records else ""
    block: dict[str, Any] = {
        "run_id": run.run_id or day_run.path.stem,
        "file": day_run.path.name,
        "sop": f"{sop.nomor} {sop.nama if lang == 'id' else sop.name_en}" if sop else tr("no SOP step"),
        "started": model.clock(run.started),
        "ended": model.clock(run.last_time) if run.finished else "",
        "check_mode": bool(run.run_start.get("check_mode")),
        "head": str(head),
        "state": tr(STATE_WORDS.get(day_run.state, day_run.state)),
        "state_bad": day_run.state in ("broken", "prefix", "incomplete", "error")
        or day_run.signature == "bad_signature",
        "signature": tr(SIGNATURE_WORDS[day_run.signature]).format(signer=day_run.signer or "?")
        if day_run.signature in SIGNATURE_WORDS
        else "",
        "rows": [],
        "status": "",
    }
    if sop is None:
        return block
    windows, timezone = run.service_hours(
        service_hours.DEFAULT_WINDOWS, str(run.run_start.get("timezone") or service_hours.DEFAULT_TIMEZONE)
    )
    verdicts = budgets.verdicts(sop, runlog.step_runs(run), windows=windows, timezone=timezone)
    outcomes = model.step_outcomes(run, sop, verdicts, lang)
    block["status"], _css = model.run_status(run, {}, outcomes, lang)
    for v, o in zip(verdicts, outcomes, strict=True):
        r = v.run
        shown = r is not None and o.verdict != model.TIDAK_DIJALANKAN
        block["rows"].append(
            {
                "number": v.step.number,
                "kegiatan": v.step.title(lang),
                "pelaksana": ", ".join(v.step.pelaksana),
                "start": model.clock(r.start) if shown and r else "",
                "end": model.clock(r.end) if shown and r else "",
                "duration": fmt_elapsed(r.duration_s) if shown and r and r.duration_s is not None else "",
                "waktu": v.step.waktu.label(lang),
                "output": (v.step.output if lang == "id" else v.step.output_en) or "-",
                "verdict": o.word,
                "verdict_kind": o.verdict,
                "reason": o.reason,
            }
        )
    return block


def day_model(
    day: str,
    runs: list[DayRun],
    *,
    lang: str = "id",
    office: dict[str, Any] | None = None,
    version: str = "",
    chain: DayChain | None = None,
) -> dict[str, Any]:
    """The day's page: every run in start order, the office's letterhead and the day's signature."""
    tr = gettext_for(lang)
    office = office or {}
    blocks = [b for b in (run_block(r, lang) for r in runs) if b is not None]
    blocks.sort(key=lambda b: (b["started"], b["run_id"]))
    when = datetime.fromisoformat(day)
    place = str(office.get("place") or "")
    people = office.get("signers") if isinstance(office.get("signers"), dict) else {}
    adb = next((people[k] for k in ("ADB", "Administrator Database") if isinstance(people.get(k), dict)), {})
    kabid = next((people[k] for k in ("Kabid", "KABID PIAK") if isinstance(people.get(k), dict)), {})
    return {
        "lang": lang,
        "kop": model.kop(office, lang),
        "title": tr("Agenda book"),
        "day": model.local_date(when, lang),
        "day_iso": day,
        "runs": blocks,
        "damaged": [b["file"] for b in blocks if b["state_bad"]],
        "chain": None
        if chain is None
        else {
            "ok": chain.ok,
            "text": (
                tr("intact, {n} run(s) chained")
                if chain.ok
                else tr("BROKEN: a run was removed, replaced or added")
            ).format(n=chain.lines),
            "signature": tr(SIGNATURE_WORDS[chain.signature]).format(signer=chain.signer or "?")
            if chain.signature in SIGNATURE_WORDS
            else "",
            "problems": [say(p, lang) for p in chain.problems or []],
        },
        "place_date": model.place_date(place, when, lang),
        "signatures": [
            {
                "caption": tr("Recorded by,"),
                "title": str(adb.get("title") or "Administrator Database"),
                "name": str(adb.get("name") or ""),
                "nip": str(adb.get("nip") or ""),
            },
            {
                "caption": tr("Acknowledged by,"),
                "title": str(kabid.get("title") or tr("Head of Division (Kepala Bidang)")),
                "name": str(kabid.get("name") or ""),
                "nip": str(kabid.get("nip") or ""),
            },
        ],
        "generated": tr(
            "Rebuilt by siak-sop {version} from the agenda files of {day}; never edited by hand"
        ).format(version=version, day=day),
    }


def write_day(context: dict[str, Any], folder: Path, pdf: bool = True) -> dict[str, Path]:
    """buku-agenda-<day>.html, .json (and .pdf) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    html = render.render_html(context, "buku_agenda.html.j2")
    name = book_name(context["day_iso"], context["lang"])
    written = {"html": folder / f"{name}.html", "json": folder / f"{name}.json"}
    render.write_bytes(written["html"], html.encode("utf-8"))
    render.write_bytes(written["json"], render.render_json(context).encode("utf-8"))
    if pdf:
        written["pdf"] = folder / f"{name}.pdf"
        render.write_bytes(written["pdf"], render.render_pdf(html, folder))
    return written
