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
            "Exit 0: intact and complete. 1: intact but incomplete (the run was killed, or some lines could "
            "not be written). 2: changed, removed or added lines (the first bad line is named)."
        ),
    )
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--json", action="store_true", help="one JSON object per file")
    b = asub.add_parser("book", help="rebuild the Buku Agenda (CSV and Markdown) from the agenda files")
    b.add_argument("--agenda-dir", type=Path, default=None, help="default: $SIAK_OUTPUT_DIR/agenda")
    b.add_argument("--out", type=Path, default=None, help="where to write it (default: the agenda folder)")
    b.add_argument("--lang", choices=("id", "en"), default="id")


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every siak-sop command loads this module, `siak-sop run` needs
    # neither (it starts the playbook sooner without them).
    from siak_sop.agenda import verify_file
    from siak_sop.agenda_book import write_book

    if args.agenda_command == "verify":
        worst = 0
        for name in args.files:
            verdict = verify_file(name)
            worst = max(worst, verdict.exit_code)
            if args.json:
                print(json.dumps(verdict.as_dict(), ensure_ascii=False))
            else:
                print(f"{name}: {verdict.state.upper()}: {verdict.message}")
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
