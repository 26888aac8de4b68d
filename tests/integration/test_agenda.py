"""The agenda callback against the lab, over real SSH: golden runs, a killed run, secrets, tampering, a full disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import book
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from labkit import BIN, REPO

TARGETS = ("siak-host", "siak-db", "pc01", "pc02", "pc03", "pc04")
PLAYBOOKS = REPO / "tests" / "playbooks"


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, path: Path, wall_s: float):
        self.proc = proc
        self.path = path
        self.wall_s = wall_s
        self.records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def of(self, kind: str) -> list[dict]:
        return [r for r in self.records if r["type"] == kind]


def _targets_inventory(tmp_path: Path, hosts: list[str]) -> Path:
    path = tmp_path / "agenda_targets.yml"
    listed = "".join(f"        {h}: {{}}\n" for h in hosts)
    path.write_text(f"all:\n  children:\n    agenda_targets:\n      hosts:\n{listed}", encoding="utf-8")
    return path


def _command(
    lab, tmp_path: Path, playbook: str, *extra: str, hosts: tuple[str, ...] | list[str] = TARGETS
) -> list[str]:
    return [
        str(BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory),
        "-i",
        str(_targets_inventory(tmp_path, hosts)),
        str(PLAYBOOKS / playbook),
        *extra,
    ]


def _env(lab, run_id: str, **more: str) -> dict[str, str]:
    return {**lab.env, "SIAK_RUN_ID": run_id, **more}


def _find(agenda_dir: Path, run_id: str, proc: subprocess.CompletedProcess | None = None) -> Path:
    found = list(agenda_dir.glob(f"*/{run_id}.jsonl"))
    said = (proc.stdout[-2000:] + proc.stderr[-2000:]) if proc is not None else ""
    assert len(found) == 1, f"agenda file for {run_id}: {found}\n{said}"
    return found[0]


def play(
    lab, tmp_path: Path, playbook: str, run_id: str, *extra: str, hosts: tuple[str, ...] | list[str] = TARGETS
) -> Run:
    started = time.monotonic()
    proc = subprocess.run(
        _command(lab, tmp_path, playbook, *extra, hosts=hosts),
        cwd=REPO,
        env=_env(lab, run_id),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    return Run(proc, _find(lab.out / "agenda", run_id, proc), wall)


def verify(path: Path) -> subprocess.CompletedProcess:
    """`siak-sop agenda verify` in English: the tests read the verifier's own words."""
    return subprocess.run(
        [str(BIN / "siak-sop"), "agenda", "verify", "--lang", "en", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


GOLDEN_PLAYS = {
    "Agenda | Linear play with handlers, loops, includes, async and rescue": [
        ("Langkah 1 | Read the host name", "prepare", TARGETS),
        ("Langkah 6 | Fail on purpose on the database server", "replace_app", TARGETS),
        ("Langkah 6 | Write the new release marker", "replace_app", [h for h in TARGETS if h != "siak-db"]),
        ("Langkah 6 | Report the rescued failure", "replace_app", ["siak-db"]),
        ("Langkah 5 | Open the application folder for each part", "open_app_folder", TARGETS),
        ("Langkah 4 | Start the VM (included tasks)", "start_vm", TARGETS),
        ("Langkah 4 | Start the VM (first included task)", "start_vm", TARGETS),
        ("Langkah 4 | Wait for the VM (second included task)", "start_vm", TARGETS),
        ("Langkah 2 | Wait for a slow command (async)", "start_server", TARGETS),
        ("Langkah 1 | A step skipped by its condition", "prepare", TARGETS),
        ("Langkah 1 | A failure the play ignores", "prepare", TARGETS),
        ("Langkah 6 | Restart the application", "replace_app", [h for h in TARGETS if h != "siak-db"]),
    ],
    "Agenda | Free strategy in batches of two": [
        ("Langkah 7 | Sleep a different time on each host", "open_proxy_folder", TARGETS),
        ("Langkah 7 | Read the proxy folder", "open_proxy_folder", TARGETS),
    ],
    "Agenda | Linear with growing batches": [
        ("Langkah 8 | Replace the proxy marker", "replace_proxy", TARGETS),
    ],
}


@pytest.fixture(scope="module")
def golden(lab, tmp_path_factory):
    return play(lab, tmp_path_factory.mktemp("golden"), "agenda_golden.yml", "golden-linear-free-serial")


def _expected(plays: dict | None = None) -> Counter:
    plays = GOLDEN_PLAYS if plays is None else plays
    return Counter((task, host) for tasks in plays.values() for task, _step, hosts in tasks for host in hosts)


def test_golden_run_records_every_task_and_host_once(golden):
    assert golden.proc.returncode == 0, golden.proc.stdout[-3000:]
    tasks = golden.of("task")
    assert Counter((t["task"], t["host"]) for t in tasks) == _expected()
    # one start per end, and no (task uuid, host) twice
    assert Counter((t["task_uuid"], t["host"]) for t in golden.of("task_start")) == Counter(
        (t["task_uuid"], t["host"]) for t in tasks
    )
    assert max(Counter((t["task_uuid"], t["host"]) for t in tasks).values()) == 1
    steps = {task: step for plays in GOLDEN_PLAYS.values() for task, step, _hosts in plays}
    for t in tasks:
        assert t["step"]["id"] == steps[t["task"]], t
        assert t["step"] == agenda.step_for_tags([steps[t["task"]]])


def test_golden_run_statuses(golden):
    status = {(t["task"], t["host"]): t["status"] for t in golden.of("task")}
    assert status[("Langkah 6 | Fail on purpose on the database server", "siak-db")] == "rescued"
    assert status[("Langkah 6 | Fail on purpose on the database server", "pc01")] == "skipped"
    assert status[("Langkah 6 | Write the new release marker", "pc01")] == "changed"
    assert status[("Langkah 1 | A step skipped by its condition", "pc02")] == "skipped"
    assert status[("Langkah 1 | A failure the play ignores", "pc03")] == "ignored"
    assert status[("Langkah 1 | Read the host name", "siak-host")] == "ok"
    handlers = [t for t in golden.of("task") if t["handler"]]
    assert {t["task"] for t in handlers} == {"Langkah 6 | Restart the application"}
    loop = next(t for t in golden.of("task") if t["task"].startswith("Langkah 5") and t["host"] == "pc04")
    assert loop["summary"]["items"] == 3 and loop["summary"]["stdout_tail"] == "client"
    read = next(
        t for t in golden.of("task") if t["task"] == "Langkah 1 | Read the host name" and t["host"] == "pc02"
    )
    assert read["summary"] == {"msg": None, "rc": 0, "stdout_tail": "pc02", "stderr_tail": None}


def test_golden_run_header_plays_and_totals(golden):
    head = golden.records[0]
    assert head["type"] == "run_start" and head["run_id"] == "golden-linear-free-serial"
    assert head["playbook"] == str(PLAYBOOKS / "agenda_golden.yml") and head["check_mode"] is False
    assert head["started"].endswith("+07:00") and head["timezone"] == "Asia/Jakarta"
    assert golden.path.parent.name == head["started"][:10]
    plays = golden.of("play")
    firsts = [(p["strategy"], p["serial"]) for p in plays if p["batch"] == 1]
    assert firsts == [("linear", None), ("ansible.builtin.free", [2]), ("linear", [1, 2, "100%"])]
    # one play record per batch: 6 hosts in batches of 2, then of 1, 2 and the remaining 3
    assert [p["batch"] for p in plays] == [1, 1, 2, 3, 1, 2, 3]
    end = golden.records[-1]
    assert end["type"] == "run_end" and end["complete"] is True and end["write_errors"] == 0
    assert end["status"] == "successful"
    counted = Counter()
    for counts in end["totals"]["hosts"].values():
        counted.update(counts)
    assert sum(counted.values()) == len(golden.of("task"))
    assert set(end["totals"]["steps"]) == {s for p in GOLDEN_PLAYS.values() for _task, s, _hosts in p}
    assert verify(golden.path).returncode == 0


def test_durations_are_plausible_against_the_wall_clock(golden):
    for t in golden.of("task"):
        start, end = datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"])
        assert 0 <= t["duration_s"] <= golden.wall_s, t
        assert start <= end
        assert abs((end - start).total_seconds() - t["duration_s"]) < 1.0, t
    for span in golden.records[-1]["totals"]["steps"].values():
        assert 0 <= span["duration_s"] <= golden.wall_s
    # the async task sleeps a second on each host: measured per host, never shorter
    for t in golden.of("task"):
        if t["task"] == "Langkah 2 | Wait for a slow command (async)":
            assert t["duration_s"] >= 1.0, t


def test_check_mode_is_recorded(lab, tmp_path):
    run = play(lab, tmp_path, "agenda_golden.yml", "golden-check", "--check", hosts=["siak-db", "pc01"])
    assert run.proc.returncode == 0, run.proc.stdout[-3000:]
    assert run.records[0]["check_mode"] is True
    tasks = run.of("task")
    assert Counter((t["task_uuid"], t["host"]) for t in run.of("task_start")) == Counter(
        (t["task_uuid"], t["host"]) for t in tasks
    )
    assert max(Counter((t["task_uuid"], t["host"]) for t in tasks).values()) == 1
    # what runs in check mode depends on what the hosts hold; these run on both hosts whatever they hold
    always = {task for plays in GOLDEN_PLAYS.values() for task, _step, hosts in plays if hosts == TARGETS}
    seen = Counter(t["task"] for t in tasks)
    assert all(seen[task] == 2 for task in always), seen
    assert {t["status"] for t in tasks if t["task"] == "Langkah 1 | Read the host name"} == {"skipped"}
    (day_run,) = [r for r in book.load_day(run.path.parents[1], run.path.parent.name) if r.path == run.path]
    block = book.run_block(day_run, "id")
    assert block is not None and block["check_mode"]


def test_buku_agenda_rows_match_the_sop_tables(golden, tmp_path):
    out = tmp_path / "book"
    result = subprocess.run(
        [
            str(BIN / "siak-sop"),
            "agenda",
            "book",
            "--agenda-dir",
            str(golden.path.parents[1]),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    day = golden.path.parent.name
    data = json.loads((out / f"buku-agenda-{day}.json").read_text(encoding="utf-8"))
    assert (out / f"buku-agenda-{day}.pdf").is_file()
    (run,) = [r for r in data["runs"] if r["run_id"] == "golden-linear-free-serial"]
    sop = load_sop("upgrade")
    rows = run["rows"]
    assert [(r["number"], r["kegiatan"]) for r in rows] == [(s.number, s.kegiatan) for s in sop.steps]
    done = {s for p in GOLDEN_PLAYS.values() for _task, s, _hosts in p}
    for row, step in zip(rows, sop.steps, strict=True):
        assert row["pelaksana"] == ", ".join(step.pelaksana)
        assert row["waktu"] == step.waktu.label("id")
        assert row["output"] == (step.output or "-")
        assert (row["verdict"] != "Tidak dijalankan") == (step.id in done or step.id == "record_agenda"), row


def test_tampering_is_named_by_verify(golden, tmp_path):
    lines = golden.path.read_text(encoding="utf-8").splitlines(keepends=True)
    edited, removed, inserted = (tmp_path / f"{n}.jsonl" for n in ("edited", "removed", "inserted"))
    assert '"host":"' in lines[6]
    edited.write_text("".join([*lines[:6], lines[6].replace('"host":"', '"host":"x', 1), *lines[7:]]))
    removed.write_text("".join(lines[:6] + lines[7:]))
    inserted.write_text("".join([*lines[:6], lines[4], *lines[6:]]))
    for path, word in ((edited, "changed"), (removed, "removed"), (inserted, "added")):
        result = verify(path)
        assert result.returncode == 2, result.stdout
        assert "BROKEN: line 7 " in result.stdout and word in result.stdout, result.stdout


def _secret_files(tmp_path: Path) -> tuple[Path, Path, Path, list[str]]:
    password = tmp_path / "vault-pass"
    password.write_text("lab vault password\n")
    password.chmod(0o600)
    plain = ["Rahasia-Extra-7a1b9", "Rahasia-File-3c5d2"]
    files = []
    for name, value in (("agenda_secret_extra", plain[0]), ("agenda_secret_file", plain[1])):
        enc = subprocess.run(
            [
                str(BIN / "ansible-vault"),
                "encrypt_string",
                "--vault-password-file",
                str(password),
                "--stdin-name",
                name,
            ],
            input=value,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        path = tmp_path / f"{name}.yml"
        path.write_text("---\n" + enc)
        files.append(path)
    return password, files[0], files[1], plain


def test_no_log_and_vault_values_never_reach_the_agenda(lab, tmp_path):
    password, extra_file, vars_file, plain = _secret_files(tmp_path)
    run = play(
        lab,
        tmp_path,
        "agenda_secrets.yml",
        "secrets",
        "-v",
        "--vault-password-file",
        str(password),
        "-e",
        f"@{extra_file}",
        "-e",
        f"agenda_vault_file={vars_file}",
        hosts=["pc01", "pc02"],
    )
    assert run.proc.returncode == 0, run.proc.stdout[-3000:]
    # the secrets were really used: Ansible's own output (-v) shows the one task without no_log
    assert plain[1] in run.proc.stdout
    text = run.path.read_text(encoding="utf-8")
    for secret in plain:
        assert secret not in text
    assert run.records[0]["extra_var_names"] == ["agenda_secret_extra", "agenda_vault_file"]
    by_name = {t["task"]: t for t in run.of("task") if t["host"] == "pc01"}
    assert by_name["Langkah 3 | Log in with the vaulted password (no_log)"]["summary"] == {}
    assert by_name["Langkah 3 | Fail with the password in the output (no_log)"]["summary"] == {}
    printed = by_name["Langkah 3 | Print the password by mistake (the agenda blanks it)"]["summary"]
    assert printed["stdout_tail"] == "user=******** pass=********"
    assert run.records[-1]["results"]["siak_results"]["agenda_test"]["pc01"] == {"note": "********"}
    book = tmp_path / "book"
    subprocess.run(
        [
            str(BIN / "siak-sop"),
            "agenda",
            "book",
            "--agenda-dir",
            str(run.path.parents[1]),
            "--out",
            str(book),
        ],
        check=False,
    )
    assert any(path.suffix == ".pdf" for path in book.iterdir())
    for path in book.iterdir():
        if path.suffix == ".pdf":
            text = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
        else:
            text = path.read_text(encoding="utf-8")
        for secret in plain:
            assert secret not in text


def test_a_killed_run_leaves_a_valid_prefix(lab, tmp_path):
    proc = subprocess.Popen(
        _command(lab, tmp_path, "agenda_kill.yml", hosts=["pc01", "pc02"]),
        cwd=REPO,
        env=_env(lab, "killed"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        path = None
        while time.monotonic() < deadline:
            found = list((lab.out / "agenda").glob("*/killed.jsonl"))
            if found and '"Langkah 2 | Run a long export"' in found[0].read_text(encoding="utf-8"):
                path = found[0]
                break
            time.sleep(0.2)
        assert path is not None, "the long task never started"
        time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    result = verify(path)
    assert result.returncode == 1, result.stdout
    assert "PREFIX" in result.stdout and "valid prefix" in result.stdout
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records[-1]["type"] in ("task_start", "task") and not any(r["type"] == "run_end" for r in records)
    started = [
        r for r in records if r["type"] == "task_start" and r["task"] == "Langkah 2 | Run a long export"
    ]
    assert started
    (day_run,) = [r for r in book.load_day(path.parents[1], path.parent.name) if r.path == path]
    block = book.run_block(day_run, "id")
    assert block is not None and block["state"] == "terputus: tanpa catatan penutup"


def test_a_full_agenda_disk_warns_once_and_marks_the_run_incomplete(lab, tmp_path):
    """A tmpfs of its own (private mount namespace) fills up mid-run; a task frees it again."""
    disk, keep = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    keep.mkdir()
    filler = disk / "filler"
    command = " ".join(
        f"'{a}'"
        for a in _command(
            lab,
            tmp_path,
            "agenda_disk_full.yml",
            "-e",
            "agenda_steps=40",
            "-e",
            f"agenda_filler={filler}",
            hosts=["pc01"],
        )
    )
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {disk} && "
        f"(dd if=/dev/zero of={filler} bs=4k count=13 2>/dev/null; true) && "
        f"{command}; rc=$?; cp -a {disk}/agenda {keep}/; exit $rc"
    )
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        cwd=REPO,
        env=_env(lab, "disk-full", SIAK_AGENDA_DIR=str(disk / "agenda")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    output = proc.stdout + proc.stderr
    assert output.count("cannot write the agenda") == 1, output[-3000:]
    assert "INCOMPLETE" in output
    path = _find(keep / "agenda", "disk-full")
    result = verify(path)
    assert result.returncode == 1 and "INCOMPLETE" in result.stdout, result.stdout
    end = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert end["type"] == "run_end" and end["complete"] is False and end["write_errors"] > 0


def test_an_agenda_that_cannot_be_created_does_not_stop_the_run(lab, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the agenda folder should be\n")
    proc = subprocess.run(
        [*_command(lab, tmp_path, "agenda_kill.yml", hosts=["pc01"]), "--tags", "never"],
        cwd=REPO,
        env=_env(lab, "cannot-create", SIAK_AGENDA_DIR=str(blocker / "agenda")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    output = proc.stdout + proc.stderr
    assert output.count("cannot write the agenda") == 1 and "INCOMPLETE" in output
