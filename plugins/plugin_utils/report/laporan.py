"""The Laporan of a run from its agenda: its verdicts and exit code, and the report files.

One path for every caller: `siak-sop run` (the verdicts and exit code of the run it drove),
`siak-sop report` (the Laporan rebuilt from an agenda file and the wrapper's run.json) and the
dukcapil.siak.laporan callback at a playbook's end (ansible-playbook by FQCN, AWX). So all three give the
same verdicts, the same exit code and the same files.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, exitcodes, service_hours
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig, fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, gettext_for, tr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.inventory_vars import read_host_vars
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import drill, model, render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import (
    RunRecord,
    parse_time,
    read_agenda,
    step_runs,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import PLAYBOOKS, Sop, load_sop
from ansible_collections.dukcapil.siak.plugins.plugin_utils.version import VERSION

# What the log says about a run's failed tasks and deviating steps (explain()).
SAY = {
    "failed": N_("FAILED: {host}, step {number} ({kegiatan}): {msg}"),
    "failed_nostep": N_("FAILED: {host}, task '{task}': {msg}"),
    "deviation": N_("DEVIATION: step {number} ({kegiatan}): {verdict}; Mutu Baku {waktu}, took {duration}"),
}


def run_outcome(
    run: RunRecord | None,
    sop: Sop,
    budget: BudgetConfig,
    *,
    cancelled_step: str | None,
    cancelled_at: datetime | None,
    interrupted: bool,
    runner_failed: bool,
    windows: object,
    timezone: str,
    intact: bool = True,
) -> tuple[list[budgets.Verdict], int]:
    """Pure: the verdicts and the exit code of a finished (or stopped) run."""
    if run is None:
        code = exitcodes.decide(
            exitcodes.Outcome(
                cancelled=cancelled_step is not None,
                interrupted=interrupted,
                failed=runner_failed,
                agenda_complete=False,
            )
        )
        return [], code
    windows, timezone = run.service_hours(windows, timezone)
    verdicts = budgets.verdicts(
        sop,
        step_runs(run, stopped_at=cancelled_at),
        budget,
        cancelled_step=cancelled_step,
        windows=windows,
        timezone=timezone,
    )
    outcome = exitcodes.Outcome(
        cancelled=cancelled_step is not None,
        interrupted=interrupted,
        failed=runner_failed or run.failed,
        agenda_complete=run.complete and intact,
        deviations=sum(1 for v in verdicts if v.deviation),
    )
    return verdicts, exitcodes.decide(outcome)


def check_chain(path: Path | None) -> dict[str, Any] | None:
    """The agenda callback's own verdict on the file's hash chain (`siak-sop agenda verify`)."""
    if path is None or not path.is_file():
        return None
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda import verify_file

    found = verify_file(path)
    return {"state": found.state, "message": found.message, "bad_line": found.bad_line}


def load_run(path: Path | None) -> RunRecord | None:
    return read_agenda(path) if path is not None and path.is_file() else None


@dataclass(frozen=True)
class Ending:
    """How a run ended as the wrapper saw it: `siak-sop run` knows it, and its run.json keeps it for a later
    `siak-sop report` (a run outside the wrapper has none)."""

    status: str | None = None
    cancelled_step: str | None = None
    cancelled_at: datetime | None = None
    interrupted: bool = False
    signal: Any = None
    runner_failed: bool = False

    @classmethod
    def saved(cls, saved: dict[str, Any]) -> Ending:
        """From the wrapper's run.json."""
        return cls(
            status=saved.get("status"),
            cancelled_step=saved.get("cancelled_step"),
            cancelled_at=parse_time(saved.get("cancelled_at")),
            interrupted=bool(saved.get("interrupted")),
            signal=saved.get("signal"),
            runner_failed=saved.get("status") == "failed",
        )


def judged(
    run: RunRecord | None,
    sop: Sop,
    budget: BudgetConfig,
    ending: Ending,
    *,
    lang: str,
    office: dict[str, Any],
    windows: object,
    timezone: str,
    chain: dict[str, Any] | None,
) -> tuple[list[budgets.Verdict], int, dict[str, Any], dict[str, Any]]:
    """The verdicts, the exit code, the outcome and the report's context of a run: a Laporan, or for a restore
    drill its Laporan Uji Pemulihan (a drill that does not restore every backup has failed). The one place
    both `siak-sop run` and a rebuilt Laporan judge a run."""
    intact = not chain or chain["state"] != "broken"
    verdicts, code = run_outcome(
        run,
        sop,
        budget,
        cancelled_step=ending.cancelled_step,
        cancelled_at=ending.cancelled_at,
        interrupted=ending.interrupted,
        runner_failed=ending.runner_failed,
        windows=windows,
        timezone=timezone,
        intact=intact,
    )
    if ending.status == "timeout" and code != exitcodes.INTERRUPTED:
        code = exitcodes.CANCELLED
    outcome: dict[str, Any] = {
        "cancelled_step": ending.cancelled_step,
        "status": ending.status,
        "interrupted": ending.interrupted,
        "signal": ending.signal,
    }
    if ending.cancelled_step:
        step = sop.step(ending.cancelled_step)
        outcome["cancelled_label"] = f"{step.number} ({step.title(lang)})"
    if run is None:
        return verdicts, code, outcome, {}
    if drill.is_drill(run):
        context = drill.build(run, sop, lang=lang, office=office, version=VERSION, chain=chain)
        if code not in (exitcodes.CANCELLED, exitcodes.INTERRUPTED):
            code = drill.exit_code(run, context["drills"], intact=intact)
        return [], code, outcome, context
    context = model.build(
        run, sop, verdicts, lang=lang, office=office, outcome=outcome, version=VERSION, chain=chain
    )
    return verdicts, code, outcome, context


def sop_of(run: RunRecord, name: str | None) -> Sop:
    """The SOP table a run followed: the one named, else the one its steps name, else its playbook's."""
    if name:
        return load_sop(name)
    ids = run.sop_ids()
    if len(ids) == 1:
        return load_sop(ids[0])
    playbook = Path(str(run.run_start.get("playbook", ""))).name
    for file_name, sop_id in PLAYBOOKS.values():
        if playbook == file_name:
            return load_sop(sop_id)
    if ids:
        raise SiakError(
            Said(N_("the run has steps of several SOPs ({ids})"), ids=", ".join(ids)),
            where=run.source,
            fix=Said(N_("Choose one with --sop")),
        )
    raise SiakError(
        Said(N_("the agenda names no SOP step and its playbook is not an SOP playbook")),
        where=run.source,
        fix=Said(N_("Choose the SOP table with --sop upgrade or --sop backup")),
    )


def office_from(inventories: list[Any]) -> dict[str, Any]:
    """siak_office from the inventories a run used, when they still exist; {} otherwise."""
    existing = [str(i) for i in inventories or [] if Path(str(i)).exists()]
    if not existing:
        return {}
    office = read_host_vars(existing, ("siak_office",)).get("siak_office")
    return office if isinstance(office, dict) and "{{" not in json.dumps(office, default=str) else {}


def office_of(run: RunRecord) -> dict[str, Any]:
    """siak_office from the inventory the run used, when it still exists."""
    return office_from(run.run_start.get("inventory") or [])


def signing(office: dict[str, Any]) -> Any:
    """The office's PDF signing settings; a fault in them is said, and the PDF is written unsigned."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.sign import settings_from_office

    try:
        return settings_from_office(office)
    except SiakError as err:
        print(tr("siak-sop: the PDF is not signed: {error}").format(error=err.line()), file=sys.stderr)
        return None


def write_day_book(
    agenda: Path, output_dir: Path, lang: str, office: dict[str, Any], pdf: bool
) -> Path | None:
    """The Buku Agenda page of the run's day, rebuilt with this run in it; a fault there never hides the run's own outcome."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import book

    day = agenda.parent.name
    try:
        runs = book.load_day(agenda.parent.parent, day)
        chain = book.load_chain(agenda.parent.parent, day)
        context = book.day_model(day, runs, lang=lang, office=office, version=VERSION, chain=chain)
        written = book.write_day(context, output_dir / "buku-agenda", pdf=pdf)
    except (SiakError, OSError) as err:
        print(
            tr("siak-sop: the Buku Agenda of {day} was not written: {error}").format(day=day, error=err),
            file=sys.stderr,
        )
        return None
    return written.get("pdf") or written["html"]


def explain(run: RunRecord, sop: Sop, verdicts: list[budgets.Verdict], lang: str) -> None:
    """One line per failed task and per deviating step, for the log."""
    say = gettext_for(lang)
    for task in run.tasks:
        if run.succeeded or task.get("status") not in ("failed", "unreachable"):
            continue  # in a run that succeeded, a failed or unreachable task was ignored on purpose
        msg = str((task.get("summary") or {}).get("msg") or task.get("status"))
        step = task.get("step")
        if isinstance(step, dict):
            title = step.get("kegiatan", "")
            if lang == "en" and step.get("id"):
                with contextlib.suppress(SiakError):
                    title = sop.step(str(step["id"])).kegiatan_en
            line = say(SAY["failed"]).format(
                host=task.get("host"), number=step.get("number"), kegiatan=title, msg=msg
            )
        else:
            line = say(SAY["failed_nostep"]).format(host=task.get("host"), task=task.get("task"), msg=msg)
        print(line, file=sys.stderr)
    for v in verdicts:
        if v.deviation and v.kind != budgets.FAILED:
            duration = v.run.duration_s if v.run and v.run.duration_s is not None else 0
            line = say(SAY["deviation"]).format(
                number=v.step.number,
                kegiatan=v.step.title(lang),
                verdict=v.label(lang),
                waktu=v.step.waktu.label(lang),
                duration=fmt_elapsed(duration),
            )
            print(line, file=sys.stderr)


def rebuild(
    path: Path,
    *,
    out: Path,
    lang: str,
    sop_name: str | None = None,
    budget_file: str | None = None,
    folder: Path | None = None,
    pdf: bool = True,
) -> tuple[int, dict[str, Path]]:
    """The Laporan of a run from its agenda file (and the wrapper's run.json when there is one): the exit
    code the run earned and the files written. `siak-sop report` and the playbook's own end under AWX
    (the dukcapil.siak.laporan callback) both use it, so both give the verdicts `siak-sop run` gives."""
    run = read_agenda(path)
    chain = check_chain(path)
    if chain and chain["state"] == "broken":
        print(f"siak-sop: {path}: {chain['message']}", file=sys.stderr)
    if not sop_name and drill.is_drill(run):
        sop_name = drill.SOP_NAME
    sop = sop_of(run, sop_name)
    sops = [load_sop("upgrade"), load_sop("backup")]
    budget = budgets.load_budget_file(budget_file, sops) if budget_file else BudgetConfig()
    sidecar = out / "reports" / run.run_id / "run.json"
    saved: dict[str, Any] = {}
    if sidecar.is_file():
        try:
            saved = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            saved = {}
    office = saved.get("office") or office_of(run)
    timezone = str(
        saved.get("timezone") or office.get("timezone") or run.run_start.get("timezone") or "Asia/Jakarta"
    )
    verdicts, code, _outcome, context = judged(
        run,
        sop,
        budget,
        Ending.saved(saved),
        lang=lang,
        office=office,
        windows=saved.get("service_hours") or service_hours.DEFAULT_WINDOWS,
        timezone=timezone,
        chain=chain,
    )
    if not drill.is_drill(run):
        explain(run, sop, verdicts, lang)
    target = folder or out / "reports" / (run.run_id or path.stem)
    written = render.write_report(context, target, pdf=pdf, sign=signing(office))
    return code, written
