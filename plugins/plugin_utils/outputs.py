"""The one folder a run's outputs go to: the agenda, the reports, the Laporan and the Buku Agenda.

One setting, read here and nowhere else: ``$SIAK_OUTPUT_DIR`` when set (a relative path is taken from the
current folder), else ``siak-sop-out`` in the current folder. Never a folder found from where a playbook
or the collection lies: an installed collection is shared by everyone who runs it and may be read-only,
and a run's record belongs to the folder the operator ran it from (docs/outputs.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

OUTPUT_ENV = "SIAK_OUTPUT_DIR"
DEFAULT_FOLDER = "siak-sop-out"
# The agenda alone somewhere else (the wrapper's clean-up run keeps its agenda beside its report).
AGENDA_ENV = "SIAK_AGENDA_DIR"


def output_dir(environ: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> Path:
    """The outputs folder, as an absolute path: $SIAK_OUTPUT_DIR, else ./siak-sop-out."""
    environ = os.environ if environ is None else environ
    base = Path(cwd) if cwd is not None else Path.cwd()
    return (base / (environ.get(OUTPUT_ENV) or DEFAULT_FOLDER)).resolve()


def agenda_dir(output: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the agenda callback writes: $SIAK_AGENDA_DIR, else <outputs folder>/agenda."""
    environ = os.environ if environ is None else environ
    given = environ.get(AGENDA_ENV)
    if given:
        return Path(given).resolve()
    return (output if output is not None else output_dir(environ)) / "agenda"
