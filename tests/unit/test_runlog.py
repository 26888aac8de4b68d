from __future__ import annotations

import pytest
from agenda_builder import Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import (
    AgendaTail,
    find_agenda,
    in_flight,
    parse_lines,
    read_agenda,
    step_runs,
)


def test_a_killed_run_keeps_its_prefix_and_the_running_step_is_open():
    run = Run().task("prepare", "siak-host", 0, 30).task("start_server", "siak-host", 30, 0, end=False)
    lines = run.lines()
    lines.append('{"type": "task", "host": "siak-h')  # half a line: the kill came mid-write
    record = parse_lines(lines, "killed.jsonl")
    assert not record.finished and not record.complete
    assert [r["task_uuid"] for r in in_flight(record)] == ["u2"]
    steps = step_runs(record)
    assert steps["start_server"].open and not steps["prepare"].open
    assert steps["prepare"].duration_s == 30


def test_run_end_marks_complete_or_not():
    ok = parse_lines(Run().task("prepare", "h", 0, 1).end().lines(), "ok.jsonl")
    bad = parse_lines(Run().task("prepare", "h", 0, 1).end(complete=False).lines(), "bad.jsonl")
    failed = parse_lines(Run().task("prepare", "h", 0, 1, "failed").end("failed").lines(), "f.jsonl")
    assert ok.complete and not bad.complete and bad.finished
    assert failed.failed and not ok.failed
    assert ok.sop_ids() == ["sop_piak_15"]


def test_step_spans_hosts_and_statuses():
    run = (
        Run()
        .task("update_clients", "pc01", 0, 10, "changed")
        .task("update_clients", "pc02", 2, 20, "ok")
        .task("update_clients", "pc03", 1, 5, "unreachable")
        .end("failed")
    )
    steps = step_runs(parse_lines(run.lines(), "x.jsonl"))
    clients = steps["update_clients"]
    assert clients.duration_s == 22  # first start 0 to last end 22
    assert clients.statuses == {"changed": 1, "ok": 1, "unreachable": 1}
    assert clients.hosts == ("pc01", "pc02", "pc03")
    assert clients.failed


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["not json", "{}"], "line 1 is not JSON"),
        (['{"type": "task"}'], "not an agenda file"),
        (["[1]"], "line 1 is not an agenda record"),
        ([], "not an agenda file"),
    ],
)
def test_files_that_are_not_agendas(lines, message):
    with pytest.raises(SiakError, match=message):
        parse_lines(lines, "bad.jsonl")


def test_find_by_run_id_or_path(tmp_path):
    folder = tmp_path / "agenda" / "2026-11-23"
    folder.mkdir(parents=True)
    path = folder / "r1.jsonl"
    path.write_text("\n".join(Run().end().lines()) + "\n")
    assert find_agenda("r1", tmp_path / "agenda") == path
    assert find_agenda(str(path), tmp_path / "agenda") == path
    assert read_agenda(path).run_id == "r1"
    with pytest.raises(SiakError, match="no agenda for run 'r2'"):
        find_agenda("r2", tmp_path / "agenda")
    with pytest.raises(SiakError, match="no such agenda file"):
        find_agenda(str(tmp_path / "x.jsonl"), tmp_path / "agenda")


def test_tail_reads_only_complete_new_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    tail = AgendaTail(path)
    assert tail.read_new() == []  # not written yet
    lines = Run().task("prepare", "h", 0, 1).lines()
    path.write_text(lines[0] + "\n" + lines[1][:10])
    assert [r["type"] for r in tail.read_new()] == ["run_start"]
    with path.open("a") as fh:
        fh.write(lines[1][10:] + "\n" + lines[2] + "\n")
    assert [r["type"] for r in tail.read_new()] == ["play", "task_start"]
    assert tail.read_new() == []


def test_an_unreachable_task_in_a_successful_run_was_ignored():
    """A preflight that finds the VM still off (ignore_unreachable): the run succeeds, the step did not fail."""
    run = Run().task("prepare", "siak-vm", 0, 1, "unreachable").task("prepare", "siak-host", 0, 1).end()
    record = parse_lines(run.lines(), "ok.jsonl")
    assert not record.failed
    assert step_runs(record)["prepare"].statuses == {"ignored": 1, "ok": 1}
    assert not step_runs(record)["prepare"].failed
    killed = parse_lines(Run().task("prepare", "siak-vm", 0, 1, "unreachable").lines(), "killed.jsonl")
    assert killed.failed and step_runs(killed)["prepare"].failed
