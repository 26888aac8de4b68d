# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring a controller artifact to the target once, then stage the release from it (module release_unpack).

ansible.builtin.copy reads a large artifact three times (its sha1 on the controller, its sha1 on the
target, the move) and costs three module runs; the release is then unpacked by a fourth read. Here the
artifact is transferred once into the connection's temporary folder, and the module hashes it while it
unpacks; the temporary folder (and the artifact in it) is removed whatever happens.
"""

from __future__ import annotations

import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        src = args.pop("src", None)
        try:
            if src:
                src = os.path.abspath(os.path.expanduser(str(src)))
                if not os.path.isfile(src):
                    raise AnsibleActionFail("artifact %s does not exist on the controller" % src)
                tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
                remote = self._connection._shell.join_path(tmpdir, os.path.basename(src))
                started = time.monotonic()
                self._transfer_file(src, remote)
                result["transfer_s"] = round(time.monotonic() - started, 2)
                args.update(artifact=remote, remove_artifact=True)
            result.update(
                self._execute_module(
                    module_name="dukcapil.siak.release_unpack", module_args=args, task_vars=task_vars
                )
            )
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
