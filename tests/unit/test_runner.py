"""The wrapper's pure pieces: extra vars, the callback setting, the service-hours guard, the office."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import runid
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop import runner

MONDAY_10 = datetime.fromisoformat("2026-11-23T10:00:00+07:00")
MONDAY_19 = datetime.fromisoformat("2026-11-23T19:00:00+07:00")


def request(name: str = "backup", **kw) -> runner.RunRequest:
    return runner.RunRequest(
        name=name,
        sop=load_sop("backup"),
        work_dir=Path("/x"),
        collection_dir=Path("/x"),
        playbook=Path("/x/playbooks/backup.yml"),
        inventories=[],
        output_dir=Path("/x/out"),
        budget=BudgetConfig(),
        **kw,
    )


def test_extra_vars_like_ansible_playbook(tmp_path):
    file = tmp_path / "vars.yml"
    file.write_text("a: 1\n")
    values, files = runner.parse_extra_vars(["version=2.1.0", '{"n": 3, "l": [1]}', f"@{file}", "empty="])
    assert values == {"version": "2.1.0", "n": 3, "l": [1], "empty": ""}
    assert files == [str(file)]
    with pytest.raises(SiakError, match="is not a mapping"):
        runner.parse_extra_vars(["{not: [closed"])


def test_the_agenda_callback_is_added_to_what_the_config_enables(tmp_path, monkeypatch):
    monkeypatch.delenv("ANSIBLE_CALLBACKS_ENABLED", raising=False)
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ansible.cfg").write_text("[defaults]\ncallbacks_enabled = ansible.posix.profile_tasks\n")
    assert runner.callbacks_env() == {
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks,dukcapil.siak.agenda"
    }
    (tmp_path / "ansible.cfg").write_text("[defaults]\ncallbacks_enabled = dukcapil.siak.agenda\n")
    assert runner.callbacks_env() == {}  # already on: leave the configuration alone
    monkeypatch.setenv("ANSIBLE_CALLBACKS_ENABLED", "community.general.timer")
    assert runner.callbacks_env() == {
        "ANSIBLE_CALLBACKS_ENABLED": "community.general.timer,dukcapil.siak.agenda"
    }


def test_default_inventory_is_relative_to_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ansible.cfg").write_text("[defaults]\ninventory = inventories/lab\n")
    assert runner.default_inventories() == [str(tmp_path / "inventories" / "lab")]
    assert runner.config_env() == {"ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg")}


def test_backup_inside_service_hours_is_refused_unless_forced():
    with pytest.raises(
        SiakError, match=r"refusing to back up inside service hours \(Senin–Kamis 08:00–15:00"
    ):
        runner.service_hours_guard(request(), MONDAY_10)
    forced = request(force=True)
    note = runner.service_hours_guard(forced, MONDAY_10)
    assert note and "--force" in note
    assert forced.extravars == {"oracle_backup_force": True}  # the role decides the same way
    assert runner.service_hours_guard(request(), MONDAY_19) is None
    assert runner.service_hours_guard(request(name="upgrade"), MONDAY_10) is None  # only the backup


def test_office_hours_and_timezone_from_the_inventory():
    req = request()
    runner.apply_office(
        req,
        {
            "siak_office": {"name": "Dinas X", "timezone": "Asia/Makassar"},
            "oracle_backup_service_hours": [{"days": "mon-fri", "start": "07:00", "end": "16:00"}],
        },
    )
    assert req.office["name"] == "Dinas X" and req.timezone == "Asia/Makassar"
    # 16:30 WIB is 17:30 WITA: after the office's 16:00 closing.
    assert runner.service_hours_guard(req, datetime.fromisoformat("2026-11-23T16:30:00+07:00")) is None
    with pytest.raises(SiakError):
        runner.service_hours_guard(req, datetime.fromisoformat("2026-11-23T14:30:00+07:00"))


def test_values_left_to_jinja_are_not_taken_literally():
    req = request()
    runner.apply_office(
        req, {"oracle_backup_timezone": "{{ siak_office.timezone | default('Asia/Jakarta') }}"}
    )
    assert req.timezone == "Asia/Jakarta"


def test_run_ids_sort_by_time():
    first = runid.new(MONDAY_10)
    assert first.startswith("20261123T030000Z-") and len(first) == 23  # 10:00 in Jakarta, in UTC
    assert runid.new(MONDAY_10) != first


def test_close_watch_sees_the_closing_record_once_it_is_whole(tmp_path):
    agenda = tmp_path / "run.jsonl"
    watch = runner.CloseWatch(agenda)
    assert not watch.closed()  # not written yet
    agenda.write_text('{"type":"run_start","seq":0}\n{"type":"task","task":"run_end of nothing"}\n')
    assert not watch.closed()  # "run_end" in a task's text is not the closing record
    with agenda.open("a") as fh:
        fh.write('{"seq":9,"type":"run_')
    assert not watch.closed()  # half a line
    with agenda.open("a") as fh:
        fh.write('end","status":"successful"}\n')
    assert watch.closed()


def test_a_cancelled_sop_run_has_its_cleanup_playbook_beside_its_own():
    playbooks = Path(__file__).resolve().parents[2] / "playbooks"
    for name, playbook in runner.CANCEL_CLEANUP.items():
        assert name in runner.PLAYBOOKS
        assert (playbooks / playbook).is_file()
    assert runner.CANCEL_CLEANUP["backup"] == "backup_cleanup.yml"
