"""The run id: one per run of a playbook, made here and nowhere else.

docs/agenda-format.md ("Run id") is the contract. The agenda file, every report and report folder, the
results channel and AWX's job all name a run by this id:

1. ``$SIAK_RUN_ID`` when set: the ``siak-sop`` wrapper sets it (it must know the agenda file before the run).
2. Under AWX, the job id: ``awx-<JOB_ID>`` (AWX sets ``JOB_ID`` in every job's environment).
3. Otherwise an id of the controller process that runs the playbook: its start time in UTC and six hex
   digits of a hash of the controller's name, the process id and its start, so the callback (in that
   process) and a task's lookup (in a worker forked from it) find the same id without passing it around.
   The agenda callback also exports it as ``$SIAK_RUN_ID`` as soon as the run starts.

The id holds letters, digits, ``-`` and ``_`` only: it is a file and folder name.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import secrets
import socket
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

ENV = "SIAK_RUN_ID"
AWX_JOB_ENV = "JOB_ID"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def check(run_id: str) -> str:
    """The run id itself, or an error when it cannot be a file name."""
    if not isinstance(run_id, str) or not _SAFE.match(run_id):
        raise SiakError(
            Said(N_("run id {run_id!r} cannot name the run's files"), run_id=run_id),
            fix=Said(N_("Use letters, digits, '-' and '_' (at most 128), starting with a letter or digit")),
        )
    return run_id


def stamp(moment: datetime, digest: str) -> str:
    """``<YYYYMMDDTHHMMSSZ>-<6 hex>``: the moment in UTC (the ``Z`` says so) and six hex digits."""
    if moment.tzinfo is None:
        raise ValueError("a run id's time must carry its offset")
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest[:6]}"


def new(moment: datetime) -> str:
    """A fresh id for a run that starts at ``moment`` (the wrapper's, before it starts the playbook)."""
    return stamp(moment, secrets.token_hex(3))


def from_env(env: Mapping[str, str]) -> str | None:
    """The id the environment names (the wrapper's or AWX's job id), or None."""
    given = (env.get(ENV) or "").strip()
    if given:
        return check(given)
    job = (env.get(AWX_JOB_ENV) or "").strip()
    if job:
        return check(f"awx-{job}")
    return None


def _controller_pid() -> int:
    """The process that runs the playbook: this one, or the one a worker was forked from."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def _process_start(pid: int) -> tuple[datetime, str] | None:
    """When a process started (UTC) and its start in clock ticks since boot, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat(5); fields[0] is field 3
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    hertz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return datetime.fromtimestamp(boot + ticks / hertz, UTC), str(ticks)


def of_controller() -> str:
    """The id of the controller process's run (rule 3 above)."""
    pid = _controller_pid()
    found = _process_start(pid)
    if found is None:  # no /proc: the callback's export is what workers see
        moment, ticks = datetime.now(UTC), secrets.token_hex(8)
    else:
        moment, ticks = found
    digest = hashlib.sha256(f"{socket.gethostname()}:{pid}:{ticks}".encode()).hexdigest()
    return stamp(moment, digest)


def current(env: Mapping[str, str] | None = None) -> str:
    """This run's id, by the rules above."""
    return from_env(os.environ if env is None else env) or of_controller()


def export(env: MutableMapping[str, str] | None = None) -> str:
    """This run's id, put into ``$SIAK_RUN_ID`` so every process the run starts sees it."""
    env = os.environ if env is None else env
    run_id = current(env)
    env[ENV] = run_id
    return run_id
