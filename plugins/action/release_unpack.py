# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send a controller artifact to the target once, then run the module release_unpack on it.

ansible.builtin.copy would read a large artifact three times (a checksum on each side and the move) in
three module runs. Here the artifact is put with the connection's own file transfer straight to
``<root>/.incoming/<name>.<partial>.part`` (the folder the reconcile step makes), and the module hashes
it while it unpacks, then removes it. A cut transfer leaves only that ``.part`` file, which the next run
removes. Ordinary module execution: ``_transfer_file`` and ``_execute_module``, as Ansible's own actions.
"""

from __future__ import annotations

import os
import posixpath
import time

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.dukcapil.siak.plugins.module_utils.release import INCOMING, PART_SUFFIX
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Said, run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import ARTIFACT_MISSING
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import (
    THE_TRANSFER,
    THE_UNPACK,
    ChangingReleaseAction,
    execute,
    lost,
)


class ActionModule(ChangingReleaseAction):
    MODULE = "dukcapil.siak.release_unpack"
    WHAT = THE_UNPACK

    def run_module(self, args, task_vars, result):
        src = args.pop("src", None)
        if not src:
            return super().run_module(args, task_vars, result)
        src = os.path.abspath(os.path.expanduser(str(src)))
        if not os.path.isfile(src):
            raise AnsibleActionFail(say(Said(ARTIFACT_MISSING, path=src), run_lang()))
        remote = "%s/%s/%s.%s%s" % (
            str(args["root"]).rstrip("/"),
            INCOMING,
            args["name"],
            os.path.basename(str(args["partial"])),
            PART_SUFFIX,
        )
        tmpdir = None
        if self._become_to_another_user():
            # The login user cannot write the root's .incoming: the artifact goes through Ansible's own
            # temporary folder, made readable for the become user as ansible.builtin.copy does.
            tmpdir = self._make_tmp_path()
            remote = posixpath.join(tmpdir, posixpath.basename(remote))
        started = time.monotonic()
        try:
            try:
                self._transfer_file(src, remote)
            except AnsibleConnectionFailure as err:
                return dict(result, **lost(Said(THE_TRANSFER), err))
            if tmpdir:
                self._fixup_perms2([tmpdir, remote])
            result["transfer_s"] = round(time.monotonic() - started, 2)
            args.update(artifact=remote, remove_artifact=True)
            result.update(execute(self, self.MODULE, args, task_vars, self.what(args)))
        finally:
            if tmpdir:
                self._remove_tmp_path(tmpdir)
        return result

    def _become_to_another_user(self):
        ctx = self._play_context
        return bool(ctx.become) and (ctx.become_user or "root") != (ctx.remote_user or "")
