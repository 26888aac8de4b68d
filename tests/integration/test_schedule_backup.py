"""playbooks/schedule_backup.yml on a lab host as the control node, over real SSH.

The lab runs no systemd, so the cron path is the live one (auto picks it); the systemd path is forced
and checked by the unit files it writes, systemd-analyze verify and systemd-analyze calendar.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

BIN = Path(sys.executable).parent

PLAYBOOK = "playbooks/schedule_backup.yml"
WRAPPER = "/opt/dukcapil-siak/bin/siak-backup"
CRON = "/etc/cron.d/siak-backup"
DRILL = "/opt/dukcapil-siak/bin/siak-restore-drill"
DRILL_CRON = "/etc/cron.d/siak-restore-drill"
KEY_ARGS = json.dumps({"schedule_backup_drill_args": ["-e", "oracle_backup_drill_identity_file=/root/k.key"]})
UNITS = "/etc/systemd/system"
OFFICE = {"short_name": "Kab. Uji", "timezone": "Asia/Makassar", "backup_time": "18:30"}


def run(lab, host, *extra, office=None):
    office = OFFICE if office is None else office
    return lab.playbook(
        PLAYBOOK,
        "-e",
        json.dumps({"schedule_backup_control_node": host, "siak_office": office}),
        *extra,
    )


def changed(result) -> int:
    return int(re.search(r"changed=(\d+)", result.stdout.split("PLAY RECAP")[-1]).group(1))


def host_timezone(lab, host) -> str:
    target = lab.sh(host, "readlink /etc/localtime || echo UTC").stdout.strip()
    return re.sub(r"^.*zoneinfo/", "", target) or "UTC"


def exists(lab, host, path) -> bool:
    return lab.sh(host, f"test -e {path} || test -L {path}").returncode == 0


STANDIN = (
    "#!/bin/sh\n"
    "# A stand-in for siak-sop: records its arguments, holds until the test releases it, exits 3.\n"
    'echo "$@" > /tmp/standin.args\n'
    "touch /tmp/standin.started\n"
    "while [ ! -e /tmp/standin.release ]; do sleep 0.2; done\n"
    "exit 3\n"
)
# A stand-in for the ansible-playbook beside it, which the restore drill's wrapper runs.
DRILL_STANDIN = '#!/bin/sh\necho "$@" > /tmp/drill.args\nexit 0\n'


def cron_lines(lab, host, path) -> list[str]:
    return [
        line
        for line in lab.sh(host, f"cat {path}").stdout.splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]


def test_cron_entry_has_the_exact_schedule_and_the_lock_keeps_runs_apart(lab):
    lab.sh(
        "pc01",
        f"mkdir -p /opt/standin && cat > /opt/standin/siak-sop <<'EOF'\n{STANDIN}EOF\n"
        f"cat > /opt/standin/ansible-playbook <<'EOF'\n{DRILL_STANDIN}EOF\nchmod 755 /opt/standin/*",
    )
    first = run(lab, "pc01", "-e", "schedule_backup_siak_sop=/opt/standin/siak-sop", "-e", KEY_ARGS)
    assert first.returncode == 0, first.stdout + first.stderr
    local = datetime.combine(
        date.today(), datetime.strptime("18:30", "%H:%M").time(), ZoneInfo("Asia/Makassar")
    )
    on_host = local.astimezone(ZoneInfo(host_timezone(lab, "pc01")))
    assert cron_lines(lab, "pc01", CRON) == [f"{on_host.minute} {on_host.hour} * * * root {WRAPPER}"]
    assert lab.sh("pc01", f"stat -c '%U %a' {CRON}").stdout.split() == ["root", "644"]
    assert not exists(lab, "pc01", f"{UNITS}/siak-backup.timer")
    # The monthly restore drill: day 1, ten minutes after the backup, on the host's clock.
    drill_at = datetime.combine(
        date.today().replace(day=1), datetime.strptime("18:40", "%H:%M").time(), ZoneInfo("Asia/Makassar")
    ).astimezone(ZoneInfo(host_timezone(lab, "pc01")))
    day = 1 + (drill_at.date() - date.today().replace(day=1)).days
    assert cron_lines(lab, "pc01", DRILL_CRON) == [
        f"{drill_at.minute} {drill_at.hour} {day} * * root {DRILL}"
    ]

    # The entry's command, run live: one run at a time, the real exit code and `run backup` passed on.
    lab.sh("pc01", f"nohup sh -c '{WRAPPER}; echo $? > /tmp/first.rc' >/dev/null 2>&1 &")
    waited = lab.sh(
        "pc01", "for i in $(seq 300); do [ -e /tmp/standin.started ] && exit 0; sleep 0.2; done; exit 1"
    )
    assert waited.returncode == 0, "the first scheduled run never started"
    second = lab.sh("pc01", WRAPPER)
    assert second.returncode == 75
    # The drill started while the backup runs waits for it instead of giving up, then drills.
    lab.sh("pc01", f"nohup sh -c '{DRILL}; echo $? > /tmp/drill.rc' >/dev/null 2>&1 &")
    blocked = lab.sh(
        "pc01",
        "for i in $(seq 300); do pgrep -f 'flock -w 2160[0] 9' >/dev/null && exit 0; sleep 0.2; done; exit 1",
    )
    assert blocked.returncode == 0, "the drill's wrapper never reached the lock"
    assert not exists(lab, "pc01", "/tmp/drill.args"), "the drill ran while the backup held the lock"
    lab.sh("pc01", "touch /tmp/standin.release")
    done = lab.sh("pc01", "for i in $(seq 300); do [ -e /tmp/first.rc ] && exit 0; sleep 0.2; done; exit 1")
    assert done.returncode == 0
    assert lab.sh("pc01", "cat /tmp/first.rc").stdout.strip() == "3"
    assert lab.sh("pc01", "cat /tmp/standin.args").stdout.strip() == "run backup"
    log = lab.sh("pc01", "cat /var/log/dukcapil-siak/siak-backup.log").stdout
    assert "not starting a second one" in log
    assert "end: exit 3" in log
    drilled = lab.sh(
        "pc01", "for i in $(seq 300); do [ -e /tmp/drill.rc ] && exit 0; sleep 0.2; done; exit 1"
    )
    assert drilled.returncode == 0, "the drill never ran after the backup ended"
    assert lab.sh("pc01", "cat /tmp/drill.rc").stdout.strip() == "0"
    assert (
        lab.sh("pc01", "cat /tmp/drill.args").stdout.strip()
        == "playbooks/restore_drill.yml -e oracle_backup_drill_identity_file=/root/k.key"
    )
    drill_log = lab.sh("pc01", "cat /var/log/dukcapil-siak/siak-restore-drill.log").stdout
    assert "siak-restore-drill" in drill_log and "end: exit 0" in drill_log

    again = run(lab, "pc01", "-e", "schedule_backup_siak_sop=/opt/standin/siak-sop", "-e", KEY_ARGS)
    assert again.returncode == 0
    assert changed(again) == 0, again.stdout
    # Without the drill: its entry and wrapper go, the backup's stay.
    without = run(
        lab,
        "pc01",
        "-e",
        "schedule_backup_siak_sop=/opt/standin/siak-sop",
        "-e",
        "schedule_backup_drill=false",
    )
    assert without.returncode == 0, without.stdout
    assert not exists(lab, "pc01", DRILL_CRON) and not exists(lab, "pc01", DRILL)
    assert exists(lab, "pc01", CRON) and exists(lab, "pc01", WRAPPER)


def test_check_mode_shows_the_default_command_and_writes_nothing(lab):
    result = run(lab, "pc02", "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{BIN}/siak-sop run backup" in result.stdout  # the wrapper it would write, in the diff
    assert f"* * * root {WRAPPER}" in result.stdout  # and the cron entry
    assert not exists(lab, "pc02", CRON)
    assert not exists(lab, "pc02", WRAPPER)


def test_forced_systemd_timer_fires_at_the_offices_local_time(lab, tmp_path):
    result = run(lab, "pc03", "-e", "schedule_backup_method=systemd")
    assert result.returncode == 0, result.stdout + result.stderr
    timer = lab.sh("pc03", f"cat {UNITS}/siak-backup.timer").stdout
    service = lab.sh("pc03", f"cat {UNITS}/siak-backup.service").stdout
    assert "OnCalendar=*-*-* 18:30:00 Asia/Makassar\n" in timer
    assert "Unit=siak-backup.service" in timer
    assert f"ExecStart={WRAPPER}\n" in service
    drill_timer = lab.sh("pc03", f"cat {UNITS}/siak-restore-drill.timer").stdout
    assert "OnCalendar=*-*-01 18:40:00 Asia/Makassar\n" in drill_timer
    assert "Unit=siak-restore-drill.service" in drill_timer
    assert f"ExecStart={DRILL}\n" in lab.sh("pc03", f"cat {UNITS}/siak-restore-drill.service").stdout
    link = lab.sh("pc03", f"readlink {UNITS}/timers.target.wants/siak-restore-drill.timer").stdout.strip()
    assert link == "../siak-restore-drill.timer"
    assert "Type=oneshot" in service
    link = lab.sh("pc03", f"readlink {UNITS}/timers.target.wants/siak-backup.timer").stdout.strip()
    assert link == "../siak-backup.timer"
    assert not exists(lab, "pc03", CRON)
    if shutil.which("systemd-analyze"):
        verify = lab.sh(
            "pc03", f"systemd-analyze verify {UNITS}/siak-backup.timer {UNITS}/siak-backup.service"
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        calendar = subprocess.run(
            ["systemd-analyze", "calendar", "--iterations=3", "*-*-* 18:30:00 Asia/Makassar"],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        ).stdout
        elapses = [line for line in calendar.splitlines() if "Next elapse:" in line or "Iter. #" in line]
        assert len(elapses) == 3
        assert all(" 10:30:00 UTC" in line for line in elapses)  # 18:30 WITA is 10:30 UTC
        drill = lab.sh(
            "pc03",
            f"systemd-analyze verify {UNITS}/siak-restore-drill.timer {UNITS}/siak-restore-drill.service",
        )
        assert drill.returncode == 0, drill.stdout + drill.stderr
        monthly = subprocess.run(
            ["systemd-analyze", "calendar", "--iterations=3", "*-*-01 18:40:00 Asia/Makassar"],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        ).stdout
        elapses = [line for line in monthly.splitlines() if "Next elapse:" in line or "Iter. #" in line]
        assert len(elapses) == 3
        assert all(re.search(r"-01 10:40:00 UTC", line) for line in elapses)  # the 1st, 18:40 WITA
    # Switching to cron leaves exactly one schedule.
    switched = run(lab, "pc03", "-e", "schedule_backup_method=cron")
    assert switched.returncode == 0, switched.stdout
    assert exists(lab, "pc03", CRON)
    assert exists(lab, "pc03", DRILL_CRON)
    for job in ("siak-backup", "siak-restore-drill"):
        for name in (f"{job}.timer", f"{job}.service", f"timers.target.wants/{job}.timer"):
            assert not exists(lab, "pc03", f"{UNITS}/{name}")
    removed = run(lab, "pc03", "-e", "schedule_backup_state=absent")
    assert removed.returncode == 0
    for path in (CRON, WRAPPER, DRILL_CRON, DRILL):
        assert not exists(lab, "pc03", path)


@pytest.mark.parametrize(
    ("office", "lang", "message"),
    [
        # The run's language: Bahasa Indonesia by default, English with SIAK_LANG=en.
        ({**OFFICE, "backup_time": "10:00"}, "id", "jam backup 10:00 jatuh di dalam jam pelayanan"),
        (
            {**OFFICE, "restore_drill_day": 31},
            "en",
            "restore drill day '31' is not a day of the month from 1 to 28",
        ),
    ],
)
def test_bad_settings_fail_before_anything_is_written(lab, office, lang, message):
    lab.sh("pc02", f"rm -f {CRON} {DRILL_CRON}")
    if lang == "en":
        lab.env["SIAK_LANG"] = "en"
    try:
        result = run(lab, "pc02", office=office)
    finally:
        lab.env.pop("SIAK_LANG", None)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not exists(lab, "pc02", CRON) and not exists(lab, "pc02", DRILL_CRON)
