"""``siak-sop agenda verify`` and ``siak-sop agenda book``: kept apart from cli.py so it stays small."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from siak_sop.errors import SiakError


def default_agenda_dir() -> Path:
    """Where the callback writes by default: $SIAK_AGENDA_DIR, $SIAK_OUTPUT_DIR/agenda, or out/agenda."""
    if os.environ.get("SIAK_AGENDA_DIR"):
        return Path(os.environ["SIAK_AGENDA_DIR"])
    return Path(os.environ.get("SIAK_OUTPUT_DIR") or "out") / "agenda"


def add_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("agenda", help="check an agenda file; rebuild the Buku Agenda")
    asub = a.add_subparsers(dest="agenda_command", required=True)
    v = asub.add_parser(
        "verify",
        help="check the hash chain of agenda files",
        description=(
            "Exit 0: intact and complete, and signed by an allowed signer (or unsigned when no allowed_signers "
            "file is given). 1: intact but not complete (killed, ended by an error, lines not written) or "
            "unsigned. 2: changed, removed or added lines, a bad signature, or a file renamed from another run."
        ),
    )
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--json", action="store_true", help="one JSON object per file")
    v.add_argument(
        "--allowed-signers",
        type=Path,
        default=None,
        help="the allowed_signers file the signatures are checked against (default: $SIAK_AGENDA_ALLOWED_SIGNERS)",
    )
    v.add_argument(
        "--tsa-ca",
        type=Path,
        default=None,
        help="CA certificate(s) of the time-stamping authority, to check an RFC 3161 timestamp of the head",
    )
    d = asub.add_parser(
        "verify-day",
        help="check a day's chain of runs (the Buku Agenda page) against the agenda files of that day",
        description="Exit 0: every run of the day is chained and intact. 2: a run was removed, replaced or added.",
    )
    d.add_argument("folders", nargs="+", metavar="DAY_FOLDER", help="<agenda_dir>/<YYYY-MM-DD>")
    d.add_argument("--json", action="store_true")
    d.add_argument("--allowed-signers", type=Path, default=None, help="default: $SIAK_AGENDA_ALLOWED_SIGNERS")
    b = asub.add_parser("book", help="rebuild the Buku Agenda (CSV and Markdown) from the agenda files")
    b.add_argument("--agenda-dir", type=Path, default=None, help="default: $SIAK_OUTPUT_DIR/agenda")
    b.add_argument("--out", type=Path, default=None, help="where to write it (default: the agenda folder)")
    b.add_argument("--lang", choices=("id", "en"), default="id")


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every siak-sop command loads this module, `siak-sop run` needs
    # neither (it starts the playbook sooner without them).
    from siak_sop.agenda_book import write_book
    from siak_sop.agenda_seal import verify_day, verify_run

    allowed = getattr(args, "allowed_signers", None) or os.environ.get("SIAK_AGENDA_ALLOWED_SIGNERS") or None
    if args.agenda_command == "verify":
        worst = 0
        for name in args.files:
            checked = verify_run(name, allowed, args.tsa_ca)
            worst = max(worst, checked.exit_code)
            print(json.dumps(checked.as_dict(), ensure_ascii=False) if args.json else checked.line())
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
            sig = day.signature.state.upper().replace("_", " ") if day.signature else "NO RUNS"
            signer = f" by {day.signature.signer}" if day.signature and day.signature.signer else ""
            print(f"{folder}: {'INTACT' if day.ok else 'BROKEN'}, {day.lines} run(s) chained, {sig}{signer}")
            for problem in day.problems:
                print(f"  - {problem}")
        return worst
    if args.agenda_command == "book":
        agenda_dir = args.agenda_dir or default_agenda_dir()
        if not agenda_dir.is_dir():
            raise SiakError(
                "no agenda folder", where=str(agenda_dir), fix="Give --agenda-dir, or run a playbook first"
            )
        files, runs = write_book(agenda_dir, args.out or agenda_dir, args.lang)
        for path in files:
            print(path)
        damaged = [r for r in runs if r.verdict.state == "broken"]
        for r in damaged:
            print(f"siak-sop: {r.path}: {r.verdict.message}; its rows are marked")
        return 2 if damaged else 0
    return 2
