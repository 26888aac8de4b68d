# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: awx_controller_plan
short_description: Every AWX controller object for many offices, checked and consistently named
version_added: 0.1.0
description:
  - Used by awx/configure_controller.yml. From the offices' settings and the job-template
    definitions it returns, per office, the organization, notification, project, inventory with its
    hosts and groups, credential names, job templates with surveys and the backup schedule (rrule).
  - Bad settings fail with one line naming the office, the setting and the fix. Secrets are never part of the plan.
options:
  _input:
    description: The offices (C(awx_offices)), see awx/offices.example.yml.
    type: list
    elements: dict
    required: true
  templates:
    description: The job-template definitions (C(awx_job_templates) in awx/vars/controller.yml).
    type: list
    elements: dict
    required: true
  defaults:
    description: C(project_url), C(project_branch), C(ee_name) and C(group_vars) shared by every office.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan the controller's objects
  ansible.builtin.set_fact:
    awx_plan: "{{ awx_offices | dukcapil.siak.awx_controller_plan(awx_job_templates, awx_defaults) }}"
"""

RETURN = r"""
_value:
  description: One plan per office.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.awx_plan import controller_plan
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError


def _plain(value):
    """Ansible's lazy containers and tagged strings as plain Python data."""
    if hasattr(value, "keys"):
        return {str(k): _plain(value[k]) for k in value}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def awx_controller_plan(offices, templates, defaults):
    try:
        return controller_plan(_plain(offices), _plain(templates), _plain(defaults))
    except SiakError as err:
        raise AnsibleFilterError(f"awx_controller_plan: {err}") from None
    except (KeyError, TypeError) as err:
        raise AnsibleFilterError(f"awx_controller_plan: a job-template definition lacks {err}") from None


class FilterModule:
    def filters(self):
        return {"awx_controller_plan": awx_controller_plan}
