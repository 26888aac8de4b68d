"""Pure lab planning: which hosts exist, their addresses, groups and the inventory that reaches them.

No I/O here, so the naming and validation rules are unit-tested without starting anything.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from siak_lab.errors import LabError

DEFAULT_NET = "127.77.0"
DEFAULT_PORT = 2222
DEFAULT_WORKSTATIONS = 4
MAX_WORKSTATIONS = 99
SERVERS = ("siak-host", "siak-vm", "siak-db")
# siak-vm is the SIAK server VM: it stays powered off until started through the lab's power
# control (the VM bring-up role drives it), like a VM after the physical server boots.
POWERED_OFF_AT_START = ("siak-vm",)
# The power peers (siak-lab up --power-peers, tests/lab/siak_lab/peers.py) of each physical server: a
# Wake-on-LAN listener on the host's own address, a BMC on an address of its own (.2xx), and one Redfish
# service for all of them, like an office's management network. Their state and secrets live in POWER_DIR.
POWER_DIR = "power"
WOL_PORT = 9
BMC_PORT = 623
BMC_OFFSET = 200
REDFISH_HOST = 250
REDFISH_PORT = 8443
BMC_USER = "siak-bmc"
WORKSTATION_NAME = re.compile(r"^pc(\d{2})$")

# Paths each host sees as its own. Overlays keep the machine's files readable (python, sshd,
# /etc/passwd, the lab's own state wherever it lives) while every write stays inside that host.
# /media and /mnt start empty; they are bound before the overlays, from the real lab directory.
OVERLAY_PATHS = ("etc", "opt", "srv", "var", "home", "root", "tmp")
PRIVATE_PATHS = ("media", "mnt")
# Backup destinations on server hosts: a small tmpfs "flashdisk" (so a full disk is a real
# ENOSPC) and a second disk, both real mount points inside the host.
FLASHDISK = "media/flashdisk"
SECOND_DISK = "mnt/disk2"

GROUPS: dict[str, tuple[str, ...]] = {
    "physical_servers": ("siak-host", "siak-db"),
    "hypervisors": ("siak-host",),
    "virtual_machines": ("siak-vm",),
    "siak_servers": ("siak-vm",),
    "siak_proxies": ("siak-vm",),
    "database_servers": ("siak-db",),
}


@dataclass(frozen=True)
class LabHost:
    name: str
    address: str
    groups: tuple[str, ...]
    server: bool

    @property
    def starts_powered_off(self) -> bool:
        return self.name in POWERED_OFF_AT_START


def validate_net(net: str) -> str:
    """The first three octets of a loopback /24, e.g. ``127.77.0``."""
    try:
        address = ipaddress.ip_address(f"{net}.1")
    except ValueError:
        raise LabError(
            f"lab network '{net}' is not three octets such as {DEFAULT_NET}",
            fix="Pass --net 127.X.Y",
        ) from None
    if not address.is_loopback:
        raise LabError(
            f"lab network '{net}' is not on loopback (127.0.0.0/8)",
            fix="Lab hosts may only listen on this machine's loopback; pass --net 127.X.Y",
        )
    return net


def workstation_names(count: int) -> list[str]:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_WORKSTATIONS:
        raise LabError(
            f"workstation count {count!r} is out of range",
            fix=f"Pass --workstations with a number from 0 to {MAX_WORKSTATIONS}",
        )
    return [f"pc{i:02d}" for i in range(1, count + 1)]


def plan_hosts(net: str, workstations: int) -> list[LabHost]:
    validate_net(net)
    hosts = []
    for offset, name in enumerate(SERVERS, start=10):
        groups = tuple(g for g, members in GROUPS.items() if name in members)
        hosts.append(LabHost(name, f"{net}.{offset}", groups, server=True))
    for name in workstation_names(workstations):
        number = int(WORKSTATION_NAME.match(name).group(1))  # type: ignore[union-attr]
        hosts.append(LabHost(name, f"{net}.{100 + number}", ("workstations", "linux_workstations"), False))
    return hosts


def host_mac(host: LabHost) -> str:
    """The lab's made-up MAC of a host (locally administered, from its address)."""
    return "52:54:00:5a:00:" + f"{int(host.address.rsplit('.', 1)[1]):02x}"


def power_peers(hosts: list[LabHost], net: str) -> dict:
    """Where each physical server's Wake-on-LAN listener and BMC listen, and the Redfish service."""
    physical = [h for h in hosts if "physical_servers" in h.groups]
    return {
        "redfish_address": f"{net}.{REDFISH_HOST}",
        "redfish_port": REDFISH_PORT,
        "hosts": [
            {
                "name": h.name,
                "address": h.address,
                "mac": host_mac(h),
                "wol_port": WOL_PORT,
                "bmc_address": f"{net}.{BMC_OFFSET + int(h.address.rsplit('.', 1)[1])}",
                "bmc_port": BMC_PORT,
            }
            for h in physical
        ],
    }


class VaultText(str):
    """An ansible-vault ciphertext that the inventory writer puts in as a !vault value."""


def check_host_names(names: list[str], known: list[str]) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise LabError(
            f"no lab host named {', '.join(unknown)}",
            fix=f"Lab hosts are: {', '.join(known)}",
        )


def inventory(
    hosts: list[LabHost],
    *,
    port: int,
    lab_dir: str,
    lab_cli: str,
    python: str = "/usr/bin/python3",
    bmc_password: VaultText | None = None,
) -> dict:
    """The Ansible inventory (as a YAML-ready dict) that reaches every lab host over SSH.

    Physical servers also get their power peers' addresses (plan.power_peers); ``bmc_password`` is the
    vaulted password of the lab's BMC user, which only a run given the lab's vault password can read.
    """
    groups: dict[str, dict] = {}
    for host in hosts:
        for group in host.groups:
            groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = None
    workstation_groups = {
        "linux_workstations": groups.pop("linux_workstations", {"hosts": {}}),
        "windows_workstations": {"hosts": {}},
    }
    known_hosts = f"{lab_dir}/known_hosts"
    net = hosts[0].address.rsplit(".", 1)[0] if hosts else DEFAULT_NET
    peers = power_peers(hosts, net)
    redfish = f"{peers['redfish_address']}:{peers['redfish_port']}"
    host_vars = {h.name: {"ansible_host": h.address} for h in hosts}
    for peer in peers["hosts"]:
        host_vars[peer["name"]].update(
            siak_server_wol_mac=peer["mac"],
            # On loopback the packet goes to the host's own address, where its "network card" listens.
            siak_server_wol_broadcast=peer["address"],
            siak_server_wol_port=peer["wol_port"],
            siak_server_ipmi_address=peer["bmc_address"],
            siak_server_ipmi_port=peer["bmc_port"],
            siak_server_redfish_address=redfish,
            siak_server_redfish_system_id=peer["name"],
        )
    if bmc_password is not None and "physical_servers" in groups:
        groups["physical_servers"]["vars"] = {"vault_siak_lab_bmc_password": bmc_password}
    return {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_port": port,
                "ansible_ssh_private_key_file": f"{lab_dir}/id_ed25519",
                "ansible_ssh_common_args": (
                    f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
                ),
                "ansible_python_interpreter": python,
                "siak_lab_dir": lab_dir,
                "siak_lab_cli": lab_cli,
            },
            "hosts": host_vars,
            "children": {
                **{g: v for g, v in groups.items() if g != "workstations"},
                "workstations": {"children": workstation_groups},
            },
        }
    }
