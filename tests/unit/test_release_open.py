"""A release's first step decided in one action (release_plan), and the switch with its restore done in the
unpack's own run (module_utils/release_switch): the decisions and messages, without a target."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
from ansible.plugins.test.core import version_compare  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.module_utils import release as rs  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_plan as rp  # noqa: E402

SHA = "a" * 64
OTHER = "b" * 64


def settings(**over) -> dict:
    base = {
        "version": "2.0",
        "artifact": "/srv/rilis/siak-app-2.0.tar.gz",
        "sha256": SHA,
        "skip_checksum": False,
        "root": "/opt/siak/app",
        "kind": "app",
        "label": "SIAK application",
        "host": "siak-vm",
        "step": 5,
        "service": {"manager": "command", "start_command": "start", "stop_command": "stop"},
        "health": {"kind": "http", "url": "http://127.0.0.1/health"},
        "keep_releases": 3,
        "shared_paths": ["logs"],
        "shared_files": [],
        "disk_margin_mib": 64,
    }
    base.update(over)
    return base


def state(current=None, previous=None, releases=(), free=10 << 30) -> dict:
    return {
        "current": current,
        "previous": previous,
        "releases": list(releases),
        "partials": [],
        "free_bytes": free,
        "free_path": "/opt",
    }


def rel(name, version=None, sha=SHA, complete=True) -> dict:
    return {"name": name, "version": version or name, "sha256": sha, "complete": complete}


def decide(s, st, info=None, location="controller", check_mode=False):
    info = (
        {"sha256": SHA, "size_bytes": 100, "unpacked_bytes": 1000, "format": "tar"} if info is None else info
    )
    return rp.decide(
        s,
        st,
        info,
        location=location,
        check_mode=check_mode,
        version_lt=lambda a, b: version_compare(a, b, "<"),
        now=datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
    )


def test_good_settings_have_no_problems():
    assert rp.setting_problems(settings()) == []


def test_every_bad_setting_is_named_in_the_roles_words():
    problems = rp.setting_problems(
        settings(
            version="2.0 beta",
            artifact="",
            sha256="xyz",
            root="opt/siak",
            service={"manager": "command", "start_command": "go"},
            health={"kind": "tcp"},
            keep_releases=0,
            shared_paths=["../etc", "/abs"],
        )
    )
    assert problems == [
        'version "2.0 beta" is not a plain version such as 2.0',
        "no artifact given",
        "the sha256 must be 64 hex digits (or waive it explicitly with skip_checksum)",
        "the root opt/siak is not an absolute path",
        "service manager command needs start_command and stop_command",
        "health kind tcp needs a port",
        "keep_releases must be 1 or more",
        "shared path not relative inside the release: ../etc",
        "shared path not relative inside the release: /abs",
    ]


def test_a_waived_checksum_needs_no_sha256_and_a_windows_root_is_absolute():
    assert rp.setting_problems(settings(sha256="", skip_checksum=True, root="D:\\siak\\app")) == []


def test_the_location_is_a_url_or_the_controller_unless_given():
    assert rp.location_of("auto", "https://rilis.example/siak.tar.gz") == "url"
    assert rp.location_of("auto", "/srv/siak.tar.gz") == "controller"
    assert rp.location_of("remote", "/srv/siak.tar.gz") == "remote"


def test_a_first_install_uses_the_versions_own_folder():
    out = decide(settings(), state())
    plan = out["plan"]
    assert (plan["action"], plan["release_name"], plan["from_version"], plan["reuse"]) == (
        "install",
        "2.0",
        None,
        False,
    )
    assert out["change"] and not out["refusal"]
    assert out["artifact_transfer"] == 100 and out["artifact_unpacked"] == 1000
    assert rp.saying(settings(), plan, False) == (
        "siak-vm: Langkah 5: SIAK application is not installed; will install 2.0 into /opt/siak/app/releases/2.0."
    )


def test_the_same_version_is_current_and_changes_nothing():
    out = decide(settings(), state(current=rel("2.0"), releases=[rel("2.0")]))
    assert out["plan"]["action"] == "current" and not out["change"] and out["plan"]["same_artifact"]
    said = rp.saying(settings(), out["plan"], False, {"healthy": True})
    assert "is already at version 2.0, running and healthy; nothing to replace." in said


def test_an_upgrade_in_check_mode_changes_nothing_and_says_so():
    out = decide(settings(), state(current=rel("1.0"), releases=[rel("1.0")]), check_mode=True)
    assert out["plan"]["action"] == "install" and not out["change"]
    said = rp.saying(settings(), out["plan"], True)
    assert said.endswith("1.0 will be replaced by 2.0 (release 2.0). (check mode: nothing changes)")


def test_a_live_or_foreign_release_of_the_same_name_is_never_rewritten():
    # previous is 2.0 (another artifact): the new one goes to a timestamped folder.
    out = decide(
        settings(), state(current=rel("1.0"), previous=rel("2.0"), releases=[rel("1.0"), rel("2.0")])
    )
    assert out["plan"]["release_name"] == "2.0-20261121T093000" and not out["plan"]["reuse"]
    # A complete 2.0 of the same artifact that is neither current nor previous is kept and reused.
    out = decide(settings(), state(current=rel("1.0"), releases=[rel("1.0"), rel("2.0")]))
    assert out["plan"]["release_name"] == "2.0" and out["plan"]["reuse"]


def test_a_wrong_checksum_is_refused_first():
    out = decide(settings(sha256=OTHER), state(current=rel("3.0"), releases=[rel("3.0")], free=0))
    assert out["refusal"] == (
        f"siak-vm: Langkah 5: the artifact /srv/rilis/siak-app-2.0.tar.gz has sha256 {SHA}, not the {OTHER} that was "
        "given. Nothing was changed. Copy the artifact again from its source and compare its checksum with the one "
        "published with it."
    )


def test_a_downgrade_is_refused_unless_allowed():
    st = state(current=rel("2.10"), releases=[rel("2.10")])
    assert "refusing to downgrade the SIAK application from 2.10 to 2.0" in decide(settings(), st)["refusal"]
    assert decide(settings(allow_downgrade=True), st)["refusal"] == ""
    # 2.10 is newer than 2.9 (a version, not a string, comparison).
    assert decide(settings(version="2.10"), state(current=rel("2.9"), releases=[rel("2.9")]))["refusal"] == ""


def test_too_little_disk_is_refused_with_the_figures():
    out = decide(
        settings(disk_margin_mib=0), state(free=1024 * 1024), info={"sha256": SHA, "unpacked_bytes": 3 << 20}
    )
    assert out["refusal"] == (
        "siak-vm: Langkah 5: not enough free disk for the SIAK application 2.0 under /opt/siak/app: 3.0 MiB needed "
        "(release, artifact and a 0 MiB margin), 1.0 MiB free on /opt. Nothing was changed. Free space there, or "
        "lower the margin."
    )


class Runner:
    """Commands as the library runs them (AnsibleModule.run_command in the modules); some of them fail."""

    def __init__(self, fail=()):
        self.fail, self.ran = set(fail), []

    def __call__(self, cmd):
        self.ran.append(cmd)
        return (1, "", f"{cmd} failed") if cmd in self.fail else (0, "", "")


def layout(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    for name in ("1.0", "2.0"):
        (root / "releases" / name).mkdir(parents=True)
        (root / "releases" / name / rs.MARKER).write_text(f'{{"version": "{name}"}}')
    os.symlink("releases/1.0", root / "current")
    return root


SERVICE = {"manager": "command", "start_command": "start", "stop_command": "stop"}
HEALTH = {"kind": "command", "command": "healthy", "retries": 1, "delay_s": 0.1}


def links(root: Path) -> tuple[str | None, str | None]:
    return tuple(
        os.readlink(root / n) if os.path.lexists(root / n) else None for n in ("current", "previous")
    )


def test_switch_makes_the_new_release_current_and_keeps_the_old_one_as_previous(tmp_path):
    root = layout(tmp_path)
    result = rs.switch(Runner(), str(root), "2.0", service=SERVICE)
    assert result["switched"] and result["healthy"] and result["phase"] == "done"
    assert links(root) == ("releases/2.0", "releases/1.0")
    assert not (root / rs.JOURNAL).exists()


@pytest.mark.parametrize(("fail", "phase", "switched"), [("stop", "stop", False), ("start", "start", True)])
def test_a_failed_switch_says_where_and_puts_the_old_release_back_in_the_same_call(
    tmp_path, fail, phase, switched
):
    root = layout(tmp_path)
    runner = Runner(fail={fail})
    result = rs.switch(runner, str(root), "2.0", service=SERVICE)
    assert not result["healthy"] and result["phase"] == phase and result["switched"] is switched
    assert result["restore"]["restored"] and not result["restore"]["first_install"]
    assert links(root) == ("releases/1.0", None)


def test_a_first_install_that_fails_leaves_no_current(tmp_path):
    root = tmp_path / "app"
    (root / "releases" / "1.0").mkdir(parents=True)
    result = rs.switch(Runner(fail={"start"}), str(root), "1.0", service=SERVICE)
    assert result["switched"] and result["restore"]["first_install"] and result["restore"]["restored"]
    assert links(root) == (None, None) and not (root / rs.JOURNAL).exists()


def test_a_restored_release_that_does_not_start_keeps_the_journal_for_the_next_run(tmp_path):
    root = layout(tmp_path)
    result = rs.switch(Runner(fail={"start"}), str(root), "2.0", service=SERVICE)
    assert not result["restore"]["started"] and "did not start" in result["restore"]["error"]
    assert links(root)[0] == "releases/1.0" and (root / rs.JOURNAL).exists()


def cut_after_switch(root: Path) -> None:
    """What a run cut off between its switch and its start leaves: the journal, current on the new release."""
    rs.write_journal(str(root), {"to": "2.0", "from": "1.0", "previous_before": None})
    rs.switch_links(str(root), "2.0", "1.0")


def test_a_switch_cut_before_the_start_is_finished_by_the_next_run(tmp_path):
    root = layout(tmp_path)
    cut_after_switch(root)
    runner = Runner()
    state, done = rs.reconcile(runner, str(root), service=SERVICE, health=HEALTH)
    assert [d["what"] for d in done] == ["completed_switch"] and "start" in runner.ran
    assert state["current"]["name"] == "2.0" and state["healthy"] is True and state["journal"] is None


def test_a_switch_cut_before_the_start_of_a_release_that_does_not_come_up_is_undone(tmp_path):
    root = layout(tmp_path)
    cut_after_switch(root)
    state, done = rs.reconcile(Runner(fail={"healthy"}), str(root), service=SERVICE, health=HEALTH)
    assert done[0]["what"] == "restore_failed" and links(root) == ("releases/1.0", None)
    assert state["healthy"] is False  # the old release answers the same health check in this fake


def test_a_switch_cut_during_the_restore_is_finished_by_the_next_run(tmp_path):
    root = layout(tmp_path)
    rs.write_journal(str(root), {"to": "2.0", "from": "1.0", "previous_before": None})
    rs.relink(str(root), "previous", "releases/1.0")  # cut between the two renames of the restore
    state, done = rs.reconcile(Runner(), str(root), service=SERVICE, health=HEALTH)
    assert done[0]["what"] == "restored" and links(root) == ("releases/1.0", None)
    assert state["journal"] is None and state["healthy"] is True


def test_a_live_release_that_does_not_answer_is_started_again(tmp_path):
    root = layout(tmp_path)

    class DownOnce(Runner):
        def __call__(self, cmd):
            self.ran.append(cmd)
            return (1, "", "down") if cmd == "healthy" and "start" not in self.ran else (0, "", "")

    runner = DownOnce()
    state, done = rs.reconcile(runner, str(root), service=SERVICE, health=HEALTH)
    assert done[0]["what"] == "started" and state["healthy"] is True


def test_leftovers_of_a_cut_run_are_removed_and_named(tmp_path):
    root = layout(tmp_path)
    (root / "releases" / ".3.0.partial-abc" / "bin").mkdir(parents=True)
    (root / rs.INCOMING).mkdir()
    (root / rs.INCOMING / "3.0.x.part").write_bytes(b"x" * 10)
    _state, done = rs.reconcile(Runner(), str(root), service=SERVICE, health=HEALTH, check_mode=True)
    assert (root / rs.INCOMING / "3.0.x.part").exists(), "check mode removed something"
    state, done = rs.reconcile(Runner(), str(root), service=SERVICE, health=HEALTH)
    assert done[0]["what"] == "cleaned" and len(done[0]["paths"]) == 2
    assert state["partials"] == [] and state["incoming_parts"] == []


def test_without_a_health_check_whether_the_release_runs_is_not_known(tmp_path):
    root = layout(tmp_path)
    state, done = rs.reconcile(Runner(), str(root), service=SERVICE, health={"kind": "none"})
    assert done == [] and state["healthy"] is None


def test_the_plan_is_current_only_when_the_live_release_is_healthy():
    here = state(current=rel("2.0"), releases=[rel("2.0")])
    assert decide(settings(), dict(here, healthy=True))["plan"]["action"] == "current"
    assert decide(settings(), dict(here, healthy=None))["plan"]["action"] == "current"
    down = decide(settings(), dict(here, healthy=False))
    assert down["plan"]["action"] == "repair" and down["change"]
    cut = decide(settings(), dict(here, healthy=True, journal={"to": "2.0"}))
    assert cut["plan"]["action"] == "repair" and cut["change"]


def test_after_a_failure_the_report_says_what_the_server_shows():
    plan = {"from_version": "1.0", "from_release": "1.0", "release_name": "2.0", "root": "/opt/x"}
    s = {"host": "vm", "label": "SIAK proxy", "step": 8, "version": "2.0"}
    lost = {"connection_lost": True}
    live_new = {"current": {"name": "2.0", "version": "2.0"}, "healthy": True, "journal": None}
    verdict = rp.outcome(
        s, plan, failed_task="t", failed_msg="m", failed_result=lost, after=live_new, look="ssh"
    )
    assert verdict["result"] == "updated" and verdict["to_version"] == "2.0"
    assert "Nothing was switched" not in verdict["message"] and "SIAK proxy 2.0 live" in verdict["message"]
    unknown = rp.outcome(
        s, plan, failed_task="t", failed_msg="m", failed_result=lost, after=None, look="ssh vm x"
    )
    assert (
        unknown["result"] == "unknown" and unknown["to_version"] is None and "ssh vm x" in unknown["message"]
    )
    back = {"current": {"name": "1.0", "version": "1.0"}, "healthy": True, "journal": None}
    rolled = rp.outcome(
        s, plan, failed_task="t", failed_msg="m", failed_result={"switched": True}, after=back, look=""
    )
    assert rolled["result"] == "rolled_back" and "is current again, started and healthy" in rolled["message"]


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (None, "artefak {path}: entri arsip ../../evil.dll akan tertulis di luar folder rilis"),
        ("en", "artifact {path}: member ../../evil.dll would land outside the release directory"),
    ],
)
def test_a_zip_measured_on_a_windows_server_with_a_member_outside_is_refused_in_the_runs_language(
    lang, wanted, tmp_path
):
    """The Windows tasks measure a zip already on the server with PowerShell and name the members that would
    land outside; the action (a real run on this machine, given what Windows read) refuses it, naming it."""
    import json
    import subprocess
    import sys

    artifact = "C:\\rilis\\siak-app-2.0.zip"
    args = dict(
        settings(root="C:\\SIAK\\app", artifact=artifact),
        location="remote",
        steps={"open": {"number": 5}},
        windows=True,
        state=state(),
        artifact_info={"sha256": SHA, "size_bytes": 100, "format": "zip", "files": 1, "unpacked_bytes": 10,
                       "unsafe": ["../../evil.dll"]},
    )  # fmt: skip
    for key in ("host", "step"):
        args.pop(key)
    play = tmp_path / "open.yml"
    play.write_text(
        json.dumps(
            [{"hosts": "localhost", "gather_facts": False, "tasks": [{"dukcapil.siak.release_open": args}]}]
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "SIAK_LANG"}
    env["ANSIBLE_CONFIG"] = str(Path(__file__).resolve().parents[2] / "ansible.cfg")
    if lang:
        env["SIAK_LANG"] = lang
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-c", "local", "-i", "localhost,", str(play)],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and wanted.format(path=artifact.replace("\\", "\\\\")) in done.stdout, (
        done.stdout[-3000:] + done.stderr[-2000:]
    )
