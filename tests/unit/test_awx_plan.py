"""awx/configure_controller.yml's plan: every office's controller objects, from one variables file.

No AWX controller runs on these machines: the playbook is checked by syntax-check and ansible-lint
(module arguments included), and its plan (everything it would create) is run and checked here.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.dukcapil.siak.plugins.plugin_utils.awx_plan import controller_plan
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from dateutil import rrule as du_rrule

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = yaml.safe_load((REPO / "awx/offices.example.yml").read_text())


class _Unsafe(yaml.SafeLoader):
    pass


_Unsafe.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
CONTROLLER = yaml.load((REPO / "awx/vars/controller.yml").read_text(), Loader=_Unsafe)
DEFAULTS = {"project_url": EXAMPLE["awx_project_url"], "group_vars": CONTROLLER["awx_group_vars"]}


def plans(offices=None):
    return controller_plan(offices or EXAMPLE["awx_offices"], CONTROLLER["awx_job_templates"], DEFAULTS)


def test_every_office_gets_its_objects_under_its_own_names():
    got = plans()
    assert [p["code"] for p in got] == ["kab-semarang", "kab-sukamara", "kab-jayapura"]
    for plan in got:
        names = [plan["project"]["name"], plan["inventory"]["name"], *plan["credentials"].values()]
        names += [j["name"] for j in plan["job_templates"]]
        assert all(n.startswith(f"SIAK {plan['code']} | ") for n in names)
        assert {j["key"] for j in plan["job_templates"]} == {
            "upgrade",
            "client_rollout",
            "backup",
            "restore_drill",
            "rollback",
        }
        assert plan["schedule"]["unified_job_template"] == f"SIAK {plan['code']} | SOP Backup Database"
        drill = plan["drill_schedule"]
        assert drill["unified_job_template"] == f"SIAK {plan['code']} | Uji Pemulihan Backup"
        assert "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1" in drill["rrule"]
        assert drill["rrule"].startswith(f"DTSTART;TZID={plan['schedule']['timezone']}:")
    all_names = [j["name"] for p in got for j in p["job_templates"]]
    assert len(all_names) == len(set(all_names))


def test_surveys_ask_for_version_artifact_and_checksum():
    upgrade = next(j for j in plans()[0]["job_templates"] if j["key"] == "upgrade")
    assert upgrade["survey_enabled"]
    spec = {q["variable"]: q for q in upgrade["survey_spec"]["spec"]}
    assert list(spec) == [
        f"{part}_{field}"
        for part in ("siak_upgrade", "proxy_upgrade")
        for field in ("version", "artifact", "sha256")
    ] + ["client_rollout_version", "client_rollout_package_url", "client_rollout_package_sha256"]
    # Exactly 64 characters where an answer is required; the client's are optional in the whole SOP
    # (playbooks/upgrade.yml skips steps 9 and 10 without a client release), so only capped there.
    assert all(
        (q["min"], q["max"]) == ((64, 64) if q["required"] else (0, 64))
        for name, q in spec.items()
        if name.endswith("sha256")
    )
    assert [name for name, q in spec.items() if not q["required"]] == [
        "client_rollout_version",
        "client_rollout_package_url",
        "client_rollout_package_sha256",
    ]
    rollback = next(j for j in plans()[0]["job_templates"] if j["key"] == "rollback")
    assert [q["variable"] for q in rollback["survey_spec"]["spec"]] == ["rollback_component", "rollback_to"]
    backup = next(j for j in plans()[0]["job_templates"] if j["key"] == "backup")
    assert not backup["survey_enabled"]
    assert backup["credentials"] == ["SIAK kab-semarang | SSH", "SIAK kab-semarang | Oracle export"]


def test_groups_keep_hosts_and_vms_apart_and_workstations_nest():
    groups = {g["name"]: g for g in plans()[0]["groups"]}
    assert groups["physical_servers"]["hosts"] == ["srv-siak", "srv-db"]
    assert groups["virtual_machines"]["hosts"] == ["vm-siak"]
    assert groups["workstations"]["children"] == ["windows_workstations", "linux_workstations"]
    assert groups["windows_workstations"]["variables"]["ansible_connection"] == "winrm"
    assert groups["windows_workstations"]["variables"]["ansible_user"] == "{{ vault_winrm_user }}"


@pytest.mark.parametrize(
    ("index", "tz", "local"),
    [(0, "Asia/Jakarta", "17:00"), (1, "Asia/Makassar", "18:30"), (2, "Asia/Jayapura", "16:30")],
)
def test_each_office_is_scheduled_in_its_own_timezone(index, tz, local):
    schedule = plans()[index]["schedule"]
    rules = du_rrule.rrulestr(schedule["rrule"].replace(" RRULE:", "\nRRULE:"), forceset=True)
    first = rules[0]
    assert f"{first:%H:%M}" == local
    assert schedule["rrule"].startswith(f"DTSTART;TZID={tz}:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o[0].update(code="Kab Semarang"), "code 'Kab Semarang' must be"),
        (lambda o: o[1].update(code="kab-semarang"), "office code 'kab-semarang' appears twice"),
        (
            lambda o: o[0]["groups"].update(siak_servers=["vm-lain"]),
            "office kab-semarang: group siak_servers names host(s) vm-lain",
        ),
        (
            lambda o: o[0]["groups"].pop("database_servers"),
            "office kab-semarang: group database_servers has no hosts",
        ),
        (lambda o: o[0]["groups"].update(db=["srv-db"]), "office kab-semarang: unknown group(s) db"),
        (
            lambda o: o[2].update(backup_time="09:00"),
            "office kab-jayapura: backup time 09:00 falls inside service hours",
        ),
        (lambda o: o[1].pop("hosts"), "office kab-sukamara: 'hosts' is missing"),
    ],
)
def test_bad_settings_name_the_office(change, message):
    offices = copy.deepcopy(EXAMPLE["awx_offices"])
    change(offices)
    with pytest.raises(SiakError) as err:
        plans(offices)
    assert message in err.value.line()


def _playbook(*args, out, drop_env=()):
    env = {
        **{k: v for k, v in os.environ.items() if not (drop_env and k.startswith(drop_env))},
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "SIAK_OUTPUT_DIR": str(out),
        "ANSIBLE_NOCOLOR": "1",
    }
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "awx/configure_controller.yml", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_playbook_syntax_and_plan_without_a_controller(tmp_path):
    assert _playbook("--syntax-check", out=tmp_path).returncode == 0
    result = _playbook(
        "-e", "@awx/offices.example.yml", "-e", "@awx/vault.example.yml", "--tags", "plan", out=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "awx/controller-plan.json").read_text()
    assert "replace-me" not in text  # no secret from the vault file reaches the plan
    assert "PRIVATE KEY" not in text
    written = json.loads(text)
    assert written == json.loads(json.dumps(plans()))
    assert "kab-sukamara: Backup harian 18:30 WITA, setelah jam pelayanan" in result.stdout


def test_playbook_stops_without_a_controller_before_touching_anything(tmp_path):
    bad = {**EXAMPLE}
    bad.pop("awx_controller_host")
    (tmp_path / "offices.yml").write_text(yaml.safe_dump(bad))
    result = _playbook("-e", f"@{tmp_path / 'offices.yml'}", out=tmp_path, drop_env=("CONTROLLER_", "TOWER_"))
    assert result.returncode != 0
    assert "No controller to configure" in result.stdout


def test_playbook_names_the_office_with_bad_settings(tmp_path):
    bad = copy.deepcopy(EXAMPLE)
    bad["awx_offices"][1]["backup_time"] = "10:00"
    (tmp_path / "offices.yml").write_text(yaml.safe_dump(bad))
    result = _playbook("-e", f"@{tmp_path / 'offices.yml'}", "--tags", "plan", out=tmp_path)
    assert result.returncode != 0
    assert "office kab-sukamara: backup time 10:00 falls inside service hours" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
