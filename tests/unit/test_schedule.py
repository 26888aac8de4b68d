"""The backup schedule in AWX, systemd and cron form: parsed back with python-dateutil and systemd."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.schedule import (
    backup_schedule,
    cron_monthly,
    cron_time,
)
from dateutil import rrule as du_rrule

OFFICES = [
    # (timezone, backup time, hour in UTC it must fire at)
    ("Asia/Jakarta", "17:00", 10),  # WIB = UTC+7
    ("Asia/Makassar", "17:00", 9),  # WITA = UTC+8
    ("Asia/Jayapura", "16:30", 7),  # WIT = UTC+9
]


def awx_parse(rule: str) -> du_rrule.rruleset:
    """Parse the rule the way AWX's Schedule model does: DTSTART and RRULE on separate lines."""
    return du_rrule.rrulestr(rule.replace(" RRULE:", "\nRRULE:"), forceset=True)


@pytest.mark.parametrize(("timezone", "at", "utc_hour"), OFFICES)
def test_rrule_parses_with_its_timezone_and_runs_daily_at_local_time(timezone, at, utc_hour):
    schedule = backup_schedule({"name": "Kab. Uji", "timezone": timezone, "backup_time": at})
    assert schedule["rrule"].startswith(f"DTSTART;TZID={timezone}:20260101T{at.replace(':', '')}00 ")
    rules = awx_parse(schedule["rrule"])
    after = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # morning in WIB, WITA and WIT
    runs = [rules.after(after)]
    while len(runs) < 7:
        runs.append(rules.after(runs[-1]))
    tz = ZoneInfo(timezone)
    for run in runs:
        assert run.tzinfo is not None
        local = run.astimezone(tz)
        assert f"{local:%H:%M}" == at
        assert run.astimezone(UTC).hour == utc_hour
    # one run a day, on consecutive days, the first one the evening after `after`
    assert [r.astimezone(tz).date() for r in runs] == [date(2026, 11, 21 + n) for n in range(7)]
    assert runs[0] > after


@pytest.mark.parametrize(("timezone", "at", "utc_hour"), OFFICES)
def test_rrule_timezone_is_the_offices(timezone, at, utc_hour):
    rules = awx_parse(backup_schedule({"timezone": timezone, "backup_time": at})["rrule"])
    first = rules[0]
    assert first.utcoffset() == datetime(2026, 1, 1, tzinfo=ZoneInfo(timezone)).utcoffset()
    assert first.tzname() == datetime(2026, 1, 1, tzinfo=ZoneInfo(timezone)).tzname()
    assert first.astimezone(UTC).hour == utc_hour


def test_defaults_are_wib_at_five_pm():
    schedule = backup_schedule({})
    assert schedule["rrule"] == "DTSTART;TZID=Asia/Jakarta:20260101T170000 RRULE:FREQ=DAILY;INTERVAL=1"
    assert schedule["systemd_calendar"] == "*-*-* 17:00:00 Asia/Jakarta"
    assert schedule["zone_name"] == "WIB"


def test_schedule_start_is_kept_for_idempotent_rules():
    a = backup_schedule({"schedule_start": "2025-07-01", "backup_time": "19:15"})
    assert a["rrule"].startswith("DTSTART;TZID=Asia/Jakarta:20250701T191500 ")
    assert a == backup_schedule({"schedule_start": "2025-07-01", "backup_time": "19:15"})


@pytest.mark.parametrize(
    ("office", "message"),
    [
        (
            {"name": "Kab. A", "backup_time": "14:00"},
            "office Kab. A: backup time 14:00 falls inside service hours",
        ),
        (
            {"name": "Kab. B", "backup_time": "25:00"},
            "office Kab. B: backup time '25:00' is not a time of day",
        ),
        ({"name": "Kab. C", "timezone": "Asia/Bandung"}, "office Kab. C: unknown timezone 'Asia/Bandung'"),
        (
            {"name": "Kab. D", "schedule_start": "1/1/2026"},
            "office Kab. D: schedule start '1/1/2026' is not a date",
        ),
        (
            {"name": "Kab. E", "backup_time": "20:00", "service_hours": [{"days": "sat", "start": "19:00"}]},
            "office Kab. E, service_hours, window 1: a window needs exactly days, start and end",
        ),
        (
            {
                "name": "Kab. F",
                "backup_time": "08:30",
                "service_hours": [{"days": "sat", "start": "08:00", "end": "12:00"}],
            },
            "office Kab. F: backup time 08:30 falls inside service hours (Sat 08:00–12:00)",
        ),
    ],
)
def test_bad_settings_are_one_clear_line(office, message):
    with pytest.raises(SiakError) as err:
        backup_schedule(office)
    assert err.value.line().startswith(message)


def test_a_time_outside_every_window_is_accepted_even_before_opening():
    assert backup_schedule({"backup_time": "06:00"})["time"] == "06:00"


@pytest.mark.parametrize(
    ("office_tz", "host_tz", "expected"),
    [
        ("Asia/Jakarta", "Asia/Jakarta", (0, 17)),
        ("Asia/Makassar", "Asia/Jakarta", (0, 16)),
        ("Asia/Jayapura", "UTC", (0, 8)),
        ("Asia/Jakarta", "Asia/Kolkata", (30, 15)),
    ],
)
def test_cron_time_is_the_offices_time_on_the_hosts_clock(office_tz, host_tz, expected):
    got = cron_time(time(17, 0), office_tz, host_tz, date(2026, 11, 21))
    assert (got["minute"], got["hour"]) == expected


def test_cron_refuses_a_host_zone_that_changes_its_clock():
    with pytest.raises(SiakError, match="Europe/Amsterdam changes its clock"):
        cron_time(time(17, 0), "Asia/Jakarta", "Europe/Amsterdam", date(2026, 11, 21))


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize(("timezone", "at", "utc_hour"), OFFICES)
def test_systemd_calendar_is_accepted_by_systemd_and_fires_at_local_time(timezone, at, utc_hour):
    expr = backup_schedule({"timezone": timezone, "backup_time": at})["systemd_calendar"]
    out = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=2", expr],
        capture_output=True,
        text=True,
        check=True,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert f"{at}:00 {timezone}" in out
    # "Next elapse: Sat 2026-11-21 10:00:00 UTC", "Iter. #2: ...": each at the expected hour in UTC
    utc_lines = [line for line in out.splitlines() if "Next elapse:" in line or "Iter. #" in line]
    assert len(utc_lines) == 2
    for line in utc_lines:
        assert f" {utc_hour:02d}:{at[3:]}:00 UTC" in line


@pytest.mark.parametrize(("timezone", "at", "utc_hour"), OFFICES)
def test_the_restore_drill_runs_monthly_on_its_day_after_the_backup(timezone, at, utc_hour):
    schedule = backup_schedule({"timezone": timezone, "backup_time": at, "restore_drill_day": 5})
    drill = schedule["drill"]
    assert drill["day"] == 5
    rules = awx_parse(drill["rrule"])
    after = datetime(2026, 11, 21, tzinfo=UTC)
    runs = [rules.after(after)]
    while len(runs) < 4:
        runs.append(rules.after(runs[-1]))
    tz = ZoneInfo(timezone)
    local = [r.astimezone(tz) for r in runs]
    assert [(d.year, d.month, d.day) for d in local] == [
        (2026, 12, 5),
        (2027, 1, 5),
        (2027, 2, 5),
        (2027, 3, 5),
    ]
    backup_at = datetime.strptime(at, "%H:%M")
    assert all((d.hour * 60 + d.minute) - (backup_at.hour * 60 + backup_at.minute) == 10 for d in local)
    assert drill["systemd_calendar"] == f"*-*-05 {local[0]:%H:%M}:00 {timezone}"


def test_the_drill_time_may_be_set_but_not_inside_service_hours_or_on_a_day_some_months_lack():
    assert backup_schedule({"restore_drill_time": "20:15"})["drill"]["time"] == "20:15"
    with pytest.raises(SiakError, match="restore drill time 09:00 falls inside service hours"):
        backup_schedule({"restore_drill_time": "09:00"})
    for day in (0, 29, 31, "first"):
        with pytest.raises(SiakError, match="not a day of the month from 1 to 28"):
            backup_schedule({"restore_drill_day": day})
    with pytest.raises(SiakError, match="restore_drill_time"):
        backup_schedule({"backup_time": "23:55"})  # ten minutes later is another day


def test_a_monthly_cron_entry_moves_with_the_hosts_date_or_is_refused():
    # 18:40 WITA on the 1st is 10:40 UTC the same day.
    assert cron_monthly(time(18, 40), 1, "Asia/Makassar", "UTC", date(2026, 11, 21))["day"] == 1
    # 05:00 WIT on the 2nd is 20:00 UTC on the 1st.
    got = cron_monthly(time(5, 0), 2, "Asia/Jayapura", "UTC", date(2026, 11, 21))
    assert (got["minute"], got["hour"], got["day"]) == (0, 20, 1)
    with pytest.raises(SiakError, match="cron cannot name in every month"):
        cron_monthly(time(5, 0), 1, "Asia/Jayapura", "UTC", date(2026, 11, 21))
