"""awx/configure_controller.yml end to end against a stand-in of the AWX API (no controller runs here).

The stand-in (tests/awx_api_standin.py) answers the awx.awx modules' REST calls from memory. This
checks that the playbook configures three offices (WIB, WITA, WIT) from the example file, that every
name it refers to resolves (credential types before credentials, groups before their parents, the
backup template before its schedule), what it sends, and that a second run changes nothing. It does
not prove a real AWX accepts every value: docs/awx.md says what was not verified.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from awx_api_standin import serve

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = yaml.safe_load((REPO / "awx/offices.example.yml").read_text())
MANIFEST = BIN.parent / "lib/python3.11/site-packages/ansible_collections/awx/awx/MANIFEST.json"


@pytest.fixture(scope="module")
def controller():
    version = (
        json.loads(MANIFEST.read_text())["collection_info"]["version"] if MANIFEST.exists() else "24.6.1"
    )
    server, store = serve(version)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", store
    finally:
        server.shutdown()


def configure(url, out, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTROLLER_", "TOWER_"))}
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        SIAK_OUTPUT_DIR=str(out),
        ANSIBLE_NOCOLOR="1",
        CONTROLLER_OAUTH_TOKEN="stand-in-token",
    )
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "localhost,",
            "awx/configure_controller.yml",
            "-e",
            "@awx/offices.example.yml",
            "-e",
            "@awx/vault.example.yml",
            "-e",
            f"awx_controller_host={url}",
            "-e",
            "awx_controller_validate_certs=false",
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def recap_changed(result) -> int:
    return int(re.search(r"changed=(\d+)", result.stdout.split("PLAY RECAP")[-1]).group(1))


def by_name(store, kind):
    return {o["name"]: o for o in store.objects.get(kind, {}).values()}


def test_three_offices_configured_and_a_rerun_changes_nothing(controller, tmp_path):
    url, store = controller
    # Verbose, as a job's events keep every result: the vault check says one short line per office.
    first = configure(url, tmp_path, "-v")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert recap_changed(first) > 0
    vault_step = first.stdout.split("TASK [AWX | Stop when an office has no secrets in the vault file]")[1]
    vault_lines = vault_step.split("TASK [")[0].strip().splitlines()[1:]
    assert len(vault_lines) == 3 and all(len(line) < 200 for line in vault_lines), vault_lines

    orgs = by_name(store, "organizations")
    assert set(orgs) == {
        "Disdukcapil Kab. Semarang",
        "Disdukcapil Kab. Sukamara",
        "Disdukcapil Kab. Jayapura",
    }
    types = by_name(store, "credential_types")
    oracle = types["SIAK Oracle export account"]
    assert oracle["injectors"]["extra_vars"]["vault_oracle_backup_db_password"] == "{{ password }}"
    assert (
        types["SIAK workstation WinRM account"]["injectors"]["extra_vars"]["vault_winrm_user"]
        == "{{ username }}"
    )

    # Each office: its inventory, groups with their hosts, the workstations parent group.
    inventories = by_name(store, "inventories")
    sukamara = inventories["SIAK kab-sukamara | Disdukcapil Kab. Sukamara"]
    groups = {g["name"]: g for g in store.objects["groups"].values() if g["inventory"] == sukamara["id"]}
    hosts = {h["id"]: h["name"] for h in store.objects["hosts"].values()}
    members = {
        name: sorted(hosts[i] for i in store.links.get(("groups", g["id"], "hosts"), []))
        for name, g in groups.items()
    }
    assert members["physical_servers"] == ["srv-db", "srv-siak"]
    assert members["virtual_machines"] == ["vm-siak"]
    children = store.links[("groups", groups["workstations"]["id"], "children")]
    assert sorted(store.objects["groups"][i]["name"] for i in children) == [
        "linux_workstations",
        "windows_workstations",
    ]

    # Job templates: playbooks, credentials, surveys, the failure notification.
    templates = by_name(store, "job_templates")
    assert len(templates) == 15  # five per office, three offices
    backup = templates["SIAK kab-sukamara | SOP Backup Database"]
    assert backup["playbook"] == "playbooks/backup.yml"
    creds = {c["id"]: c["name"] for c in store.objects["credentials"].values()}
    assert sorted(creds[i] for i in store.links[("job_templates", backup["id"], "credentials")]) == [
        "SIAK kab-sukamara | Oracle export",
        "SIAK kab-sukamara | SSH",
    ]
    notifications = {n["id"]: n["name"] for n in store.objects["notification_templates"].values()}
    assert [
        notifications[i] for i in store.links[("job_templates", backup["id"], "notification_templates_error")]
    ] == ["SIAK kab-sukamara | Gagal"]
    upgrade = templates["SIAK kab-semarang | SOP-PIAK-15 Pemutakhiran SIAK"]
    assert upgrade["survey_enabled"] is True
    spec = store.surveys[upgrade["id"]]["spec"]
    asked = [q["variable"] for q in spec]
    assert asked[:3] == ["siak_upgrade_version", "siak_upgrade_artifact", "siak_upgrade_sha256"]
    assert len(asked) == 9
    # The whole SOP treats the client release as optional (steps 9 and 10 skipped without one).
    optional = {q["variable"] for q in spec if not q["required"]}
    assert optional == {
        "client_rollout_version",
        "client_rollout_package_url",
        "client_rollout_package_sha256",
    }
    rollout = templates["SIAK kab-semarang | SOP-PIAK-15 Langkah 9-10 Update klien"]
    assert all(q["required"] for q in store.surveys[rollout["id"]]["spec"])
    # Releases are asked as addresses (a job runs in the EE, where the controller's files are not),
    # and every question is in Bahasa Indonesia.
    by_var = {q["variable"]: q for q in spec}
    assert "URL" in by_var["siak_upgrade_artifact"]["question_name"]
    assert "controller" not in by_var["siak_upgrade_artifact"]["question_description"]
    english = re.compile(r"\b(the|to|of|install|release's|empty means)\b", re.I)
    assert not [q["question_description"] for q in spec if english.search(q["question_description"])]

    # The schedules: on each office's backup template, in its own timezone.
    schedules = by_name(store, "schedules")
    wita = schedules["SIAK kab-sukamara | Backup harian"]
    assert wita["rrule"] == "DTSTART;TZID=Asia/Makassar:20260101T183000 RRULE:FREQ=DAILY;INTERVAL=1"
    assert wita["unified_job_template"] == backup["id"]
    assert (
        "DTSTART;TZID=Asia/Jayapura:20260101T163000"
        in schedules["SIAK kab-jayapura | Backup harian"]["rrule"]
    )
    # The monthly restore drill, on the 1st, ten minutes after the backup, on the drill's template.
    drill = schedules["SIAK kab-sukamara | Uji pemulihan bulanan"]
    assert drill["rrule"] == (
        "DTSTART;TZID=Asia/Makassar:20260101T184000 RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1"
    )
    drill_template = templates["SIAK kab-sukamara | Uji Pemulihan Backup"]
    assert drill["unified_job_template"] == drill_template["id"]

    # Secrets went to the credential store, and nowhere in the output.
    ssh = next(c for c in store.objects["credentials"].values() if c["name"] == "SIAK kab-jayapura | WinRM")
    assert ssh["inputs"]["password"] == "replace-me"
    assert "replace-me" not in first.stdout + first.stderr
    assert store.settings["AWX_TASK_ENV"] == {"SIAK_OUTPUT_DIR": "/var/lib/awx/siak-out"}

    second = configure(url, tmp_path)
    assert second.returncode == 0, second.stdout[-3000:]
    assert recap_changed(second) == 0, second.stdout


def test_a_new_backup_time_moves_the_schedule_instead_of_adding_one(controller, tmp_path):
    url, store = controller
    count = len(store.objects.get("schedules", {}))
    result = configure(
        url,
        tmp_path,
        "-e",
        json.dumps({"awx_offices": [{**EXAMPLE["awx_offices"][0], "backup_time": "19:00"}]}),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(store.objects["schedules"]) == count
    moved = by_name(store, "schedules")["SIAK kab-semarang | Backup harian"]
    assert moved["rrule"] == "DTSTART;TZID=Asia/Jakarta:20260101T190000 RRULE:FREQ=DAILY;INTERVAL=1"
    assert "19:00 WIB" in moved["description"]
