"""The results channel and the run id (docs/agenda-format.md), on the controller alone.

Real ansible-playbook runs with the agenda callback: what the roles publish reaches run_end.results, the
custom stats ansible-core keeps (what AWX shows as the job's artifacts) and the hosts' facts (what the
upgrade report reads), all three the same, and every task of the run sees the agenda's run id.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from labkit import BIN, REPO

PLAYBOOK = REPO / "tests" / "playbooks" / "results_channel.yml"
STATS_CALLBACK = """
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "custom_stats_dump"
    CALLBACK_NEEDS_ENABLED = False

    def v2_playbook_on_stats(self, stats):
        import json, os
        with open(os.environ["CUSTOM_STATS_OUT"], "w") as fh:
            json.dump(stats.custom.get("_run", {}), fh, default=str)
"""


def _run(
    tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "out"
    out.mkdir()
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[channel]\nh1 ansible_connection=local\nh2 ansible_connection=local\n"
        f"[all:vars]\nansible_python_interpreter={BIN / 'python'}\n",
        encoding="utf-8",
    )
    plugins = tmp_path / "callbacks"
    plugins.mkdir()
    # What AWX's own callback reads at the end of the run: ansible-core's copy of the custom stats.
    (plugins / "custom_stats_dump.py").write_text(STATS_CALLBACK, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIAK_", "JOB_ID"))}
    proc = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            str(PLAYBOOK),
            "-e",
            f"results_channel_out={out}",
            *extra,
        ],
        cwd=REPO,
        env={
            **base,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(plugins),
            "CUSTOM_STATS_OUT": str(out / "custom_stats.json"),
            "SIAK_AGENDA_DIR": str(out / "agenda"),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc, out


def _agenda(out: Path) -> list[dict]:
    (path,) = list((out / "agenda").glob("*/*.jsonl"))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


EXPECTED = {
    "server": {"h1": {"result": "started", "host": "h1"}, "h2": {"result": "started", "host": "h2"}},
    "app": {h: {"from_version": "1.0", "to_version": "2.0"} for h in ("h1", "h2")},
    "loop_a": {h: {"item": "loop_a"} for h in ("h1", "h2")},
    "loop_b": {h: {"item": "loop_b"} for h in ("h1", "h2")},
    "rollout": {h: {"pc": h} for h in ("h1", "h2")},
}


def test_every_result_reaches_the_agenda_awx_and_the_report_alike(tmp_path):
    proc, out = _run(tmp_path)
    records = _agenda(out)
    end = records[-1]
    assert end["type"] == "run_end"
    assert end["results"]["siak_results"] == EXPECTED
    assert "results_problems" not in end
    assert json.loads((out / "custom_stats.json").read_text())["siak_results"] == EXPECTED
    assert json.loads((out / "gathered.json").read_text()) == EXPECTED
    # one run id: the agenda's file and header, and what every task's lookup gave
    run_id = records[0]["run_id"]
    assert (out / "run_id.txt").read_text() == run_id
    assert run_id.endswith(tuple("0123456789abcdef")) and "Z-" in run_id
    assert "dukcapil.siak.agenda" not in proc.stderr


def test_a_set_stats_with_a_literal_mapping_loses_nothing_in_the_agenda_and_is_named(tmp_path):
    """ansible-core drops from its copy whatever comes after a tagged mapping; the agenda keeps it and says so."""
    proc, out = _run(tmp_path, "-e", "results_channel_foreign_first=true")
    end = _agenda(out)[-1]
    published = dict(end["results"]["siak_results"])
    assert published.pop("foreign") == {"{{ inventory_hostname }}": {"result": "literal"}}
    assert published == EXPECTED
    problems = " ".join(end["results_problems"])
    assert "{{ inventory_hostname }}" in problems and "publish_results" in problems
    assert "differ" in problems
    assert "as template text" in proc.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"SIAK_RUN_ID": "wrapper-given-1"}, "wrapper-given-1"), ({"JOB_ID": "4711"}, "awx-4711")],
)
def test_the_run_id_the_environment_names_is_the_one_everywhere(tmp_path, env, expected):
    _proc, out = _run(tmp_path, env=env)
    records = _agenda(out)
    assert records[0]["run_id"] == expected
    assert (out / "run_id.txt").read_text() == expected
    assert list((out / "agenda").glob(f"*/{expected}.jsonl"))
