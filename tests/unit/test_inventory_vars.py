"""siak_sop.inventory_vars: variables read through `ansible-inventory --list`, as the playbook sees them."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.inventory_vars import (
    group_hosts,
    pick_vars,
    read_host_vars,
)

LISTING = {
    "_meta": {
        "hostvars": {
            "db1": {
                "siak_office": {"code": "3322"},
                "secret": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n61"},
            },
            "db2": {"siak_office": {"code": "other"}},
            "ws1": {"siak_office": {"code": "ws"}},
        }
    },
    "all": {"children": ["ungrouped", "workstations", "database_servers"]},
    "ungrouped": {},
    "database_servers": {"hosts": ["db1"], "children": ["spare"]},
    "spare": {"hosts": ["db2", "db1"]},
    "workstations": {"hosts": ["ws1"]},
}


def test_hosts_in_inventory_order():
    assert group_hosts(LISTING, "database_servers") == ["db1", "db2"]
    assert group_hosts(LISTING, "all") == ["ws1", "db1", "db2"]
    assert group_hosts(LISTING, "missing") == []


def test_the_first_hosts_variables_and_never_a_ciphertext():
    assert pick_vars(LISTING, ("siak_office", "secret", "absent"), group="database_servers") == {
        "siak_office": {"code": "3322"}
    }
    assert pick_vars(LISTING, ("siak_office",), group="missing") == {}


def test_a_real_inventory_with_group_vars(tmp_path, monkeypatch):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "hosts.yml").write_text(
        "all:\n  children:\n    database_servers:\n      hosts:\n        db-a: {ansible_host: 192.0.2.1}\n"
    )
    (tmp_path / "group_vars" / "database_servers.yml").write_text(
        "siak_office: {code: '3322', name: Kabupaten Semarang}\noracle_backup_service_hours: [{days: [0], start: '08:00'}]\n"
    )
    monkeypatch.delenv("ANSIBLE_INVENTORY", raising=False)
    found = read_host_vars(
        [str(tmp_path / "hosts.yml")],
        ("siak_office", "oracle_backup_service_hours"),
        group="database_servers",
    )
    assert found == {
        "siak_office": {"code": "3322", "name": "Kabupaten Semarang"},
        "oracle_backup_service_hours": [{"days": [0], "start": "08:00"}],
    }
    # An inventory that cannot be read gives nothing, not a traceback.
    assert read_host_vars([str(tmp_path / "nothing-here.yml")], ("siak_office",)) == {}
