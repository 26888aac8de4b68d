# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the one lock (module_utils/run_lock.py) says to an office: who holds it, why a run stops, why a lock was
taken over.

These reach the agenda and the Laporan (a failed row's reason, a run's warnings), so they are catalogue messages
said on the controller in the run's language (i18n.run_lang) by the actions that take the lock (action/run_lock.py,
action/client_release.py). module_utils/run_lock.py ships to the managed hosts, which know no language, and keeps
only the file work and the liveness rule.
"""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Joined, Said

# Why a holder counts as gone (module_utils/run_lock.holder_is_gone's reasons, and break_lock).
TAKEN_OVER_BECAUSE = {
    "process": N_("its process no longer runs"),
    "age": N_("it is older than the lock's limit"),
    "awx": N_("it was a job of this same AWX job template, which AWX runs one at a time, so it has ended"),
    "break": N_("break_lock was set"),
}

# The lock's file cannot be made or read on the host (its folder is missing or not writable); ``error`` is the
# system's own words.
LOCK_NOT_WRITABLE = N_(
    "{host}: the lock {path} cannot be taken: {error}. Check that {folder} exists on {host} and that this login "
    "may write there"
)

# run_lock state=attached on a Windows host: it records a process there, which needs the module (Python).
ATTACHED_NEEDS_PYTHON = N_("run_lock state=attached needs Python on the host; Windows has none")


def describe_holder(holder: dict | None) -> Said:
    """The holder in words, for a refusal or a take-over message: run id, user, controller, process, time."""
    holder = holder or {}
    about = holder.get("about") or {}
    details: list = []
    if holder.get("awx_job_id"):
        details.append(Said(N_("AWX job {job}"), job=holder["awx_job_id"]))
    details.append(Said(N_("process {pid}"), pid=holder.get("pid") or "?"))
    details.append(Said(N_("since {since}"), since=holder.get("since") or "?"))
    # What the caller recorded (kind, version): names and numbers, said as they are.
    what = " ".join(str(about[k]) for k in ("kind", "version") if about.get(k))
    if what:
        details.append(what)
    return Said(
        N_("run {run_id} by {user} on {host} ({details})"),
        run_id=holder.get("run_id") or "?",
        user=holder.get("user") or "?",
        host=holder.get("host") or "?",
        details=Joined(details, ", "),
    )


def refusal(host: str, path: str, holder: dict | None) -> Said:
    """Why a run stops before it changes anything: a live run holds the lock."""
    return Said(
        N_(
            "{host}: {path} is held by a run that is still going: {holder}. Nothing was changed. Wait for that run "
            "to end and run again; if it is certainly dead (its controller was rebooted or lost), rerun with the "
            "lock's break_lock option set to true."
        ),
        host=host,
        path=path,
        holder=describe_holder(holder),
    )


def taken_over_message(host: str, path: str, holder: dict | None, reason: str) -> Said:
    """The warning when the lock of a run that is gone was taken over."""
    because = TAKEN_OVER_BECAUSE.get(reason)
    return Said(
        N_("{host}: took over {path} from {holder}: {why}."),
        host=host,
        path=path,
        holder=describe_holder(holder),
        why=Said(because) if because else reason,
    )
