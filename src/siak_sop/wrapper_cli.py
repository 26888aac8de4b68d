"""The `run` and `report` subcommands of siak-sop (registered by cli.py)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from siak_sop import __version__, budgets, exitcodes, runid, runner, service_hours
from siak_sop.budgets import BudgetConfig
from siak_sop.errors import SiakError
from siak_sop.i18n import N_, Said, current, gettext_for, tr
from siak_sop.inventory_vars import read_host_vars
from siak_sop.progress import StepTracker, fmt_elapsed, make_progress
from siak_sop.report import drill, model, render
from siak_sop.runlog import RunRecord, find_agenda, parse_time, read_agenda
from siak_sop.sop import Sop, load_sop

COMMANDS = ("run", "report")

SAY = {
    "start": N_("siak-sop: {nomor} {nama}: run {run_id} ({playbook})"),
    "failed": N_("FAILED: {host}, step {number} ({kegiatan}): {msg}"),
    "failed_nostep": N_("FAILED: {host}, task '{task}': {msg}"),
    "deviation": N_("DEVIATION: step {number} ({kegiatan}): {verdict}; Mutu Baku {waktu}, took {duration}"),
    "report": N_("Report: {path}"),
    "outcome": N_("Outcome: exit code {code}: {meaning}"),
    "no_agenda": N_(
        "No agenda for run {run_id} in {dir}: is the dukcapil.siak.agenda callback enabled "
        "(ansible.cfg callbacks_enabled)? Without it the time standards cannot be proven"
    ),
    "incomplete": N_(
        "The agenda is INCOMPLETE ({path}): some records could not be written; check disk space and permissions"
    ),
    "timeout": N_("STOPPED: the whole run passed its {minutes} minute limit (run_limit_minutes)"),
    "interrupted": N_("STOPPED by {signal} while step {step} was running"),
    "interrupted_nostep": N_("STOPPED by {signal} before any SOP step was running"),
    "log": N_("Ansible log: {path}"),
    "book": N_("Buku Agenda of the day: {path}"),
    "step_word": N_("step"),
    "cleanup": N_("Cleaning up after the cancelled run on the servers ({playbook}) ..."),
    "cleanup_ok": N_("Clean: the export stopped, the parameter file removed, the lock released (log: {log})"),
    "cleanup_failed": N_(
        "Cleanup FAILED (code {rc}; log: {log}): the next run takes the lock over and cleans up the rest; "
        "check the server before then"
    ),
}


def add_commands(sub: Any) -> None:
    r = sub.add_parser(
        "run",
        help=tr("run an SOP playbook with live progress, time budgets and the Laporan"),
        description=tr("Run an SOP playbook through ansible-runner with the agenda callback on."),
        epilog=exitcodes.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("sop", help=tr("what to run: {names}").format(names=", ".join(runner.PLAYBOOKS)))
    r.add_argument("-i", "--inventory", action="append", help=tr("inventory file or folder (repeatable)"))
    r.add_argument("-l", "--limit", help=tr("limit to these hosts or groups (as ansible-playbook --limit)"))
    r.add_argument("-t", "--tags", help=tr("run only these SOP steps (step ids, comma-separated)"))
    r.add_argument("--skip-tags", help=tr("skip these SOP steps"))
    r.add_argument("-C", "--check", action="store_true", help=tr("trial run (uji coba): change nothing"))
    r.add_argument("-D", "--diff", action="store_true", help=tr("show what would change"))
    r.add_argument("-e", "--extra-vars", action="append", help=tr("key=value, a JSON/YAML mapping, or @file"))
    r.add_argument("--vault-password-file", help=tr("file holding the vault password"))
    r.add_argument("--budget-file", help=tr("YAML file of hard limits per step (docs/siak-sop.md)"))
    r.add_argument(
        "--hard-limit",
        action="append",
        metavar="STEP=MINUTES",
        help=tr("hard limit for one step (none: no limit)"),
    )
    r.add_argument("--force", action="store_true", help=tr("backup: run even inside service hours"))
    r.add_argument(
        "--playbook", help=tr("run this playbook instead of the collection's own (same SOP table)")
    )
    r.add_argument(
        "--lang", choices=("id", "en"), default=current(), help=tr("language of progress and report")
    )
    r.add_argument("--no-pdf", action="store_true", help=tr("write the HTML, Markdown and JSON report only"))
    r.add_argument("-v", "--verbose", action="count", default=0, help=tr("also show Ansible's own output"))
    p = sub.add_parser(
        "report",
        help=tr("rebuild the Laporan (HTML and PDF) of a run from its agenda"),
        epilog=tr(
            "Exits with the code the run earned (see siak-sop run --help), or 2 when there is no agenda."
        ),
    )
    p.add_argument("run", help=tr("run id (the agenda file's name) or the path of an agenda .jsonl file"))
    p.add_argument(
        "--sop", help=tr("the SOP table to use when the agenda does not name one (upgrade, backup)")
    )
    p.add_argument("--lang", choices=("id", "en"), default=current(), help=tr("language of the report"))
    p.add_argument("--output", help=tr("folder for the report (default: <output>/reports/<run id>)"))
    p.add_argument("--budget-file", help=tr("hard limits to show beside deviations"))
    p.add_argument("--no-pdf", action="store_true", help=tr("write the HTML, Markdown and JSON report only"))


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return cmd_run(args)
    return cmd_report(args)


def _say(lang: str, key: str, **values: Any) -> str:
    return gettext_for(lang)(SAY[key]).format(**values)


def cmd_run(args: argparse.Namespace) -> int:
    request = runner.prepare(args)
    now = datetime.now(service_hours.zone(request.timezone))
    request.run_id = runid.new(now)
    lang = request.lang
    office = OfficeReader(request)
    if request.name == "backup":
        office.read_now(group="database_servers")
        note = runner.service_hours_guard(request, now)
        if note:
            print(f"siak-sop: {note}", file=sys.stderr)
    else:
        # Read the office from the inventory while the playbook runs, not before it.
        office.start()
    # Load what the report needs (Jinja2, the chain check, WeasyPrint: seconds of CPU for the last)
    # while the playbook runs too: the ADB need not wait for it.
    threading.Thread(target=_preload, args=(request.pdf,), name="siak-preload", daemon=True).start()
    sop = request.sop
    print(
        _say(
            lang,
            "start",
            nomor=sop.nomor,
            nama=sop.nama if lang == "id" else sop.name_en,
            run_id=request.run_id,
            playbook=request.playbook.name,
        ),
        flush=True,
    )
    early = render.EarlyPdf() if request.pdf else None

    def on_closed(agenda: Path) -> None:
        """The agenda is closed while Ansible still exits: render the Laporan as the run most likely ended."""
        if early is None:
            return

        def make_html() -> str:
            office.wait()
            run = runner.load_run(agenda)
            if run is None:
                raise SiakError(Said(N_("the agenda went away")), where=str(agenda))
            chain = runner.check_chain(agenda)
            ok = run.succeeded
            guess = runner.RunResult(
                rc=0 if ok else 2, status="successful" if ok else "failed", agenda=agenda
            )
            context = laporan(request, guess, run, chain)[-1]
            return render.render_html(context)

        early.start(make_html, request.report_dir)

    tracker = StepTracker(sop, request.budget)
    progress = make_progress(tracker, lang, f"{sop.nomor} · {request.run_id}", plain=request.verbose > 0)
    result = runner.execute(request, progress, on_closed=on_closed if early is not None else None)
    if result.cancelled_step or result.interrupted or result.status == "timeout":
        cleanup_after_cancel(request, lang)
    office.wait()
    run = runner.load_run(result.agenda)
    chain = runner.check_chain(result.agenda)
    verdicts, code, outcome, context = laporan(request, result, run, chain)
    if result.status == "timeout" and code == exitcodes.CANCELLED:
        print(_say(lang, "timeout", minutes=f"{request.budget.run_limit_minutes:g}"), file=sys.stderr)
    if result.interrupted:
        if result.running_step:
            step = sop.step(result.running_step)
            where = f"{step.number} ({step.title(lang)})"
            print(_say(lang, "interrupted", signal=result.signal, step=where), file=sys.stderr)
        else:
            print(_say(lang, "interrupted_nostep", signal=result.signal), file=sys.stderr)
    runner.write_outcome(request, result, code)
    if run is None:
        print(_say(lang, "no_agenda", run_id=request.run_id, dir=request.agenda_dir), file=sys.stderr)
    else:
        explain(run, sop, verdicts, lang)
        if run.finished and not run.complete:
            print(_say(lang, "incomplete", path=run.source), file=sys.stderr)
        written = render.write_report(
            context, request.report_dir, pdf=request.pdf, early=early, sign=signing(request.office)
        )
        for path in written.values():
            print(_say(lang, "report", path=path))
        if result.agenda is not None:
            page = write_day_book(result.agenda, request.output_dir, lang, request.office, request.pdf)
            if page is not None:
                print(_say(lang, "book", path=page))
    if result.log:
        print(_say(lang, "log", path=result.log))
    meaning = exitcodes.meaning(code, lang)
    if code == exitcodes.CANCELLED and result.cancelled_step:
        meaning += f": {_say(lang, 'step_word')} {outcome['cancelled_label']}"
    print(_say(lang, "outcome", code=code, meaning=meaning))
    return code


def cleanup_after_cancel(request: runner.RunRequest, lang: str) -> None:
    """A cancelled run stops what it started on its hosts now, not at the next run (runner.CANCEL_CLEANUP)."""
    name = runner.CANCEL_CLEANUP.get(request.name)
    if not name or request.check:
        return
    print(_say(lang, "cleanup", playbook=name), file=sys.stderr, flush=True)
    try:
        done = runner.cleanup_after_cancel(request)
    except SiakError as err:
        print(_say(lang, "cleanup_failed", rc="-", log=err.line()), file=sys.stderr)
        return
    if done is None:
        return
    key = "cleanup_ok" if done.rc == 0 else "cleanup_failed"
    print(_say(lang, key, rc=done.rc, log=done.log or "-"), file=sys.stderr)


def write_day_book(
    agenda: Path, output_dir: Path, lang: str, office: dict[str, Any], pdf: bool
) -> Path | None:
    """The Buku Agenda page of the run's day, rebuilt with this run in it; a fault there never hides the run's own outcome."""
    from siak_sop.report import book

    day = agenda.parent.name
    try:
        runs = book.load_day(agenda.parent.parent, day)
        chain = book.load_chain(agenda.parent.parent, day)
        context = book.day_model(day, runs, lang=lang, office=office, version=__version__, chain=chain)
        written = book.write_day(context, output_dir / "buku-agenda", pdf=pdf)
    except (SiakError, OSError) as err:
        print(
            tr("siak-sop: the Buku Agenda of {day} was not written: {error}").format(day=day, error=err),
            file=sys.stderr,
        )
        return None
    return written.get("pdf") or written["html"]


def signing(office: dict[str, Any]) -> Any:
    """The office's PDF signing settings; a fault in them is said, and the PDF is written unsigned."""
    from siak_sop.report.sign import settings_from_office

    try:
        return settings_from_office(office)
    except SiakError as err:
        print(tr("siak-sop: the PDF is not signed: {error}").format(error=err.line()), file=sys.stderr)
        return None


def _preload(pdf: bool) -> None:
    with contextlib.suppress(ImportError):
        import siak_sop.agenda  # noqa: F401  (the chain check after the run)
    render.preload(pdf)


class OfficeReader:
    """The office's variables from the inventory (siak_office, the backup's service hours), read once.

    In a thread while the playbook runs (start), or at once (read_now) when the backup's
    service-hours guard needs them before it; wait() applies them to the request, only once.
    """

    def __init__(self, request: runner.RunRequest) -> None:
        self.request = request
        self._found: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._applied = False

    def read_now(self, group: str = "all") -> None:
        self._found = runner.office_vars(self.request, group=group)
        self.wait()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: self._found.update(runner.office_vars(self.request)),
            name="siak-office",
            daemon=True,
        )
        self._thread.start()

    def wait(self) -> None:
        with self._lock:
            if self._applied:
                return
            if self._thread is not None:
                self._thread.join(timeout=30)
            runner.apply_office(self.request, dict(self._found))
            self._applied = True


def laporan(
    request: runner.RunRequest, result: runner.RunResult, run: RunRecord | None, chain: dict[str, Any] | None
) -> tuple[list[budgets.Verdict], int, dict[str, Any], dict[str, Any]]:
    """The verdicts, the exit code, the outcome and the report's context of a finished or stopped run."""
    sop = request.sop
    verdicts, code = runner.run_outcome(
        run,
        sop,
        request.budget,
        cancelled_step=result.cancelled_step,
        cancelled_at=result.cancelled_at,
        interrupted=result.interrupted,
        runner_failed=(result.rc not in (0, None)) and not result.cancelled_step and not result.interrupted,
        windows=request.windows,
        timezone=request.timezone,
        intact=not chain or chain["state"] != "broken",
    )
    if result.status == "timeout" and code not in (exitcodes.INTERRUPTED,):
        code = exitcodes.CANCELLED
    outcome: dict[str, Any] = {
        "cancelled_step": result.cancelled_step,
        "status": result.status,
        "interrupted": result.interrupted,
        "signal": result.signal,
    }
    if result.cancelled_step:
        step = sop.step(result.cancelled_step)
        outcome["cancelled_label"] = f"{step.number} ({step.title(request.lang)})"
    context: dict[str, Any] = {}
    if run is not None and drill.is_drill(run):
        # A restore drill: its own report, and a run that does not restore every backup has failed.
        context = drill.build(
            run, sop, lang=request.lang, office=request.office, version=__version__, chain=chain
        )
        if code not in (exitcodes.CANCELLED, exitcodes.INTERRUPTED):
            code = drill.exit_code(run, context["drills"], intact=not chain or chain["state"] != "broken")
        return [], code, outcome, context
    if run is not None:
        context = model.build(
            run,
            sop,
            verdicts,
            lang=request.lang,
            office=request.office,
            outcome=outcome,
            version=__version__,
            chain=chain,
        )
    return verdicts, code, outcome, context


def explain(run: RunRecord, sop: Sop, verdicts: list[budgets.Verdict], lang: str) -> None:
    """One line per failed task and per deviating step, for the log."""
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
            line = _say(
                lang, "failed", host=task.get("host"), number=step.get("number"), kegiatan=title, msg=msg
            )
        else:
            line = _say(lang, "failed_nostep", host=task.get("host"), task=task.get("task"), msg=msg)
        print(line, file=sys.stderr)
    for v in verdicts:
        if v.deviation and v.kind != budgets.FAILED:
            duration = v.run.duration_s if v.run and v.run.duration_s is not None else 0
            print(
                _say(
                    lang,
                    "deviation",
                    number=v.step.number,
                    kegiatan=v.step.title(lang),
                    verdict=v.label(lang),
                    waktu=v.step.waktu.label(lang),
                    duration=fmt_elapsed(duration),
                ),
                file=sys.stderr,
            )


def sop_of(run: RunRecord, name: str | None) -> Sop:
    if name:
        return load_sop(name)
    ids = run.sop_ids()
    if len(ids) == 1:
        return load_sop(ids[0])
    playbook = Path(str(run.run_start.get("playbook", ""))).name
    for file_name, sop_id in runner.PLAYBOOKS.values():
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


def output_dir() -> Path:
    env = os.environ.get("SIAK_OUTPUT_DIR")
    if env:
        return Path(env).resolve()
    try:
        return runner.find_project_dir() / "out"
    except SiakError:
        return Path("out").resolve()


def cmd_report(args: argparse.Namespace) -> int:
    out = output_dir()
    path = find_agenda(args.run, runner.agenda_dir_for(out))
    code, written = rebuild(
        path,
        out=out,
        lang=args.lang,
        sop_name=args.sop,
        budget_file=args.budget_file,
        folder=Path(args.output) if args.output else None,
        pdf=not args.no_pdf,
    )
    for item in written.values():
        print(_say(args.lang, "report", path=item))
    print(_say(args.lang, "outcome", code=code, meaning=exitcodes.meaning(code, args.lang)))
    return code


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
    chain = runner.check_chain(path)
    if chain and chain["state"] == "broken":
        print(f"siak-sop: {path}: {chain['message']}", file=sys.stderr)
    if not sop_name and drill.is_drill(run):
        return rebuild_drill(run, path, out=out, lang=lang, chain=chain, folder=folder, pdf=pdf)
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
    windows = saved.get("service_hours") or service_hours.DEFAULT_WINDOWS
    verdicts, code = runner.run_outcome(
        run,
        sop,
        budget,
        cancelled_step=saved.get("cancelled_step"),
        cancelled_at=parse_time(saved.get("cancelled_at")),
        interrupted=bool(saved.get("interrupted")),
        runner_failed=saved.get("status") == "failed",
        windows=windows,
        timezone=timezone,
        intact=not chain or chain["state"] != "broken",
    )
    if saved.get("status") == "timeout" and code != exitcodes.INTERRUPTED:
        code = exitcodes.CANCELLED
    outcome = {k: saved.get(k) for k in ("cancelled_step", "status", "interrupted", "signal")}
    if saved.get("cancelled_step"):
        step = sop.step(saved["cancelled_step"])
        outcome["cancelled_label"] = f"{step.number} ({step.title(lang)})"
    context = model.build(
        run, sop, verdicts, lang=lang, office=office, outcome=outcome, version=__version__, chain=chain
    )
    explain(run, sop, verdicts, lang)
    target = folder or out / "reports" / (run.run_id or path.stem)
    written = render.write_report(context, target, pdf=pdf, sign=signing(office))
    return code, written


def rebuild_drill(
    run: RunRecord,
    path: Path,
    *,
    out: Path,
    lang: str,
    chain: dict[str, Any] | None,
    folder: Path | None = None,
    pdf: bool = True,
) -> tuple[int, dict[str, Path]]:
    """The Laporan Uji Pemulihan of a restore drill run (report/drill.py), named by its run id as the
    Laporan is: the exit code the drill earned (0 when every server's backup restores) and the files."""
    office = office_of(run)
    context = drill.build(
        run, load_sop(drill.SOP_NAME), lang=lang, office=office, version=__version__, chain=chain
    )
    code = drill.exit_code(run, context["drills"], intact=not chain or chain["state"] != "broken")
    target = folder or out / "reports" / (run.run_id or path.stem)
    return code, render.write_report(context, target, pdf=pdf, sign=signing(office))


def office_of(run: RunRecord) -> dict[str, Any]:
    """siak_office from the inventory the run used, when it still exists."""
    inventories = [str(i) for i in run.run_start.get("inventory") or [] if Path(str(i)).exists()]
    if not inventories:
        return {}
    found = read_host_vars(inventories, ("siak_office",))
    office = found.get("siak_office")
    return office if isinstance(office, dict) and "{{" not in json.dumps(office, default=str) else {}
