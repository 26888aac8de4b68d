# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of dukcapil.siak.client_release (documentation: plugins/modules/client_release.py).

A rollout to tens of workstations pays, on every PC, for each Python start there. So:

- ``state: probe`` on a POSIX shell reads the link, the markers and the running clients with one shell
  command (module_utils/client_release.py PROBE_SCRIPT) and decides on the controller with the same pure
  ``decide`` the module uses: no Python starts on the workstation. A rerun where every PC is current is one
  short SSH exchange per PC.
- ``remote_src: false`` (push): the same probe first, then the package is copied only to a PC that needs it
  (into ``<root>/.incoming``), and the module installs it from there.
- No remote temporary folder: Ansible would make one before the call and remove it after (three more SSH
  exchanges per PC and task, each a new login shell on the PC).
- ``state: present``: the module's own code (module_utils/client_install.py, standard library only) runs as
  a bare ``python3 -`` script, sent on standard input after client_release.py's source: it checks,
  downloads, verifies, unpacks and switches in one call, without the module wrapper (AnsiballZ and
  ansible.module_utils.basic cost a workstation about three times a bare Python start).
- A shell that is not POSIX (a Windows PC outside windows_workstations) gets a clear error.
"""

from __future__ import annotations

import json
import os
import shlex
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr

MODULE = "dukcapil.siak.client_release"
UTILS = os.path.join(os.path.dirname(__file__), "..", "module_utils")
RESULT = "@@client_release "
RUNNER = """
def _main(params, check_mode, diff):
    try:
        result = install(params, check_mode=check_mode, diff=diff)
    except InstallError as err:
        result = dict(err.result, failed=True, msg=str(err))
    except OSError as err:
        result = dict(failed=True, msg=f"the client release could not be installed: {{err}}")
    print(RESULT + json.dumps(result))


RESULT = {result!r}
_main(json.loads({params!r}), {check_mode!r}, {diff!r})
"""


def installer_script(params: dict, check_mode: bool, diff: bool) -> str:
    """client_release.py and client_install.py as one bare Python script that installs with ``params``."""
    parts = ["from __future__ import annotations"]
    for name in ("client_release.py", "client_install.py"):
        with open(os.path.join(UTILS, name), encoding="utf-8") as fh:
            parts.append(fh.read().replace("from __future__ import annotations\n", ""))
    parts.append(RUNNER.format(result=RESULT, params=json.dumps(params), check_mode=check_mode, diff=diff))
    return "\n".join(parts)


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
        if getattr(self._connection._shell, "SHELL_FAMILY", "") != "sh":
            raise AnsibleActionFail(
                f"{task_vars.get('inventory_hostname', 'this host')} is not reached through a POSIX shell: a "
                "Windows workstation belongs in the windows_workstations group, which uses the Windows tasks"
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
            remote = f"{args['root'].rstrip('/')}/{cr.INCOMING}/{args['version']}.pkg"
            if not self._task.check_mode:
                incoming = shlex.quote(f"{args['root'].rstrip('/')}/{cr.INCOMING}")
                made = self._low_level_execute_command(f"umask 077 && mkdir -p {incoming}")
                if made["rc"] != 0:
                    raise AnsibleActionFail(f"could not make {incoming}: {made['stderr'].strip()}")
                self._transfer_file(args["src"], remote)
            params.update(src=remote, remove_src=True)
        result.update(self._install(params, task_vars))
        return result

    def _install(self, params, task_vars):
        python = task_vars.get("ansible_python_interpreter") or ""
        if not python or python.startswith("auto") or "{{" in python:
            python = "python3"
        script = installer_script(params, self._task.check_mode, bool(self._play_context.diff))
        out = self._low_level_execute_command(
            f"{shlex.quote(python)} -I -S -", in_data=script.encode("utf-8")
        )
        for line in out["stdout"].splitlines():
            if line.startswith(RESULT):
                return json.loads(line[len(RESULT) :])
        err = (out["stderr"] or out["stdout"]).strip().splitlines()
        raise AnsibleActionFail(
            f"the install did not answer (rc {out['rc']}): {err[-1] if err else 'no output'}. Check that "
            f"{python} (Python 3) runs on the workstation"
        )

    def _probe(self, args):
        version, sha256 = args["version"], cr.normalise_sha256(args["sha256"])
        problem = cr.check_version(version)
        if problem:
            raise AnsibleActionFail(problem)
        if sha256 is None:
            raise AnsibleActionFail(f"sha256 {args['sha256']!r} is not 64 hexadecimal digits")
        root = args["root"].rstrip("/") or "/"
        script = cr.probe_script(root, version, args["process_name"], sha256)
        # The script goes on standard input: no terminal is allocated, and the values stay off the process list.
        out = self._low_level_execute_command("/bin/sh", in_data=script.encode("utf-8"))
        try:
            if out["rc"] != 0:
                raise ValueError(f"rc {out['rc']}: {out['stderr'].strip()} {out['stdout'][-300:]}")
            seen = cr.parse_probe(out["stdout"])
        except ValueError as err:
            raise AnsibleActionFail(f"could not read the client release under {root}: {err}") from None
        link = f"{root}/{cr.CURRENT}"
        if seen["link_is_not_a_link"]:
            raise AnsibleActionFail(
                f"{link} is a folder or file, not a link; move it to {root}/{cr.RELEASES}/<its version> and rerun"
            )
        target = f"{root}/{cr.RELEASES}/{version}"
        target_sha = seen["target_sha256"] if seen["target_exists"] else None
        action = cr.decide(version, sha256, seen["current_version"], seen["current_sha256"], target_sha)
        result = dict(
            changed=False,
            previous_version=seen["current_version"],
            version=seen["current_version"],
            in_use=seen["pids"],
            bytes_transferred=0,
            release_path=target,
            pruned=[],
            action=action,
            status=cr.ALREADY_CURRENT if action == cr.ALREADY_CURRENT else "pending",
        )
        if action == cr.CONFLICT:
            raise AnsibleActionFail(
                f"{target} holds version {version} with another checksum ({target_sha}, wanted {sha256}): "
                "the package was rebuilt under the same version. Give it a new version number, or delete "
                f"{target} if it is not the active release",
                result=result,
            )
        return result
