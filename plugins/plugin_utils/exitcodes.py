"""The exit codes of `siak-sop run` (and `report`), one meaning each, documented in docs/siak-sop.md.

Pure: `decide()` turns what happened in a run into the one code a scheduler or AWX acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, current, gettext_for, tr

OK = 0
BAD_INPUT = 2
FAILED = 3
OVER_BUDGET = 4
CANCELLED = 5
AGENDA_INCOMPLETE = 6
INTERRUPTED = 130

MEANINGS = {
    OK: N_("every step succeeded within its Mutu Baku"),
    BAD_INPUT: N_(
        "bad input: nothing ran (unknown SOP or playbook, missing inventory, invalid budget file, "
        "unknown run, refused inside service hours)"
    ),
    FAILED: N_("the playbook failed: a task failed or a host was unreachable (see the report)"),
    OVER_BUDGET: N_(
        "the run succeeded but a step deviated from its Mutu Baku (over its time, or inside "
        "service hours): the report has a row to explain"
    ),
    CANCELLED: N_("a step passed its hard limit and the run was cancelled; the message names the step"),
    AGENDA_INCOMPLETE: N_(
        "the run ended but its agenda is missing, incomplete or altered, so its budgets cannot be proven"
    ),
    INTERRUPTED: N_("stopped by a signal (Ctrl-C is SIGINT, a service stop is SIGTERM)"),
}


def meaning(code: int, lang: str | None = None) -> str:
    tr = gettext_for(lang or current())
    return tr(MEANINGS[code]) if code in MEANINGS else "?"


def epilog() -> str:
    """The exit-code table for `siak-sop --help`, in the language in use."""
    lines = [tr("exit codes:")]
    lines += [f"  {code:>3}  {meaning(code)}" for code in MEANINGS]
    return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """What happened in a run, as far as the exit code cares."""

    cancelled: bool = False
    interrupted: bool = False
    failed: bool = False
    agenda_complete: bool = True
    deviations: int = 0


def decide(outcome: Outcome) -> int:
    """The most serious thing first: a cancel or Ctrl-C, a failure, a record we cannot trust, an overrun."""
    if outcome.interrupted:
        return INTERRUPTED
    if outcome.cancelled:
        return CANCELLED
    if outcome.failed:
        return FAILED
    if not outcome.agenda_complete:
        return AGENDA_INCOMPLETE
    if outcome.deviations:
        return OVER_BUDGET
    return OK
