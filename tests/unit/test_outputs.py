"""The outputs folder: one setting ($SIAK_OUTPUT_DIR), else ./siak-sop-out, never beside the collection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.dukcapil.siak.plugins.plugin_utils import outputs

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_default_is_siak_sop_out_in_the_current_folder(tmp_path):
    assert outputs.output_dir({}, cwd=tmp_path) == tmp_path / "siak-sop-out"
    assert outputs.agenda_dir(tmp_path / "o", environ={}) == tmp_path / "o" / "agenda"


def test_the_setting_relative_to_the_current_folder_or_absolute(tmp_path):
    assert outputs.output_dir({"SIAK_OUTPUT_DIR": "runs/x"}, cwd=tmp_path) == tmp_path / "runs" / "x"
    assert outputs.output_dir({"SIAK_OUTPUT_DIR": "/srv/siak"}, cwd=tmp_path) == Path("/srv/siak")
    # An empty setting is no setting.
    assert outputs.output_dir({"SIAK_OUTPUT_DIR": ""}, cwd=tmp_path) == tmp_path / "siak-sop-out"


def test_agenda_alone_elsewhere(tmp_path):
    env = {"SIAK_OUTPUT_DIR": str(tmp_path / "o"), "SIAK_AGENDA_DIR": str(tmp_path / "a")}
    assert outputs.agenda_dir(environ=env) == tmp_path / "a"
    assert outputs.agenda_dir(environ={"SIAK_OUTPUT_DIR": str(tmp_path / "o")}) == tmp_path / "o" / "agenda"


def test_playbooks_read_the_same_folder(tmp_path):
    """The lookup the playbooks set siak_output_dir from answers what the wrapper and callbacks use."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIAK_")}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    cmd = [str(BIN / "ansible"), "localhost", "-m", "ansible.builtin.debug"]
    cmd += ["-a", "msg={{ lookup('dukcapil.siak.output_dir') }}"]
    got = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert f'"msg": "{tmp_path / "siak-sop-out"}"' in got
    env["SIAK_OUTPUT_DIR"] = "elsewhere"
    got = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert f'"msg": "{tmp_path / "elsewhere"}"' in got


def test_no_output_path_is_found_from_the_playbook_or_collection():
    """Nothing shipped derives an output folder from playbook_dir or the collection's own path."""
    offenders = []
    for folder in ("playbooks", "roles", "plugins", "awx"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".yml", ".yaml", ".py", ".j2"} and path.is_file():
                text = path.read_text(encoding="utf-8")
                if "'/../out'" in text or "default('out')" in text or '"out", "agenda"' in text:
                    offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
