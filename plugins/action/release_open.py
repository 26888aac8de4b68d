# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A release's first step (SOP-PIAK-15 step 5 or 7) in one task: check, read, measure, decide, refuse.

The settings are checked first (nothing is read on a bad setting). Then the folder's state is read on the
target by the module release_state (with one probe of the live release's health), while the controller
hashes the artifact in a thread: hashlib lets go of the GIL, so the sha256 costs no wall time of its own.
Then the plan of the run is decided (plugin_utils/release_plan.py) and a wrong checksum, a downgrade or too
little disk fails the task with the role's own message, having changed nothing.

Under the upgrade lock the role calls it again with reconcile: the module then first brings the folder to a
known state (module_utils/release.reconcile) and the plan is decided again from what is there, so a run
that waited for another never switches twice. The artifact is not measured again (artifact_info).

On Windows the caller reads the folder (and a remote artifact) with ansible.windows modules first and passes
the answers in (state, artifact_info); without them the action only checks the settings.
"""

from __future__ import annotations

import os
import secrets
import threading

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.test.core import version_compare

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import (
    Joined,
    Said,
    gettext_for,
    run_lang,
    say,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import (
    ARTIFACT_REFUSED,
    MEMBER_OUTSIDE,
    UnpackError,
    measure,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_MEASURE,
    THE_READING,
    execute,
    lock_ref,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.values import (
    reconciled as reconciled_lines,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import (
    ARTIFACT_MISSING,
    RECONCILED_FIRST,
    decide,
    location_of,
    saying,
    setting_problems,
    settings_refusal,
)


class _Measure(threading.Thread):
    """The controller artifact's sha256 and unpacked size, while the folder is read on the target."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.info, self.error = path, None, None

    def run(self):
        try:
            self.info = measure(self.path)
        except UnpackError as err:
            self.error = say(err.reason, run_lang())


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        host = task_vars.get("inventory_hostname", "?")
        steps = args.get("steps") or {}
        settings = dict(
            args,
            host=host,
            step=(steps.get("open") or {}).get("number", "?"),
            label=args.get("label") or "release",
        )
        problems = setting_problems(settings)
        if problems:
            return dict(result, failed=True, msg=say(settings_refusal(settings, problems), run_lang()))
        location = location_of(str(args.get("location") or "auto"), str(args["artifact"]))
        windows = boolean(args.get("windows", False), strict=False)
        token = str(args.get("token") or secrets.token_hex(8))
        result.update(location=location, windows=windows, token=token, changed=False)
        state = args.get("state")
        if windows and state is None:
            return result  # the caller reads the folder with ansible.windows modules, then asks again
        check_mode = bool(self._task.check_mode)

        measure = None
        info = args.get("artifact_info") if location != "url" else None
        if location == "controller" and not info:
            path = os.path.abspath(os.path.expanduser(str(args["artifact"])))
            if not os.path.isfile(path):
                return dict(
                    result,
                    failed=True,
                    msg=say(
                        Said(ARTIFACT_MISSING, path=path),
                        run_lang(),
                    ),
                )
            measure = _Measure(path)
            measure.start()
        try:
            if state is None:
                state = self._read_state(args, task_vars)
            info = info or {}
            if location == "remote" and not info:
                info = execute(
                    self,
                    "dukcapil.siak.release_archive_info",
                    {"path": args["artifact"]},
                    task_vars,
                    Said(THE_MEASURE, path=args["artifact"]),
                )
                if info.get("failed"):
                    return dict(result, failed=True, msg=info.get("msg"))
        finally:
            if measure is not None:
                measure.join()
        if measure is not None:
            if measure.error:
                return dict(result, failed=True, msg=measure.error)
            info = measure.info
        if info.get("unsafe"):  # a zip measured on a Windows server names what would land outside
            why = Reason(MEMBER_OUTSIDE, name=info["unsafe"][0])
            return dict(
                result,
                failed=True,
                msg=say(Reason(ARTIFACT_REFUSED, path=args["artifact"], why=why), run_lang()),
            )
        decided = decide(
            settings,
            state,
            info,
            location=location,
            check_mode=check_mode,
            version_lt=lambda a, b: version_compare(a, b, "<"),
        )
        reconciled = state.get("reconciled") or []
        lang = run_lang()
        message = saying(settings, decided["plan"], check_mode, state)
        if reconciled:
            # What the reconcile put right, in the Laporan's own words for it (its "reconciled" column).
            done = reconciled_lines(reconciled, gettext_for(lang)).replace("\n", "; ")
            message = Joined([message, Said(RECONCILED_FIRST, done=done)], " ")
        result.update(
            decided,
            state=state,
            artifact_info=info,
            reconciled=reconciled,
            changed=bool(reconciled) and not check_mode,
            refusal=say(decided["refusal"], lang),
            message=say(message, lang),
        )
        if decided["refusal"]:
            result.update(failed=True, msg=result["refusal"])
        return result

    def _read_state(self, args, task_vars):
        """The folder's state from the module release_state; with reconcile, after reconciling it."""
        root, keep = str(args["root"]), int(args.get("keep_releases") or 3)
        state = execute(
            self,
            "dukcapil.siak.release_state",
            {
                "root": root,
                "keep": keep,
                "service": args.get("service") or {"manager": "none"},
                "health": args.get("health") or {"kind": "none"},
                "reconcile": boolean(args.get("reconcile", False), strict=False),
                "lock": lock_ref(task_vars, root)
                if boolean(args.get("reconcile", False), strict=False)
                else None,
            },
            task_vars,
            Said(THE_READING, root=root),
        )
        if state.get("failed"):
            raise AnsibleActionFail(
                state.get("msg") or "cannot read the release root %s" % root, result=state
            )
        return state
