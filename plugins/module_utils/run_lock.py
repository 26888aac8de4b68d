# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one lock of the collection: one upgrade or backup of a folder at a time.

The lock is a small JSON file (mode 0600) that names its holder:

    token        a random token of the run that holds it (compare and swap, release)
    run_id       the run's id, as the agenda and the reports name it
    user         the real login user behind the run (not a service account it switched to)
    host         the controller the run runs on
    boot_id      that controller's boot id (/proc/sys/kernel/random/boot_id)
    pid          the run's ansible-playbook process there, and pid_start its start time (clock ticks
                 since boot), so a recycled pid is not taken for the holder
    since        when it was taken (ISO 8601 with offset), since_epoch the same in seconds
    awx_job_id, awx_job_template_id
                 under AWX, the job and its job template (AWX's own extra variables)
    about        what the caller adds (kind, version, ...)
    target       processes of the run on the locked host (a backup's export), each with the target's boot id
    target_boot_id
                 the locked host's own boot when the lock was taken (Windows: its last boot time), for a person
                 reading the file: a lock from before the host's last reboot. It does not decide liveness: the
                 holder is a process on the controller, which a reboot of the locked host does not end.

Every read, comparison and write happens under an exclusive flock on `<lock>.guard`, so two runs that
arrive in the same instant cannot both win, and a lock is taken over only while its holder's token is
the one the taker judged gone.

The liveness rule (holder_is_gone) is pure: a holder counts as gone when its process is gone on the same
boot of the same controller, when it was another AWX job of the judging job's own job template (AWX runs
the jobs of a template one at a time, so that job has ended: cancelled, failed or killed), or when the
lock is older than the limit. Only the controller can look at its own processes, so the action plugin
decides it; the module on the target does the file work. What the lock says to an office (who holds it, why a
run stops, why a lock was taken over) is said on the controller in the run's language:
plugins/plugin_utils/lock_sentences.py.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

GUARD_SUFFIX = ".guard"


# ---------------------------------------------------------------------------------------------- pure


def holder_is_gone(holder, here, now, stale_after_s, process_start):
    """Whether the run named by a lock's holder no longer runs.

    ``here`` is the judging controller: {"host", "boot_id"}, and under AWX its "awx_job_id" and
    "awx_job_template_id". ``process_start(pid)`` gives a process's start time on this machine as a
    string, or None when no such process runs. A holder on this controller and boot is gone when its
    process is gone or another process now has its pid. Under AWX every job runs in a container of its
    own, so no job can look at another's process; but AWX starts a job of a template only when no other
    job of that template runs (allow_simultaneous false, as awx/tasks/office.yml sets it), so a holder
    that was another job of this job's own template has ended. Any other holder elsewhere (another
    controller, or before a reboot of this one) can only be judged by age.
    Returns (gone, reason) with reason one of "process", "awx", "age" or "".
    """
    holder = holder or {}
    if not holder.get("token"):
        # Unreadable or written by hand: nobody can release it but a take-over by age.
        since = int(holder.get("since_epoch") or 0)
        return (True, "age") if since and now - since > stale_after_s else (False, "")
    pid = int(holder.get("pid") or 0)
    same_boot = (
        pid > 0
        and holder.get("host") == here.get("host")
        and bool(holder.get("boot_id"))
        and holder.get("boot_id") == here.get("boot_id")
    )
    if same_boot and process_start(pid) != str(holder.get("pid_start") or ""):
        return True, "process"
    template = str(holder.get("awx_job_template_id") or "")
    job = str(holder.get("awx_job_id") or "")
    same_template = template and template == str(here.get("awx_job_template_id") or "")
    if same_template and job and job != str(here.get("awx_job_id") or ""):
        return True, "awx"
    since = int(holder.get("since_epoch") or 0)
    if since and now - since > stale_after_s:
        return True, "age"
    return False, ""


# ---------------------------------------------------------------------------------------------- files


def read_lock(path):
    """The lock's holder, None when there is no lock, or {"unreadable": True, since_epoch} for a lock that
    is not a JSON object (a cut write by hand, a wrong file): such a lock still holds, judged by age."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        data = None
    try:
        since = int(os.stat(path).st_mtime)
    except OSError:
        since = 0
    if isinstance(data, dict):
        # A lock written by hand or by an older version without since_epoch is as old as its file.
        data.setdefault("since_epoch", since)
        return data
    return {"unreadable": True, "since_epoch": since}


def boot_id():
    """This machine's boot id, or "" where the kernel does not tell."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def process_start(pid):
    """Start time (clock ticks since boot) of process pid, or None when it does not run."""
    try:
        with open("/proc/%d/stat" % int(pid), encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError, ValueError):
        return None


class _Guard:
    """An exclusive flock on <lock>.guard for the time of one read-compare-write."""

    def __init__(self, path):
        self.path = path + GUARD_SUFFIX
        self.fd = None

    def __enter__(self):
        import fcntl  # POSIX only, like every module that takes this lock

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def _write(path, data):
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".lock-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def take(path, holder, steal_token=None, check_mode=False):
    """Take the lock at path for holder (a dict with at least "token").

    A free lock is taken; one this run (token) holds is kept; one held by another run is taken over
    only when its token is steal_token (an unreadable lock: steal_token ""). The folder is created when
    missing (a first install), except in check mode. Returns {changed, acquired, holder (before the
    call, or None), taken_over}.
    """
    token = holder["token"]
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        if check_mode:
            return {"changed": True, "acquired": True, "holder": None, "taken_over": False}
        os.makedirs(folder, 0o755, exist_ok=True)
    with _Guard(path):
        before = read_lock(path)
        result = {"changed": False, "acquired": False, "holder": before, "taken_over": False}
        if before is not None and before.get("token") == token:
            result["acquired"] = True
            return result
        stealable = (
            before is not None and steal_token is not None and (before.get("token") or "") == steal_token
        )
        if before is None or stealable:
            if not check_mode:
                _write(path, dict(holder, target_boot_id=boot_id()))
            result.update(changed=True, acquired=True, taken_over=before is not None)
        return result


def attach(path, token, pid):
    """Record a process of this run on the locked host (pid, its start time, this boot), for the run that
    takes over after a crash to stop it. Returns False when this run does not hold the lock."""
    with _Guard(path):
        holder = read_lock(path)
        if not holder or holder.get("token") != token:
            return False
        target = [p for p in holder.get("target") or [] if int(p.get("pid") or 0) != int(pid)]
        target.append({"pid": int(pid), "pid_start": process_start(pid) or "", "boot_id": boot_id()})
        holder["target"] = target
        _write(path, holder)
        return True


def live_target_processes(holder):
    """The holder's recorded processes on this host that still run (same boot, same pid and start)."""
    here = boot_id()
    return [
        int(p["pid"])
        for p in (holder or {}).get("target") or []
        if p.get("boot_id") == here and p.get("pid_start") and process_start(p["pid"]) == p["pid_start"]
    ]


def release(path, token, check_mode=False):
    """Remove the lock if, and only if, the run with this token holds it. Returns True when removed."""
    if not token or not os.path.exists(path):
        return False
    with _Guard(path):
        holder = read_lock(path) or {}
        if holder.get("token") != token:
            return False
        if not check_mode:
            os.unlink(path)
        return True


def now_iso(epoch=None):
    """A time with its UTC offset, as every time the lock writes."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(epoch))
