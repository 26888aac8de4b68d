"""Dated folder names (SOP step 4) and retention (step 5): pure logic."""

from __future__ import annotations

from datetime import date

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.backup_plan import (
    check_pattern,
    folder_name,
    newest_good,
    parse_name,
    retention,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError

DAY = date(2026, 11, 21)


def test_default_name_is_day_month_year():
    assert folder_name(DAY, []) == "21112026"


def test_a_second_backup_the_same_day_never_reuses_a_name():
    assert folder_name(DAY, ["21112026"]) == "21112026-2"
    assert folder_name(DAY, ["21112026", "21112026-2"]) == "21112026-3"
    # A folder being written by a run (or left by a killed one) is taken too.
    assert folder_name(DAY, ["21112026.partial"]) == "21112026-2"


def test_patterns_are_configurable():
    assert folder_name(DAY, [], "a%d%m%Y") == "a21112026"
    assert folder_name(DAY, [], "%Y-%m-%d") == "2026-11-21"
    assert folder_name(DAY, ["2026-11-21"], "%Y-%m-%d") == "2026-11-21-2"


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("%m%Y", "it has no day"),
        ("%d%Y", "it has no month"),
        ("%d%m", "it has no year"),
        ("%d/%m/%Y", "names like '31/12/2026'"),
        ("%d%m%Y%H%M", "time of day"),
        ("", "empty"),
    ],
)
def test_bad_patterns_are_refused(pattern, text):
    with pytest.raises(SiakError, match=text):
        check_pattern(pattern)


def test_names_parse_back():
    assert parse_name("21112026") == (DAY, 1)
    assert parse_name("21112026-3") == (DAY, 3)
    assert parse_name("2026-11-21-2", "%Y-%m-%d") == (DAY, 2)
    assert parse_name("2026-11-21", "%Y-%m-%d") == (DAY, 1)
    for other in ("export", "21112026.partial", "21112026-1", "32112026", "lost+found"):
        assert parse_name(other) is None


def names(days: list[str]) -> list[str]:
    return [date.fromisoformat(d).strftime("%d%m%Y") for d in days]


def test_retention_keeps_exactly_n_days_and_m_months():
    # Daily backups from 25 Sep to 21 Nov 2026, plus a second one on 20 Nov.
    days = [
        date.fromordinal(o).isoformat() for o in range(date(2026, 9, 25).toordinal(), DAY.toordinal() + 1)
    ]
    all_names = [*names(days), "20112026-2"]
    plan = retention(all_names, all_names, keep_daily=3, keep_monthly=3, new="21112026")
    assert set(plan["keep"]) == {"21112026", "20112026", "20112026-2", "19112026", "31102026", "30092026"}
    assert len(plan["keep"]) + len(plan["delete"]) == len(all_names)
    assert "21112026" not in plan["delete"]


def test_a_backup_counts_for_both_daily_and_monthly():
    all_names = names(["2026-11-21", "2026-11-20", "2026-10-31", "2026-10-15", "2026-09-30"])
    plan = retention(all_names, all_names, keep_daily=1, keep_monthly=2, new="21112026")
    assert plan["keep"] == ["21112026", "31102026"]
    assert plan["delete"] == ["20112026", "15102026", "30092026"]


def test_retention_never_touches_what_it_did_not_write():
    all_names = ["21112026", "20112026", "19112026", "export", "manual-copy", "18112026.partial"]
    good = ["21112026", "20112026"]  # 19112026 has no manifest: an office's own folder
    plan = retention(all_names, good, keep_daily=1, keep_monthly=0, new="21112026")
    assert plan["delete"] == ["20112026"]
    assert plan["unmanaged"] == ["18112026.partial", "19112026", "export", "manual-copy"]


def test_nothing_is_deleted_unless_the_new_backup_is_the_newest_verified_one():
    all_names = ["21112026", "20112026", "19112026"]
    # The new backup has no manifest here (it was not verified): keep everything.
    plan = retention(all_names, ["20112026", "19112026"], keep_daily=1, keep_monthly=0, new="21112026")
    assert plan["delete"] == [] and "nothing deleted" in plan["reason"]
    # A newer verified backup exists (a clock set wrong): keep everything.
    plan = retention(
        ["22112026", *all_names], ["22112026", *all_names], keep_daily=1, keep_monthly=0, new="21112026"
    )
    assert plan["delete"] == []


def test_the_only_good_copy_is_never_deleted():
    plan = retention(["21112026"], ["21112026"], keep_daily=1, keep_monthly=0, new="21112026")
    assert plan["keep"] == ["21112026"] and plan["delete"] == []


@pytest.mark.parametrize(("daily", "monthly"), [(0, 1), (-1, 0), (1, -1), (True, 1), ("7", 1)])
def test_bad_retention_numbers_are_refused(daily, monthly):
    with pytest.raises(SiakError):
        retention(["21112026"], ["21112026"], keep_daily=daily, keep_monthly=monthly, new="21112026")


def test_newest_good_is_by_date_not_by_name():
    assert newest_good(["01122026", "30112026", "21112026-2"], ["30112026", "21112026-2"]) == "30112026"
    assert newest_good(["export"], []) == ""


def test_damaged_newer_copies_never_push_good_ones_out():
    # The finding: the two copies before the new one are damaged (a byte flipped). Keeping 3 days used to
    # count them and delete older good copies, leaving one good backup where three were meant to stay.
    all_names = names(["2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17", "2026-11-16"])
    damaged = ["20112026", "19112026"]
    good = [n for n in all_names if n not in damaged]
    plan = retention(all_names, good, damaged=damaged, keep_daily=3, keep_monthly=0, new="21112026")
    assert plan["keep"] == ["21112026", "18112026", "17112026"]
    assert plan["delete"] == ["16112026"]
    # Three good ones stay, so the damaged ones may go (they are named in the result).
    assert plan["damaged_deleted"] == ["20112026", "19112026"] and plan["damaged_kept"] == []


def test_damaged_copies_are_kept_for_inspection_while_too_few_good_ones_exist():
    all_names = names(["2026-11-21", "2026-11-20", "2026-11-19", "2026-10-01"])
    damaged = ["20112026", "19112026"]
    plan = retention(
        all_names, ["21112026", "01102026"], damaged=damaged, keep_daily=3, keep_monthly=0, new="21112026"
    )
    # No good backup is deleted while a damaged one is kept, and never fewer than 3 good ones remain.
    assert plan["delete"] == [] and plan["damaged_deleted"] == []
    assert plan["damaged_kept"] == ["20112026", "19112026"]
    assert plan["keep"] == ["21112026", "01102026"]
    assert "damaged kept for inspection: 20112026, 19112026" in plan["reason"]


def test_a_damaged_new_backup_deletes_nothing():
    all_names = names(["2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18"])
    plan = retention(
        all_names, all_names[1:], damaged=["21112026"], keep_daily=1, keep_monthly=0, new="21112026"
    )
    assert plan["delete"] == [] and plan["damaged_deleted"] == []
    assert plan["damaged_kept"] == ["21112026"]
