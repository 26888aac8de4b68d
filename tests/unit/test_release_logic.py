"""Pure logic of the release mechanism: archive member safety, link names, which releases a cleanup removes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("release_utils", REPO / "plugins/module_utils/release.py")
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("VERSION", True),
        ("bin/siak_standin.py", True),
        ("./lib/a.jar", True),
        ("/etc/passwd", False),
        ("../outside", False),
        ("lib/../../outside", False),
        ("C:/Windows/x", False),
        ("lib\\..\\x", False),
        ("", False),
    ],
)
def test_archive_members_must_stay_inside_the_release(name, safe):
    assert release.is_safe_member(name) is safe


def test_links_inside_an_archive_may_not_point_out():
    assert release.is_safe_link("lib/current.jar", "siak-2.0.jar")
    assert release.is_safe_link("lib/x", "../bin/y")
    assert not release.is_safe_link("lib/x", "../../etc/passwd")
    assert not release.is_safe_link("x", "/etc/passwd")


def test_link_name_reads_the_release_name_from_the_link_target():
    assert release.link_name("releases/2.0") == "2.0"
    assert release.link_name("/opt/siak/app/releases/2.0/") == "2.0"
    assert release.link_name("") is None


def rel(name, at, complete=True):
    return {"name": name, "installed_at": at, "complete": complete}


def test_cleanup_keeps_the_newest_installs_and_never_current_or_previous():
    releases = [
        rel("1.0", "2026-01-01"),
        rel("1.1", "2026-02-01"),
        rel("2.0", "2026-03-01"),
        rel("2.1", "2026-04-01"),
    ]
    assert release.prune_candidates(releases, "2.1", "2.0", 3) == ["1.0"]
    assert release.prune_candidates(releases, "2.1", "2.0", 2) == ["1.1", "1.0"]
    # After a rollback current is an old release: it stays, and so does previous, even with keep=1.
    assert set(release.prune_candidates(releases, "1.0", "2.1", 1)) == {"1.1", "2.0"}


def test_cleanup_orders_by_install_time_not_by_name():
    releases = [rel("10.0", "2026-01-01"), rel("9.0", "2026-02-01"), rel("11.0", "2026-03-01")]
    assert release.prune_candidates(releases, "11.0", None, 2) == ["10.0"]


def test_cleanup_ignores_incomplete_releases():
    releases = [rel("1.0", "2026-01-01"), rel("2.0", None, complete=False), rel("3.0", "2026-03-01")]
    assert release.prune_candidates(releases, "3.0", None, 1) == ["1.0"]


def test_read_state_of_a_root_that_does_not_exist(tmp_path):
    state = release.read_state(str(tmp_path / "missing" / "app"))
    assert state["root_exists"] is False and state["current"] is None
    assert state["free_path"] == str(tmp_path) and state["free_bytes"] > 0


def test_read_state_follows_the_links_not_the_file_times(tmp_path):
    root = tmp_path / "app"
    for name, at in (("1.0", "2026-01-01"), ("2.0", "2026-02-01")):
        (root / "releases" / name).mkdir(parents=True)
        (root / "releases" / name / release.MARKER).write_text(
            f'{{"version": "{name}", "sha256": "x", "installed_at": "{at}"}}'
        )
    (root / "releases" / ".3.0.partial-abc").mkdir()
    (root / "current").symlink_to("releases/1.0")
    (root / "previous").symlink_to("releases/2.0")
    state = release.read_state(str(root))
    assert state["current"]["name"] == "1.0" and state["current"]["version"] == "1.0"
    assert state["previous"]["name"] == "2.0"
    assert state["partials"] == [".3.0.partial-abc"]
    assert state["current_dangling"] is False and state["lock"] is None
