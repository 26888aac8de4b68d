"""The plain script runs (plugin_utils/plain_python.py): module_utils code run on a target by its Python with
the standard library alone (-I -S), as release_open and release_unpack run it, an artifact following on
standard input."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "collections"))
from ansible_collections.dukcapil.siak.plugins.action.release_unpack import STAGE_MODULES  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.module_utils import release_stage  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils import plain_python  # noqa: E402


def run_plain(modules: list[str], params: dict, follow: Path | None = None) -> dict:
    """What the target does with the command plain_python.run() sends (the same bootstrap and header)."""
    head = plain_python.header(modules, params)
    data = plain_python.with_file(head, str(follow)) if follow else head
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", plain_python.BOOTSTRAP, str(len(head))],
        input=data,
        capture_output=True,
        check=False,
        env={"PATH": os.environ["PATH"]},
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def release_tar(path: Path, version: str, files: int = 3) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [("VERSION", version.encode())] + [
            (f"lib/f{i}", os.urandom(5000)) for i in range(files)
        ]:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stage_params(root: Path, name: str, sha256: str, **over) -> dict:
    params = {key: spec.get("default") for key, spec in release_stage.ARGUMENT_SPEC.items()}
    params.update(
        root=str(root),
        name=name,
        partial=str(root / "releases" / f".{name}.partial-t"),
        stream=True,
        artifact_name=f"siak-app-{name}.tar.gz",
        sha256=sha256,
        shared_paths=["logs"],
        marker={"kind": "app", "version": name},
    )
    params.update(over)
    return params


def test_the_header_holds_only_standard_library_code_in_import_order():
    head = json.loads(plain_python.header(STAGE_MODULES, {}))
    names = [name.rsplit(".", 1)[1] for name, _source in head["modules"]]
    assert names == STAGE_MODULES
    for _name, source in head["modules"]:
        # The collection's own module_utils only, each already loaded (the plain runs below prove the rest).
        for line in re.findall(r"^(?:from|import) ansible\S*", source, re.M):
            assert line.startswith("from ansible_collections.dukcapil.siak.plugins.module_utils."), line


def test_with_file_puts_the_artifact_right_after_the_header(tmp_path):
    art = tmp_path / "a.bin"
    art.write_bytes(os.urandom(300_000))
    data = plain_python.with_file(b"HEAD", str(art))
    assert isinstance(data, bytes) and data == b"HEAD" + art.read_bytes()


def test_the_folder_is_read_by_the_plain_script_as_read_state_reads_it(tmp_path):
    root = tmp_path / "app"
    (root / "releases" / "1.0").mkdir(parents=True)
    (root / "releases" / "1.0" / ".siak-release.json").write_text('{"version": "1.0", "sha256": "x"}')
    os.symlink("releases/1.0", root / "current")
    read = run_plain(["release"], {"root": str(root), "keep": 3})
    assert read["current"]["version"] == "1.0" and read["current"]["name"] == "1.0"


def test_a_streamed_release_is_staged_switched_and_unlocked_in_the_plain_run(tmp_path):
    root = tmp_path / "app"
    art = tmp_path / "siak-app-2.0.tar.gz"
    digest = release_tar(art, "2.0")
    lock = {"path": str(root / ".siak-upgrade.lock"), "token": "t1", "owner": {"kind": "app"}}
    switch = {
        "stop_first": False,
        "service": {"manager": "command", "start_command": "true", "stop_command": "true"},
    }
    switch.update(unlock_path=lock["path"], unlock_token="t1", keep=3)
    answer = run_plain(STAGE_MODULES, stage_params(root, "2.0", digest, lock=lock, switch=switch), follow=art)
    assert not answer.get("failed"), answer
    assert answer["sha256"] == digest and answer["files"] == 4 and answer["acquired"] and answer["unlocked"]
    assert os.readlink(root / "current") == "releases/2.0"
    assert (root / "current" / "VERSION").read_text() == "2.0"
    assert os.readlink(root / "releases" / "2.0" / "logs") == str(root / "shared" / "logs")
    assert not (root / ".siak-upgrade.lock").exists()


def test_a_wrong_checksum_in_the_plain_run_fails_and_leaves_nothing_staged(tmp_path):
    root = tmp_path / "app"
    art = tmp_path / "siak-app-2.0.tar.gz"
    release_tar(art, "2.0", files=50)
    answer = run_plain(STAGE_MODULES, stage_params(root, "2.0", "0" * 64), follow=art)
    assert (
        answer["failed"]
        and "not the " + "0" * 64 in answer["msg"]
        and "nothing was switched" in answer["msg"]
    )
    assert os.listdir(root / "releases") == []


def test_a_start_command_that_cannot_run_is_followed_by_the_restore(tmp_path):
    """It used to end the module (AnsibleModule.run_command fails the module on OSError) after the switch."""
    root = tmp_path / "app"
    for version in ("1.0", "2.0"):
        art = tmp_path / f"siak-app-{version}.tar.gz"
        digest = release_tar(art, version)
        start = "true" if version == "1.0" else str(tmp_path / "no-such-start-script")
        service = {"manager": "command", "start_command": start, "stop_command": "true"}
        switch = {"stop_first": version == "2.0", "service": service, "from_release": "1.0"}
        answer = run_plain(STAGE_MODULES, stage_params(root, version, digest, switch=switch), follow=art)
    assert answer["failed"] and answer["phase"] == "start" and "no-such-start-script" in answer["msg"]
    assert answer["restore"]["restored"] and os.readlink(root / "current") == "releases/1.0"


def test_run_command_answers_when_the_command_ends_even_if_its_daemon_keeps_the_pipes(tmp_path):
    pidfile = tmp_path / "daemon.pid"
    rc, out, _err = release_stage.Commands().run_command(
        ["sh", "-c", f'echo started; sleep 30 & echo $! > "{pidfile}"']
    )
    daemon = int(pidfile.read_text())
    try:
        assert rc == 0 and out.strip() == "started"
        os.kill(daemon, 0)  # still running: the answer did not wait for the pipes' end
    finally:
        os.kill(daemon, 9)


def test_run_command_raises_when_the_command_cannot_be_run(tmp_path):
    with pytest.raises(OSError):
        release_stage.Commands().run_command(str(tmp_path / "missing") + " start")


@pytest.mark.parametrize(
    ("task_vars", "pipelining", "expected"),
    [
        ({"ansible_python_interpreter": "/usr/bin/python3"}, True, "/usr/bin/python3"),
        (
            {"ansible_facts": {"discovered_interpreter_python": "/usr/bin/python3.11"}},
            True,
            "/usr/bin/python3.11",
        ),
        ({"ansible_python_interpreter": "auto_silent"}, True, None),  # not discovered yet: the module's route
        ({}, True, None),
        ({"ansible_python_interpreter": "/usr/bin/python3"}, False, None),  # no standard input to stream on
    ],
)
def test_the_plain_route_needs_a_known_python_and_a_connection_that_takes_standard_input(
    task_vars, pipelining, expected
):
    action = SimpleNamespace(
        _connection=SimpleNamespace(has_pipelining=pipelining), _templar=SimpleNamespace(template=str)
    )
    assert plain_python.interpreter(action, task_vars) == expected
