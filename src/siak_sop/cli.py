"""siak-sop: the thin wrapper around the SOP playbooks (started by start.py, once the collection is loaded)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import textwrap

from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, exitcodes, i18n
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig, fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import LANGS, current, tr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import available_sops, load_sop, load_sop_file

from siak_sop import __version__, agenda_cli, collection, wrapper_cli


def _columns_width() -> int:
    """The terminal's width ($COLUMNS, else the terminal, else 100 for a pipe or a file)."""
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def wrap_table(
    head: tuple[str, ...], rows: list[tuple[str, ...]], width: int, weights: tuple[int, ...]
) -> list[str]:
    """A plain-text table that fits `width`: columns two spaces apart, long cells wrapped onto more lines.

    Columns keep their natural width when everything fits; otherwise the weighted columns share the
    room that is left after the others (a weight of 0 keeps the natural width).
    """
    gap = 2
    natural = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    widths = list(natural)
    room = width - gap * (len(head) - 1)
    if sum(widths) > room:
        fixed = sum(w for w, weight in zip(natural, weights, strict=True) if not weight)
        left = max(room - fixed, 10 * sum(1 for w in weights if w))
        total = sum(weights)
        for i, weight in enumerate(weights):
            if weight:
                widths[i] = max(8, min(natural[i], left * weight // total))
        # The floor of 8 may overshoot: take the rest from the widest wrapped column.
        while sum(widths) > room and max(w for w, weight in zip(widths, weights, strict=True) if weight) > 8:
            widest = max((i for i, weight in enumerate(weights) if weight), key=lambda i: widths[i])
            widths[widest] -= 1
    lines = []
    for cells in (head, *rows):
        wrapped = [textwrap.wrap(str(c), w) or [""] for c, w in zip(cells, widths, strict=True)]
        for n in range(max(len(w) for w in wrapped)):
            parts = [(w[n] if n < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)]
            lines.append((" " * gap).join(parts).rstrip())
    return lines


def _budgets(name: str, lang: str, budget_file: str | None) -> int:
    sop = load_sop(name)
    # A bad budget file is one line on stderr before anything is printed.
    sops = [load_sop("upgrade"), load_sop("backup")]
    config = budgets.load_budget_file(budget_file, sops) if budget_file else BudgetConfig()
    title = sop.nama if lang == "id" else sop.name_en
    width = _columns_width()
    print(textwrap.fill(f"{sop.nomor}  {title}", width))
    head = (tr("No."), tr("Activity"), tr("Performer"), tr("Time"), tr("Output"))
    rows = [
        (
            str(step.number),
            step.title(lang),
            ", ".join(step.pelaksana),
            step.waktu.label(lang),
            (step.output if lang == "id" else step.output_en) or "-",
        )
        for step in sop.steps
    ]
    for line in wrap_table(head, rows, width, (0, 4, 2, 1, 3)):
        print(line)
    source = config.source if budget_file else tr("built-in defaults")
    print()
    title = tr("Hard limits (they cancel the run), {source}: {factor} × the Mutu Baku maximum").format(
        source=source, factor=f"{config.hard_limit_factor:g}"
    )
    print(textwrap.fill(title, width))
    limits = []
    for step in sop.steps:
        limit = config.hard_limit_s(step)
        limits.append((str(step.number), step.id, fmt_elapsed(limit) if limit else tr("none")))
    for line in wrap_table((tr("No."), tr("Step id"), tr("Hard limit")), limits, width, (0, 1, 0)):
        print(line)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="siak-sop",
        description=tr(
            "siak-sop: runs the SOPs of the SIAK office (SOP-PIAK-15, the database backup) and writes the Laporan"
        ),
        epilog=exitcodes.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--version", action="version", version=f"siak-sop {__version__}", help=tr("show the version and exit")
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("budgets", help=tr("print an SOP's table with its time standards"))
    b.add_argument(
        "sop", help=tr("one of {names}, or upgrade / backup").format(names=", ".join(available_sops()))
    )
    b.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the table"))
    b.add_argument("--budget-file", help=tr("also show the hard limits this budget file sets"))
    c = sub.add_parser("check-sop", help=tr("validate an SOP table file"))
    c.add_argument("file", help=tr("the SOP table (YAML) to check"))
    c.add_argument("--lang", choices=LANGS, default=current(), help=tr("language of the messages"))
    agenda_cli.add_parser(sub)
    wrapper_cli.add_commands(sub)
    return p


def run(argv: list[str]) -> int:
    i18n.use(i18n.lang_from_argv(argv))
    i18n.install_argparse()
    args = _parser().parse_args(argv)
    if getattr(args, "lang", None):
        i18n.use(args.lang)
    if args.command == "budgets":
        return _budgets(args.sop, args.lang, args.budget_file)
    if args.command == "check-sop":
        sop = load_sop_file(args.file)
        print(
            tr("{file}: {nomor}, {n} steps, valid").format(file=args.file, nomor=sop.nomor, n=len(sop.steps))
        )
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
    except collection.CollectionMissing as err:
        # `siak-sop run` looks for the collection's playbooks where the loader was started by someone else.
        print(f"siak-sop: {err.line(i18n.current())}", file=sys.stderr)
        code = err.exit_code
    except BrokenPipeError:
        # The reader went away (`siak-sop budgets upgrade | head`): end quietly, as cat does.
        _quiet_stdout()
        code = 141 if argv is None else 0
    if argv is None:
        _exit_now(code)
    return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again on the closed pipe."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _exit_now(code: int) -> None:
    """The console script's exit: everything is written and closed by now, so skip the interpreter's
    teardown (a few tenths of a second of CPU once Ansible's inventory code and WeasyPrint are loaded)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
