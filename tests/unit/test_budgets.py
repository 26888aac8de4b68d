"""Budget verdicts and hard limits (pure), and the budget file's validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from agenda_builder import Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import (
    BudgetConfig,
    load_budget_file,
    parse_budget,
    with_overrides,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import StepRun, parse_lines, step_runs
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

UPGRADE = load_sop("upgrade")
BACKUP = load_sop("backup")
SOPS = [UPGRADE, BACKUP]
T0 = datetime.fromisoformat("2026-11-23T19:00:00+07:00")


def ran(step_id: str, seconds: float, statuses=None, start=T0, is_open=False) -> StepRun:
    return StepRun(
        step_id=step_id,
        start=start,
        end=start + timedelta(seconds=seconds),
        duration_s=seconds,
        statuses=statuses or {"ok": 1},
        hosts=("h",),
        open=is_open,
    )


@pytest.mark.parametrize(
    ("step_id", "seconds", "kind", "over"),
    [
        ("replace_app", 599, budgets.WITHIN, 0.0),  # 5-10 min: 9:59 is within
        ("replace_app", 600, budgets.WITHIN, 0.0),  # exactly the maximum is within
        ("replace_app", 601, budgets.OVER, 0.1),  # one second over still shows
        ("replace_app", 754, budgets.OVER, 2.6),  # 2 min 34 s over -> 2.6 (rounded up)
        ("replace_app", 10, budgets.WITHIN, 0.0),  # faster than the minimum is fine
        ("start_server", 400, budgets.OVER, 1.7),  # 5 min fixed
        ("update_clients", 9999, budgets.NO_BUDGET, 0.0),  # "–": no time standard
    ],
)
def test_time_verdicts(step_id, seconds, kind, over):
    verdict = budgets.verdict_for(UPGRADE.step(step_id), ran(step_id, seconds))
    assert verdict.kind == kind
    assert verdict.minutes_over == over
    assert verdict.deviation is (kind == budgets.OVER)


def test_failure_and_cancel_come_before_time():
    step = UPGRADE.step("replace_app")
    assert budgets.verdict_for(step, ran("replace_app", 30, {"ok": 3, "failed": 1})).kind == budgets.FAILED
    assert budgets.verdict_for(step, ran("replace_app", 30, {"unreachable": 1})).kind == budgets.FAILED
    cancelled = budgets.verdict_for(
        step, ran("replace_app", 1300, is_open=True), cancelled_step="replace_app"
    )
    assert cancelled.kind == budgets.CANCELLED and cancelled.deviation and cancelled.minutes_over == 11.7
    assert budgets.verdict_for(step, ran("replace_app", 30, is_open=True)).kind == budgets.INTERRUPTED
    assert budgets.verdict_for(step, ran("replace_app", 30, {"skipped": 2})).kind == budgets.SKIPPED
    assert budgets.verdict_for(step, None).kind == budgets.NOT_RUN


def test_after_service_hours_uses_the_shared_guard():
    step = BACKUP.step("prepare_backup")
    monday_evening = datetime.fromisoformat("2026-11-23T19:00:00+07:00")
    monday_morning = datetime.fromisoformat("2026-11-23T09:00:00+07:00")
    ok = budgets.verdict_for(step, ran("prepare_backup", 5, start=monday_evening))
    inside = budgets.verdict_for(step, ran("prepare_backup", 5, start=monday_morning))
    assert ok.kind == budgets.AFTER_HOURS_OK and not ok.deviation
    assert inside.kind == budgets.INSIDE_SERVICE_HOURS and inside.deviation
    # An office open until 20:00 makes the evening run a deviation too.
    late = [{"days": "mon-fri", "start": "08:00", "end": "20:00"}]
    assert budgets.verdict_for(step, ran("prepare_backup", 5, start=monday_evening), windows=late).deviation


def test_labels_in_both_languages():
    verdict = budgets.verdict_for(UPGRADE.step("replace_app"), ran("replace_app", 754))
    assert verdict.label("id") == "Melebihi Mutu Baku (lebih 2,6 menit)"
    assert verdict.label("en") == "Over the Mutu Baku (2.6 min over)"
    assert budgets.verdict_for(UPGRADE.step("replace_app"), ran("replace_app", 60)).label("id") == "Sesuai"


def test_hard_limits_default_to_twice_the_maximum():
    config = BudgetConfig()
    assert config.hard_limit_s(UPGRADE.step("replace_app")) == 1200
    assert config.hard_limit_s(BACKUP.step("run_export")) == 4800
    assert config.hard_limit_s(UPGRADE.step("update_clients")) is None  # no Mutu Baku, no default
    assert config.hard_limit_s(BACKUP.step("prepare_backup")) is None
    start = T0
    assert not budgets.over_hard_limit(
        UPGRADE.step("replace_app"), start, start + timedelta(seconds=1200), config
    )
    assert budgets.over_hard_limit(
        UPGRADE.step("replace_app"), start, start + timedelta(seconds=1201), config
    )


def test_budget_file_sets_factor_steps_and_default(tmp_path):
    path = tmp_path / "budget.yml"
    path.write_text(
        "hard_limit_factor: 1.5\n"
        "default_hard_limit_minutes: 90\n"
        "run_limit_minutes: 240\n"
        "steps:\n"
        "  replace_app: {hard_limit_minutes: 12.5}\n"
        "  run_export: {hard_limit_minutes: null}\n"
    )
    config = load_budget_file(path, SOPS)
    assert config.hard_limit_s(UPGRADE.step("replace_app")) == 750
    assert config.hard_limit_s(UPGRADE.step("replace_proxy")) == 900  # 1.5 x 10 min
    assert config.hard_limit_s(BACKUP.step("run_export")) is None
    assert config.hard_limit_s(UPGRADE.step("update_clients")) == 5400
    assert config.run_limit_minutes == 240
    override = with_overrides(config, ["replace_app=none", "update_clients=0.05"], SOPS)
    assert override.hard_limit_s(UPGRADE.step("replace_app")) is None
    assert override.hard_limit_s(UPGRADE.step("update_clients")) == pytest.approx(3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "a budget file must be a YAML mapping"),
        ("hard_limit_factr: 2\n", "unknown setting(s) hard_limit_factr"),
        ("hard_limit_factor: 0.5\n", "'hard_limit_factor' must be a number from 1 to 100, got 0.5"),
        ("hard_limit_factor: yes\n", "'hard_limit_factor' must be a number from 1 to 100, got True"),
        ("steps: {replce_app: {hard_limit_minutes: 5}}\n", "steps.replce_app: unknown step id"),
        ("steps: {replace_app: 5}\n", "a step takes exactly 'hard_limit_minutes', got 5"),
        (
            "steps: {replace_app: {hard_limit_minutes: -1}}\n",
            "'hard_limit_minutes' must be a number of minutes above 0",
        ),
        ("run_limit_minutes: null\n", "'run_limit_minutes' must be a number of minutes above 0, got None"),
        ("steps: [a]\n", "'steps' must map step ids to settings"),
        ("steps: {replace_app: {hard_limit_minutes: 5}\n", "not valid YAML at line"),
    ],
)
def test_bad_budget_files_are_named(tmp_path, text, message):
    path = tmp_path / "budget.yml"
    path.write_text(text)
    with pytest.raises(SiakError) as err:
        load_budget_file(path, SOPS)
    assert message in err.value.line()
    assert str(path) in err.value.line()


def test_bad_overrides():
    with pytest.raises(SiakError, match="is not STEP=MINUTES"):
        with_overrides(BudgetConfig(), ["replace_app"], SOPS)
    with pytest.raises(SiakError, match="'ten' is not a number of minutes"):
        with_overrides(BudgetConfig(), ["replace_app=ten"], SOPS)
    with pytest.raises(SiakError, match="unknown step id"):
        with_overrides(BudgetConfig(), ["nope=3"], SOPS)


def test_a_missing_budget_file_is_one_line(tmp_path):
    with pytest.raises(SiakError, match="cannot read the budget file"):
        load_budget_file(tmp_path / "nope.yml", SOPS)


def test_verdicts_from_a_built_agenda_cover_every_step():
    run = (
        Run()
        .task("prepare", "siak-host", 0, 30)
        .task("start_server", "siak-host", 30, 400)
        .task("replace_app", "siak-vm", 500, 200, "changed")
        .end()
    )
    record = parse_lines(run.lines(), "built.jsonl")
    found = budgets.verdicts(UPGRADE, step_runs(record))
    assert [v.step.id for v in found] == [s.id for s in UPGRADE.steps]
    kinds = {v.step.id: v.kind for v in found}
    assert kinds["prepare"] == budgets.WITHIN
    assert kinds["start_server"] == budgets.OVER
    assert kinds["login"] == budgets.NOT_RUN


def test_parse_budget_accepts_an_empty_file():
    assert parse_budget(None, "empty.yml", SOPS).hard_limit_factor == 2.0
