"""Pure decisions of the client rollout: release naming, what to do on a PC, pruning, the access log."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


cr = _load("client_release", REPO / "plugins" / "module_utils" / "client_release.py")
ru = _load("release_unpack", REPO / "plugins" / "module_utils" / "release_unpack.py")
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


# The probe the action plugin runs on a workstation: a real /bin/sh against a folder laid out like a PC.


def _probe(root: Path, version: str = "2.0", name: str = "siak-client", sha: str | None = None) -> dict:
    import subprocess

    out = subprocess.run(
        ["/bin/sh"],
        input=cr.probe_script(str(root), version, name),
        capture_output=True,
        text=True,
        check=True,
    )
    return cr.parse_probe(out.stdout)


def _release(root: Path, version: str, sha: str) -> None:
    # The marker exactly as an install writes it, so the probe is tried against the real key order.
    folder = root / "releases" / version
    folder.mkdir(parents=True)
    marker = {"version": version, "source": f"http://dist/siak-client-{version}.tar.gz", "installed_at": "x"}
    (folder / cr.MARKER).write_text(ru.marker_text(marker, sha))


def test_the_probe_reads_a_pc_without_the_client(tmp_path):
    seen = _probe(tmp_path / "none")
    assert seen["link"] is None and seen["current_version"] is None and not seen["target_exists"]
    assert seen["pids"] == [] and not seen["link_is_not_a_link"]


def test_the_probe_reads_current_and_target_markers(tmp_path):
    _release(tmp_path, "1.0", SHA)
    _release(tmp_path, "2.0", OTHER)
    (tmp_path / "current").symlink_to("releases/1.0/")
    seen = _probe(tmp_path)
    assert (seen["link"], seen["current_version"], seen["current_sha256"]) == ("1.0", "1.0", SHA)
    assert seen["target_exists"] and seen["target_sha256"] == OTHER
    assert (
        cr.decide("2.0", SHA, seen["current_version"], seen["current_sha256"], seen["target_sha256"])
        == cr.CONFLICT
    )


def test_the_probe_sees_a_folder_where_the_link_should_be_and_a_half_written_release(tmp_path):
    (tmp_path / "current").mkdir()
    (tmp_path / "releases" / "2.0").mkdir(parents=True)
    seen = _probe(tmp_path)
    assert seen["link_is_not_a_link"] and seen["link"] is None
    assert seen["target_exists"] and seen["target_sha256"] is None  # no marker: rebuilt by the install


def test_the_probe_finds_a_running_client_by_comm_and_by_argv0(tmp_path):
    import subprocess
    import time

    by_comm = subprocess.Popen([f"{tmp_path}/siak-probe-t.x", "30"], executable="/bin/sleep")
    try:
        deadline = time.monotonic() + 5
        while (
            b"siak-probe" not in Path(f"/proc/{by_comm.pid}/cmdline").read_bytes()
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        # argv[0] is .../siak-probe-t.x while comm is "sleep": found by argv[0]'s basename.
        assert by_comm.pid in _probe(tmp_path, name="siak-probe-t.x")["pids"]
        # A regular-expression character in the name matches only itself.
        assert by_comm.pid not in _probe(tmp_path, name="siak-probe-tax")["pids"]
        assert by_comm.pid in _probe(tmp_path, name="sleep")["pids"]
    finally:
        by_comm.kill()
        by_comm.wait()


def test_a_cut_probe_output_is_an_error():
    with pytest.raises(ValueError, match="incomplete"):
        cr.parse_probe("@@link\nreleases/1.0\n@@current\n")


def test_ere_escape_matches_only_the_name():
    assert cr.ere_escape("siak.client+x") == r"siak\.client\+x"


WIN_SHA = "a" * 64


def win_probe(current="1.0", **seen):
    """What probe.ps1 answers on a Windows PC asked about 2.0 (WIN_SHA): parse_probe's keys, and what it was
    asked about."""
    answer = {
        "root": "C:\\ProgramData\\SIAK\\Client",
        "version": "2.0",
        "sha256": WIN_SHA,
        "link": current,
        "link_is_not_a_link": False,
        "current_version": current,
        "current_sha256": WIN_SHA if current == "2.0" else "b" * 64,
        "target_exists": "target_sha256" in seen,
        "target_sha256": None,
        "pids": [],
    }
    return dict(answer, **seen)


def test_the_windows_probe_answers_with_the_keys_the_linux_probe_is_read_into():
    script = (REPO / "roles" / "client_rollout" / "files" / "windows" / "probe.ps1").read_text()
    written = set(re.findall(r"^\s+(\w+) = ", script[script.index("$Ansible.Result = @{") :], re.M))
    linux = set(cr.parse_probe("@@link\n@@pids\n@@end\n"))
    assert linux | {"root", "version", "sha256", "legacy_state"} == written
    assert f"'{cr.MARKER}'" in script and f"'{cr.CURRENT}'" in script and f"'{cr.RELEASES}'" in script
    outcome = cr.windows_probe(win_probe())
    assert outcome["release_path"] == "C:\\ProgramData\\SIAK\\Client\\releases\\2.0"
    assert (outcome["action"], outcome["problem"]) == (cr.INSTALL, "")
    assert cr.windows_probe(win_probe(target_sha256=WIN_SHA))["action"] == cr.SWITCH


@pytest.mark.parametrize(
    ("probe", "windows", "status", "version"),
    [
        (None, False, "not_probed", None),
        ({"skipped": True}, False, "not_probed", None),
        ({"unreachable": True, "msg": "Failed to connect"}, False, "offline", None),
        ({"failed": True, "msg": "boom"}, False, "failed", None),
        (
            {"status": "already_current", "previous_version": "2.0", "in_use": []},
            False,
            "already_current",
            "2.0",
        ),
        ({"status": "pending", "previous_version": "1.0", "in_use": [42]}, False, "pending", "1.0"),
        ({"result": win_probe()}, True, "pending", "1.0"),
        ({"result": win_probe(current="2.0")}, True, "already_current", "2.0"),
        # A release of the target version with another checksum, or a current that is not a junction: failed.
        ({"result": win_probe(target_sha256="c" * 64)}, True, "failed", "1.0"),
        ({"result": win_probe(link_is_not_a_link=True)}, True, "failed", "1.0"),
    ],
)
def test_the_state_of_a_pc_after_the_probe(probe, windows, status, version):
    state = cr.rollout_state(probe, windows)
    assert (state["status"], state["current_version"]) == (status, version)


def _filter():

    return _load("client_rollout_rows", REPO / "plugins" / "filter" / "client_rollout_rows.py")


def test_report_rows_come_from_what_each_pc_registered():
    rows = _filter().client_rollout_rows
    hosts = [
        {
            "inventory_hostname": "pc02",
            "group_names": ["workstations"],
            "__client_rollout_probe": {"status": "pending", "previous_version": "1.0", "in_use": []},
            "__client_rollout_install": {
                "status": "updated",
                "version": "2.0",
                "duration_s": 1.5,
                "bytes_transferred": 10,
                "cleaned": ["/opt/siak-client/.incoming/2.0.41.part"],
            },
            "__client_rollout_notice": {"changed": True},
        },
        {
            "inventory_hostname": "pc01",
            "group_names": ["workstations"],
            "__client_rollout_probe": {"status": "pending", "previous_version": "1.0", "in_use": []},
            "__client_rollout_install": {"failed": True, "msg": "checksum mismatch for x"},
        },
        {"inventory_hostname": "pc03", "__client_rollout_probe": {"unreachable": True, "msg": "down"}},
        {
            "inventory_hostname": "pc04",
            "__client_rollout_probe": {"status": "pending", "previous_version": "1.0", "in_use": [7]},
        },
        {"inventory_hostname": "pc05"},  # left out by --limit: not probed, not reported
        {
            "inventory_hostname": "win01",
            "group_names": ["workstations", "windows_workstations"],
            "__client_rollout_probe": {"result": win_probe()},
            "__client_rollout_result": {"status": "failed", "message": "unpack failed"},
        },
    ]
    got = {r["host"]: r for r in rows(hosts, [["pc01"], ["pc02", "win01"]])}
    assert sorted(got) == ["pc01", "pc02", "pc03", "pc04", "win01"]
    assert (got["pc01"]["status"], got["pc01"]["to_version"], got["pc01"]["wave"]) == ("failed", "1.0", 1)
    assert "checksum mismatch" in got["pc01"]["message"]
    assert (got["pc02"]["status"], got["pc02"]["to_version"], got["pc02"]["wave"]) == ("updated", "2.0", 2)
    assert got["pc02"]["briefed"] and got["pc02"]["bytes_transferred"] == 10
    assert got["pc02"]["cleaned"] == ["/opt/siak-client/.incoming/2.0.41.part"]
    assert "sisa run yang terputus dihapus: /opt/siak-client/.incoming/2.0.41.part" in got["pc02"]["message"]
    assert got["pc01"]["cleaned"] == [] and "removed" not in got["pc01"]["message"]
    assert (got["pc03"]["status"], got["pc03"]["from_version"]) == ("offline", None)
    assert (got["pc04"]["status"], got["pc04"]["in_use"], got["pc04"]["wave"]) == ("not_started", True, None)
    assert (got["win01"]["os"], got["win01"]["status"], got["win01"]["to_version"]) == (
        "windows",
        "failed",
        "1.0",
    )


def test_a_current_pc_answers_without_the_process_scan(tmp_path):
    import subprocess

    _release(tmp_path, "2.0", SHA)
    (tmp_path / "current").symlink_to("releases/2.0")
    script = cr.probe_script(str(tmp_path), "2.0", "sleep", SHA)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        out = subprocess.run(["/bin/sh"], input=script, capture_output=True, text=True, check=True).stdout
        seen = cr.parse_probe(out)
        assert seen["pids"] == [] and "pgrep" not in out
        assert (
            cr.decide("2.0", SHA, seen["current_version"], seen["current_sha256"], None) == cr.ALREADY_CURRENT
        )
        # Another checksum under the same version: the scan runs, the sleeper is seen.
        other = cr.probe_script(str(tmp_path), "2.0", "sleep", OTHER)
        out = subprocess.run(["/bin/sh"], input=other, capture_output=True, text=True, check=True).stdout
        assert sleeper.pid in cr.parse_probe(out)["pids"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pulled_package_is_unpacked_as_it_arrives_and_a_wrong_one_or_a_dead_address_is_named(tmp_path):
    import socket
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from ansible_collections.dukcapil.siak.plugins.module_utils import client_install as ci

    from siak_lab.standins.builder import build_client_package as make_package

    package, sha = make_package(tmp_path / "dist", "2.0", payload_bytes=3_000_000)
    handler = partial(SimpleHTTPRequestHandler, directory=str(package.parent))
    handler.log_message = lambda *_args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = tmp_path / "client"

    def pull(url: str, sha256: str, version: str = "2.0") -> dict:
        params = dict(_install_params(root, package, sha256, version, "t"), url=url, src=None)
        return ci.install(params)

    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{package.name}"
        with pytest.raises(
            ci.InstallError, match=f"checksum mismatch for {url}: expected {'f' * 64}, got {sha}"
        ):
            pull(url, "f" * 64)
        assert not (root / "current").exists() and os.listdir(root / "releases") == []
        with pytest.raises(ci.InstallError, match="the distribution point answered 404"):
            pull(url + ".missing", sha)
        done = pull(url, sha)
        assert done["status"] == "updated" and done["bytes_transferred"] == package.stat().st_size
        assert (root / "current").readlink() == Path("releases/2.0")
        assert os.listdir(root / ".incoming") == []
    finally:
        server.shutdown()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with pytest.raises(ci.InstallError, match="the distribution point did not answer"):
        pull(f"http://127.0.0.1:{dead}/pkg.tar.gz", "e" * 64, "3.0")


def _install_params(root: Path, package: Path, sha: str, version: str, token: str) -> dict:
    from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr_module

    params = {name: spec.get("default") for name, spec in cr_module.ARGUMENT_SPEC.items()}
    lock = {"path": str(root / ".siak-upgrade.lock"), "token": token, "run_id": token}
    lock["holder"] = {"host": "controller", "user": "adb", "pid": 1, "boot_id": "b"}
    return dict(
        params,
        root=str(root),
        version=version,
        sha256=sha,
        src=str(package),
        remove_src=False,
        in_use="skip",
        process_name="siak-client-not-running",
        lock=lock,
    )


def test_a_run_that_gets_the_lock_after_another_installed_decides_again_and_switches_nothing(
    tmp_path, monkeypatch
):
    """Two runs on one PC: the second decided "install" before the first finished, and gets the lock after it.
    Under the lock it reads the PC again: already current, nothing unpacked or switched, `previous` kept."""
    from ansible_collections.dukcapil.siak.plugins.module_utils import client_install as ci

    from siak_lab.standins.builder import build_client_package as make_package

    root = tmp_path / "client"
    old_pkg, old_sha = make_package(tmp_path / "dist", "1.0")
    new_pkg, new_sha = make_package(tmp_path / "dist", "2.0")
    assert ci.install(_install_params(root, old_pkg, old_sha, "1.0", "t0"))["status"] == "updated"

    real_take = ci.take_lock
    first = {}

    def the_other_run_finishes_first(p, result):
        if p["lock"]["token"] == "t2" and not first:
            first["started"] = True
            first.update(ci.install(_install_params(root, new_pkg, new_sha, "2.0", "t1")))
        return real_take(p, result)

    monkeypatch.setattr(ci, "take_lock", the_other_run_finishes_first)
    second = ci.install(_install_params(root, new_pkg, new_sha, "2.0", "t2"))
    assert first["status"] == "updated" and first["changed"]
    assert second["status"] == cr.ALREADY_CURRENT and not second["changed"]
    assert second["previous_version"] == "2.0" and second["version"] == "2.0"
    assert (root / "current").readlink() == Path("releases/2.0")
    assert (root / "previous").readlink() == Path("releases/1.0")
    assert not (root / ".siak-upgrade.lock").exists()
