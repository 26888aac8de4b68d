# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a per-host report and its JSON twin on the controller, inside the controller process; publish the
result as run stats.

A delegated template/copy task spawns a module process per file and per host; on a busy controller that
cost seconds per host for three small files. This action writes them directly, atomically, mode 0640.
"""

from __future__ import annotations

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dukcapil.siak.plugins.plugin_utils import results_channel
from ansible_collections.dukcapil.siak.plugins.plugin_utils.siak_sop_path import ensure_siak_sop

ensure_siak_sop()
from siak_sop import runid  # pylint: disable=wrong-import-position


def _write(path, text):
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o750, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("dir", "name", "text", "data", "stats"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        missing = [k for k in ("dir", "name", "text") if not args.get(k)]
        if missing:
            raise AnsibleActionFail("release_report needs %s" % ", ".join(missing))
        directory = os.path.abspath(os.path.expanduser(str(args["dir"])))
        name = str(args["name"])
        if "/" in name or name.startswith("."):
            raise AnsibleActionFail("release_report: name %r must be a plain file name" % name)
        paths = {"text": os.path.join(directory, name)}
        if args.get("data") is not None:
            paths["data"] = os.path.join(directory, os.path.splitext(name)[0] + ".json")
        result.update(changed=False, paths=paths)
        if args.get("stats"):
            # Through the results channel (docs/agenda-format.md, "Results"): the result reaches the agenda,
            # AWX and the upgrade report without a task of its own.
            try:
                role, by_host = results_channel.from_stats_data(args["stats"])
                result.update(results_channel.publish(role, by_host, task_vars, runid.current()))
            except results_channel.ChannelError as exc:
                raise AnsibleActionFail("release_report: %s" % exc) from None
        if self._task.check_mode:
            result["skipped_write"] = True
            return result
        try:
            _write(paths["text"], str(args["text"]))
            if "data" in paths:
                _write(
                    paths["data"],
                    json.dumps(args["data"], indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                )
        except OSError as err:
            raise AnsibleActionFail("cannot write the report under %s: %s" % (directory, err)) from None
        return result
