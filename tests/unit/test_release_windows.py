"""The Windows release: the controller's decisions over what ansible.windows tasks read and did
(plugin_utils/release_windows.py), and that the records the PowerShell and the task files write carry the field
names the Python readers expect. PowerShell cannot run here (docs/development.md): what the scripts do on a
Windows host is not tested; their records' shape and the decisions are."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "collections"))

from ansible_collections.dukcapil.siak.plugins.module_utils import release as rl  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.module_utils import run_lock  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils import lock_sentences  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_windows as rw  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import decide  # noqa: E402

WIN = REPO / "roles" / "release" / "tasks" / "windows"


def rel(name, version=None, complete=True):
    return {"name": name, "version": version or name, "complete": complete, "sha256": "a" * 64}


def state(current=None, previous=None, journal=None, **extra):
    out = {
        "root": r"C:\SIAK\app",
        "root_exists": True,
        "current": rel(current) if current else None,
        "previous": rel(previous) if previous else None,
        "releases": [rel(n) for n in {current, previous} if n],
        "partials": [],
        "incoming_parts": [],
        "journal": journal,
        "lock": None,
        "free_bytes": 10**10,
        "prune": [],
    }
    out.update(extra)
    return out


JOURNAL = {"kind": "upgrade", "to": "2.0", "from": "1.0", "previous_before": "0.9", "started": "x"}


# ---------------------------------------------------------------------------------------------- decisions


def test_the_first_step_of_a_reconcile_follows_the_journal_and_the_links():
    assert rw.case(state("2.0", "1.0", JOURNAL)) == rw.FINISH_SWITCH
    assert rw.case(state("1.0", "0.9", JOURNAL)) == rw.UNDO_SWITCH
    assert rw.case(state(None, None, dict(JOURNAL, **{"from": None}))) == rw.UNDO_SWITCH
    assert rw.case(state("1.0", "0.9")) == rw.CHECK_LIVE
    assert rw.case(state()) == rw.NOTHING


def test_a_restore_goes_where_the_journal_says_else_to_a_complete_previous():
    assert rw.restore_target(state("2.0", "1.0", JOURNAL)) == {
        "to": "1.0",
        "previous": "0.9",
        "journal": True,
    }
    first = dict(JOURNAL, **{"from": None, "previous_before": None})
    assert rw.restore_target(state("2.0", None, first)) == {"to": "", "previous": "", "journal": True}
    assert rw.restore_target(state("2.0", "1.0"))["to"] == "1.0"
    assert rw.restore_target(state("2.0", "2.0"))["to"] == ""
    incomplete = dict(state("2.0"), previous=rel("1.0", complete=False))
    assert rw.restore_target(incomplete)["to"] == ""


def test_the_health_verdict_reads_the_registered_results_of_the_kind_that_ran():
    skipped = {"skipped": True}
    assert rw.health_verdict({"kind": "none"}, [{"failed": True}]) == {"healthy": None, "health_error": ""}
    assert rw.health_verdict({"kind": "http"}, [{"status_code": 200}, skipped, skipped])["healthy"] is True
    bad = rw.health_verdict({"kind": "http"}, [{"failed": True, "msg": "Status code was 503\nmore"}, skipped])
    assert bad == {"healthy": False, "health_error": "Status code was 503"}
    assert (
        rw.health_verdict({"kind": "tcp"}, [skipped, {"unreachable": True, "msg": "x"}])["healthy"] is False
    )
    assert rw.health_verdict({"kind": "tcp"}, [skipped, skipped, {}])["healthy"] is None


def test_a_finished_switch_and_the_leftovers_are_recorded_as_on_linux():
    done = rw.reconciled(
        state("2.0", "1.0", JOURNAL),
        cleaned=[r"C:\SIAK\app\releases\.2.0.partial-ab", r"C:\SIAK\app\.incoming\a.zip.ab.part"],
        probe={"healthy": False, "health_error": "503"},
        repair={"ok": True, "error": ""},
        restore=None,
    )
    assert done == [
        {
            "what": "cleaned",
            "paths": [r"C:\SIAK\app\releases\.2.0.partial-ab", r"C:\SIAK\app\.incoming\a.zip.ab.part"],
        },
        {"what": "completed_switch", "release": "2.0"},
    ]


def test_a_switch_whose_release_does_not_come_up_is_undone_and_said_so():
    back = {"restored": True, "first_install": False, "started": True, "healthy": True, "error": ""}
    done = rw.reconciled(
        state("2.0", "1.0", JOURNAL),
        cleaned=[],
        probe=None,
        repair={"ok": False, "error": "503"},
        restore=back,
    )
    assert done == [
        {"what": "restored", "release": "1.0", "failed_release": "2.0", "error": "503", "restore": back}
    ]
    cut = rw.reconciled(state("1.0", "0.9", JOURNAL), cleaned=[], probe=None, repair=None, restore=back)
    assert cut[0]["what"] == "restored" and cut[0]["error"] == "the switch was cut off"
    failed = dict(back, healthy=False, error="503 again")
    assert (
        rw.reconciled(state("1.0", "0.9", JOURNAL), cleaned=[], probe=None, repair=None, restore=failed)[0][
            "what"
        ]
        == "restore_failed"
    )


def test_a_live_release_that_does_not_answer_is_started_or_replaced_by_previous():
    probe = {"healthy": False, "health_error": "connection refused"}
    started = rw.reconciled(state("2.0", "1.0"), cleaned=[], probe=probe, repair={"ok": True}, restore=None)
    assert started == [{"what": "started", "release": "2.0", "error": "connection refused"}]
    no_prev = rw.reconciled(
        state("2.0"), cleaned=[], probe=probe, repair={"ok": False, "error": "x"}, restore=None
    )
    assert no_prev == [{"what": "start_failed", "release": "2.0", "error": "x"}]
    healthy = rw.reconciled(
        state("2.0", "1.0"), cleaned=[], probe={"healthy": True}, repair=None, restore=None
    )
    assert healthy == []


def test_a_windows_folder_with_a_journal_or_a_dead_release_is_repaired_never_already_current():
    settings = {
        "version": "2.0",
        "artifact": "a.zip",
        "root": r"C:\SIAK\app",
        "kind": "app",
        "label": "SIAK",
        "host": "win",
        "step": 5,
        "skip_checksum": True,
    }

    def action(st):
        return decide(settings, st, {}, location="remote", check_mode=False, version_lt=lambda a, b: a < b)[
            "plan"
        ]["action"]

    assert action(dict(state("2.0", "1.0", JOURNAL), healthy=None)) == "repair"
    assert action(dict(state("2.0", "1.0"), healthy=False)) == "repair"
    assert action(dict(state("2.0", "1.0"), healthy=True)) == "current"


# ---------------------------------------------------------------------------------------------- the records


def tasks(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text())


def walk(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from walk(task.get(key))


def test_the_windows_journal_has_the_linux_journals_fields():
    (write,) = [t for t in walk(tasks(WIN / "switch.yml")) if "ansible.windows.win_copy" in t]
    assert write["ansible.windows.win_copy"]["dest"].endswith("\\" + rl.JOURNAL)
    assert tuple(write["vars"]["__journal"]) == rw.JOURNAL_FIELDS
    # The Linux library's own journal carries the same fields (and the module's pid).
    source = (REPO / "plugins" / "module_utils" / "release.py").read_text()
    block = source[source.index("    journal = {") : source.index("    write_journal(root, journal)")]
    assert set(re.findall(r'"(\w+)":', block)) == set(rw.JOURNAL_FIELDS) | {"pid"}
    # Every task that removes the journal names the same file.
    removed = [
        t["ansible.windows.win_file"]["path"]
        for f in ("switch.yml", "restore.yml", "reconcile.yml")
        for t in walk(tasks(WIN / f))
        if "ansible.windows.win_file" in t
        and t["ansible.windows.win_file"].get("state") == "absent"
        and "loop" not in t
    ]
    assert removed and all(p.endswith("\\" + rl.JOURNAL) for p in removed)


def test_the_windows_state_read_writes_the_keys_the_readers_use():
    (read,) = [t for t in tasks(WIN / "state.yml") if "ansible.windows.win_powershell" in t]
    script = read["ansible.windows.win_powershell"]["script"]
    written = set(re.findall(r"(\w+) = ", script[script.index("$state = @{") :]))
    assert set(rw.STATE_FIELDS) <= written
    assert f"'{rl.JOURNAL}'" in script and f"'{rl.LOCK_NAME}'" in script and f"'{rl.INCOMING}'" in script
    assert f"'*{rl.PART_SUFFIX}'" in script and f"'{rl.MARKER}'" in script
    # Its health probe is one try whose failure is registered for health_verdict, under the names it reads.
    (probe,) = [
        t for t in tasks(WIN / "state.yml") if t.get("ansible.builtin.import_tasks") == "windows/health.yml"
    ]
    assert probe["vars"] == {"__release_health_probe": True}
    health = tasks(WIN / "health.yml")
    assert [t["register"] for t in health] == [
        "__release_health_http",
        "__release_health_tcp",
        "__release_health_cmd",
    ]
    assert all("__release_health_probe" in str(t["ignore_errors"]) for t in health)
    verdict = next(t for t in tasks(WIN / "state.yml") if "ansible.builtin.set_fact" in t)
    assert all(
        name in str(verdict)
        for name in ("__release_health_http", "__release_health_tcp", "__release_health_cmd")
    )


def test_the_windows_lock_writes_the_record_the_linux_lock_reads():
    from ansible_collections.dukcapil.siak.plugins.action import run_lock as action

    script = action.WINDOWS_LOCK
    # The record is the action's holder (the same dict the Linux module writes) plus token, run_id, about.
    for name in ("$Path.guard", "$before.token", "ConvertFrom-Json", "Move-Item"):
        assert name in script
    # The locked host's boot, under the name the Linux module writes it (module_utils/run_lock.take).
    linux = (REPO / "plugins" / "module_utils" / "run_lock.py").read_text()
    assert "target_boot_id=boot_id()" in linux
    assert "-NotePropertyName target_boot_id" in script and "LastBootUpTime" in script
    holder, _token = action.this_run({"siak_run_id": "r1"}, 1_700_000_000)
    assert {"user", "host", "boot_id", "pid", "pid_start", "since", "since_epoch"} <= set(holder)
    record = dict(holder, token="t", run_id="r1", about={"kind": "app"})
    assert "r1" in lock_sentences.refusal("win", r"C:\SIAK\app\.siak-upgrade.lock", record)
    assert run_lock.holder_is_gone(
        record, {"host": holder["host"], "boot_id": holder["boot_id"]}, 1_700_000_001, 60, lambda pid: None
    ) == (True, "process")


def test_the_windows_backup_takes_the_one_lock_at_the_linux_backups_name():
    """A backup on a Windows server takes run_lock, the lock of upgrades and of the Linux backup, at the name the
    Linux backup uses, and gives it back whatever happens once it holds it."""
    role = REPO / "roles" / "oracle_backup"
    linux = yaml.safe_load((role / "vars" / "main.yml").read_text())["__oracle_backup_lock"]
    steps = tasks(role / "tasks" / "windows.yml")
    take, give_back = [t for t in walk(steps) if "dukcapil.siak.run_lock" in t]
    path = take["dukcapil.siak.run_lock"]["path"]
    assert (
        path.endswith("\\" + linux.rsplit("/", 1)[1]) and give_back["dukcapil.siak.run_lock"]["path"] == path
    )
    assert "state" not in take["dukcapil.siak.run_lock"] and take["register"] == "__oracle_backup_lock_result"
    assert give_back["dukcapil.siak.run_lock"]["state"] == "absent" and "acquired" in give_back["when"]
    assert give_back in next(t for t in steps if "always" in t)["always"]
    # No second lock beside it: no other task names the lock's file.
    leaves = [t for t in walk(steps) if not any(key in t for key in ("block", "rescue", "always"))]
    assert [
        t["name"] for t in leaves if ".siak-backup.lock" in str(t) and "dukcapil.siak.run_lock" not in t
    ] == []


def test_the_client_pcs_lock_and_leftovers_on_windows_use_the_linux_names():
    client = REPO / "roles" / "client_rollout"
    update = list(walk(tasks(client / "tasks" / "windows" / "update.yml")))
    locks = [t["dukcapil.siak.run_lock"]["path"] for t in update if "dukcapil.siak.run_lock" in t]
    assert len(locks) == 2 and all(p.endswith("\\" + rl.LOCK_NAME) for p in locks)
    give_back = next(t for t in update if t.get("name", "").endswith("Give the workstation's lock back"))
    assert give_back["dukcapil.siak.run_lock"]["state"] == "absent"
    assert give_back in tasks(client / "tasks" / "windows" / "update.yml")[1]["always"]
    script = (client / "files" / "windows" / "leftovers.ps1").read_text()
    assert "cleaned = " in script and f"'*{rl.PART_SUFFIX}'" in script
    record = next(t for t in update if "__client_rollout_result" in t.get("ansible.builtin.set_fact", {}))
    assert "cleaned" in record["ansible.builtin.set_fact"]["__client_rollout_result"]


def test_a_windows_pcs_recorded_leftovers_reach_its_report_row():
    sys.path.insert(0, str(REPO / "plugins" / "filter"))
    import client_rollout_rows

    host = {
        "inventory_hostname": "win01",
        "group_names": ["workstations", "windows_workstations"],
        "__client_rollout_probe": {
            "result": {
                "root": "C:\\SIAK",
                "version": "2.0",
                "sha256": "a" * 64,
                "link": "1.0",
                "current_version": "1.0",
                "current_sha256": "b" * 64,
                "target_exists": False,
                "pids": [],
            }
        },
        "__client_rollout_result": {
            "status": "updated",
            "to_version": "2.0",
            "cleaned": [r"C:\c\incoming\2.0.zip.part"],
        },
    }
    (row,) = client_rollout_rows.client_rollout_rows([host])
    assert (
        row["cleaned"] == [r"C:\c\incoming\2.0.zip.part"]
        and "sisa run yang terputus dihapus" in row["message"]
    )


def test_windows_release_paths_have_single_backslashes():
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    role_vars = yaml.safe_load((REPO / "roles" / "release" / "vars" / "main.yml").read_text())
    variables = {k: trust_as_template(v) if isinstance(v, str) else v for k, v in role_vars.items()}
    variables.update(
        release_root="C:\\SIAK\\app",
        release_artifact="/rilis/siak-app-2.0.zip",
        __release_open={"windows": True, "token": "ab12", "plan": {}},
        __release_open_win={"plan": {"release_name": "2.0"}},
    )
    templar = Templar(loader=DataLoader(), variables=variables)
    paths = templar.template(
        trust_as_template("{{ [__release_lock_path, __release_partial, __release_incoming] }}")
    )
    assert paths == [
        "C:\\SIAK\\app\\.siak-upgrade.lock",
        "C:\\SIAK\\app\\releases\\.2.0.partial-ab12",
        "C:\\SIAK\\app\\.incoming\\siak-app-2.0.zip.ab12.part",
    ]


def test_the_windows_rollback_gives_the_switch_every_plan_key_it_reads():
    rollback = list(walk(tasks(REPO / "roles" / "release" / "tasks" / "rollback.yml")))
    (switch,) = [t for t in rollback if t.get("ansible.builtin.include_tasks") == "windows/switch.yml"]
    read = set(re.findall(r"__release_plan\.(\w+)", (WIN / "switch.yml").read_text()))
    assert read and read <= set(switch["vars"]["__release_plan"])
    assert switch["vars"]["__release_switch_kind"] == "rollback"
    # The folder is read by the same Windows state read as the upgrade's, and the lock is the same file.
    assert any(t.get("ansible.builtin.include_tasks") == "windows/state.yml" for t in rollback)
    keep = next(t for t in rollback if "__rollback_lock_path" in t.get("ansible.builtin.set_fact", {}))
    assert keep["ansible.builtin.set_fact"]["__rollback_lock_path"].endswith(rl.LOCK_NAME)
    locks = [t["dukcapil.siak.run_lock"]["path"] for t in rollback if "dukcapil.siak.run_lock" in t]
    assert locks == ["{{ __rollback_lock_path }}"] * 2


def test_a_windows_pc_has_the_linux_pcs_release_layout():
    from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr

    client = REPO / "roles" / "client_rollout"
    files = client / "files" / "windows"
    update = list(walk(tasks(client / "tasks" / "windows" / "update.yml")))
    # The marker, the releases folder, the current junction and .incoming: the Linux PC's names.
    for name in ("probe.ps1", "unpack.ps1", "prune.ps1"):
        assert f"'{cr.MARKER}'" in (files / name).read_text(), name
    for name in ("leftovers.ps1", "cleanup.ps1"):
        assert f"'{rl.INCOMING}'" in (files / name).read_text(), name
    text = (client / "tasks" / "windows" / "update.yml").read_text()
    assert f"\\\\{rl.INCOMING}\\\\" in text and "\\\\current" in text
    # current is switched by the server's own junction switch (one script), previous kept.
    ps = [t for t in update if "ansible.windows.win_powershell" in t]
    (switch,) = [t for t in ps if "switch_link.ps1" in str(t)]
    params = switch["ansible.windows.win_powershell"]["parameters"]
    assert "release/files/windows/switch_link.ps1" in switch["ansible.windows.win_powershell"]["script"]
    assert params["KeepPrevious"] is True and set(params) == {"Root", "Name", "Previous", "KeepPrevious"}
    server = tasks(WIN / "switch_link.yml")[0]["ansible.windows.win_powershell"]
    assert set(server["parameters"]) == set(params) and "windows/switch_link.ps1" in server["script"]
    # What the PC read is decided on the controller with the Linux PC's code, never in PowerShell.
    assert (
        "dukcapil.siak.client_windows_probe" in text
        and "already_current" not in (files / "probe.ps1").read_text()
    )
    # A failure removes the release this run staged, unless current or previous points at it.
    (cleanup,) = [t for t in ps if "windows/cleanup.ps1" in str(t)]
    assert (
        "__client_rollout_unpack is changed"
        in cleanup["ansible.windows.win_powershell"]["parameters"]["Staged"]
    )
    script = (files / "cleanup.ps1").read_text()
    assert "$Staged -and $live -notcontains $Version" in script


def run_role_task(path: Path, name: str, tmp_path: Path, **given) -> str:
    """Run the role's own task ``name`` (from ``path``) on this machine with what the Windows tasks before it
    registered (``given``): the controller-side judgement of a Windows answer, with real Ansible templating.
    Returns the run's output; the run's exit code is in its last line."""
    import json
    import os
    import subprocess

    task = next(t for t in walk(tasks(path)) if t.get("name") == name)
    task = {k: v for k, v in task.items() if k != "tags"}
    play = [{"hosts": "localhost", "gather_facts": False, "vars": given, "tasks": [task]}]
    (tmp_path / "play.yml").write_text(json.dumps(play))
    env = {k: v for k, v in os.environ.items() if k != "SIAK_LANG"}
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-c", "local", "-i", "localhost,", "play.yml"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    return f"{done.stdout}\n{done.stderr}\nrc={done.returncode}"


def test_a_windows_backup_disk_not_plugged_in_is_refused_in_the_offices_words(tmp_path):
    backup = REPO / "roles" / "oracle_backup" / "tasks" / "windows.yml"
    refuse = "Langkah 5 | Refuse a destination whose disk is not plugged in"
    ready = {"results": [{"stdout": "Fixed 20480 MiB free\r\n", "item": {"name": "disk2"}}]}
    assert run_role_task(backup, refuse, tmp_path, __oracle_backup_win_volumes=ready).endswith("rc=0")
    missing = {
        "results": [ready["results"][0], {"stdout": "not-ready E:\\\r\n", "item": {"name": "flashdisk"}}]
    }
    out = run_role_task(backup, refuse, tmp_path, __oracle_backup_win_volumes=missing)
    assert (
        out.endswith("rc=2")
        and (
            "localhost: Langkah 5 (copy_to_spare): volume E:\\\\ untuk flashdisk belum siap: pasang disknya lalu "
            "jalankan ulang. Tidak ada yang disalin."
        )
        in out
    ), out[-3000:]


def test_a_package_a_windows_pc_refused_fails_its_step_in_the_offices_words(tmp_path):
    update = REPO / "roles" / "client_rollout" / "tasks" / "windows" / "update.yml"
    refuse = "Langkah 10 | Refuse a package that is not the release asked for"
    plan = {"version": "2.0", "windows_sha256": "a" * 64}
    done = {"changed": True, "result": {}}
    assert run_role_task(
        update, refuse, tmp_path, __client_rollout_unpack=done, __client_rollout_plan=plan
    ).endswith("rc=0")
    refused = {"changed": False, "result": {"refused": "not_the_release", "entrypoint": "siak.exe"}}
    out = run_role_task(update, refuse, tmp_path, __client_rollout_unpack=refused, __client_rollout_plan=plan)
    assert (
        out.endswith("rc=2")
        and "artefak tidak memuat siak.exe: artefak ini bukan rilis dari yang diminta" in out
    )
