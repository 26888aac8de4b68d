# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of dukcapil.siak.client_release (documentation: plugins/modules/client_release.py).

A rollout to tens of workstations pays, on every PC, for each round trip. So:

- ``state: probe`` on a POSIX shell reads the link, the markers and the running clients with one plain shell
  command (module_utils/client_release.py PROBE_SCRIPT) and decides on the controller with the same pure
  ``decide`` the module uses: no Python starts on the workstation. A rerun where every PC is current is one
  short SSH exchange per PC.
- ``remote_src: false`` (push): the same probe first, then the package is copied only to a PC that needs it
  (into ``<root>/.incoming`` as a ``.part`` file, removed by the next run if this one is cut off).
- ``state: present``: the module runs as any module (pipelining), holding the collection's one lock on the
  workstation for the time of the install. Who this run is and whether another run's lock may be taken over
  are decided here, with run_lock's own rule (action/run_lock.py, module_utils/run_lock.holder_is_gone).
- A shell that is not POSIX (a Windows PC outside windows_workstations) gets a clear error.

Why a PC could not be updated (module_utils/client_install.py, client_release.py) comes back from the module as
English text with its catalogue message and values beside it; every answer is said here in the run's language
(i18n.run_lang), so the PC's row in the Laporan and the terminal are in one language.
"""

from __future__ import annotations

import shlex
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.action.run_lock import this_run
from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason
from ansible_collections.dukcapil.siak.plugins.module_utils.run_lock import (
    holder_is_gone,
    process_start,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Said, run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.lock_sentences import refusal, taken_over_message
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

STALE_AFTER_S = 120 * 60

MODULE = "dukcapil.siak.client_release"


class ActionModule(ActionBase):
    # No remote temporary folder: making it (echo ~, mkdir) and removing it would cost three SSH round trips
    # per PC on top of the one this action needs. A pushed package goes to <root>/.incoming instead.
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(
            argument_spec=cr.ARGUMENT_SPEC,
            mutually_exclusive=[("url", "src")],
            required_if=[("state", "present", ("url", "src"), True)],
        )
        if self._is_windows(task_vars):
            raise AnsibleActionFail(
                say(Said(cr.NOT_POSIX, host=task_vars.get("inventory_hostname", "?")), run_lang())
            )
        started = time.monotonic()
        push = args["state"] == "present" and args["src"] and not args["remote_src"]
        if args["state"] == "probe" or push:
            probe = self._probe(args)
            result.update(probe)
            if args["state"] == "probe" or probe["status"] == cr.ALREADY_CURRENT:
                result["duration_s"] = round(time.monotonic() - started, 3)
                return result
        params = dict(args)
        if push:
            # Push: copy the controller's package to this PC, which needs it, then install it there.
            remote = f"{args['root'].rstrip('/')}/{cr.INCOMING}/{args['version']}.push.part"
            if not self._task.check_mode:
                incoming = shlex.quote(f"{args['root'].rstrip('/')}/{cr.INCOMING}")
                made = self._low_level_execute_command(f"umask 077 && mkdir -p {incoming}")
                if made["rc"] != 0:
                    raise AnsibleActionFail(
                        say(Said(cr.NOT_MADE, path=incoming, error=made["stderr"].strip()), run_lang())
                    )
                self._transfer_file(args["src"], remote)
            params.update(src=remote, remove_src=True)
        result.update(self._install(params, task_vars))
        return result

    def _is_windows(self, task_vars):
        """A Windows target, from the connection's own preference for PowerShell modules or the host's variables."""
        prefs = getattr(self._connection, "module_implementation_preferences", ("",))
        return ".ps1" in prefs or str(task_vars.get("ansible_shell_type", "")) == "powershell"

    def _module(self, params, task_vars):
        """The module's answer, its reasons said in the run's language."""
        answer = self._execute_module(module_name=MODULE, module_args=params, task_vars=task_vars)
        return say_reasons(answer, run_lang())

    def _install(self, params, task_vars):
        """The module, under the workstation's lock; a lock whose run is gone is taken over (warned)."""
        params = {k: v for k, v in params.items() if v is not None}
        if self._task.check_mode:
            return self._module(params, task_vars)
        now = time.time()
        holder, token = this_run(task_vars, now)
        path = f"{params['root'].rstrip('/')}/.siak-upgrade.lock"
        lock = {"path": path, "token": token, "holder": holder, "run_id": task_vars.get("siak_run_id") or ""}
        answer = self._module(dict(params, lock=lock), task_vars)
        if answer.get("status") != "locked":
            return self._warn_taken_over(answer, task_vars, path)
        other = answer.get("lock_holder") or {}
        here = {"host": holder["host"], "boot_id": holder["boot_id"]}
        gone, _reason = holder_is_gone(other, here, now, STALE_AFTER_S, process_start)
        host = task_vars.get("inventory_hostname", "?")
        if not gone:
            return dict(answer, failed=True, msg=say(refusal(host, path, other), run_lang()))
        lock["steal_token"] = other.get("token") or ""
        answer = self._module(dict(params, lock=lock), task_vars)
        if answer.get("status") == "locked":
            return dict(
                answer, failed=True, msg=say(refusal(host, path, answer.get("lock_holder")), run_lang())
            )
        return self._warn_taken_over(answer, task_vars, path)

    def _warn_taken_over(self, answer, task_vars, path):
        if answer.get("lock_taken_over"):
            now = time.time()
            other = answer.get("lock_holder") or {}
            here = {"host": other.get("host"), "boot_id": other.get("boot_id")}
            _gone, reason = holder_is_gone(other, here, now, STALE_AFTER_S, process_start)
            self._display.warning(
                say(
                    taken_over_message(
                        task_vars.get("inventory_hostname", "?"), path, other, reason or "process"
                    ),
                    run_lang(),
                )
            )
        return answer

    def _probe(self, args):
        version, sha256 = args["version"], cr.normalise_sha256(args["sha256"])
        problem = cr.check_version(version)
        if problem:
            raise AnsibleActionFail(say(problem, run_lang()))
        if sha256 is None:
            raise AnsibleActionFail(say(cr.sha256_refusal(args["sha256"]), run_lang()))
        root = args["root"].rstrip("/") or "/"
        script = cr.probe_script(root, version, args["process_name"], sha256)
        # The script goes on standard input: no terminal is allocated, and the values stay off the process list.
        out = self._low_level_execute_command("/bin/sh", in_data=script.encode("utf-8"))
        try:
            if out["rc"] != 0:
                output = f"{out['stderr'].strip()} {out['stdout'][-300:]}".strip()
                raise ValueError(Reason(cr.PROBE_EXITED, rc=out["rc"], output=output))
            seen = cr.parse_probe(out["stdout"])
        except ValueError as err:
            why = err.args[0] if err.args else str(err)
            raise AnsibleActionFail(say(Reason(cr.PROBE_FAILED, root=root, why=why), run_lang())) from None
        outcome = cr.probe_outcome(seen, root, version, sha256)
        problem = outcome.pop("problem")
        result = dict(changed=False, bytes_transferred=0, pruned=[], **outcome)
        if problem:
            raise AnsibleActionFail(
                say(problem, run_lang()), result=result if not seen["link_is_not_a_link"] else None
            )
        return result
