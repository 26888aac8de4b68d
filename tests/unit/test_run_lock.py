"""The one lock's rule and file work (module_utils/run_lock.py), with real files and real processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.module_utils import run_lock
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n, lock_sentences

HERE = {"host": "ctl", "boot_id": "boot-1"}


def holder(**kw):
    base = {
        "token": "t1",
        "host": "ctl",
        "boot_id": "boot-1",
        "pid": 4242,
        "pid_start": "100",
        "since_epoch": 1000,
    }
    base.update(kw)
    return base


def starts(table):
    return table.get


def test_same_boot_live_process_holds():
    assert run_lock.holder_is_gone(holder(), HERE, 1060, 7200, starts({4242: "100"})) == (False, "")


def test_same_boot_dead_process_is_gone_at_once():
    assert run_lock.holder_is_gone(holder(), HERE, 1001, 7200, starts({})) == (True, "process")


def test_recycled_pid_is_gone():
    assert run_lock.holder_is_gone(holder(), HERE, 1001, 7200, starts({4242: "999"})) == (True, "process")


@pytest.mark.parametrize(
    "where", [{"host": "other", "boot_id": "boot-1"}, {"host": "ctl", "boot_id": "boot-2"}]
)
def test_elsewhere_judged_by_age_only(where):
    # Another controller, or this one after a reboot: its process table says nothing about the holder.
    assert run_lock.holder_is_gone(holder(), where, 1000 + 7200, 7200, starts({})) == (False, "")
    assert run_lock.holder_is_gone(holder(), where, 1000 + 7201, 7200, starts({})) == (True, "age")


def test_unreadable_lock_only_by_age():
    bad = {"unreadable": True, "since_epoch": 1000}
    assert run_lock.holder_is_gone(bad, HERE, 1100, 7200, starts({})) == (False, "")
    assert run_lock.holder_is_gone(bad, HERE, 9000, 7200, starts({})) == (True, "age")


def test_refusal_names_host_user_and_run_id():
    said = lock_sentences.refusal("siak-vm", "/opt/siak/app/.siak.lock", holder(user="budi", run_id="R-17"))
    for msg, words in (
        (i18n.say(said, "id"), "Tidak ada yang diubah"),
        (i18n.say(said, "en"), "Nothing was changed"),
    ):
        assert "siak-vm" in msg and "budi" in msg and "R-17" in msg and "ctl" in msg
        assert words in msg


def test_take_keep_refuse_release(tmp_path):
    path = str(tmp_path / "app" / ".siak.lock")
    first = run_lock.take(path, {"token": "A", "run_id": "RA"})
    assert first == {"changed": True, "acquired": True, "holder": None, "taken_over": False}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert run_lock.take(path, {"token": "A"})["acquired"] is True
    other = run_lock.take(path, {"token": "B"})
    assert other["acquired"] is False and other["holder"]["run_id"] == "RA"
    assert run_lock.release(path, "B") is False and os.path.exists(path)
    assert run_lock.release(path, "A") is True and not os.path.exists(path)


def test_take_over_only_the_holder_judged_gone(tmp_path):
    path = str(tmp_path / ".siak.lock")
    run_lock.take(path, {"token": "A"})
    # A steal aimed at a holder that is no longer there (a third run took over first) does nothing.
    assert run_lock.take(path, {"token": "B"}, steal_token="Z")["acquired"] is False
    taken = run_lock.take(path, {"token": "B"}, steal_token="A")
    assert taken["acquired"] and taken["taken_over"] and taken["holder"]["token"] == "A"
    assert run_lock.read_lock(path)["token"] == "B"


def test_unreadable_lock_holds_until_taken_over(tmp_path):
    path = tmp_path / ".siak.lock"
    path.write_text("{cut", encoding="utf-8")
    found = run_lock.read_lock(str(path))
    assert found["unreadable"] and found["since_epoch"] > 0
    assert run_lock.take(str(path), {"token": "B"})["acquired"] is False
    assert run_lock.take(str(path), {"token": "B"}, steal_token="")["acquired"] is True


def test_a_lock_without_since_epoch_is_as_old_as_its_file(tmp_path):
    # A lock written by hand or by an older version of the backup's lock: judged by age, never held forever.
    path = tmp_path / ".siak-backup.lock"
    path.write_text('{"run_id": "old", "owner": "adb@pc"}', encoding="utf-8")
    os.utime(path, (1000, 1000))
    found = run_lock.read_lock(str(path))
    assert found["since_epoch"] == 1000
    here = {"host": "ctl", "boot_id": "b"}
    assert run_lock.holder_is_gone(found, here, 1000 + 3600, 60, lambda pid: None) == (True, "age")


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "new" / ".siak.lock"
    assert run_lock.take(str(path), {"token": "A"}, check_mode=True)["acquired"]
    assert not path.parent.exists()


def test_attached_process_is_reported_while_it_runs(tmp_path):
    path = str(tmp_path / ".siak.lock")
    run_lock.take(path, {"token": "A"})
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert run_lock.attach(path, "A", child.pid)
        assert run_lock.attach(path, "B", child.pid) is False
        lock = run_lock.read_lock(path)
        assert run_lock.live_target_processes(lock) == [child.pid]
    finally:
        child.kill()
        child.wait()
    assert run_lock.live_target_processes(run_lock.read_lock(path)) == []


def _contender(path, token, barrier, results):
    barrier.wait()
    results.put((token, run_lock.take(path, {"token": token})["acquired"]))


def test_two_runs_at_once_exactly_one_wins(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for attempt in range(20):
        path = str(tmp_path / f"race{attempt}" / ".siak.lock")
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_contender, args=(path, t, barrier, results)) for t in ("A", "B")]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        won = dict(results.get(timeout=5) for _proc in procs)
        assert sorted(won.values()) == [False, True], (attempt, won)
        assert json.loads(Path(path).read_text())["token"] == next(t for t, ok in won.items() if ok)


def test_another_job_of_the_same_awx_job_template_has_ended():
    # AWX runs the jobs of one template one at a time: job 101's lock, found by job 102 of the same
    # template (in another container, so its process cannot be looked at), is that of a job that ended.
    cancelled = holder(host="automation-job-101-x", awx_job_id="101", awx_job_template_id="7")
    here = {
        "host": "automation-job-102-y",
        "boot_id": "boot-1",
        "awx_job_id": "102",
        "awx_job_template_id": "7",
    }
    assert run_lock.holder_is_gone(cancelled, here, 1001, 7200, starts({})) == (True, "awx")
    # A job of another template (the restore drill, an upgrade) may still run: only its age counts.
    other_template = dict(here, awx_job_template_id="8")
    assert run_lock.holder_is_gone(cancelled, other_template, 1001, 7200, starts({})) == (False, "")
    # The same job asking again (a second task of one run) is not "another job".
    same_job = dict(here, awx_job_id="101")
    assert run_lock.holder_is_gone(cancelled, same_job, 1001, 7200, starts({})) == (False, "")
    # Outside AWX, a holder that was an AWX job is judged by age.
    assert run_lock.holder_is_gone(cancelled, HERE, 1001, 7200, starts({})) == (False, "")
    said = lock_sentences.taken_over_message("siak-db", "/srv/x.lock", cancelled, "awx")
    assert "AWX job 101" in str(said) and "job AWX 101" in i18n.say(said, "id")
