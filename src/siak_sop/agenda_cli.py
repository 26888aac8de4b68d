"""``siak-sop agenda verify`` and ``siak-sop agenda book``: kept apart from cli.py so it stays small."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from siak_sop.errors import SiakError
from siak_sop.i18n import LANGS, N_, current, tr


def default_agenda_dir() -> Path:
    """Where the callback writes by default: $SIAK_AGENDA_DIR, $SIAK_OUTPUT_DIR/agenda, or out/agenda."""
    if os.environ.get("SIAK_AGENDA_DIR"):
        return Path(os.environ["SIAK_AGENDA_DIR"])
    return Path(os.environ.get("SIAK_OUTPUT_DIR") or "out") / "agenda"


def add_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("agenda", help=tr("check an agenda file; print the Buku Agenda of a day"))
    asub = a.add_subparsers(dest="agenda_command", required=True)
    v = asub.add_parser(
        "verify",
        help=tr("check the hash chain of agenda files"),
        description=tr(
            "Exit 0: intact and complete. 1: intact but incomplete (the run was killed, or some lines could "
            "not be written). 2: changed, removed or added lines (the first bad line is named)."
        ),
    )
    v.add_argument("files", nargs="+", metavar="FILE", help=tr("agenda files (.jsonl)"))
    v.add_argument("--json", action="store_true", help=tr("one JSON object per file"))
    v.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the findings"))
    b = asub.add_parser(
        "book", help=tr("make the Buku Agenda of a day (A4 PDF, with HTML and JSON) from its agenda files")
    )
    b.add_argument("--day", help=tr("the day, YYYY-MM-DD (default: the latest day with an agenda)"))
    b.add_argument("--agenda-dir", type=Path, default=None, help=tr("default: $SIAK_OUTPUT_DIR/agenda"))
    b.add_argument(
        "--out", type=Path, default=None, help=tr("where to write it (default: <output>/buku-agenda)")
    )
    b.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the book"))
    b.add_argument("--no-pdf", action="store_true", help=tr("write the HTML and JSON only"))


# What `agenda verify` says of a file, in the reader's language (the verifier's own detail follows).
STATES = {
    "complete": N_("COMPLETE"),
    "incomplete": N_("INCOMPLETE"),
    "prefix": N_("PREFIX"),
    "broken": N_("BROKEN"),
}


def verify_line(verdict: Any) -> str:
    """What verification found, in the reader's language; an unknown state keeps the verifier's own words."""
    details = {
        "complete": N_("intact and complete, {lines} lines, run {run_id}"),
        "incomplete": N_("intact, but some lines could not be written ({lines} lines, run {run_id})"),
        "prefix": N_(
            "intact, but without a closing record: the run was killed or could not close its file "
            "({lines} lines, run {run_id})"
        ),
        "broken": N_("line {bad_line} does not match the hash chain: changed, removed or added lines"),
    }
    if (
        current() == "en"
        or verdict.state not in details
        or (verdict.state == "broken" and verdict.bad_line is None)
    ):
        return f"{verdict.state.upper()}: {verdict.message}"
    text = tr(details[verdict.state]).format(
        lines=verdict.lines, run_id=verdict.run_id or "?", bad_line=verdict.bad_line
    )
    return f"{tr(STATES[verdict.state])}: {text}"


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every siak-sop command loads this module, `siak-sop run` needs
    # neither (it starts the playbook sooner without them).
    from siak_sop.agenda import verify_file

    if args.agenda_command == "verify":
        worst = 0
        for name in args.files:
            verdict = verify_file(name)
            worst = max(worst, verdict.exit_code)
            if args.json:
                print(json.dumps(verdict.as_dict(), ensure_ascii=False))
            else:
                print(f"{name}: {verify_line(verdict)}")
        return worst
    if args.agenda_command == "book":
        return write_book(args)
    return 2


def write_book(args: argparse.Namespace) -> int:
    from siak_sop import __version__
    from siak_sop.report import book

    agenda_dir = args.agenda_dir or default_agenda_dir()
    if not agenda_dir.is_dir():
        raise SiakError(
            tr("no agenda folder"),
            where=str(agenda_dir),
            fix=tr("Give --agenda-dir, or run a playbook first"),
        )
    days = sorted(p.name for p in agenda_dir.iterdir() if p.is_dir() and any(p.glob("*.jsonl")))
    day = book.parse_day(args.day) if args.day else (days[-1] if days else "")
    if not day:
        raise SiakError(tr("no agenda file yet"), where=str(agenda_dir), fix=tr("Run a playbook first"))
    runs = book.load_day(agenda_dir, day)
    office = office_of_runs(runs)
    context = book.day_model(day, runs, lang=args.lang, office=office, version=__version__)
    out = args.out or (agenda_dir.parent / "buku-agenda")
    for path in book.write_day(context, out, pdf=not args.no_pdf).values():
        print(path)
    for name in context["damaged"]:
        print(tr("siak-sop: {file}: the record does not verify; its rows are marked").format(file=name))
    return 2 if any(r.state == "broken" for r in runs) else 0


def office_of_runs(runs: list[Any]) -> dict[str, Any]:
    """siak_office from the inventory the day's runs used (the first that still exists)."""
    from siak_sop.inventory_vars import read_host_vars

    for day_run in runs:
        header = day_run.records[0] if day_run.records else {}
        inventories = [str(i) for i in header.get("inventory") or [] if Path(str(i)).exists()]
        if inventories:
            found = read_host_vars(inventories, ("siak_office",))
            office = found.get("siak_office")
            if isinstance(office, dict):
                return office
    return {}
