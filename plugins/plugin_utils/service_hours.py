"""Service hours (jam pelayanan): is the office serving citizens right now?

One piece of code for the backup role (through the dukcapil.siak.service_hours filter) and the
siak-sop wrapper. Pure: the caller passes the time, so every rule is unit-tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

# Where a service-hours error is, when the caller names no setting.
SERVICE_HOURS = Said(N_("service hours"))

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
DEFAULT_TIMEZONE = "Asia/Jakarta"
# A common Dukcapil week; every office sets its own (docs: service hours).
DEFAULT_WINDOWS = (
    {"days": "mon-thu", "start": "08:00", "end": "15:00"},
    {"days": "fri", "start": "08:00", "end": "11:30"},
)
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def label(self, lang: str = "id") -> str:
        names = DAY_NAMES_ID if lang == "id" else tuple(d.capitalize() for d in DAYS)
        days = sorted(self.days)
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            span = f"{names[days[0]]}–{names[days[-1]]}"
        else:
            span = ", ".join(names[d] for d in days)
        return f"{span} {self.start:%H:%M}–{self.end:%H:%M}"


# Day names an office may write: English (short or full) and Indonesian.
DAY_ALIASES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{
        d: i
        for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
    **{d.lower(): i for i, d in enumerate(DAY_NAMES_ID)},
    "jum'at": 4,
    "ahad": 6,
}


def _day(name: str, where: str) -> int:
    try:
        return DAY_ALIASES[name.strip().lower()]
    except KeyError:
        raise SiakError(
            Said(N_("unknown day '{day}'"), day=name.strip()),
            where=where,
            fix=Said(N_("Use mon..sun or senin..minggu, e.g. mon-thu")),
        ) from None


def _parse_days(raw: object, where: str) -> frozenset[int]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    days: set[int] = set()
    for item in (str(i).strip() for i in items):
        if "-" in item:
            first, last = item.split("-", 1)
            a, b = _day(first, where), _day(last, where)
            if a > b:
                raise SiakError(
                    Said(N_("day range '{days}' runs backwards"), days=item),
                    where=where,
                    fix=Said(N_("Write it as mon-fri")),
                )
            days.update(range(a, b + 1))
        elif item:
            days.add(_day(item, where))
    if not days:
        raise SiakError(Said(N_("no days given")), where=where)
    return frozenset(days)


def _parse_time(raw: object, where: str, name: str) -> time:
    match = HHMM.match(str(raw).strip())
    if not match:
        raise SiakError(
            Said(N_("{name} '{value}' is not a time of day HH:MM"), name=name, value=raw),
            where=where,
            fix=Said(N_("Write it as 08:00")),
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_windows(raw: object, where: str = SERVICE_HOURS) -> tuple[Window, ...]:
    """Validate service-hour windows: a list of {days, start, end}, e.g. {days: mon-thu, start: '08:00', end: '15:00'}."""
    if not isinstance(raw, list | tuple):
        raise SiakError(
            Said(N_("expected a list of windows, got {kind}"), kind=type(raw).__name__), where=where
        )
    windows = []
    for index, item in enumerate(raw, start=1):
        here = Said(N_("{where}, window {index}"), where=where, index=index)
        if not isinstance(item, dict) or set(item) != {"days", "start", "end"}:
            raise SiakError(
                Said(N_("a window needs exactly days, start and end, got {value!r}"), value=item), where=here
            )
        start = _parse_time(item["start"], here, "start")
        end = _parse_time(item["end"], here, "end")
        if start >= end:
            raise SiakError(
                Said(N_("start {start:%H:%M} is not before end {end:%H:%M}"), start=start, end=end),
                where=here,
            )
        windows.append(Window(_parse_days(item["days"], here), start, end))
    return tuple(windows)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SiakError(
            Said(N_("unknown timezone '{name}'"), name=name),
            fix=Said(N_("Use Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)")),
        ) from None


def window_at(now: datetime, windows: tuple[Window, ...], timezone: str = DEFAULT_TIMEZONE) -> Window | None:
    """The service window ``now`` falls in (office local time), or None after hours."""
    if now.tzinfo is None:
        raise SiakError(Said(N_("the time to check has no timezone")))
    local = now.astimezone(zone(timezone))
    for window in windows:
        if local.weekday() in window.days and window.start <= local.time() < window.end:
            return window
    return None


def check(
    now: datetime, raw_windows: object = DEFAULT_WINDOWS, timezone: str = DEFAULT_TIMEZONE, lang: str = "id"
) -> dict:
    """A serialisable verdict: {inside, window, local_time, timezone}; the window's days named in ``lang``."""
    windows = parse_windows(list(raw_windows) if isinstance(raw_windows, tuple) else raw_windows)
    found = window_at(now, windows, timezone)
    return {
        "inside": found is not None,
        "window": found.label(lang) if found else "",
        "local_time": now.astimezone(zone(timezone)).isoformat(timespec="seconds"),
        "timezone": timezone,
    }
