#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_report
short_description: Write a per-host report and its JSON twin on the controller
version_added: 0.1.0
description:
  - An action that runs on the controller only (no module process per host) and writes C(<dir>/<name>) and,
    when O(data) is given, C(<dir>/<name without extension>.json), atomically and readable only by the
    owner's group. The files are reports for people; the task reports no change on any host.
  - In check mode nothing is written.
options:
  dir:
    description: Folder on the controller, created when missing.
    type: path
    required: true
  name:
    description: File name of the report (a plain name, no folders).
    type: str
    required: true
  text:
    description: The report's text.
    type: str
    required: true
  data:
    description: Data written as JSON beside the report.
    type: raw
  stats:
    description:
      - Published as run-wide custom stats, as M(ansible.builtin.set_stats) does with its defaults
        (C(per_host=false), C(aggregate=true)), also in check mode; for the agenda and AWX.
    type: dict
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 6 | Write the per-host report
  dukcapil.siak.release_report:
    dir: "{{ siak_output_dir }}/reports"
    name: laporan-update-aplikasi-siak-{{ inventory_hostname }}.md
    text: "{{ lookup('ansible.builtin.template', 'report.md.j2') }}"
    data: "{{ result }}"
"""

RETURN = r"""
paths:
  description: The files written (C(text) and, with O(data), C(data)).
  type: dict
  returned: always
"""
