"""Pure decisions of the client rollout: release naming, what to do on a PC, pruning, the access log."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


cr = _load("client_release", REPO / "plugins" / "module_utils" / "client_release.py")
dp = _load("distpoint", REPO / "roles" / "client_rollout" / "files" / "distpoint.py")
SHA = "a" * 64
OTHER = "b" * 64


@pytest.mark.parametrize("version", ["2.1.0", "10.2-rc1", "2024.08_1", "1+build.5"])
def test_versions_that_name_a_release_folder(version):
    assert cr.check_version(version) is None


@pytest.mark.parametrize("version", ["", "../etc", "a/b", ".hidden", "2..1", "x" * 65, "v 2"])
def test_versions_that_cannot_name_a_release_folder(version):
    assert "cannot name a release folder" in cr.check_version(version)


def test_sha256_is_normalised():
    assert cr.normalise_sha256("SHA256:" + "A" * 64) == SHA
    assert cr.normalise_sha256(" " + SHA + "\n") == SHA
    assert cr.normalise_sha256("abc") is None
    assert cr.normalise_sha256(None) is None


@pytest.mark.parametrize(
    ("current", "target_release", "action"),
    [
        (("2.0", SHA), SHA, cr.ALREADY_CURRENT),  # same version and checksum: nothing to do
        (("1.0", OTHER), None, cr.INSTALL),  # an older version: fetch and install
        ((None, None), None, cr.INSTALL),  # a PC that never had the client
        (("1.0", OTHER), SHA, cr.SWITCH),  # unpacked earlier while the client was in use
        (("2.0", OTHER), OTHER, cr.CONFLICT),  # same version, other checksum: rebuilt package
        (("1.0", OTHER), OTHER, cr.CONFLICT),
    ],
)
def test_what_to_do_on_a_pc(current, target_release, action):
    assert cr.decide("2.0", SHA, current[0], current[1], target_release) == action


def test_pruning_keeps_current_and_previous_and_drops_leftovers():
    releases = [("1.0", 1.0), ("2.0", 2.0), ("3.0", 3.0), (".3.0.partial-42", 4.0), ("0.9", 0.5)]
    assert cr.releases_to_prune(releases, 2, "3.0", "2.0") == [".3.0.partial-42", "0.9", "1.0"]
    # keep below 2 still keeps the previous version: a rollback needs it
    assert cr.releases_to_prune(releases, 1, "3.0", "1.0") == [".3.0.partial-42", "0.9", "2.0"]
    assert cr.releases_to_prune(releases, 3, "3.0", "2.0") == [".3.0.partial-42", "0.9"]
    assert cr.releases_to_prune([("2.0", 1.0)], 2, "2.0", None) == []


def test_the_client_process_is_matched_by_comm_or_argv0():
    assert cr.process_matches("siak-client", "/bin/sh", "siak-client")
    assert cr.process_matches("sh", "/opt/siak-client/current/bin/siak-client", "siak-client")
    assert cr.process_matches("siak-client-lon", "x", "siak-client-long-name")  # comm is cut at 15
    assert not cr.process_matches("sleep", "sleep", "siak-client")
    assert not cr.process_matches("siak-client", "x", "")


def test_archive_kind():
    assert cr.archive_kind(b"PK\x03\x04rest") == "zip"
    assert cr.archive_kind(b"\x1f\x8b\x08\x00") == "tar"


def test_the_distribution_point_serves_only_files_under_its_root(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "siak-client-2.0.tar.gz").write_bytes(b"x")
    (tmp_path / "secret").write_text("no")
    root = (tmp_path / "pkg").resolve()
    assert dp.resolve(root, "/siak-client-2.0.tar.gz?x=1") == root / "siak-client-2.0.tar.gz"
    assert dp.resolve(root, "/../secret") is None
    assert dp.resolve(root, "/%2e%2e/secret") is None
    assert dp.resolve(root, "/") is None
    assert dp.resolve(root, "/missing") is None


def test_the_access_log_names_the_workstation(tmp_path):
    assert dp.agent_host("dukcapil.siak-client_rollout/1 (pc05)") == "pc05"
    assert dp.agent_host("curl/8.0") == ""
    log = tmp_path / "access.log"
    log.write_text(dp.log_line("127.0.0.1", "x/1 (pc07)", "GET", "/p", status=200, sent=10))
    (record,) = dp.read_log(log)
    assert record["host"] == "pc07" and record["bytes"] == 10 and record["status"] == 200
