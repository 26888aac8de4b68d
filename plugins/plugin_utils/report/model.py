"""What the Laporan shows, as plain data, built from the agenda alone (its step records and `run_end`
results), the SOP table and the office's settings from the inventory.

Pure (no files, no clock): `build()` returns the dict every output renders (HTML and PDF, Markdown,
JSON). Bahasa Indonesia by default, English with lang="en", both through the one message catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import Verdict
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, gettext_for
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import values
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import FAILED_STATUSES, RunRecord
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Sop, Step

MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)

# The five verdicts a step can have on the form, and the CSS class each row gets.
SESUAI = "sesuai"
MELEBIHI = "melebihi"
GAGAL = "gagal"
TIDAK_DIJALANKAN = "tidak_dijalankan"
DIBATALKAN = "dibatalkan"
VERDICT_WORDS = {
    SESUAI: N_("Within standard"),
    MELEBIHI: N_("Over the Mutu Baku"),
    GAGAL: N_("Failed"),
    TIDAK_DIJALANKAN: N_("Not run"),
    DIBATALKAN: N_("Cancelled"),
}
KIND_TO_VERDICT = {
    budgets.WITHIN: SESUAI,
    budgets.NO_BUDGET: SESUAI,
    budgets.AFTER_HOURS_OK: SESUAI,
    budgets.OVER: MELEBIHI,
    budgets.INSIDE_SERVICE_HOURS: MELEBIHI,
    budgets.FAILED: GAGAL,
    budgets.NOT_RUN: TIDAK_DIJALANKAN,
    budgets.SKIPPED: TIDAK_DIJALANKAN,
    budgets.CANCELLED: DIBATALKAN,
    budgets.INTERRUPTED: DIBATALKAN,
}

# Which fields of a role's results each SOP output shows, as columns (a row per host) or, for
# one host with many fields, down the page. Keyed by the step whose output it is.
OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "prepare": ("kind", "answers", "logged_in", "free_space", "release_check", "finding"),
    "start_vm": (
        "kind",
        "state_before",
        "action",
        "hypervisor",
        "power_method",
        "logged_in_as",
        "answered_after_s",
        "result",
    ),
    "replace_app": ("versions", "release", "sha256", "duration_s", "result", "reconciled", "message"),
    "replace_proxy": ("versions", "release", "sha256", "duration_s", "result", "reconciled", "message"),
    "brief_operators": ("briefed", "result", "message"),
    "update_clients": ("versions", "wave", "duration_s", "result", "sha256", "message"),
    "record_daily_agenda": (
        "result",
        "file",
        "folder",
        "size",
        "sha256",
        "method",
        "destinations",
        "retention",
        "cleaned",
        "restore_drill",
        "message",
    ),
}
VERTICAL = frozenset({"record_daily_agenda"})
# The step that gathers every output into the report for the Sub Koordinator and the Kepala Bidang.
SUMMARY_STEPS = frozenset({"report_from_adb", "report_from_subkoord"})
# Where the results of a role sit when the step's SOP data does not say (automation.results).
DEFAULT_RESULTS = {
    "prepare": "upgrade_prepare",
    "start_vm": "siak_server",
    "replace_app": "siak_upgrade",
    "replace_proxy": "proxy_upgrade",
    "brief_operators": "client_rollout",
    "update_clients": "client_rollout",
    "record_daily_agenda": "oracle_backup",
}
# Run-wide facts of an output (not a host's): shown as lines above its table ({step id: results key}).
OUTPUT_NOTES = {"prepare": "upgrade_prepare_plan"}
# Step 1's trial on the Server cadangan: a second table of the Jadwal uji coba, one row per trial server, the
# reason always shown (why it failed, or the ADB's reason to skip it).
TRIAL_STEP = "prepare"
TRIAL_RESULTS = "upgrade_prepare_trial"
TRIAL_FIELDS = ("components", "health", "result", "message")
AGENDA_CALLBACK = "dukcapil.siak.agenda"
# Outcomes whose message is the reason, or what to do next (for "unknown", the command that finds out what is
# live; for a PC a stopped rollout never started, why it stopped).
WITH_REASON = frozenset({"failed", "rolled_back", "unknown", "repaired", "not_started"})
RERUN_COMMAND = "siak-sop run rollout --limit {hosts},localhost"


@dataclass(frozen=True)
class StepOutcome:
    """One row's verdict on the form: one of the five words, and why when it is not plain Sesuai."""

    verdict: str
    word: str
    reason: str


def local_date(when: datetime | None, lang: str) -> str:
    if when is None:
        return "-"
    tr = gettext_for(lang)
    return f"{when.day} {tr(MONTHS[when.month - 1])} {when.year}"


def sop_date(text: str, lang: str) -> str:
    """An SOP date from its data (YYYY-MM-DD) as the office writes it; anything else ("-") as it is."""
    try:
        return local_date(datetime.fromisoformat(text), lang)
    except ValueError:
        return text


def host_name(key: str, lang: str) -> str:
    """A host as published; a key the playbook left untemplated never reaches the form as `{{ ... }}`."""
    if "{{" in key or "{%" in key:
        return gettext_for(lang)("(host name not recorded)")
    return key


def clock(when: datetime | None) -> str:
    return when.strftime("%H:%M:%S") if when else ""


def zone_name(when: datetime | None) -> str:
    """WIB, WITA or WIT for Indonesia's offsets; else the offset itself."""
    if when is None or when.utcoffset() is None:
        return ""
    hours = when.utcoffset().total_seconds() / 3600  # type: ignore[union-attr]
    return {7.0: "WIB", 8.0: "WITA", 9.0: "WIT"}.get(hours, when.strftime("UTC%z"))


def results_key(step: Step) -> str | None:
    return step.automation.get("results") or DEFAULT_RESULTS.get(step.id)


def not_configured(run: RunRecord) -> dict[str, str]:
    """Steps the playbook said it left out ({step id: why}): not configured by the office, or not rehearsable in
    a trial run (values.NOT_REHEARSABLE)."""
    found = ((run.run_end or {}).get("results") or {}).get("siak_not_run") or {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _failure(run: RunRecord, step: Step, tr: Any) -> str:
    """The first failed task of the step: on which host, which task, and Ansible's message."""
    for task in run.tasks:
        own = task.get("step")
        if not (isinstance(own, dict) and own.get("id") == step.id):
            continue
        if task.get("status") not in FAILED_STATUSES:
            continue
        msg = str((task.get("summary") or {}).get("msg") or "").strip()
        what = tr("unreachable") if task.get("status") == "unreachable" else tr("error")
        return tr("{host}: task '{task}': {what}: {msg}").format(
            host=task.get("host", "?"), task=task.get("task", "?"), what=what, msg=msg or "-"
        )
    return tr("a task of this step failed (see the agenda)")


def _not_run_reason(run: RunRecord, step: Step, index: int, last_ran: int, tr: Any) -> str:
    header = run.run_start
    # Ansible keeps the tags as a set: sorted, the reason reads the same in every run.
    tags = sorted(str(t) for t in header.get("tags") or [] if str(t) != "all")
    skip = sorted(str(t) for t in header.get("skip_tags") or [])
    configured = not_configured(run)
    if step.id in configured and configured[step.id] in values.NOT_REHEARSABLE:
        return tr("could not be rehearsed in the trial run: {why}").format(
            why=values.word(configured[step.id], tr)
        )
    if step.id in configured:
        return tr("not configured: {why}").format(why=values.word(configured[step.id], tr))
    if step.id in skip:
        return tr("skipped by tag (--skip-tags {tag})").format(tag=step.id)
    if tags and step.id not in tags:
        return tr("not selected (--tags {tags})").format(tags=",".join(tags))
    if header.get("check_mode"):
        return tr("could not be rehearsed in the trial run (check mode)")
    stopped = not run.finished or run.failed
    if stopped and index > last_ran:
        return tr("the run stopped before this step")
    return tr("no task of this step ran (its conditions were not met)")


def step_outcomes(run: RunRecord, sop: Sop, verdicts: list[Verdict], lang: str) -> list[StepOutcome]:
    """Each step's verdict word and reason, in the table's order."""
    tr = gettext_for(lang)
    configured = not_configured(run)
    ran = [i for i, v in enumerate(verdicts) if v.run is not None and not v.run.all_skipped]
    last_ran = max(ran) if ran else -1
    check = bool(run.run_start.get("check_mode"))
    found = []
    for index, v in enumerate(verdicts):
        kind = KIND_TO_VERDICT[v.kind]
        if v.step.id in configured and kind == SESUAI:
            kind = TIDAK_DIJALANKAN  # only the note saying the step is left out ran
        reason = ""
        if v.run is None and v.step.automation.get("ref") == AGENDA_CALLBACK:
            # The SOP's own "record in the agenda" step is the callback's closing record.
            if run.finished:
                found.append(
                    StepOutcome(
                        SESUAI, tr(VERDICT_WORDS[SESUAI]), tr("recorded in the agenda when the run closed")
                    )
                )
            else:
                found.append(
                    StepOutcome(
                        TIDAK_DIJALANKAN,
                        tr(VERDICT_WORDS[TIDAK_DIJALANKAN]),
                        tr("the run was broken off before it closed its record"),
                    )
                )
            continue
        if kind == TIDAK_DIJALANKAN:
            reason = _not_run_reason(run, v.step, index, last_ran, tr)
        elif kind == GAGAL:
            reason = _failure(run, v.step, tr)
        elif kind == DIBATALKAN:
            reason = (
                tr("stopped at its hard limit ({limit})").format(limit=fmt_elapsed(v.hard_limit_s or 0))
                if v.kind == budgets.CANCELLED
                else tr("the run was stopped while this step was running")
            )
        elif kind == MELEBIHI:
            reason = (
                tr("started inside service hours")
                if v.kind == budgets.INSIDE_SERVICE_HOURS
                else tr("{over} min over the maximum of {waktu}").format(
                    over=f"{v.minutes_over:.1f}".replace(".", "," if lang == "id" else "."),
                    waktu=v.step.waktu.label(lang),
                )
            )
        elif check:
            reason = tr("rehearsed in the trial run: nothing was changed")
        found.append(StepOutcome(kind, tr(VERDICT_WORDS[kind]), reason))
    return found


def run_status(
    run: RunRecord, outcome: dict[str, Any], outcomes: list[StepOutcome], lang: str
) -> tuple[str, str]:
    """The run's verdict line and a CSS class: never better than its worst step."""
    tr = gettext_for(lang)
    if outcome.get("cancelled_step"):
        label = outcome.get("cancelled_label", outcome["cancelled_step"])
        return tr("Cancelled at the hard limit of step {step}").format(step=label), "bad"
    if outcome.get("status") == "timeout":
        return tr("Stopped: the whole run passed its time limit"), "bad"
    if outcome.get("interrupted"):
        return tr("Stopped by the operator ({signal})").format(
            signal=outcome.get("signal") or "SIGINT"
        ), "bad"
    if not run.finished:
        return tr("Broken off: the record has no closing line"), "bad"
    if run.failed or any(o.verdict == GAGAL for o in outcomes):
        return tr("Failed"), "bad"
    over = sum(1 for o in outcomes if o.verdict == MELEBIHI)
    if run.run_start.get("check_mode"):
        return tr("Trial run (check mode) finished: nothing was changed"), "check"
    if over:
        return tr("Done, with {n} step(s) over the Mutu Baku").format(n=over), "bad"
    return tr("Done within the Mutu Baku"), "ok"


def _section(
    step: Step,
    rows_raw: dict[str, dict[str, Any]],
    lang: str,
    *,
    briefing: bool,
    keys: tuple[str, ...] | None = None,
    every_reason: bool = False,
) -> dict[str, Any]:
    tr = gettext_for(lang)
    # The role's own message is the reason a host failed or was rolled back (or what to do next); for a host
    # that is done, or offline or in use (the outcome says so), it is a developer's note and stays in the JSON
    # copy. A step that failed on a host whose server shows the new version anyway keeps its reason too.
    rows_raw = {
        host: {
            **data,
            "message": data.get("message")
            if every_reason or str(data.get("result", "")) in WITH_REASON or _truthy(data.get("step_failed"))
            else "",
        }
        for host, data in ((h, _norm(d)) for h, d in rows_raw.items())
    }
    keys = keys or OUTPUT_FIELDS[step.id]
    present = [k for k in keys if k == "versions" or any(k in d for d in rows_raw.values())]
    if "versions" in present and not any("from_version" in d or "to_version" in d for d in rows_raw.values()):
        present.remove("versions")
    # A reconcile column only when an earlier cut-off run left something this run put right.
    if "reconciled" in present and not any(d.get("reconciled") for d in rows_raw.values()):
        present.remove("reconciled")
    # A message column only when some host has one; a briefing shows whether each operator was told.
    if "message" in present and not any(d.get("message") for d in rows_raw.values()):
        present.remove("message")
    if briefing:
        present = [k for k in present if k in ("briefed", "message")] or present
    rows = []
    for host, data in sorted(rows_raw.items()):
        status = str(data.get("result", ""))
        rows.append(
            {
                "host": host_name(host, lang),
                "cells": [values.cell(k, data, tr, lang) for k in present],
                "problem": status in values.NOT_DONE,
            }
        )
    not_done = sorted(
        h
        for h, d in rows_raw.items()
        if str(d.get("result", d.get("status", d.get("verdict", ""))))
        in ("offline", "in_use", "not_probed", "not_started", "failed")
    )
    totals: dict[str, int] = {}
    if not briefing:
        for data in rows_raw.values():
            word = values.word(data.get("result", "-"), tr)
            totals[word] = totals.get(word, 0) + 1
    return {
        "step": step.id,
        "number": step.number,
        "title": (step.output if lang == "id" else step.output_en) or step.title(lang),
        "columns": [values.label(k, tr) for k in present],
        "mono": [k == "sha256" for k in present],
        "rows": rows,
        "notes": [],
        "vertical": step.id in VERTICAL,
        "totals": totals if len(rows_raw) > 1 and step.id not in ("start_vm", "prepare") else {},
        "rerun_hosts": not_done if step.id == "update_clients" else [],
        "rerun": RERUN_COMMAND.format(hosts=",".join(not_done))
        if step.id == "update_clients" and not_done
        else "",
    }


def _truthy(value: Any) -> bool:
    """A flag as published: a bool, or its text when a role's template made it a string."""
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


def _norm(data: dict[str, Any]) -> dict[str, Any]:
    """One name for the outcome field: the roles say result, status, verdict or (step 1) finding."""
    if "result" not in data:
        for other in ("status", "verdict", "finding"):
            if other in data:
                return {**data, "result": data[other]}
    return data


def output_sections(run: RunRecord, sop: Sop, lang: str) -> list[dict[str, Any]]:
    """A table per SOP output that the run's results fill: one row per host."""
    results = run.results
    sections = []
    for step in sop.steps:
        key = results_key(step)
        if step.id not in OUTPUT_FIELDS or not key:
            continue
        per_host = results.get(key)
        if isinstance(per_host, dict) and per_host:
            rows_raw = {str(h): v if isinstance(v, dict) else {"result": v} for h, v in per_host.items()}
            section = _section(step, rows_raw, lang, briefing=step.id == "brief_operators")
            section["notes"] = output_notes(results.get(OUTPUT_NOTES.get(step.id, "")), lang)
            sections.append(section)
        if step.id == TRIAL_STEP:
            sections.extend(trial_section(step, results.get(TRIAL_RESULTS), lang))
    return sections


def trial_section(step: Step, found: Any, lang: str) -> list[dict[str, Any]]:
    """Step 1's trial on the Server cadangan as its own table (none when the run had no trial server)."""
    if not isinstance(found, dict) or not found:
        return []
    tr = gettext_for(lang)
    rows_raw = {str(h): v if isinstance(v, dict) else {"result": v} for h, v in found.items()}
    section = _section(step, rows_raw, lang, briefing=False, keys=TRIAL_FIELDS, every_reason=True)
    section["step"] = f"{step.id}_trial"
    section["title"] = tr("{output}: trial on the Server cadangan").format(
        output=(step.output if lang == "id" else step.output_en) or step.title(lang)
    )
    return [section]


def output_notes(found: Any, lang: str) -> list[dict[str, str]]:
    """The run-wide lines of an output (step 1's plan: the planned date, the service hours), labelled.

    `found` is a results entry published by the controller ({host: {field: value}}); its first host's
    fields that the report knows are shown, each under its own name and in the reader's language."""
    tr = gettext_for(lang)
    if not isinstance(found, dict) or not found:
        return []
    data = next(iter(found.values()))
    if not isinstance(data, dict):
        return []
    return [
        {"label": values.label(k, tr), "value": values.cell(k, data, tr, lang)}
        for k in values.NOTE_FIELDS
        if k in data
    ]


def signatures(sop: Sop, office: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The SOP's signature chain, with the office's signers (name and NIP) from the inventory."""
    tr = gettext_for(lang)
    captions = {
        "performs": N_("Carried out by,"),
        "receives": N_("Report received by,"),
        "acknowledges": N_("Acknowledged by,"),
    }
    people = office.get("signers") if isinstance(office.get("signers"), dict) else {}
    found = []
    for signer in sop.signatures:
        person = people.get(signer.actor) if isinstance(people.get(signer.actor), dict) else {}
        found.append(
            {
                "caption": tr(captions[signer.role]),
                "title": str(person.get("title") or signer.title),
                "name": str(person.get("name") or ""),
                "nip": str(person.get("nip") or ""),
            }
        )
    return found


# Printed where the inventory names no place: the signer writes it in by hand.
PLACE_BLANK = "...................."


def place_date(place: str, when: datetime | None, lang: str) -> str:
    """The line above the signatures: the place (siak_office.place) and the run's date.

    Without a place in the inventory the place is a dotted blank to fill in by hand, never guessed: the
    seat of a kabupaten often bears another name than the kabupaten (Kabupaten Semarang signs in Ungaran)."""
    return f"{place.strip() or PLACE_BLANK}, {local_date(when, lang)}"


def kop(office: dict[str, Any], lang: str) -> dict[str, Any]:
    """The letterhead from the inventory's siak_office; the logo only when its file exists."""
    tr = gettext_for(lang)
    logo = str(office.get("logo") or "")
    logo_path = Path(logo).expanduser() if logo else None
    return {
        "government": str(office.get("government") or ""),
        "name": str(office.get("name") or tr("(office not set in the inventory: siak_office.name)")),
        "unit": str(office.get("unit") or ""),
        "address": str(office.get("address") or ""),
        "contact": str(office.get("contact") or ""),
        "logo": logo_path.resolve().as_uri() if logo_path and logo_path.is_file() else "",
    }


def nomor_surat(office: dict[str, Any], run: RunRecord) -> str:
    """The letter number: siak_office.nomor_surat, where {run_id}, {year} and {month} are filled in."""
    pattern = str(office.get("nomor_surat") or "")
    if not pattern:
        return ""
    when = run.started
    try:
        return pattern.format(
            run_id=run.run_id, year=when.year if when else "", month=when.month if when else ""
        )
    except (KeyError, IndexError, ValueError):
        return pattern


def rows(sop: Sop, verdicts: list[Verdict], outcomes: list[StepOutcome], lang: str) -> list[dict[str, Any]]:
    found = []
    for v, o in zip(verdicts, outcomes, strict=True):
        step, r = v.step, v.run
        shown = r is not None and o.verdict != TIDAK_DIJALANKAN
        found.append(
            {
                "number": step.number,
                "id": step.id,
                "kegiatan": step.title(lang),
                "marks": [actor in step.pelaksana for actor in sop.pelaksana_columns],
                "kelengkapan": step.kelengkapan,
                "waktu": step.waktu.label(lang),
                "output": step.output if lang == "id" else step.output_en,
                "start": clock(r.start) if shown and r else "",
                "end": clock(r.end) if shown and r else "",
                "duration": fmt_elapsed(r.duration_s) if shown and r and r.duration_s is not None else "",
                "verdict": o.word,
                "verdict_kind": o.verdict,
                "reason": o.reason,
                "deviation": o.verdict in (MELEBIHI, GAGAL, DIBATALKAN),
                "keterangan": step.keterangan,
                "hosts": ", ".join(r.hosts) if shown and r else "",
            }
        )
    return found


def record_proof(
    run: RunRecord,
    sop: Sop,
    office: dict[str, Any],
    *,
    lang: str,
    version: str,
    chain: dict[str, Any] | None,
    start: datetime | None,
) -> dict[str, Any]:
    """The part every report of a run ends with, that says what it rests on: the agenda's state, its hash
    chain, the place and date above the signatures, the signatures, and what made the report."""
    tr = gettext_for(lang)
    chain_broken = bool(chain and chain.get("state") == "broken")
    if run.complete:
        agenda_state = tr("complete")
    elif run.finished:
        agenda_state = tr("INCOMPLETE: some records could not be written")
    else:
        agenda_state = tr("NO closing record: the run was stopped before it ended")
    if chain is None:
        chain_state = ""
    elif chain_broken:
        chain_state = tr("HASH CHAIN BROKEN: {message}").format(message=chain.get("message", ""))
    else:
        chain_state = tr("hash chain intact")
    return {
        "agenda_state": agenda_state,
        "chain_state": chain_state,
        "chain_broken": chain_broken,
        "place_date": place_date(str(office.get("place") or ""), run.last_time or start, lang),
        "signatures": signatures(sop, office, lang),
        "generated": tr("Made by siak-sop {version} from the agenda of run {run_id}").format(
            version=version, run_id=run.run_id
        ),
    }


def build(
    run: RunRecord,
    sop: Sop,
    verdicts: list[Verdict],
    *,
    lang: str = "id",
    office: dict[str, Any] | None = None,
    outcome: dict[str, Any] | None = None,
    version: str = "",
    chain: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's data. `chain` is `siak-sop agenda verify`'s finding ({state, message}), when checked."""
    tr = gettext_for(lang)
    outcome = outcome or {}
    office = office or {}
    start = run.started
    outcomes = step_outcomes(run, sop, verdicts, lang)
    status, status_class = run_status(run, outcome, outcomes, lang)
    check = bool(run.run_start.get("check_mode"))
    deviations = sum(1 for o in outcomes if o.verdict in (MELEBIHI, GAGAL, DIBATALKAN))
    table = rows(sop, verdicts, outcomes, lang)
    rehearsed = [r for r in table if check and r["verdict_kind"] == SESUAI]
    not_rehearsed = [r for r in table if check and r["verdict_kind"] == TIDAK_DIJALANKAN]
    return {
        "lang": lang,
        "kop": kop(office, lang),
        "title": tr("Report on carrying out {sop}").format(sop=sop.nama if lang == "id" else sop.name_en),
        "nomor_surat": nomor_surat(office, run),
        "sop": {
            "nomor": sop.nomor,
            "nama": sop.nama if lang == "id" else sop.name_en,
            "tanggal_pembuatan": sop_date(sop.tanggal_pembuatan, lang),
            "tanggal_revisi": sop_date(sop.tanggal_revisi, lang),
            "tanggal_efektif": sop_date(sop.tanggal_efektif, lang),
            "disahkan_oleh": sop.disahkan_oleh,
            "dasar_hukum": list(sop.dasar_hukum),
            "peralatan": list(sop.peralatan),
            "peringatan": list(sop.peringatan),
        },
        "date": local_date(start, lang),
        "started": f"{clock(start)} {zone_name(start)}".strip(),
        "ended": f"{clock(run.last_time)} {zone_name(run.last_time)}".strip() if run.finished else "",
        "run_id": run.run_id,
        "check_mode": check,
        "hosts": sorted({h for v in verdicts if v.run for h in v.run.hosts}),
        "selection": ", ".join(sorted(str(t) for t in run.run_start.get("tags") or [] if t != "all")),
        "status": status,
        "status_class": status_class,
        "pelaksana_columns": list(sop.pelaksana_columns),
        "kelengkapan_in_mutu_baku": sop.kelengkapan_in_mutu_baku,
        "rows": table,
        "deviations": deviations,
        "rehearsed": [f"{r['number']} {r['kegiatan']}" for r in rehearsed],
        "not_rehearsed": [f"{r['number']} {r['kegiatan']}: {r['reason']}" for r in not_rehearsed],
        "outputs": output_sections(run, sop, lang),
        **record_proof(run, sop, office, lang=lang, version=version, chain=chain, start=start),
        "verdicts": {r["id"]: r["verdict"] for r in table},
    }
