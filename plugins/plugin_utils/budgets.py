"""Time budgets: each step's verdict against its Mutu Baku, and the hard limits that cancel a run.

Pure logic: the caller passes the SOP table, what each step did (runlog.StepRun) and the budget
settings; nothing here reads a clock, a file or Ansible, except `load_budget_file`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import service_hours
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, gettext_for
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import StepRun
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Sop, Step, read_yaml_file

DEFAULT_HARD_LIMIT_FACTOR = 2.0
DEFAULT_RUN_LIMIT_MINUTES = 720.0


def fmt_elapsed(seconds: float) -> str:
    """A duration as the agenda, the Laporan and the live progress show it: MM:SS, or H:MM:SS from an hour."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours:d}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


# Verdict kinds. A deviation is what the SOP counts as a failure someone must account for.
WITHIN = "within"
OVER = "over"
NO_BUDGET = "no_budget"
NOT_RUN = "not_run"
SKIPPED = "skipped"
FAILED = "failed"
CANCELLED = "cancelled"
INTERRUPTED = "interrupted"
INSIDE_SERVICE_HOURS = "inside_service_hours"
AFTER_HOURS_OK = "after_hours_ok"
DEVIATIONS = frozenset({OVER, FAILED, CANCELLED, INTERRUPTED, INSIDE_SERVICE_HOURS})

# What a verdict reads as, on screen and on the Laporan: one of the SOP's five words (Sesuai, Melebihi
# Mutu Baku, Gagal, Tidak dijalankan, Dibatalkan), through the one catalogue.
LABELS = {
    WITHIN: N_("Within standard"),
    OVER: N_("Over the Mutu Baku"),
    NO_BUDGET: N_("Within standard"),
    NOT_RUN: N_("Not run"),
    SKIPPED: N_("Not run"),
    FAILED: N_("Failed"),
    CANCELLED: N_("Cancelled"),
    INTERRUPTED: N_("Cancelled"),
    INSIDE_SERVICE_HOURS: N_("Over the Mutu Baku: started inside service hours"),
    AFTER_HOURS_OK: N_("Within standard"),
}


@dataclass(frozen=True)
class BudgetConfig:
    """Hard limits per step: `steps[id]` in minutes (None: no hard limit), else factor × the step's maximum."""

    hard_limit_factor: float = DEFAULT_HARD_LIMIT_FACTOR
    default_hard_limit_minutes: float | None = None
    run_limit_minutes: float = DEFAULT_RUN_LIMIT_MINUTES
    steps: dict[str, float | None] = field(default_factory=dict)
    source: str = "built-in defaults"

    def hard_limit_s(self, step: Step) -> float | None:
        """Seconds after which the step is cancelled, or None when it has no hard limit."""
        if step.id in self.steps:
            minutes = self.steps[step.id]
            return None if minutes is None else minutes * 60
        if step.waktu.max_minutes is not None:
            return step.waktu.max_minutes * self.hard_limit_factor * 60
        if self.default_hard_limit_minutes is not None:
            return self.default_hard_limit_minutes * 60
        return None


def _minutes(value: Any, where: str, name: str, allow_null: bool) -> float | None:
    if value is None and allow_null:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        if allow_null:
            what = Said(
                N_("'{name}' must be a number of minutes above 0 or null (no hard limit), got {value!r}"),
                name=name,
                value=value,
            )
        else:
            what = Said(
                N_("'{name}' must be a number of minutes above 0, got {value!r}"), name=name, value=value
            )
        raise SiakError(
            what,
            where=where,
            fix=Said(N_("Correct it (minutes may have decimals: 0.5 is 30 seconds)")),
        )
    return float(value)


def parse_budget(data: Any, source: str, sops: list[Sop]) -> BudgetConfig:
    """Validate a budget document (parsed YAML) against the SOP tables; one clear error per fault."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SiakError(
            Said(N_("a budget file must be a YAML mapping")),
            where=source,
            fix=Said(N_("See docs/siak-sop.md")),
        )
    known = {"hard_limit_factor", "default_hard_limit_minutes", "run_limit_minutes", "steps"}
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise SiakError(
            Said(N_("unknown setting(s) {names}"), names=", ".join(unknown)),
            where=source,
            fix=Said(N_("Use only {names}"), names=", ".join(sorted(known))),
        )
    factor = data.get("hard_limit_factor", DEFAULT_HARD_LIMIT_FACTOR)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 1 <= factor <= 100:
        raise SiakError(
            Said(N_("'hard_limit_factor' must be a number from 1 to 100, got {value!r}"), value=factor),
            where=source,
            fix=Said(N_("2 cancels a step at twice its Mutu Baku maximum")),
        )
    default_limit = _minutes(
        data.get("default_hard_limit_minutes"), source, "default_hard_limit_minutes", allow_null=True
    )
    run_limit = _minutes(
        data.get("run_limit_minutes", DEFAULT_RUN_LIMIT_MINUTES),
        source,
        "run_limit_minutes",
        allow_null=False,
    )
    raw_steps = data.get("steps") or {}
    if not isinstance(raw_steps, dict):
        raise SiakError(Said(N_("'steps' must map step ids to settings")), where=source)
    by_id = {s.id: s for sop in sops for s in sop.steps}
    steps: dict[str, float | None] = {}
    for step_id, settings in raw_steps.items():
        here = f"{source}, steps.{step_id}"
        if step_id not in by_id:
            raise SiakError(
                Said(N_("unknown step id")),
                where=here,
                fix=Said(
                    N_("Use one of: {names} (siak-sop budgets <sop> lists them)"), names=", ".join(by_id)
                ),
            )
        if not isinstance(settings, dict) or set(settings) != {"hard_limit_minutes"}:
            raise SiakError(
                Said(N_("a step takes exactly 'hard_limit_minutes', got {value!r}"), value=settings),
                where=here,
                fix=Said(N_("Write it as `hard_limit_minutes: 20` (or null for no hard limit)")),
            )
        steps[str(step_id)] = _minutes(settings["hard_limit_minutes"], here, "hard_limit_minutes", True)
    return BudgetConfig(
        hard_limit_factor=float(factor),
        default_hard_limit_minutes=default_limit,
        run_limit_minutes=DEFAULT_RUN_LIMIT_MINUTES if run_limit is None else run_limit,
        steps=steps,
        source=source,
    )


def load_budget_file(path: Path | str, sops: list[Sop]) -> BudgetConfig:
    data = read_yaml_file(path, Said(N_("the budget file")))
    return parse_budget(data, str(path), sops)


def with_overrides(config: BudgetConfig, overrides: list[str], sops: list[Sop]) -> BudgetConfig:
    """Apply `--hard-limit STEP=MINUTES` options (MINUTES may be `none`)."""
    if not overrides:
        return config
    raw: dict[str, Any] = {}
    for item in overrides:
        step_id, sep, value = item.partition("=")
        if not sep:
            raise SiakError(
                Said(N_("--hard-limit '{item}' is not STEP=MINUTES"), item=item),
                fix=Said(N_("For example --hard-limit replace_app=20")),
            )
        text = value.strip().lower()
        if text in ("none", "null", ""):
            raw[step_id.strip()] = {"hard_limit_minutes": None}
            continue
        try:
            raw[step_id.strip()] = {"hard_limit_minutes": float(text)}
        except ValueError:
            raise SiakError(
                Said(
                    N_("--hard-limit '{item}': '{value}' is not a number of minutes"), item=item, value=value
                ),
                fix=Said(N_("For example replace_app=20")),
            ) from None
    extra = parse_budget({"steps": raw}, "--hard-limit", sops)
    return BudgetConfig(
        hard_limit_factor=config.hard_limit_factor,
        default_hard_limit_minutes=config.default_hard_limit_minutes,
        run_limit_minutes=config.run_limit_minutes,
        steps={**config.steps, **extra.steps},
        source=config.source,
    )


@dataclass(frozen=True)
class Verdict:
    step: Step
    kind: str
    run: StepRun | None = None
    minutes_over: float = 0.0
    hard_limit_s: float | None = None

    @property
    def deviation(self) -> bool:
        return self.kind in DEVIATIONS

    def label(self, lang: str = "id") -> str:
        tr = gettext_for(lang)
        text = tr(LABELS[self.kind])
        if self.minutes_over > 0 and self.kind in (OVER, FAILED, CANCELLED, INTERRUPTED):
            over = f"{self.minutes_over:.1f}".replace(".", "," if lang == "id" else ".")
            text = tr("{verdict} ({over} min over)").format(verdict=text, over=over)
        return text


def minutes_over(duration_s: float | None, step: Step) -> float:
    """Whole tenths of a minute past the step's maximum, rounded up so a second over still shows."""
    if duration_s is None or step.waktu.max_minutes is None:
        return 0.0
    over = duration_s - step.waktu.max_minutes * 60
    return math.ceil(over / 6) / 10 if over > 0 else 0.0


def verdict_for(
    step: Step,
    run: StepRun | None,
    config: BudgetConfig | None = None,
    *,
    cancelled_step: str | None = None,
    windows: object = service_hours.DEFAULT_WINDOWS,
    timezone: str = service_hours.DEFAULT_TIMEZONE,
) -> Verdict:
    """One step's verdict. Failure and cancellation come first; then the time standard."""
    config = config or BudgetConfig()
    limit = config.hard_limit_s(step)
    if run is None:
        return Verdict(step, NOT_RUN, hard_limit_s=limit)
    over = minutes_over(run.duration_s, step)
    if cancelled_step == step.id:
        return Verdict(step, CANCELLED, run, over, limit)
    if run.open:
        return Verdict(step, INTERRUPTED, run, over, limit)
    if run.failed:
        return Verdict(step, FAILED, run, over, limit)
    if run.all_skipped:
        return Verdict(step, SKIPPED, run, 0.0, limit)
    if step.waktu.after_service_hours:
        if run.start is not None and service_hours.check(run.start, windows, timezone)["inside"]:
            return Verdict(step, INSIDE_SERVICE_HOURS, run, 0.0, limit)
        return Verdict(step, AFTER_HOURS_OK, run, 0.0, limit)
    if not step.waktu.has_budget:
        return Verdict(step, NO_BUDGET, run, 0.0, limit)
    return Verdict(step, OVER if over > 0 else WITHIN, run, over, limit)


def verdicts(
    sop: Sop,
    runs: dict[str, StepRun],
    config: BudgetConfig | None = None,
    *,
    cancelled_step: str | None = None,
    windows: object = service_hours.DEFAULT_WINDOWS,
    timezone: str = service_hours.DEFAULT_TIMEZONE,
) -> list[Verdict]:
    """Every step of the SOP in the table's order, each with its verdict."""
    return [
        verdict_for(
            step, runs.get(step.id), config, cancelled_step=cancelled_step, windows=windows, timezone=timezone
        )
        for step in sop.steps
    ]


def over_hard_limit(step: Step, started: datetime, now: datetime, config: BudgetConfig) -> bool:
    limit = config.hard_limit_s(step)
    return limit is not None and (now - started).total_seconds() > limit
