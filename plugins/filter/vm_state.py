# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vm_state
short_description: A hypervisor's answer about a VM, reduced to one state and the action it needs
version_added: 0.1.0
description:
  - SOP-PIAK-15 step 4. Reads the registered result of the command built by P(dukcapil.siak.vm_command#filter).
  - Returns C(state) (running, starting, paused, saved, off, stopping, unknown), C(action) (start, resume or an
    empty string when nothing is to be done) and C(answer) (what the command said, one line, cut short).
options:
  _input:
    description: The registered result (rc, stdout, stderr; output for win_powershell).
    type: dict
    required: true
  backend:
    description: The hypervisor backend that answered.
    type: str
    choices: [libvirt, virtualbox, hyperv, proxmox, vmware, command]
    required: true
  options:
    description: C(running_pattern) for the command backend (a regular expression on its status output).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Langkah 4 | Read the VM's state
  ansible.builtin.set_fact:
    vm_now: "{{ status_result | dukcapil.siak.vm_state('libvirt') }}"
"""

RETURN = r"""
_value:
  description: C({state, action, answer}).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.vm import answer, next_action, parse_state


def vm_state(result, backend, options=None):
    """The state, the action it needs, and the answer's one line in the run's language (i18n.run_lang)."""
    if not isinstance(result, dict):
        raise AnsibleFilterError(f"vm_state: expected a registered result, got {type(result).__name__}")
    try:
        state = parse_state(backend, result, options or {})
    except SiakError as err:
        raise AnsibleFilterError(f"vm_state: {err.line(run_lang())}") from None
    return {"state": state, "action": next_action(state) or "", "answer": say(answer(result), run_lang())}


class FilterModule:
    def filters(self):
        return {"vm_state": vm_state}
