#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: controller_files
short_description: Write or remove small files on the controller, each in one atomic rename
version_added: 0.1.0
author: dukcapil.siak developers (@dukcapil)
description:
  - Writes each file in O(files) through a temporary file in the same folder and a rename, creating the folder
    when it is missing, and removes each path in O(absent).
  - An action plugin; it runs on the controller only, so several files cost no module start.
options:
  files:
    description: Files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Where the file goes.
        type: path
        required: true
      content:
        description: What it holds.
        type: str
        required: true
      mode:
        description: Its permissions, in octal.
        type: raw
        default: "0640"
  absent:
    description: Paths to remove when they exist.
    type: list
    elements: path
    default: []
  directory_mode:
    description: Permissions of a folder created for a file, in octal.
    type: raw
    default: "0750"
notes:
  - Check mode reports what would change and writes nothing.
"""

EXAMPLES = r"""
- name: Write the list of hosts a rerun picks up, or remove it when none is left
  dukcapil.siak.controller_files:
    files:
      - path: out/rerun-hosts.txt
        content: "{{ (left_over + ['localhost']) | join('\\n') }}\n"
    absent: []
"""

RETURN = r"""
paths:
  description: Files written or removed (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""
