# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run standard-library module_utils on a target as a plain Python script: one command, no module payload.

An AnsiballZ module run costs a payload built on the controller (the module_utils it imports found by parsing
them, then zipped) and, on the target, the zip unpacked and ansible.module_utils.basic imported: a few tenths
of a second of CPU on each side, for code that needs none of it. Here the sources of the module_utils named
go down the command's standard input, after a short header; a bootstrap registers them under their own
collection names (so their imports of each other work unchanged), calls the last one's
``plain_main(params, stdin)`` and prints its answer as JSON. Whatever follows the header on standard input
(an artifact) is left for plain_main to read as it arrives.

Used for a Linux target whose Python is known (``ansible_python_interpreter`` or the discovered one) over a
connection that can take standard input; the callers fall back to their module otherwise.
"""

from __future__ import annotations

import io
import json
import os
import shlex
from importlib import import_module

from ansible.errors import AnsibleActionFail

from ansible.vars.clean import remove_internal_keys

PREFIX = "ansible_collections.dukcapil.siak.plugins.module_utils."

# Runs on the target (-I -S: the standard library only, nothing from the environment or site-packages).
BOOTSTRAP = """import json, sys, types
stdin = sys.stdin.buffer
head = json.loads(stdin.read(int(sys.argv[1])))
for name in head['packages']:
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name].__path__ = []
for name, source in head['modules']:
    module = sys.modules[name] = types.ModuleType(name)
    exec(compile(source, name, 'exec'), module.__dict__)
sys.stdout.write(json.dumps(sys.modules[head['modules'][-1][0]].plain_main(head['params'], stdin)))
"""

_SOURCES: dict[str, str] = {}


def _source(short: str) -> str:
    if short not in _SOURCES:
        with open(import_module(PREFIX + short).__file__, encoding="utf-8") as fh:
            _SOURCES[short] = fh.read()
    return _SOURCES[short]


def interpreter(action, task_vars) -> str | None:
    """The target's Python when it is known and the connection can take standard input, else None."""
    if not getattr(action._connection, "has_pipelining", False):
        return None
    found = task_vars.get("ansible_python_interpreter") or (task_vars.get("ansible_facts") or {}).get(
        "discovered_interpreter_python"
    )
    if found:
        found = str(action._templar.template(found))
    if not found or found.startswith("auto") or "{{" in found:
        return None
    return found


def header(modules: list[str], params: dict) -> bytes:
    """The header for ``modules`` (short names under plugins/module_utils, each after those it imports)."""
    parts = PREFIX.rstrip(".").split(".")
    packages = [".".join(parts[: i + 1]) for i in range(len(parts))]
    return json.dumps(
        {"packages": packages, "modules": [[PREFIX + m, _source(m)] for m in modules], "params": params}
    ).encode("utf-8")


def with_file(head: bytes, path: str) -> bytes:
    """head followed by the file's bytes, in one allocation: a BytesIO sized up front, the file read into it in
    place (CPython then hands that buffer out as the bytes without copying it). The connection takes one bytes
    object; head + open(path).read() would hold the artifact twice and touch twice its size in fresh memory."""
    size = os.path.getsize(path)
    buf = io.BytesIO()
    buf.seek(len(head) + size - 1)
    buf.write(b"\0")
    buf.seek(0)
    buf.write(head)
    with buf.getbuffer() as view, open(path, "rb", buffering=0) as fh:
        at = len(head)
        while at < len(view):
            got = fh.readinto(view[at:])
            if not got:
                raise AnsibleActionFail("%s became shorter while it was read" % path)
            at += got
    return buf.getvalue()


def run(action, python: str, modules: list[str], params: dict, *, what: str, follow_file: str = "") -> dict:
    """plain_main(params, stdin) of the last of ``modules`` on the target, the file ``follow_file`` (an
    artifact) following the header on its standard input.

    Returns its answer as a module's result; raises AnsibleActionFail naming ``what`` when it gave none.
    """
    head = header(modules, params)
    shell = action._connection._shell
    cmd = "%s%s -I -S -c %s %d" % (
        action._compute_environment_string(),
        shlex.quote(python),
        shell.quote(BOOTSTRAP),
        len(head),
    )
    res = action._low_level_execute_command(
        cmd, sudoable=True, in_data=with_file(head, follow_file) if follow_file else head
    )
    try:
        answer = json.loads(res.get("stdout") or "")
        if not isinstance(answer, dict):
            raise ValueError(answer)
    except ValueError:
        said = (res.get("stderr") or res.get("stdout") or "").strip()
        raise AnsibleActionFail(
            "%s gave no answer (rc %s): %s. Check that %s (Python 3) runs there"
            % (what, res.get("rc"), said[-400:] or "no output", python)
        ) from None
    remove_internal_keys(answer)
    return answer
