"""Read a few variables from an Ansible inventory, the way Ansible resolves them (group_vars included).

The wrapper needs two things from the office's inventory before or beside a run: `siak_office`
(the Laporan's header) and the backup role's service hours (the shared guard). It asks
`ansible-inventory --list` (JSON, Ansible's public interface to an inventory), so group_vars folders,
YAML and INI inventories and vault files resolve exactly as the playbook will see them. An inventory or
vault file it cannot read is not an error here: the variable is then unknown and the caller says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

# Seconds ansible-inventory may take (a dynamic inventory script may be slow; a hung one must not hang siak-sop).
INVENTORY_TIMEOUT = 120


def read_host_vars(
    inventories: list[str],
    names: tuple[str, ...],
    *,
    group: str = "all",
    vault_password_file: str | None = None,
) -> dict[str, Any]:
    """The named variables as the first host of `group` sees them; {} when the group has no host."""
    listing = list_inventory(inventories, vault_password_file=vault_password_file)
    if listing is None:
        return {}
    return pick_vars(listing, names, group=group)


def ansible_inventory_command() -> str:
    """ansible-inventory beside this Python (the same venv as siak-sop), else the one on PATH."""
    beside = Path(sys.executable).parent / "ansible-inventory"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("ansible-inventory") or "ansible-inventory"


def list_inventory(
    inventories: list[str], *, vault_password_file: str | None = None
) -> dict[str, Any] | None:
    """`ansible-inventory --list` as parsed JSON; None when it fails (a missing file, a wrong vault password)."""
    command = [ansible_inventory_command(), "--list"]
    for source in inventories:
        command += ["-i", str(Path(source))]
    if vault_password_file:
        command += ["--vault-password-file", vault_password_file]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=INVENTORY_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        listing = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None
    return listing if isinstance(listing, dict) else None


def group_hosts(listing: dict[str, Any], group: str) -> list[str]:
    """The hosts of `group` in inventory order, its own hosts before its children's (as Ansible orders them)."""
    ordered: list[str] = []
    seen_groups: set[str] = set()

    def visit(name: str) -> None:
        if name in seen_groups or name not in listing:
            return
        seen_groups.add(name)
        entry = listing[name] if isinstance(listing[name], dict) else {}
        for host in entry.get("hosts", []):
            if host not in ordered:
                ordered.append(host)
        for child in entry.get("children", []):
            visit(child)

    visit(group)
    return ordered


def pick_vars(listing: dict[str, Any], names: tuple[str, ...], *, group: str = "all") -> dict[str, Any]:
    """The named variables of the first host of `group` in an `ansible-inventory --list` result."""
    hosts = group_hosts(listing, group)
    if not hosts:
        return {}
    variables = listing.get("_meta", {}).get("hostvars", {}).get(hosts[0], {})
    # An inline !vault value is listed still encrypted: unknown here, not its ciphertext.
    return {
        name: variables[name]
        for name in names
        if name in variables
        and not (isinstance(variables[name], dict) and "__ansible_vault" in variables[name])
    }
