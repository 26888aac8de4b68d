#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_notice
short_description: Leave the SIAK update notice on a Linux workstation and tell the logged-on operators
version_added: 0.1.0
author: dukcapil.siak developers (@dukcapil)
description:
  - SOP-PIAK-15 step 9 on a Linux workstation, in one task. Writes the notice (with the release notes) to
    O(path), creating its folder, through a temporary file and a rename.
  - When the notice is new or changed and O(wall=true), broadcasts it with C(wall) to the logged-on operators,
    so a rerun does not repeat the message. A workstation without C(wall) or without anyone logged on still
    has the notice.
options:
  path:
    description: Where the notice goes.
    type: path
    required: true
  content:
    description: The notice.
    type: str
    required: true
  mode:
    description: Permissions of the notice, in octal.
    type: str
    default: "0644"
  wall:
    description: Broadcast the notice with C(wall) when it is new or changed.
    type: bool
    default: true
notes:
  - Check mode and diff mode are supported.
"""

EXAMPLES = r"""
- name: Langkah 9 | Leave the notice and tell the operators
  dukcapil.siak.client_notice:
    path: /etc/siak-client/pemberitahuan-update-siak.txt
    content: "{{ lookup('ansible.builtin.template', 'notice.txt.j2') }}"
"""

RETURN = r"""
wall_sent:
  description: Whether C(wall) broadcast the notice.
  returned: always
  type: bool
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dukcapil.siak.plugins.module_utils.client_release import NOTICE_NOT_LEFT
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            content=dict(type="str", required=True),
            mode=dict(type="str", default="0644"),
            wall=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path, content = module.params["path"], module.params["content"]
    data = content.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            before = fh.read()
    except OSError:
        before = None
    result = dict(changed=before != data, wall_sent=False, path=path)
    if module._diff:
        result["diff"] = dict(
            before="" if before is None else before.decode("utf-8", "replace"),
            after=content,
            after_header=path,
        )
    if not result["changed"] or module.check_mode:
        module.exit_json(**result)
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".notice-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, int(module.params["mode"], 8))
        os.replace(tmp, path)
    except (OSError, ValueError) as err:
        # The reason with its catalogue message, for the action to say in the run's language.
        module.fail_json(**reasons({"msg": Reason(NOTICE_NOT_LEFT, path=path, error=str(err))}))
    wall = module.get_bin_path("wall") if module.params["wall"] else None
    if wall:
        rc, _out, _err = module.run_command([wall, path])
        result["wall_sent"] = rc == 0
    module.exit_json(**result)


if __name__ == "__main__":
    main()
