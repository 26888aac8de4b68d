"""Backup folders: their names (SOP step 4) and which ones retention keeps (step 5). Pure logic.

Names. The SOP names a new folder by the pattern "admmmyyy"; this reads it as day-month-year, so the
default pattern is ``%d%m%Y`` (21 November 2026 -> ``21112026``). An office sets its own strftime
pattern (``a%d%m%Y``, ``%Y-%m-%d``, ...). A second backup on the same day gets ``-2``, a third ``-3``:
a name is never reused, so a backup never overwrites another.

Retention. Per destination: keep every good backup of the ``keep_daily`` most recent days that have
one (a second backup made the same day, say before an upgrade, stays with the first), the newest good
backup of each of the ``keep_monthly`` most recent months (a backup may count for both), and never fewer
than ``keep_daily`` good backups. "Good" means the folder's files match its SHA256SUMS manifest: read back
in this run, or earlier with a record that the files are unchanged since (backup_folder). A manifest
alone proves nothing: a damaged copy keeps its manifest. Damaged backups never count toward what is kept,
and stay for inspection until enough good ones exist. Folders that do not parse as a backup name, or that
have no manifest, are never touched. If the new backup is not the newest good one, nothing is deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

DEFAULT_PATTERN = "%d%m%Y"
SUFFIX = re.compile(r"^(?P<base>.+)-(?P<seq>[2-9]|[1-9]\d+)$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
DAY_DIRECTIVES = ("%d", "%j")
MONTH_DIRECTIVES = ("%m", "%b", "%B", "%j")
YEAR_DIRECTIVES = ("%Y", "%y")


def check_pattern(pattern: str) -> str:
    """A strftime pattern that names one folder per day, safe on Linux and Windows."""
    where = Said(N_("folder pattern '{pattern}'"), pattern=pattern)
    if not isinstance(pattern, str) or not pattern.strip():
        raise SiakError(
            Said(N_("the folder pattern is empty")),
            fix=Said(N_("Use a strftime pattern such as {example}"), example="%d%m%Y"),
        )
    for needed, what in (
        (DAY_DIRECTIVES, N_("it has no day")),
        (MONTH_DIRECTIVES, N_("it has no month")),
        (YEAR_DIRECTIVES, N_("it has no year")),
    ):
        if not any(d in pattern for d in needed):
            raise SiakError(
                Said(what),
                where=where,
                fix=Said(
                    N_("Use day, month and year, e.g. {example} (the SOP's admmmyyy)"), example="%d%m%Y"
                ),
            )
    sample = date(2026, 12, 31).strftime(pattern)
    if not SAFE_NAME.match(sample) or sample.startswith((".", "-")):
        raise SiakError(
            Said(N_("it makes names like '{sample}'"), sample=sample),
            where=where,
            fix=Said(
                N_(
                    "Use letters, digits, '.', '_' or '-' only (no slashes or spaces), not starting with '.' or '-'"
                )
            ),
        )
    if re.search(r"%[HIMSfpzZcxX]", pattern):
        raise SiakError(
            Said(N_("it has a time of day")),
            where=where,
            fix=Said(N_("Use the date only; a second backup gets -2")),
        )
    return pattern


def parse_name(name: str, pattern: str = DEFAULT_PATTERN) -> tuple[date, int] | None:
    """(day, sequence) of a backup folder name, or None if it is not one (sequence 1 for no suffix)."""
    candidates = [(name, 1)]
    match = SUFFIX.match(name)
    if match:
        candidates.append((match.group("base"), int(match.group("seq"))))
    for base, seq in candidates:
        try:
            day = datetime.strptime(base, pattern).date()
        except ValueError:
            continue
        if day.strftime(pattern) == base:
            return day, seq
    return None


def folder_name(day: date, existing: list[str], pattern: str = DEFAULT_PATTERN) -> str:
    """The name for a new backup made on ``day``: never one in ``existing`` (including .partial names)."""
    check_pattern(pattern)
    base = day.strftime(pattern)
    taken = {e.removesuffix(".partial") for e in existing}
    if base not in taken:
        return base
    seq = 2
    while f"{base}-{seq}" in taken:
        seq += 1
    return f"{base}-{seq}"


@dataclass(frozen=True)
class Backup:
    name: str
    day: date
    seq: int
    good: bool

    @property
    def key(self) -> tuple[date, int]:
        return (self.day, self.seq)


def classify(
    names: list[str], good: list[str], pattern: str = DEFAULT_PATTERN
) -> tuple[list[Backup], list[str]]:
    """Backups (newest first) and the names that are not backups of this pattern."""
    backups, others = [], []
    good_set = set(good)
    for name in names:
        parsed = None if name.endswith(".partial") else parse_name(name, pattern)
        if parsed is None:
            others.append(name)
        else:
            backups.append(Backup(name, parsed[0], parsed[1], name in good_set))
    backups.sort(key=lambda b: b.key, reverse=True)
    return backups, sorted(others)


def _newest_per_bucket(backups: list[Backup], bucket, count: int) -> list[str]:
    kept: list[str] = []
    seen: set = set()
    for b in backups:  # newest first
        if len(seen) >= count:
            break
        k = bucket(b.day)
        if k not in seen:
            seen.add(k)
            kept.append(b.name)
    return kept


def _nothing_deleted(good_backups, damaged_names, unmanaged, reason):
    """A retention plan that deletes nothing: every good and every damaged backup stays, and why."""
    return {
        "keep": [b.name for b in good_backups],
        "delete": [],
        "damaged_kept": damaged_names,
        "damaged_deleted": [],
        "unmanaged": sorted(unmanaged),
        "reason": reason,
    }


def retention(
    names: list[str],
    good: list[str],
    *,
    keep_daily: int,
    keep_monthly: int,
    new: str,
    pattern: str = DEFAULT_PATTERN,
    damaged: list[str] | None = None,
) -> dict:
    """What to keep and delete in one destination.

    ``good`` are the backups whose files match their manifest (verified in this run, or earlier with a
    record their files still match); ``damaged`` those whose files do not. Only good backups count
    toward the days and months kept, and at least ``keep_daily`` good backups always stay (the newest
    ones), so a damaged newer copy never pushes a good older one out. A damaged backup is kept for
    inspection while fewer than ``keep_daily`` good ones exist, and no good backup is ever deleted
    while a damaged one is kept. Returns {keep, delete, damaged_kept, damaged_deleted, unmanaged, reason};
    the reason is a `Said` (the filter says it in the run's language).
    """
    for label, value, least in (("keep_daily", keep_daily, 1), ("keep_monthly", keep_monthly, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SiakError(
                Said(N_("{label} is {value!r}"), label=label, value=value),
                fix=Said(N_("Use a whole number of {least} or more"), least=least),
            )
    damaged_set = set(damaged or []) - set(good)
    backups, others = classify(names, good, pattern)
    good_backups = [b for b in backups if b.good]
    damaged_names = [b.name for b in backups if b.name in damaged_set]
    unmanaged = others + [b.name for b in backups if not b.good and b.name not in damaged_set]
    if not good_backups or good_backups[0].name != new:
        # The new backup must be the newest verified one here; otherwise delete nothing.
        return _nothing_deleted(
            good_backups,
            damaged_names,
            unmanaged,
            Said(N_("the new backup {new} is not the newest verified backup here; nothing deleted"), new=new),
        )
    if len(good_backups) < keep_daily:
        # Too few good backups: every one stays, and so does every damaged one, for inspection.
        return _nothing_deleted(
            good_backups,
            damaged_names,
            unmanaged,
            Said(
                N_("only {count} good backup(s) here, fewer than {keep_daily}; nothing deleted"),
                count=len(good_backups),
                keep_daily=keep_daily,
            )
            if not damaged_names
            else Said(
                N_(
                    "only {count} good backup(s) here, fewer than {keep_daily}; nothing deleted, damaged kept "
                    "for inspection: {damaged}"
                ),
                count=len(good_backups),
                keep_daily=keep_daily,
                damaged=", ".join(damaged_names),
            ),
        )
    days = sorted({b.day for b in good_backups}, reverse=True)[:keep_daily]
    daily = [b.name for b in good_backups if b.day in days]
    monthly = _newest_per_bucket(good_backups, lambda d: (d.year, d.month), keep_monthly)
    newest = [b.name for b in good_backups[:keep_daily]]
    kept = set(daily) | set(monthly) | set(newest)
    keep = [b.name for b in good_backups if b.name in kept]
    delete = [b.name for b in good_backups if b.name not in kept]
    return {
        "keep": keep,
        "delete": delete,
        "damaged_kept": [],
        "damaged_deleted": damaged_names,
        "unmanaged": sorted(unmanaged),
        "reason": Said(
            N_("kept the good backups of {days} day(s) and of {months} month(s)"),
            days=len(days),
            months=len(monthly),
        ),
    }


def newest_good(names: list[str], good: list[str], pattern: str = DEFAULT_PATTERN) -> str:
    """The newest verified backup's name, or '' when there is none (for the free-space estimate)."""
    backups = classify(names, good, pattern)[0]
    return next((b.name for b in backups if b.good), "")
