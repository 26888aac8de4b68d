"""The daily backup schedule of an office, as AWX, systemd and cron each want it.

Pure: every function takes the office's settings (and, for cron, the control node's timezone) and
returns strings; nothing here reads a clock or a file, so every rule is unit-tested.

- AWX (and Ansible Automation Platform) takes an iCalendar rule with its own start and timezone:
  ``DTSTART;TZID=Asia/Makassar:20260101T170000 RRULE:FREQ=DAILY;INTERVAL=1``. The controller works
  out each run in the office's own timezone, whatever timezone the controller itself runs in.
- systemd timers take a calendar expression that may name a timezone: ``*-*-* 17:00:00 Asia/Makassar``.
- cron (Debian's) has no per-entry timezone: the time is the control node's local time, so the
  office's time is converted, and refused when either timezone moves its clocks during the year
  (Indonesia's do not; a control node set to a European zone would).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said
from ansible_collections.dukcapil.siak.plugins.plugin_utils.service_hours import (
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOWS,
    HHMM,
    Window,
    parse_windows,
    zone,
)

# The office's clock names, for messages and docs.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_BACKUP_TIME = "17:00"
# A fixed first day keeps the rule the same on every run of the configuration playbook (idempotent);
# AWX schedules from the first occurrence after now, so a date in the past costs nothing.
DEFAULT_START = date(2026, 1, 1)
# The monthly restore drill (playbooks/restore_drill.yml): on this day of the month, by default this long
# after the daily backup's time. Its scheduled wrapper waits for that day's backup to end (the same
# lock), so it drills the backup just made and never makes the backup refuse to start.
DEFAULT_DRILL_DAY = 1
DRILL_DELAY = timedelta(minutes=10)
# What check_after_hours names when the caller names nothing else.
BACKUP_TIME = Said(N_("backup time"))


def parse_time(raw: object, where: str) -> time:
    match = HHMM.match(str(raw).strip())
    if not match:
        raise SiakError(
            Said(N_("backup time '{value}' is not a time of day HH:MM"), value=raw),
            where=where,
            fix=Said(N_("Write it as 17:00")),
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_start(raw: object, where: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise SiakError(
            Said(N_("schedule start '{value}' is not a date YYYY-MM-DD"), value=raw),
            where=where,
            fix=Said(N_("Write it as 2026-01-01")),
        ) from None


def check_after_hours(at: time, windows: tuple[Window, ...], where: str, what: str = BACKUP_TIME) -> None:
    """A daily backup must fall outside service hours on every day of the week (backup SOP step 1)."""
    for window in windows:
        if window.start <= at < window.end:
            raise SiakError(
                Said(
                    N_("{what} {at:%H:%M} falls inside service hours ({window})"),
                    what=what,
                    at=at,
                    window=window.label("en"),
                ),
                where=where,
                fix=Said(
                    N_("Pick a time after {end:%H:%M}, when every service window has ended"),
                    end=max(w.end for w in windows),
                ),
            )


def awx_rrule(at: time, timezone: str, start: date = DEFAULT_START, monthday: int = 0) -> str:
    """The rule AWX's schedule API takes: DTSTART with TZID, then a daily RRULE (or, with monthday, a
    monthly one on that day), separated by a space."""
    zone(timezone)
    rule = f"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY={monthday}" if monthday else "FREQ=DAILY;INTERVAL=1"
    return f"DTSTART;TZID={timezone}:{start:%Y%m%d}T{at:%H%M}00 RRULE:{rule}"


def systemd_calendar(at: time, timezone: str, monthday: int = 0) -> str:
    """An OnCalendar= expression that fires daily (or monthly on monthday) at the office's local time,
    whatever the host's zone."""
    zone(timezone)
    day = f"*-*-{monthday:02d}" if monthday else "*-*-*"
    return f"{day} {at:%H:%M}:00 {timezone}"


def _offsets(timezone: str, at: time, start: date, days: int = 366) -> set[timedelta]:
    tz = zone(timezone)
    found = set()
    for n in range(0, days, 7):
        offset = datetime.combine(start + timedelta(days=n), at, tzinfo=tz).utcoffset()
        if offset is not None:
            found.add(offset)
    return found


def cron_time(at: time, office_timezone: str, host_timezone: str, today: date) -> dict:
    """Minute and hour for a crontab on a host whose clock runs in ``host_timezone``."""
    for name in (office_timezone, host_timezone):
        if len(_offsets(name, at, today)) > 1:
            raise SiakError(
                Said(
                    N_(
                        "timezone {name} changes its clock during the year, so a cron entry cannot keep "
                        "{at:%H:%M} {timezone} all year"
                    ),
                    name=name,
                    at=at,
                    timezone=office_timezone,
                ),
                where="schedule_backup",
                fix=Said(
                    N_(
                        "Set the control node's timezone to the office's, or install the systemd timer instead"
                    )
                ),
            )
    local = datetime.combine(today, at, tzinfo=zone(office_timezone)).astimezone(zone(host_timezone))
    return {
        "minute": local.minute,
        "hour": local.hour,
        "host_timezone": host_timezone,
        # How many days the host's date differs from the office's at that moment (-1, 0 or 1).
        "day_shift": (local.date() - today).days,
    }


def cron_monthly(at: time, monthday: int, office_timezone: str, host_timezone: str, today: date) -> dict:
    """Minute, hour and day of the month for a monthly crontab entry on the host's clock."""
    found = cron_time(at, office_timezone, host_timezone, today)
    day = monthday + found["day_shift"]
    if not 1 <= day <= 28:
        raise SiakError(
            Said(
                N_(
                    "day {monthday} at {at:%H:%M} {timezone} is day {day} on this host's clock "
                    "({host_timezone}), which cron cannot name in every month"
                ),
                monthday=monthday,
                at=at,
                timezone=office_timezone,
                day=day,
                host_timezone=host_timezone,
            ),
            where="schedule_backup",
            fix=Said(
                N_(
                    "Pick a restore_drill_day from 2 to 27, or set the control node's timezone to the office's"
                )
            ),
        )
    return {**found, "day": day}


def drill_schedule(
    office: dict, backup_at: time, timezone: str, windows: tuple[Window, ...], *, where: str, start: date
) -> dict:
    """The monthly restore drill's schedule: its day (restore_drill_day, 1 to 28, so every month has
    it) and time (restore_drill_time, default the backup's time plus DRILL_DELAY), after service hours."""
    raw_day = office.get("restore_drill_day")
    if raw_day is None or str(raw_day).strip() == "":
        raw_day = DEFAULT_DRILL_DAY
    try:
        day = int(str(raw_day).strip())
    except ValueError:
        day = 0
    if not 1 <= day <= 28:
        raise SiakError(
            Said(N_("restore drill day '{value}' is not a day of the month from 1 to 28"), value=raw_day),
            where=where,
            fix=Said(N_("Pick a day every month has, such as 1")),
        )
    if office.get("restore_drill_time"):
        at = parse_time(office["restore_drill_time"], where)
    else:
        moved = datetime.combine(DEFAULT_START, backup_at) + DRILL_DELAY
        if moved.date() != DEFAULT_START:
            raise SiakError(
                Said(
                    N_(
                        "the restore drill would start after midnight ({moved:%H:%M}), {minutes} minutes after "
                        "the backup at {backup_at:%H:%M}"
                    ),
                    moved=moved,
                    minutes=DRILL_DELAY.seconds // 60,
                    backup_at=backup_at,
                ),
                where=where,
                fix=Said(N_("Set restore_drill_time (HH:MM) to a time after the backup on the same day")),
            )
        at = moved.time()
    check_after_hours(at, windows, where, Said(N_("restore drill time")))
    name = ZONE_NAMES.get(timezone, timezone)
    return {
        "day": day,
        "time": f"{at:%H:%M}",
        "rrule": awx_rrule(at, timezone, start, day),
        "systemd_calendar": systemd_calendar(at, timezone, day),
        "description": f"Uji pemulihan backup tanggal {day} tiap bulan, {at:%H:%M} {name}",
    }


def backup_schedule(office: dict) -> dict:
    """Validate an office's schedule settings and return every form of its daily backup schedule.

    ``office`` keys: ``name`` (for messages), ``timezone`` (IANA, default Asia/Jakarta),
    ``backup_time`` (HH:MM local, default 17:00), ``service_hours`` (windows as in service_hours.py,
    default the common Dukcapil week), ``schedule_start`` (YYYY-MM-DD, default 2026-01-01),
    ``restore_drill_day`` (1-28, default 1) and ``restore_drill_time`` (HH:MM, default the backup's
    time plus 10 minutes) for the monthly restore drill (returned under ``drill``).
    """
    if not isinstance(office, dict):
        raise SiakError(
            Said(N_("expected the office's settings as a mapping, got {kind}"), kind=type(office).__name__)
        )
    where = Said(N_("office {name}"), name=office.get("name") or office.get("short_name") or "(unnamed)")
    timezone = str(office.get("timezone") or DEFAULT_TIMEZONE)
    try:
        zone(timezone)
    except SiakError as err:
        raise SiakError(err.what, where=where, fix=err.fix) from None
    at = parse_time(office.get("backup_time") or DEFAULT_BACKUP_TIME, where)
    raw_windows = office.get("service_hours") or DEFAULT_WINDOWS
    windows = parse_windows(list(raw_windows), where=Said(N_("{where}, service_hours"), where=where))
    check_after_hours(at, windows, where)
    start = parse_start(office.get("schedule_start") or DEFAULT_START, where)
    drill = drill_schedule(office, at, timezone, windows, where=where, start=start)
    return {
        "time": f"{at:%H:%M}",
        "timezone": timezone,
        "zone_name": ZONE_NAMES.get(timezone, timezone),
        "rrule": awx_rrule(at, timezone, start),
        "systemd_calendar": systemd_calendar(at, timezone),
        "description": f"Backup harian {at:%H:%M} {ZONE_NAMES.get(timezone, timezone)}, setelah jam pelayanan",
        "drill": drill,
    }
