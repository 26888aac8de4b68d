"""Read a few variables from an Ansible inventory, the way Ansible resolves them (group_vars included).

The wrapper needs two things from the office's inventory before or beside a run: `siak_office`
(the Laporan's header) and the backup role's service hours (the shared guard). It reads them with
Ansible's own inventory API in-process, so group_vars folders, YAML and INI inventories and vault
files resolve exactly as the playbook will see them. A vault file it cannot open is not an error
here: the variable is then unknown and the caller says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_host_vars(
    inventories: list[str],
    names: tuple[str, ...],
    *,
    group: str = "all",
    vault_password_file: str | None = None,
) -> dict[str, Any]:
    """The named variables as the first host of `group` sees them; {} when the group has no host."""
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    try:
        if vault_password_file:
            from ansible.parsing.vault import get_file_vault_secret

            secret = get_file_vault_secret(filename=vault_password_file, loader=loader)
            secret.load()
            loader.set_vault_secrets([("default", secret)])
        inventory = InventoryManager(loader=loader, sources=[str(Path(i)) for i in inventories])
        hosts = inventory.get_hosts(group) if group in inventory.groups else []
        if not hosts:
            return {}
        variables = VariableManager(loader=loader, inventory=inventory).get_vars(host=hosts[0])
    except AnsibleError:
        return {}
    found = {}
    for name in names:
        if name in variables:
            found[name] = _plain(variables[name])
    return found


def _plain(value: Any) -> Any:
    """Ansible's tagged strings and mappings as plain JSON-able Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)
