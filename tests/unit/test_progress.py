from __future__ import annotations

import io
import json
from datetime import timedelta

from agenda_builder import T0, Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig, fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop.progress import PlainProgress, StepTracker

UPGRADE = load_sop("upgrade")


def records(run: Run) -> list[dict]:
    return [json.loads(line) for line in run.lines()]


def test_steps_start_and_end_with_hosts_done_and_left():
    run = (
        Run()
        .task("prepare", "siak-host", 0, 30)
        .task("prepare", "siak-db", 0, 40)
        .task("start_server", "siak-host", 45, 10)
        .end()
    )
    tracker = StepTracker(UPGRADE)
    seen = []
    for record in records(run):
        seen += [(what, live.step.id) for what, live in tracker.feed(record)]
    assert seen == [
        ("start", "prepare"),
        ("end", "prepare"),
        ("start", "start_server"),
        ("end", "start_server"),
    ]
    prepare = tracker.steps["prepare"]
    assert prepare.hosts_done == {"siak-host", "siak-db"}
    assert tracker.hosts_left(prepare) == 0


def test_a_step_with_a_host_still_busy_stays_open():
    run = Run().task("update_clients", "pc01", 0, 5).task("update_clients", "pc02", 0, 0, end=False)
    tracker = StepTracker(UPGRADE)
    for record in records(run):
        tracker.feed(record)
    live = tracker.steps["update_clients"]
    assert not live.closed and live.hosts_done == {"pc01"}
    assert tracker.hosts_left(live) == 1


def test_hard_limit_names_the_running_step():
    run = Run().task("prepare", "h", 0, 10).task("replace_app", "siak-vm", 20, 0, end=False)
    config = BudgetConfig(steps={"replace_app": 1.0})  # 60 s
    tracker = StepTracker(UPGRADE, config)
    for record in records(run):
        tracker.feed(record)
    assert tracker.over_hard_limit(T0 + timedelta(seconds=80)) is None
    late = tracker.over_hard_limit(T0 + timedelta(seconds=81))
    assert late is not None and late.step.id == "replace_app"


def test_plain_lines_say_step_time_budget_and_verdict():
    run = Run().task("start_server", "siak-host", 0, 400).task("login", "siak-host", 400, 5).end()
    tracker = StepTracker(UPGRADE)
    out = io.StringIO()
    progress = PlainProgress(tracker, "id", out)
    for record in records(run):
        progress.changes(tracker.feed(record), T0 + timedelta(seconds=405))
    text = out.getvalue()
    assert "[siak-sop] Langkah 2 mulai: Menjalankan server (Mutu Baku: 5 menit)" in text
    assert (
        "[siak-sop] Langkah 2 selesai 06:40 / 5 menit: Melebihi Mutu Baku (lebih 1,7 menit); host selesai 1, sisa 0"
        in text
    )
    assert "Langkah 3 selesai 00:05 / 1–5 menit: Sesuai" in text


def test_heartbeat_in_english():
    run = Run().task("replace_app", "siak-vm", 0, 0, end=False)
    tracker = StepTracker(UPGRADE)
    out = io.StringIO()
    progress = PlainProgress(tracker, "en", out, heartbeat_s=60)
    for record in records(run):
        progress.changes(tracker.feed(record), T0)
    progress.tick(T0)
    progress.tick(T0 + timedelta(seconds=61))
    assert "Step 6 running 01:01 / 5–10 min; hosts done 0, left 1" in out.getvalue()


def test_fmt_elapsed():
    assert fmt_elapsed(0) == "00:00"
    assert fmt_elapsed(754.9) == "12:34"
    assert fmt_elapsed(3725) == "1:02:05"
