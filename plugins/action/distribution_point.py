# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of the client rollout: checksums of the packages and the controller's distribution point.

Runs in the controller's worker process (no module is shipped anywhere), so a rollout does not pay a
module start on the controller for each of these steps. Documentation: plugins/modules/distribution_point.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils.release import file_sha256
from ansible_collections.dukcapil.siak.plugins.plugin_utils.client_rollout_report import (
    checksum_problem,
    package_missing,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say

SERVER = os.path.join(
    os.path.dirname(__file__), "..", "..", "roles", "client_rollout", "files", "distpoint.py"
)


def start_server(root, bind, port, log, pidfile, *, max_seconds=4 * 3600):
    """Start the distribution point detached, serving ``root``; its url and pid (also used by client_rollout_control)."""
    os.makedirs(os.path.dirname(log), mode=0o750, exist_ok=True)
    stop_server({}, pidfile)  # a server left by a run that died holds the port
    cmd = [
        sys.executable,
        os.path.normpath(SERVER),
        "serve",
        "--root",
        root,
        "--bind",
        bind,
        "--port",
        str(port),
        "--log",
        log,
        "--pidfile",
        pidfile,
        "--max-seconds",
        str(max_seconds),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AnsibleActionFail(
            f"the distribution point did not start on {bind}:{port}: {(done.stdout + done.stderr).strip()}"
        )
    return json.loads(done.stdout)


def stop_server(result, pidfile):
    """Stop the distribution point named by ``pidfile``, only when that process is one; ``result`` gets its pid."""
    try:
        with open(pidfile, encoding="utf-8") as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return result
    # Only a process that is this distribution point: a stale pidfile must never stop anything else.
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            mine = b"distpoint.py" in fh.read()
    except OSError:
        mine = False
    if mine:
        # What `distpoint.py stop` does, without starting Python for it: SIGTERM, then wait (at most 5 s) for the
        # server to remove its pidfile once it has stopped serving.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.exists(pidfile):
            time.sleep(0.02)
        result["pid"] = pid
    else:
        with contextlib.suppress(OSError):
            os.unlink(pidfile)
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(
            argument_spec=dict(
                state=dict(type="str", default="started", choices=["checked", "started", "stopped"]),
                packages=dict(type="list", elements="path", default=[]),
                expected_sha256=dict(type="dict", default={}),
                root=dict(type="path"),
                bind=dict(type="str", default="127.0.0.1"),
                port=dict(type="int", default=8088),
                log=dict(type="path"),
                pidfile=dict(type="path", required=True),
                max_seconds=dict(type="int", default=4 * 3600),
            ),
        )[1]
        result.update(changed=False, sha256={}, url="", pid=None)
        if args["state"] == "stopped":
            return self._stop(result, args["pidfile"])

        for path in args["packages"]:
            if not os.path.isfile(path):
                raise AnsibleActionFail(say(package_missing(path), run_lang()))
            result["sha256"][path] = file_sha256(path)
        problem = checksum_problem(
            (path, str(given), result["sha256"].get(os.path.expanduser(path)))
            for path, given in args["expected_sha256"].items()
        )
        if problem:
            raise AnsibleActionFail(say(problem, run_lang()))
        if args["state"] == "checked" or self._task.check_mode:
            return result

        root = args["root"] or (os.path.dirname(args["packages"][0]) if args["packages"] else None)
        if not root or not os.path.isdir(root) or not args["log"]:
            raise AnsibleActionFail("serving needs root (the folder of the package) and log")
        started = start_server(
            root, args["bind"], args["port"], args["log"], args["pidfile"], max_seconds=args["max_seconds"]
        )
        result.update(url=started["url"], pid=started["pid"])
        return result

    @staticmethod
    def _stop(result, pidfile):
        return stop_server(result, pidfile)
