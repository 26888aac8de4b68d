"""SOP-PIAK-15 step 4: the exact commands each hypervisor backend issues, and how answers are read."""

from __future__ import annotations

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.vm import (
    HYPERV_RESUME_SCRIPT,
    HYPERV_START_SCRIPT,
    HYPERV_STATUS_SCRIPT,
    answer,
    argv,
    command,
    describe,
    next_action,
    parse_state,
)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("status", ["virsh", "--connect", "qemu:///system", "domstate", "vm-siak"]),
        ("start", ["virsh", "--connect", "qemu:///system", "start", "vm-siak"]),
        ("resume", ["virsh", "--connect", "qemu:///system", "resume", "vm-siak"]),
    ],
)
def test_libvirt_commands(action, expected):
    assert command(action, "libvirt", "vm-siak") == {"argv": expected}


def test_libvirt_uri_is_an_option():
    cmd = command("start", "libvirt", "vm-siak", {"libvirt_uri": "qemu+ssh://kvm1/system"})
    assert cmd == {"argv": ["virsh", "--connect", "qemu+ssh://kvm1/system", "start", "vm-siak"]}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("status", ["VBoxManage", "showvminfo", "SIAK Server", "--machinereadable"]),
        ("start", ["VBoxManage", "startvm", "SIAK Server", "--type", "headless"]),
        ("resume", ["VBoxManage", "controlvm", "SIAK Server", "resume"]),
    ],
)
def test_virtualbox_commands(action, expected):
    # A name with a space stays one argument: nothing goes through a shell.
    assert command(action, "virtualbox", "SIAK Server") == {"argv": expected}


def test_virtualbox_tool_path_is_an_option():
    cmd = command("start", "virtualbox", "siak", {"vboxmanage": "/usr/lib/virtualbox/VBoxManage"})
    assert cmd["argv"][0] == "/usr/lib/virtualbox/VBoxManage"


@pytest.mark.parametrize(
    ("action", "script", "cmdlet"),
    [
        ("status", HYPERV_STATUS_SCRIPT, "Get-VM -Name $Name -ErrorAction Stop"),
        ("start", HYPERV_START_SCRIPT, "Start-VM -Name $Name -ErrorAction Stop"),
        ("resume", HYPERV_RESUME_SCRIPT, "Resume-VM -Name $Name -ErrorAction Stop"),
    ],
)
def test_hyperv_scripts_take_the_name_as_a_parameter(action, script, cmdlet):
    cmd = command(action, "hyperv", "VM-SIAK'; Remove-Item C:\\ -Recurse")
    assert cmd == {"script": script, "parameters": {"Name": "VM-SIAK'; Remove-Item C:\\ -Recurse"}}
    assert script.startswith("param([Parameter(Mandatory = $true)][string]$Name)\n")
    assert cmdlet in script
    assert "VM-SIAK" not in script


def test_command_backend_runs_what_the_office_configured():
    options = {
        "start_command": "/usr/local/bin/siak-lab --lab-dir '/srv/my lab' start siak-vm",
        "status_command": ["/usr/local/bin/vmctl", "is-running", "siak-vm"],
    }
    assert command("start", "command", "siak-vm", options) == {
        "argv": ["/usr/local/bin/siak-lab", "--lab-dir", "/srv/my lab", "start", "siak-vm"]
    }
    assert command("status", "command", "siak-vm", options) == {
        "argv": ["/usr/local/bin/vmctl", "is-running", "siak-vm"]
    }
    # Resuming is starting again for a command backend.
    assert command("resume", "command", "siak-vm", options) == command("start", "command", "siak-vm", options)


def test_command_backend_without_status_asks_the_vm_itself():
    assert command("status", "command", "siak-vm", {"start_command": "true"}) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("start", "command", "siak-vm", {}), "the command backend has no start command"),
        (("start", "xen", "siak-vm", {}), "unknown VM backend 'xen'"),
        (("reboot", "libvirt", "siak-vm", {}), "unknown VM action 'reboot'"),
        (("start", "libvirt", "", {}), "VM name '' is empty"),
        (("start", "libvirt", "a\nb", {}), "contains a line break"),
        (("start", "command", "vm", {"start_command": "start 'vm"}), "cannot be split into arguments"),
        (("start", "command", "vm", {"start_command": {"x": 1}}), "must be a list of arguments"),
    ],
)
def test_bad_input_is_one_clear_error(args, message):
    with pytest.raises(SiakError, match=message):
        command(*args)


def test_argv_accepts_a_list_or_a_line():
    assert argv(["a", 1], "x") == ["a", "1"]
    assert argv("a 'b c'", "x") == ["a", "b c"]
    with pytest.raises(SiakError, match="x is empty"):
        argv("", "x")


@pytest.mark.parametrize(
    ("stdout", "state"),
    [
        ("running\n", "running"),
        ("shut off\n", "off"),
        ("paused\n", "paused"),
        ("in shutdown\n", "stopping"),
        ("crashed\n", "off"),
        ("pmsuspended\n", "saved"),
        ("something new\n", "unknown"),
    ],
)
def test_libvirt_states(stdout, state):
    assert parse_state("libvirt", {"rc": 0, "stdout": stdout}) == state


def test_libvirt_error_is_unknown():
    result = {"rc": 1, "stdout": "", "stderr": "error: failed to get domain 'x'", "failed": True}
    assert parse_state("libvirt", result) == "unknown"


@pytest.mark.parametrize(
    ("vmstate", "state"),
    [
        ("running", "running"),
        ("poweroff", "off"),
        ("saved", "saved"),
        ("paused", "paused"),
        ("aborted", "off"),
    ],
)
def test_virtualbox_states(vmstate, state):
    stdout = f'name="siak"\nUUID="1234"\nVMState="{vmstate}"\nVMStateChangeTime="2026-11-21T08:00:00"\n'
    assert parse_state("virtualbox", {"rc": 0, "stdout": stdout}) == state


@pytest.mark.parametrize(
    ("output", "state"), [(["Running"], "running"), (["Off"], "off"), (["Saved"], "saved")]
)
def test_hyperv_states(output, state):
    assert parse_state("hyperv", {"changed": False, "output": output}) == state


def test_command_states():
    assert parse_state("command", {"rc": 0, "stdout": ""}) == "running"
    assert parse_state("command", {"rc": 1, "stdout": "", "failed": True}) == "off"
    pattern = {"running_pattern": r"state:\s*up"}
    assert parse_state("command", {"rc": 0, "stdout": "state: up"}, pattern) == "running"
    assert parse_state("command", {"rc": 0, "stdout": "state: down"}, pattern) == "off"
    with pytest.raises(SiakError, match="is not a regular expression"):
        parse_state("command", {"rc": 0, "stdout": ""}, {"running_pattern": "("})


@pytest.mark.parametrize(
    ("state", "action"),
    [("off", "start"), ("saved", "start"), ("paused", "resume"), ("running", None), ("starting", None)],
)
def test_next_action(state, action):
    assert next_action(state) == action


def test_describe_and_answer_are_one_line():
    assert describe({"argv": ["virsh", "start", "SIAK Server"]}) == "virsh start 'SIAK Server'"
    assert describe(command("start", "hyperv", "VM-SIAK")) == (
        "PowerShell -Name 'VM-SIAK': Start-VM -Name $Name -ErrorAction Stop; "
        "(Get-VM -Name $Name -ErrorAction Stop).State.ToString()"
    )
    assert describe(None) == "(none)"
    assert answer({"rc": 0, "stdout": "started: siak-vm\n", "stderr": ""}) == "rc 0, 'started: siak-vm'"
    assert answer({"rc": 0, "stdout": "", "stderr": ""}) == "rc 0, no output"
    assert answer(None) == "nothing (it did not run)"
    assert len(answer({"rc": 1, "stdout": "x" * 1000})) < 220


@pytest.mark.parametrize(
    ("backend", "action", "module"),
    [
        ("proxmox", "status", "community.proxmox.proxmox_kvm"),
        ("proxmox", "start", "community.proxmox.proxmox_kvm"),
        ("vmware", "status", "community.vmware.vmware_guest_info"),
        ("vmware", "start", "community.vmware.vmware_guest_powerstate"),
    ],
)
def test_api_backends_name_their_module(backend, action, module):
    cmd = command(action, backend, "SIAK-SERVER")
    assert cmd == {"module": module, "action": action, "vm": "SIAK-SERVER"}
    assert describe(cmd).startswith(f"{module} (")


def test_api_backends_have_no_resume():
    with pytest.raises(SiakError, match="has no resume"):
        command("resume", "vmware", "SIAK-SERVER")


@pytest.mark.parametrize(
    ("backend", "result", "state"),
    [
        ("proxmox", {"status": "running", "msg": "VM SIAK-SERVER with vmid = 101 is running"}, "running"),
        ("proxmox", {"status": "stopped"}, "off"),
        ("proxmox", {"msg": "VM with name = X does not exist in cluster"}, "unknown"),
        ("vmware", {"instance": {"hw_power_status": "poweredOn"}}, "running"),
        ("vmware", {"instance": {"hw_power_status": "poweredOff"}}, "off"),
        ("vmware", {"instance": {"hw_power_status": "suspended"}}, "saved"),
        ("vmware", {"msg": "Unable to gather information for non-existing VM X"}, "unknown"),
    ],
)
def test_api_backends_states(backend, result, state):
    assert parse_state(backend, result) == state


def test_an_api_modules_message_is_its_answer():
    assert answer({"msg": "VM with name = X does not exist in cluster", "changed": False}) == (
        "'VM with name = X does not exist in cluster'"
    )
