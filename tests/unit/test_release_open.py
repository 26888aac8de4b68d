"""A release's first step decided in one action (release_plan), and the switch with its restore done in the
unpack's own run (module_utils/release_switch): the decisions and messages, without a target."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "collections"))
from ansible.plugins.test.core import version_compare  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.module_utils import release_switch as rs  # noqa: E402
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
    assert "is already at version 2.0; nothing to replace." in rp.saying(settings(), out["plan"], False)


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


class FakeModule:
    """run_command of the service commands, as the stand-in's start/stop would answer."""

    def __init__(self, fail=()):
        self.fail, self.ran = set(fail), []

    def run_command(self, cmd, **_kw):
        self.ran.append(cmd)
        return (1, "", f"{cmd} failed") if cmd in self.fail else (0, "", "")

    def warn(self, msg):
        self.ran.append("warn " + msg)


def layout(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    for name in ("1.0", "2.0"):
        (root / "releases" / name).mkdir(parents=True)
    os.symlink("releases/1.0", root / "current")
    return root


SERVICE = {"manager": "command", "start_command": "start", "stop_command": "stop"}


def test_go_live_switches_in_one_rename_and_keeps_the_old_one_as_previous(tmp_path):
    root = layout(tmp_path)
    why, result = rs.go_live(FakeModule(), str(root), "2.0", service=SERVICE)
    assert why is None and result["switched"] and result["phase"] == "done"
    assert (
        os.readlink(root / "current") == "releases/2.0" and os.readlink(root / "previous") == "releases/1.0"
    )


@pytest.mark.parametrize(("fail", "phase", "switched"), [("stop", "stop", False), ("start", "start", True)])
def test_a_failed_go_live_says_where_and_restore_puts_the_old_release_back(tmp_path, fail, phase, switched):
    root = layout(tmp_path)
    module = FakeModule(fail={fail})
    why, result = rs.go_live(module, str(root), "2.0", service=SERVICE)
    assert why and result["phase"] == phase and result["switched"] is switched
    module.fail = set()
    done = rs.restore(module, str(root), result["switched"], from_release="1.0", service=SERVICE)
    assert done["restored"] and done["started"] and done["healthy"] and not done["first_install"]
    assert os.readlink(root / "current") == "releases/1.0" and not os.path.lexists(root / "previous")


def test_restore_after_a_first_install_removes_current(tmp_path):
    root = tmp_path / "app"
    (root / "releases" / "1.0").mkdir(parents=True)
    module = FakeModule(fail={"start"})
    why, result = rs.go_live(module, str(root), "1.0", stop_first=False, service=SERVICE)
    assert why and result["switched"]
    done = rs.restore(module, str(root), True, service=SERVICE)
    assert done["first_install"] and done["restored"] and not os.path.lexists(root / "current")


def test_restore_reports_a_restored_release_that_does_not_start(tmp_path):
    root = layout(tmp_path)
    rs.go_live(FakeModule(), str(root), "2.0", service=SERVICE)
    done = rs.restore(FakeModule(fail={"start"}), str(root), True, from_release="1.0", service=SERVICE)
    assert (
        done["restored"] and not done["started"] and not done["healthy"] and "did not start" in done["error"]
    )
