"""playbooks/preflight.yml against the lab: a result per host, over SSH, and clear inventory errors."""

from __future__ import annotations

import json


def test_preflight_writes_a_result_per_host(lab):
    lab.stop("siak-vm")
    result = lab.playbook("playbooks/preflight.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    results = {p.stem: json.loads(p.read_text()) for p in (lab.out / "preflight").glob("*.json")}
    assert set(results) == {"siak-host", "siak-vm", "siak-db", "pc01", "pc02", "pc03", "pc04"}
    assert results["siak-vm"]["verdict"] == "unreachable"
    db = results["siak-db"]
    assert db["verdict"] == "ok" and db["os"]["hostname"] == "siak-db"
    flash = next(p for p in db["paths"] if p["path"] == "/media/flashdisk")
    assert flash["mount"] == "/media/flashdisk" and 0 < flash["free_mib"] <= 256


def test_preflight_stops_a_host_short_of_space(lab):
    lab.lab("fill", "siak-db", "--leave-kib", "1024")
    try:
        result = lab.playbook("playbooks/preflight.yml", "-e", "siak_preflight_min_free_mib=100")
    finally:
        lab.lab("unfill", "siak-db")
    assert result.returncode == 2
    assert "siak-db: preflight found /media/flashdisk (1 MiB free, 100 needed)" in result.stdout
    short = json.loads((lab.out / "preflight" / "siak-db.json").read_text())
    assert short["verdict"] == "short"


def test_an_inventory_without_the_needed_groups_is_named(lab, tmp_path):
    inventory = tmp_path / "office.yml"
    inventory.write_text(
        "all:\n  children:\n    siak_servers:\n      hosts:\n        siak-vm: {}\n    database_servers: {}\n"
    )
    result = lab.playbook("playbooks/preflight.yml", inventory=inventory)
    assert result.returncode == 2
    assert (
        f"Inventory {inventory}: missing group(s) workstations; group(s) database_servers have no hosts. "
        "Add them"
    ) in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
