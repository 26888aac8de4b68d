"""siak-sop: the thin wrapper around the SOP playbooks."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from siak_sop import __version__, agenda_cli, exitcodes, wrapper_cli
from siak_sop.errors import SiakError
from siak_sop.sop import available_sops, load_sop, load_sop_file


def _budgets(name: str, lang: str) -> int:
    sop = load_sop(name)
    title = sop.nama if lang == "id" else sop.name_en
    print(f"{sop.nomor}  {title}")
    head = (
        ("No.", "Kegiatan", "Pelaksana", "Waktu", "Output")
        if lang == "id"
        else ("No.", "Step", "Performed by", "Time", "Output")
    )
    print(f"{head[0]:>3}  {head[1]:<62} {head[2]:<24} {head[3]:<26} {head[4]}")
    for step in sop.steps:
        output = step.output if lang == "id" else step.output_en
        print(
            f"{step.number:>3}  {step.title(lang)[:62]:<62} {', '.join(step.pelaksana)[:24]:<24} "
            f"{step.waktu.label(lang):<26} {output}"
        )
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="siak-sop",
        description=__doc__,
        epilog=exitcodes.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"siak-sop {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("budgets", help="print an SOP's table with its time standards")
    b.add_argument("sop", help=f"one of {', '.join(available_sops())}, or upgrade / backup")
    b.add_argument("--lang", choices=("id", "en"), default="id")
    b.add_argument("--budget-file", help="also show the hard limits this budget file sets")
    c = sub.add_parser("check-sop", help="validate an SOP table file")
    c.add_argument("file")
    agenda_cli.add_parser(sub)
    wrapper_cli.add_commands(sub)
    return p


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "budgets":
        code = _budgets(args.sop, args.lang)
        wrapper_cli.print_hard_limits(args.sop, args.budget_file, args.lang)
        return code
    if args.command == "check-sop":
        sop = load_sop_file(args.file)
        print(f"{args.file}: {sop.nomor}, {len(sop.steps)} steps, valid")
        return 0
    if args.command == "agenda":
        return agenda_cli.run(args)
    if args.command in wrapper_cli.COMMANDS:
        return wrapper_cli.dispatch(args)
    return 2


def main(argv: list[str] | None = None) -> int:
    try:
        code = run(sys.argv[1:] if argv is None else argv)
    except SiakError as err:
        print(f"siak-sop: {err.line()}", file=sys.stderr)
        code = err.exit_code
    if argv is None:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """The console script's exit: everything is written and closed by now, so skip the interpreter's
    teardown (a few tenths of a second of CPU once Ansible's inventory code and WeasyPrint are loaded)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
