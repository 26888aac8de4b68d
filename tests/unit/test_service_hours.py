from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.service_hours import (
    DEFAULT_WINDOWS,
    check,
    parse_windows,
)

WIB = timezone(timedelta(hours=7))


def at(text: str, tz=WIB) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(
    ("when", "inside"),
    [
        ("2026-11-23T08:00", True),  # Monday opening
        ("2026-11-23T14:59", True),
        ("2026-11-23T15:00", False),  # closed at 15:00 sharp
        ("2026-11-27T11:29", True),  # Friday short day
        ("2026-11-27T11:30", False),
        ("2026-11-28T10:00", False),  # Saturday
        ("2026-11-23T07:59", False),
    ],
)
def test_default_week(when, inside):
    assert check(at(when), DEFAULT_WINDOWS)["inside"] is inside


def test_timezones_are_the_offices():
    # 07:30 UTC is 15:30 WITA (closed) but 14:30 WIB (open).
    utc = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert check(utc, DEFAULT_WINDOWS, "Asia/Jakarta")["inside"] is True
    assert check(utc, DEFAULT_WINDOWS, "Asia/Makassar")["inside"] is False
    assert check(utc, DEFAULT_WINDOWS, "Asia/Makassar")["local_time"] == "2026-11-23T15:30:00+08:00"


def test_indonesian_day_names():
    windows = [
        {"days": "Senin-Kamis", "start": "08:00", "end": "15:00"},
        {"days": ["Jumat"], "start": "08:00", "end": "11:00"},
    ]
    assert check(at("2026-11-26T10:00"), windows)["inside"] is True  # Kamis
    assert check(at("2026-11-27T10:00"), windows)["window"] == "Jumat 08:00–11:00"


def test_label():
    verdict = check(at("2026-11-24T09:00"), [{"days": "mon-thu", "start": "08:00", "end": "15:00"}])
    assert verdict["window"] == "Senin–Kamis 08:00–15:00"


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([{"days": "mon-thu", "start": "8", "end": "15:00"}], "start '8' is not a time of day HH:MM"),
        ([{"days": "mon-thu", "start": "15:00", "end": "08:00"}], "start 15:00 is not before end 08:00"),
        ([{"days": "fri-mon", "start": "08:00", "end": "09:00"}], "day range 'fri-mon' runs backwards"),
        ([{"days": "senen", "start": "08:00", "end": "09:00"}], "unknown day 'senen'"),
        ([{"days": "mon", "start": "08:00"}], "needs exactly days, start and end"),
        ("mon-fri", "expected a list of windows"),
    ],
)
def test_bad_windows(windows, message):
    with pytest.raises(SiakError, match=message):
        parse_windows(windows)


def test_unknown_timezone_and_naive_time():
    with pytest.raises(SiakError, match="unknown timezone 'WIB'"):
        check(at("2026-11-23T09:00"), DEFAULT_WINDOWS, "WIB")
    with pytest.raises(SiakError, match="has no timezone"):
        check(datetime(2026, 11, 23, 9), DEFAULT_WINDOWS)
