# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vm_command
short_description: The command a hypervisor backend runs to query, start or resume a VM
version_added: 0.1.0
description:
  - SOP-PIAK-15 step 4. Built by the shared plugin_utils/vm.py module, whose unit tests check every backend's exact arguments.
  - Returns C({argv, display}) for libvirt (virsh), VirtualBox (VBoxManage) and the generic command backend, or
    C({script, parameters, display}) for Hyper-V (run with ansible.windows.win_powershell); C(display) is the
    command as one line for messages. Returns C(None) for the command backend's status when none is configured.
options:
  _input:
    description: The VM's name on its hypervisor.
    type: str
    required: true
  action:
    description: What to do.
    type: str
    choices: [status, start, resume]
    required: true
  backend:
    description: The hypervisor backend.
    type: str
    choices: [libvirt, virtualbox, hyperv, proxmox, vmware, command]
    required: true
  options:
    description: C(libvirt_uri), C(vboxmanage), C(start_command), C(status_command).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Langkah 4 | Ask libvirt whether the VM runs
  ansible.builtin.command:
    argv: "{{ ('siak' | dukcapil.siak.vm_command('status', 'libvirt')).argv }}"
  changed_when: false
"""

RETURN = r"""
_value:
  description: The command, or None.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import run_lang, say
from ansible_collections.dukcapil.siak.plugins.plugin_utils.vm import command, describe


def vm_command(vm, action, backend, options=None):
    """The command, and its one-line description in the run's language (i18n.run_lang)."""
    try:
        cmd = command(action, backend, vm, options or {})
    except SiakError as err:
        raise AnsibleFilterError(f"vm_command: {err.line(run_lang())}") from None
    return None if cmd is None else {**cmd, "display": say(describe(cmd), run_lang())}


class FilterModule:
    def filters(self):
        return {"vm_command": vm_command}
