#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sop_check
short_description: Check the SOP tables before a playbook touches any host
version_added: 0.1.0
description:
  - An action that runs on the controller only. It validates every SOP table the collection ships
    (C(plugins/plugin_utils/sops)) as C(siak-sop check-sop) does; a malformed table fails the task, naming the file, the
    line and the fix.
  - Every playbook of the collection runs it first, in a play over every host of the run with C(run_once) and
    C(any_errors_fatal), so a malformed table stops the whole run before any host is touched (the agenda times
    and records every step against these tables).
options: {}
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Check the SOP tables
  hosts: all:localhost
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: Check the SOP tables before any host is touched
      dukcapil.siak.sop_check:
      run_once: true
      tags: [always]
"""

RETURN = r"""
checked:
  description: Each table checked (C(file), C(sop), C(steps)).
  type: list
  elements: dict
  returned: success
"""
