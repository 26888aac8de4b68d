# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small files written on the controller (in the worker process, no module start), each in one atomic rename."""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail


def write_files(files, absent, check_mode, directory_mode="0750"):
    """Write each of ``files`` (path, content, mode) in one atomic rename and remove ``absent``; the paths changed.

    The client rollout's rerun list (action client_rollout_control). Check mode writes nothing.
    """
    changed = []
    for item in files:
        data = item["content"].encode("utf-8")
        try:
            with open(item["path"], "rb") as fh:
                same = fh.read() == data
        except OSError:
            same = False
        if same:
            continue
        changed.append(item["path"])
        if check_mode:
            continue
        folder = os.path.dirname(item["path"])
        try:
            os.makedirs(folder, mode=int(str(directory_mode), 8), exist_ok=True)
            fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp_path, int(str(item.get("mode") or "0640"), 8))
            os.replace(tmp_path, item["path"])
        except (OSError, ValueError) as err:
            raise AnsibleActionFail(f"could not write {item['path']} on the controller: {err}") from err
    for path in absent:
        if os.path.lexists(path):
            changed.append(path)
            if not check_mode:
                os.unlink(path)
    return changed
