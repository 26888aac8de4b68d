# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of dukcapil.siak.client_release (documentation: plugins/modules/client_release.py).

A rollout to tens of workstations pays, on every PC, for each Python start there. So:

- ``state: probe`` on a POSIX shell reads the link, the markers and the running clients with one shell
  command (module_utils/client_release.py PROBE_SCRIPT) and decides on the controller with the same pure
  ``decide`` the module uses: no Python starts on the workstation. A rerun where every PC is current is one
  short SSH exchange per PC.
- ``remote_src: false`` (push): the same probe first, then the package is copied only to a PC that needs it,
  and the module installs it from there.
- Everything else runs the module, which checks, downloads, verifies, unpacks and switches in one call.
"""

from __future__ import annotations

import shlex
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr

MODULE = "dukcapil.siak.client_release"


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(
            argument_spec=cr.ARGUMENT_SPEC,
            mutually_exclusive=[("url", "src")],
            required_if=[("state", "present", ("url", "src"), True)],
        )
        posix = getattr(self._connection._shell, "SHELL_FAMILY", "") == "sh"
        push = args["state"] == "present" and args["src"] and not args["remote_src"]
        if not posix or (args["state"] == "present" and not push):
            module_args = dict(self._task.args)
            module_args.pop("remote_src", None)
            result.update(self._execute_module(MODULE, module_args=module_args, task_vars=task_vars))
            return result

        started = time.monotonic()
        probe = self._probe(args)
        result.update(probe)
        if args["state"] == "probe" or probe["status"] == cr.ALREADY_CURRENT:
            result["duration_s"] = round(time.monotonic() - started, 3)
            return result

        # Push: copy the controller's package to this PC, which needs it, then install it there.
        remote = f"{args['root'].rstrip('/')}/{cr.INCOMING}/{args['version']}.pkg"
        if not self._task.check_mode:
            incoming = shlex.quote(f"{args['root'].rstrip('/')}/{cr.INCOMING}")
            made = self._low_level_execute_command(f"umask 077 && mkdir -p {incoming}")
            if made["rc"] != 0:
                raise AnsibleActionFail(f"could not make {incoming}: {made['stderr'].strip()}")
            self._transfer_file(args["src"], remote)
        module_args = dict(self._task.args, src=remote, remove_src=True)
        module_args.pop("remote_src", None)
        done = self._execute_module(MODULE, module_args=module_args, task_vars=task_vars)
        result.update(done)
        return result

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
