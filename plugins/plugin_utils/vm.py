"""How each hypervisor is asked about a VM and told to start it (SOP-PIAK-15 step 4), as data.

Pure: no I/O. The siak_server role runs what these functions return (on the hypervisor host) through
the dukcapil.siak.vm_command and dukcapil.siak.vm_state filters, so the exact commands and arguments
of every backend are unit-tested here without a hypervisor.

A command is a dict: ``{"argv": [...]}`` for a program run without a shell (libvirt, VirtualBox, the
generic command backend), or ``{"script": ..., "parameters": {...}}`` for a PowerShell script run
with ansible.windows.win_powershell (Hyper-V). The VM's name always travels as an argument or a
script parameter, never spliced into a shell line or a script.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Joined, Said

BACKENDS = ("libvirt", "virtualbox", "hyperv", "proxmox", "vmware", "command")
# Backends asked through their API from the controller by an Ansible module, not by a program on the
# hypervisor: the role's tasks give the modules their arguments (so ansible-lint checks them).
API_MODULES = {
    "proxmox": {"status": "community.proxmox.proxmox_kvm", "start": "community.proxmox.proxmox_kvm"},
    "vmware": {
        "status": "community.vmware.vmware_guest_info",
        "start": "community.vmware.vmware_guest_powerstate",
    },
}
ACTIONS = ("status", "start", "resume")
# Every backend's answer is reduced to one of these.
STATES = ("running", "starting", "paused", "saved", "off", "stopping", "unknown")

DEFAULT_LIBVIRT_URI = "qemu:///system"
DEFAULT_VBOXMANAGE = "VBoxManage"

# virsh domstate prints one of these (libvirt's virDomainState names).
_LIBVIRT_STATES = {
    "running": "running",
    "idle": "running",
    "blocked": "running",
    "paused": "paused",
    "in shutdown": "stopping",
    "shut off": "off",
    "crashed": "off",
    "pmsuspended": "saved",
    "dying": "stopping",
}
# VBoxManage showvminfo --machinereadable prints VMState="<state>".
_VBOX_STATES = {
    "running": "running",
    "starting": "starting",
    "restoring": "starting",
    "paused": "paused",
    "saved": "saved",
    "poweroff": "off",
    "aborted": "off",
    "aborted-saved": "saved",
    "stopping": "stopping",
    "saving": "stopping",
}
# Get-VM's State is a Microsoft.HyperV.PowerShell.VMState.
_HYPERV_STATES = {
    "running": "running",
    "starting": "starting",
    "paused": "paused",
    "saved": "saved",
    "off": "off",
    "stopping": "stopping",
    "saving": "stopping",
    "pausing": "stopping",
    "resuming": "starting",
}
# proxmox_kvm state=current returns the VM's status from /nodes/{node}/qemu/{vmid}/status/current.
_PROXMOX_STATES = {"running": "running", "stopped": "off", "paused": "paused", "prelaunch": "starting"}
# vmware_guest_info returns instance.hw_power_status, vSphere's VirtualMachinePowerState.
_VMWARE_STATES = {"poweredon": "running", "poweredoff": "off", "suspended": "saved"}
_VBOX_STATE_LINE = re.compile(r'^VMState="([^"]*)"', re.MULTILINE)

# Hyper-V: the VM name is the script's parameter; -ErrorAction Stop turns "no such VM" into a failure.
HYPERV_STATUS_SCRIPT = """\
param([Parameter(Mandatory = $true)][string]$Name)
$Ansible.Changed = $false
(Get-VM -Name $Name -ErrorAction Stop).State.ToString()
"""
HYPERV_START_SCRIPT = """\
param([Parameter(Mandatory = $true)][string]$Name)
Start-VM -Name $Name -ErrorAction Stop
(Get-VM -Name $Name -ErrorAction Stop).State.ToString()
"""
HYPERV_RESUME_SCRIPT = """\
param([Parameter(Mandatory = $true)][string]$Name)
Resume-VM -Name $Name -ErrorAction Stop
(Get-VM -Name $Name -ErrorAction Stop).State.ToString()
"""


def _check_name(vm: object) -> str:
    if not isinstance(vm, str) or not vm.strip():
        raise SiakError(
            Said(N_("VM name {vm!r} is empty"), vm=vm),
            fix=Said(N_("Set siak_server_vm_name to the VM's name on the hypervisor")),
        )
    if any(c in vm for c in "\r\n\0"):
        raise SiakError(
            Said(N_("VM name {vm!r} contains a line break or NUL"), vm=vm),
            fix=Said(N_("Use the VM's name as the hypervisor lists it")),
        )
    return vm


def _check_backend(backend: object) -> str:
    if backend not in BACKENDS:
        raise SiakError(
            Said(N_("unknown VM backend {backend!r}"), backend=backend),
            fix=Said(N_("Set siak_server_vm_backend to one of {names}"), names=", ".join(BACKENDS)),
        )
    return str(backend)


def argv(value: object, what: str) -> list[str]:
    """A command given as a list of arguments or as one line (split like a POSIX shell, never run by one)."""
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError as err:
            raise SiakError(
                Said(
                    N_("{what} '{value}' cannot be split into arguments: {error}"),
                    what=what,
                    value=value,
                    error=err,
                )
            ) from None
    elif isinstance(value, Sequence) and all(isinstance(p, str | int | float) for p in value):
        parts = [str(p) for p in value]
    else:
        raise SiakError(
            Said(
                N_("{what} must be a list of arguments or one command line, got {kind}"),
                what=what,
                kind=type(value).__name__,
            )
        )
    if not parts or not parts[0]:
        raise SiakError(
            Said(N_("{what} is empty"), what=what), fix=Said(N_("Give the program and its arguments"))
        )
    return parts


def command(action: str, backend: str, vm: str, options: Mapping | None = None) -> dict | None:
    """The command that performs ``action`` (status, start, resume) for ``vm`` with ``backend``.

    Options: ``libvirt_uri`` (libvirt), ``vboxmanage`` (VirtualBox), ``start_command``,
    ``status_command`` (the command backend). Returns None for the command backend's status when
    no status command is configured: the role then asks the VM itself whether it answers.
    """
    backend = _check_backend(backend)
    vm = _check_name(vm)
    opts = dict(options or {})
    if action not in ACTIONS:
        raise SiakError(
            Said(N_("unknown VM action {action!r}"), action=action),
            fix=Said(N_("Use one of: {names}"), names=", ".join(ACTIONS)),
        )
    if backend == "libvirt":
        uri = str(opts.get("libvirt_uri") or DEFAULT_LIBVIRT_URI)
        verb = {"status": "domstate", "start": "start", "resume": "resume"}[action]
        return {"argv": ["virsh", "--connect", uri, verb, vm]}
    if backend == "virtualbox":
        tool = str(opts.get("vboxmanage") or DEFAULT_VBOXMANAGE)
        return {
            "status": {"argv": [tool, "showvminfo", vm, "--machinereadable"]},
            "start": {"argv": [tool, "startvm", vm, "--type", "headless"]},
            "resume": {"argv": [tool, "controlvm", vm, "resume"]},
        }[action]
    if backend in API_MODULES:
        if action == "resume":
            raise SiakError(
                Said(N_("the {backend} backend has no resume"), backend=backend),
                fix=Said(N_("Start the VM; a suspended VM resumes")),
            )
        return {"module": API_MODULES[backend][action], "action": action, "vm": vm}
    if backend == "hyperv":
        script = {
            "status": HYPERV_STATUS_SCRIPT,
            "start": HYPERV_START_SCRIPT,
            "resume": HYPERV_RESUME_SCRIPT,
        }
        return {"script": script[action], "parameters": {"Name": vm}}
    # The generic command backend: the office says what starts the VM (and, optionally, what tells
    # whether it runs). A paused VM is started with the same command.
    if action == "status":
        given = opts.get("status_command")
        return {"argv": argv(given, "siak_server_vm_status_command")} if given else None
    given = opts.get("start_command")
    if not given:
        raise SiakError(
            Said(N_("the command backend has no start command")),
            fix=Said(
                N_("Set siak_server_vm_start_command to the command that starts the VM on its hypervisor")
            ),
        )
    return {"argv": argv(given, "siak_server_vm_start_command")}


def parse_state(backend: str, result: Mapping, options: Mapping | None = None) -> str:
    """Reduce a status command's registered result (rc, stdout; output for win_powershell) to a STATE."""
    backend = _check_backend(backend)
    opts = dict(options or {})
    if backend != "command" and (result.get("failed") or result.get("rc", 0) not in (0, None)):
        return "unknown"
    stdout = str(result.get("stdout") or "")
    if backend == "libvirt":
        return _LIBVIRT_STATES.get(stdout.strip().lower(), "unknown")
    if backend == "virtualbox":
        found = _VBOX_STATE_LINE.search(stdout)
        return _VBOX_STATES.get(found.group(1).lower(), "unknown") if found else "unknown"
    if backend == "proxmox":
        return _PROXMOX_STATES.get(str(result.get("status") or "").strip().lower(), "unknown")
    if backend == "vmware":
        instance = result.get("instance") or {}
        return _VMWARE_STATES.get(str(instance.get("hw_power_status") or "").strip().lower(), "unknown")
    if backend == "hyperv":
        output = result.get("output") or []
        last = str(output[-1]).strip().lower() if output else ""
        return _HYPERV_STATES.get(last, "unknown")
    pattern = opts.get("running_pattern")
    if pattern:
        try:
            return "running" if re.search(str(pattern), stdout) else "off"
        except re.error as err:
            raise SiakError(
                Said(
                    N_("siak_server_vm_running_pattern '{pattern}' is not a regular expression: {error}"),
                    pattern=pattern,
                    error=err,
                )
            ) from None
    return "running" if result.get("rc") == 0 else "off"


def next_action(state: str) -> str | None:
    """What step 4 does for a VM in ``state``: start, resume, or nothing (None).

    A VM that is stopping or in an unknown state is not touched: the caller stops with the answer.
    """
    if state not in STATES:
        raise SiakError(Said(N_("unknown VM state {state!r}"), state=state))
    return {"off": "start", "saved": "start", "paused": "resume"}.get(state)


# What an API module is asked to do, in a command's one-line description.
_MODULE_ASKED = {
    "status": N_("{module} (ask the state of '{vm}')"),
    "start": N_("{module} (start '{vm}')"),
}


def describe(cmd: Mapping | None) -> Said | str:
    """A command as one readable line for messages and reports (no secrets ever travel in these): the words
    around it a `Said`, said by the filter in the run's language; a program's arguments as they are."""
    if not cmd:
        return Said(N_("(none)"))
    if "module" in cmd:
        return Said(_MODULE_ASKED[cmd["action"]], module=cmd["module"], vm=cmd["vm"])
    if "argv" in cmd:
        return shlex.join(cmd["argv"])
    lines = [
        ln for ln in str(cmd.get("script", "")).splitlines() if ln.strip() and not ln.startswith("param(")
    ]
    params = " ".join(f"-{k} '{v}'" for k, v in dict(cmd.get("parameters") or {}).items())
    body = "; ".join(ln.strip() for ln in lines)
    return f"PowerShell {params}: {body}" if params else f"PowerShell: {body}"


def answer(result: Mapping | None, limit: int = 200) -> Said:
    """What a command answered, one line, cut short: for the message when a VM never answers. The command's own
    output stays as it was; the words around it are said in the reader's language."""
    if not result:
        return Said(N_("nothing (it did not run)"))
    if result.get("skipped"):
        return Said(N_("nothing (skipped)"))
    parts: list = []
    if result.get("rc") is not None:
        parts.append(f"rc {result['rc']}")
    text = " | ".join(
        s.strip()
        for s in (
            str(result.get("stdout") or ""),
            str(result.get("stderr") or ""),
            " ".join(str(o) for o in result.get("output") or []),
            # An API module (Proxmox, VMware) has no rc: its msg is its answer.
            str(result.get("msg") or "")
            if result.get("failed") or result.get("rc") not in (0, None) or "rc" not in result
            else "",
        )
        if s and s.strip()
    )
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    parts.append(f"'{text}'" if text else Said(N_("no output")))
    return Joined(parts, ", ")
