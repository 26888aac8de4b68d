"""The one lock, live over SSH on a lab host: a live holder refuses, a killed one is taken over at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from labkit import BIN, REPO

HOST = "siak-db"
LOCK = "/var/lib/siak-lock-test/.siak.lock"


@pytest.fixture
def holder_run(lab, tmp_path):
    """Start a run that takes the lock and waits; yield (process, its answer, release file)."""
    lab.sh(HOST, f"rm -rf {os.path.dirname(LOCK)}")
    ready, release = tmp_path / "ready.json", tmp_path / "release"
    env = dict(lab.env, SIAK_RUN_ID="HOLDER-RUN")
    cmd = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory),
        "tests/playbooks/run_lock_hold.yml",
        "-e",
        f"lock_host={HOST} lock_path={LOCK} ready_file={ready} release_file={release}",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    for _tick in range(600):
        if (ready.exists() and ready.stat().st_size) or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert ready.exists(), proc.communicate()[0]
    yield proc, json.loads(ready.read_text()), release
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    lab.sh(HOST, "pkill -f 'sleep 300' ; rm -rf " + os.path.dirname(LOCK))


def take(lab, *extra, lang=None):
    """The second run; its words in ``lang`` (SIAK_LANG), Bahasa Indonesia by default."""
    env = dict(lab.env, SIAK_RUN_ID="SECOND-RUN", **({"SIAK_LANG": lang} if lang else {}))
    cmd = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory),
        "tests/playbooks/run_lock_take.yml",
        "-e",
        f"lock_host={HOST} lock_path={LOCK}",
        *extra,
    ]
    return subprocess.run(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )


def lock_on_host(lab):
    shown = lab.sh(HOST, f"cat {LOCK}")
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def test_a_live_holder_is_refused_by_name(lab, holder_run):
    proc, answer, release = holder_run
    assert answer["acquired"] is True
    held = lock_on_host(lab)
    assert held["run_id"] == "HOLDER-RUN" and held["user"] not in ("", "?") and held["boot_id"]
    assert oct(int(lab.sh(HOST, f"stat -c %a {LOCK}").stdout.strip(), 8)) == oct(0o600)

    second = take(lab)
    assert second.returncode != 0
    out = " ".join(second.stdout.split())
    assert (
        f"{HOST}: {LOCK} dipegang oleh jalan yang masih berlangsung: jalan HOLDER-RUN oleh {held['user']}"
        in out
    )
    assert "Tidak ada yang diubah" in out
    english = take(lab, lang="en")
    assert english.returncode != 0
    out = " ".join(english.stdout.split())
    assert f"{HOST}: {LOCK} is held by a run that is still going: run HOLDER-RUN by {held['user']}" in out
    assert "Nothing was changed" in out
    assert lock_on_host(lab)["token"] == held["token"], "a refused run must leave the holder's lock alone"

    release.touch()
    assert proc.wait(120) == 0
    assert lock_on_host(lab) is None, "the holder gives its lock back when it ends"


def test_a_killed_holder_is_taken_over_at_once(lab, holder_run):
    proc, _answer, _release = holder_run
    held = lock_on_host(lab)
    worker = held["target"][0]["pid"]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    second = take(lab)
    assert second.returncode == 0, second.stdout
    out = " ".join(second.stdout.split())
    assert f"{LOCK} diambil alih dari jalan HOLDER-RUN" in out and "prosesnya sudah tidak berjalan" in out
    # The run that took over is told which of the dead run's processes still run on the host.
    assert f"taken_over=True processes={worker}" in out
    assert lock_on_host(lab) is None


def test_break_lock_takes_a_live_holders_lock_and_says_whose(lab, holder_run):
    _proc, _answer, _release = holder_run
    second = take(lab, "-e", "break_lock=true", lang="en")
    assert second.returncode == 0, second.stdout
    out = " ".join(second.stdout.split())
    assert "took over" in out and "HOLDER-RUN" in out and "break_lock was set" in out


def test_check_mode_takes_nothing(lab):
    lab.sh(HOST, f"rm -rf {os.path.dirname(LOCK)}")
    checked = take(lab, "--check")
    assert checked.returncode == 0, checked.stdout
    assert lab.sh(HOST, f"test -e {os.path.dirname(LOCK)}").returncode != 0
