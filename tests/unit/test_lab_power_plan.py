"""The lab's power peers as planned (addresses, MACs, the inventory's host variables) and the magic packet."""

from __future__ import annotations

import yaml

from siak_lab import plan
from siak_lab.peers import magic_packet_mac
from siak_lab.runtime import _InventoryDumper


def test_each_physical_server_has_its_own_bmc_address_and_mac():
    hosts = plan.plan_hosts("127.70.18", 2)
    peers = plan.power_peers(hosts, "127.70.18")
    assert peers["redfish_address"] == "127.70.18.250"
    assert [(p["name"], p["address"], p["bmc_address"], p["mac"]) for p in peers["hosts"]] == [
        ("siak-host", "127.70.18.10", "127.70.18.210", "52:54:00:5a:00:0a"),
        ("siak-db", "127.70.18.12", "127.70.18.212", "52:54:00:5a:00:0c"),
    ]


def test_the_inventory_gives_physical_servers_their_peers_and_a_vaulted_password():
    hosts = plan.plan_hosts("127.70.18", 0)
    data = plan.inventory(
        hosts,
        port=2222,
        lab_dir="/lab",
        lab_cli="siak-lab",
        bmc_password=plan.VaultText("$ANSIBLE_VAULT;1.1;AES256\n61"),
    )
    db = data["all"]["hosts"]["siak-db"]
    assert db["siak_server_wol_mac"] == "52:54:00:5a:00:0c"
    assert db["siak_server_wol_broadcast"] == "127.70.18.12"
    assert db["siak_server_ipmi_address"] == "127.70.18.212"
    assert db["siak_server_redfish_address"] == "127.70.18.250:8443"
    assert "siak_server_ipmi_address" not in data["all"]["hosts"]["siak-vm"]
    text = yaml.dump(data, Dumper=_InventoryDumper, sort_keys=False)
    assert "vault_siak_lab_bmc_password: !vault |" in text


def test_a_magic_packet_names_its_mac_and_anything_else_is_none():
    mac = bytes.fromhex("5254005a000c")
    assert magic_packet_mac(b"\xff" * 6 + mac * 16) == "52:54:00:5a:00:0c"
    assert magic_packet_mac(b"\xff" * 6 + mac * 16 + b"secure") == "52:54:00:5a:00:0c"
    assert magic_packet_mac(b"\xff" * 6 + mac * 15) is None
    assert magic_packet_mac(b"\x00" * 6 + mac * 16) is None
    assert magic_packet_mac(b"\xff" * 6 + mac * 15 + bytes(6)) is None
