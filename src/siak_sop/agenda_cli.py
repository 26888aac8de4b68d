"""``siak-sop agenda verify`` and ``siak-sop agenda book``: kept apart from cli.py so it stays small."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import LANGS, N_, Said, current, say, tr


def default_agenda_dir() -> Path:
    """Where the callback writes by default: $SIAK_AGENDA_DIR, else the outputs folder's agenda/."""
    return outputs.agenda_dir()


def add_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("agenda", help=tr("check an agenda file; print the Buku Agenda of a day"))
    asub = a.add_subparsers(dest="agenda_command", required=True)
    v = asub.add_parser(
        "verify",
        help=tr("check the hash chain of agenda files"),
        description=tr(
            "Exit 0: intact and complete, and signed by an allowed signer (or unsigned when no allowed_signers "
            "file is given). 1: intact but not complete (killed, ended by an error, lines not written) or "
            "unsigned. 2: changed, removed or added lines, a bad signature, or a file renamed from another run."
        ),
    )
    v.add_argument("files", nargs="+", metavar="FILE", help=tr("agenda files (.jsonl)"))
    v.add_argument("--json", action="store_true", help=tr("one JSON object per file"))
    v.add_argument(
        "--allowed-signers",
        type=Path,
        default=None,
        help=tr(
            "the allowed_signers file the signatures are checked against (default: $SIAK_AGENDA_ALLOWED_SIGNERS)"
        ),
    )
    v.add_argument(
        "--tsa-ca",
        type=Path,
        default=None,
        help=tr(
            "CA certificate(s) of the time-stamping authority, to check an RFC 3161 timestamp of the head"
        ),
    )
    v.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the findings"))
    d = asub.add_parser(
        "verify-day",
        help=tr("check a day's chain of runs (the Buku Agenda page) against the agenda files of that day"),
        description=tr(
            "Exit 0: every run of the day is chained and intact. 2: a run was removed, replaced or added."
        ),
    )
    d.add_argument("folders", nargs="+", metavar="DAY_FOLDER", help="<agenda_dir>/<YYYY-MM-DD>")
    d.add_argument("--json", action="store_true", help=tr("one JSON object per file"))
    d.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the findings"))
    d.add_argument(
        "--allowed-signers", type=Path, default=None, help=tr("default: $SIAK_AGENDA_ALLOWED_SIGNERS")
    )
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


# What `agenda verify` says of a file, in the reader's language (English: the verifier's own line).
STATES = {
    "complete": N_("COMPLETE"),
    "incomplete": N_("INCOMPLETE"),
    "prefix": N_("PREFIX"),
    "error": N_("ENDED BY AN ERROR"),
    "broken": N_("BROKEN"),
}
DETAILS = {
    "complete": N_("intact and complete, {lines} lines, run {run_id}"),
    "incomplete": N_("intact, but some lines could not be written ({lines} lines, run {run_id})"),
    "prefix": N_(
        "intact, but without a closing record: the run was killed or could not close its file "
        "({lines} lines, run {run_id})"
    ),
    "error": N_("intact; the run ended by an error before its last step ({lines} lines, run {run_id})"),
    "broken": N_("line {bad_line} does not match the hash chain: changed, removed or added lines"),
}
SIGNATURES = {
    "signed": N_("SIGNED by {signer}"),
    "unsigned": N_("UNSIGNED"),
    "bad_signature": N_("BAD SIGNATURE"),
}


def verify_day_line(folder: str, day: Any) -> str:
    """A day's finding in the reader's language: intact or broken, how many runs, the day head's signature."""
    sign = day.signature
    if sign is None:
        words = tr("NO RUNS")
    elif sign.state == "signed" and not sign.signer:
        words = tr("SIGNED (not checked: give --allowed-signers)")
    else:
        words = tr(SIGNATURES.get(sign.state, sign.state)).format(signer=sign.signer or "?")
    return tr("{folder}: {state}, {n} run(s) chained, {signature}").format(
        folder=folder, state=tr("INTACT") if day.ok else tr("BROKEN"), n=day.lines, signature=words
    )


def verify_line(checked: Any) -> str:
    """One file's finding: the verifier's own line in English, in Bahasa Indonesia through the catalogue
    (its further problems too, such as a renamed file)."""
    chain = checked.chain
    state = checked.state
    if (
        current() == "en"
        or state not in DETAILS
        or (state == "broken" and chain.bad_line is None and not checked.problems)
    ):
        return checked.line()
    if checked.problems:
        detail = "; ".join(say(p) for p in checked.problems)
    else:
        detail = tr(DETAILS[state]).format(
            lines=chain.lines, run_id=chain.run_id or "?", bad_line=chain.bad_line
        )
    sign = checked.signature
    words = tr(SIGNATURES.get(sign.state, sign.state)).format(signer=sign.signer or "?")
    return f"{checked.path}: {tr(STATES[state])}: {detail} [{words}]"


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every siak-sop command loads this module, `siak-sop run` needs
    # neither (it starts the playbook sooner without them).
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda_seal import verify_day, verify_run

    allowed = getattr(args, "allowed_signers", None) or os.environ.get("SIAK_AGENDA_ALLOWED_SIGNERS") or None
    if args.agenda_command == "verify":
        worst = 0
        for name in args.files:
            checked = verify_run(name, allowed, args.tsa_ca)
            worst = max(worst, checked.exit_code)
            print(json.dumps(checked.as_dict(), ensure_ascii=False) if args.json else verify_line(checked))
        return worst
    if args.agenda_command == "verify-day":
        worst = 0
        for folder in args.folders:
            day = verify_day(folder, allowed)
            code = 0 if day.ok else 2
            if day.ok and day.signature is not None and day.signature.state != "signed" and allowed:
                code = 1
            worst = max(worst, code)
            if args.json:
                print(json.dumps(day.as_dict(), ensure_ascii=False))
                continue
            print(verify_day_line(folder, day))
            for problem in day.problems:
                print(f"  - {say(problem)}")
        return worst
    if args.agenda_command == "book":
        return write_book(args)
    return 2


def write_book(args: argparse.Namespace) -> int:
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import book
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.version import VERSION

    agenda_dir = args.agenda_dir or default_agenda_dir()
    if not agenda_dir.is_dir():
        raise SiakError(
            Said(N_("no agenda folder")),
            where=str(agenda_dir),
            fix=Said(N_("Give --agenda-dir, or run a playbook first")),
        )
    days = sorted(p.name for p in agenda_dir.iterdir() if p.is_dir() and any(p.glob("*.jsonl")))
    day = book.parse_day(args.day) if args.day else (days[-1] if days else "")
    if not day:
        raise SiakError(
            Said(N_("no agenda file yet")), where=str(agenda_dir), fix=Said(N_("Run a playbook first"))
        )
    runs = book.load_day(agenda_dir, day)
    office = office_of_runs(runs)
    chain = book.load_chain(agenda_dir, day)
    context = book.day_model(day, runs, lang=args.lang, office=office, version=VERSION, chain=chain)
    out = args.out or (agenda_dir.parent / "buku-agenda")
    for path in book.write_day(context, out, pdf=not args.no_pdf).values():
        print(path)
    for name in context["damaged"]:
        print(tr("siak-sop: {file}: the record does not verify; its rows are marked").format(file=name))
    broken_chain = chain is not None and not chain.ok
    return (
        2 if broken_chain or any(r.state == "broken" or r.signature == "bad_signature" for r in runs) else 0
    )


def office_of_runs(runs: list[Any]) -> dict[str, Any]:
    """siak_office from the inventory the day's runs used (the first that still exists)."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.laporan import office_from

    for day_run in runs:
        header = day_run.records[0] if day_run.records else {}
        office = office_from(header.get("inventory") or [])
        if office:
            return office
    return {}
