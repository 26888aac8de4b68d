"""The exit codes of `siak-sop run` (and `report`), one meaning each, documented in docs/siak-sop.md.

Pure: `decide()` turns what happened in a run into the one code a scheduler or AWX acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = 0
BAD_INPUT = 2
FAILED = 3
OVER_BUDGET = 4
CANCELLED = 5
AGENDA_INCOMPLETE = 6
INTERRUPTED = 130

MEANINGS = {
    OK: "every step succeeded within its Mutu Baku",
    BAD_INPUT: "bad input: nothing ran (unknown SOP or playbook, missing inventory, invalid budget file, "
    "unknown run, refused inside service hours)",
    FAILED: "the playbook failed: a task failed or a host was unreachable (see the report)",
    OVER_BUDGET: "the run succeeded but a step deviated from its Mutu Baku (over its time, or inside "
    "service hours): the report has a row to explain",
    CANCELLED: "a step passed its hard limit and the run was cancelled; the message names the step",
    AGENDA_INCOMPLETE: "the run ended but its agenda is missing or incomplete, so its budgets cannot be proven",
    INTERRUPTED: "interrupted by the operator (Ctrl-C)",
}

MEANINGS_ID = {
    OK: "setiap langkah berhasil dalam Mutu Baku-nya",
    BAD_INPUT: "masukan salah: tidak ada yang dijalankan",
    FAILED: "playbook gagal: ada tugas yang gagal atau host yang tidak terjangkau (lihat laporan)",
    OVER_BUDGET: "berhasil, tetapi ada langkah yang menyimpang dari Mutu Baku: isi penjelasannya di laporan",
    CANCELLED: "sebuah langkah melewati batas kerasnya dan jalan dibatalkan",
    AGENDA_INCOMPLETE: "agenda tidak ada atau tidak lengkap: Mutu Baku tidak dapat dibuktikan",
    INTERRUPTED: "dihentikan oleh operator (Ctrl-C)",
}


def meaning(code: int, lang: str = "id") -> str:
    return (MEANINGS_ID if lang == "id" else MEANINGS).get(code, "?")


def epilog() -> str:
    """The exit-code table for `siak-sop --help`."""
    lines = ["exit codes:"]
    lines += [f"  {code:>3}  {text}" for code, text in MEANINGS.items()]
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
