"""The `run` and `report` subcommands of siak-sop (registered by cli.py)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import (
    budgets,
    exitcodes,
    outputs,
    runid,
    service_hours,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, current, gettext_for, tr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import laporan as laporan_of
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import RunRecord, find_agenda

from siak_sop import runner
from siak_sop.progress import StepTracker, make_progress

COMMANDS = ("run", "report")

SAY = {
    "start": N_("siak-sop: {nomor} {nama}: run {run_id} ({playbook})"),
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
            run = laporan_of.load_run(agenda)
            if run is None:
                raise SiakError(Said(N_("the agenda went away")), where=str(agenda))
            chain = laporan_of.check_chain(agenda)
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
    run = laporan_of.load_run(result.agenda)
    chain = laporan_of.check_chain(result.agenda)
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
        laporan_of.explain(run, sop, verdicts, lang)
        if run.finished and not run.complete:
            print(_say(lang, "incomplete", path=run.source), file=sys.stderr)
        written = render.write_report(
            context, request.report_dir, pdf=request.pdf, early=early, sign=laporan_of.signing(request.office)
        )
        for path in written.values():
            print(_say(lang, "report", path=path))
        if result.agenda is not None:
            page = laporan_of.write_day_book(
                result.agenda, request.output_dir, lang, request.office, request.pdf
            )
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


def _preload(pdf: bool) -> None:
    with contextlib.suppress(ImportError):
        import ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda  # noqa: F401  (the chain check after the run)
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
    ending = laporan_of.Ending(
        status=result.status,
        cancelled_step=result.cancelled_step,
        cancelled_at=result.cancelled_at,
        interrupted=result.interrupted,
        signal=result.signal,
        runner_failed=(result.rc not in (0, None)) and not result.cancelled_step and not result.interrupted,
    )
    return laporan_of.judged(
        run,
        request.sop,
        request.budget,
        ending,
        lang=request.lang,
        office=request.office,
        windows=request.windows,
        timezone=request.timezone,
        chain=chain,
    )


def output_dir() -> Path:
    return outputs.output_dir()


def cmd_report(args: argparse.Namespace) -> int:
    out = output_dir()
    path = find_agenda(args.run, runner.agenda_dir_for(out))
    code, written = laporan_of.rebuild(
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
