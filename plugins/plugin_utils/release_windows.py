# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of a Windows release host's reconcile, from what its ansible.windows tasks read and did.

A Windows host has no Python, so the release library's reconcile (module_utils/release.reconcile) cannot run
there. Its steps are the role's windows/*.yml tasks; what to do and what was done is decided here, on the
controller, so that the report gets the same records as from a Linux host: the same switch journal fields
(JOURNAL_FIELDS, written by windows/switch.yml and read back by windows/state.yml), the same ``reconciled``
entries (what: cleaned, completed_switch, restored, restore_failed, started, start_failed) and the same
``healthy``/``health_error`` of the live release. Pure: no hosts, no files. Its own words (why a release is
not healthy) are catalogue messages, said in the run's language by the filter (filter/release_windows.py).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

# The switch journal, as release.switch writes it on Linux (``pid`` there is the module's process; a Windows
# switch runs as several tasks and records none).
JOURNAL_FIELDS = ("kind", "to", "from", "previous_before", "started")
# What the Windows state read (windows/state.yml) returns, beside the release library's read_state keys.
STATE_FIELDS = (
    "root_exists",
    "current",
    "previous",
    "releases",
    "partials",
    "incoming_parts",
    "journal",
    "lock",
)

FINISH_SWITCH = "finish_switch"  # a journal, and current reached its release: start and check it
UNDO_SWITCH = "undo_switch"  # a journal, and current did not reach its release: put the old one back
CHECK_LIVE = "check_live"  # no journal, a current release: start it if it does not answer
NOTHING = "nothing"  # no current release (a first install) and no journal


def case(state: dict[str, Any]) -> str:
    """What the reconcile does first with a folder read by windows/state.yml."""
    journal = state.get("journal") or {}
    cur = (state.get("current") or {}).get("name")
    if journal:
        return FINISH_SWITCH if journal.get("to") and cur == journal.get("to") else UNDO_SWITCH
    return CHECK_LIVE if cur else NOTHING


def restore_target(state: dict[str, Any]) -> dict[str, Any]:
    """Where a restore goes: the journal's ``from`` and ``previous_before``, or, without a journal, a complete
    ``previous`` that is not the current release (``to`` empty: nothing to put back)."""
    journal = state.get("journal") or {}
    if journal:
        return {
            "to": journal.get("from") or "",
            "previous": journal.get("previous_before") or "",
            "journal": True,
        }
    cur = (state.get("current") or {}).get("name")
    prev = state.get("previous") or {}
    if prev.get("complete") and prev.get("name") and prev.get("name") != cur:
        return {"to": prev["name"], "previous": "", "journal": False}
    return {"to": "", "previous": "", "journal": False}


def health_verdict(health: dict[str, Any] | None, results: list[dict[str, Any] | None]) -> dict[str, Any]:
    """``healthy`` (True, False, or None when no health check is set or nothing was checked) and
    ``health_error`` from the registered results of windows/health.yml's tasks (win_uri, win_wait_for,
    win_command; the ones of other kinds are skipped)."""
    if (health or {}).get("kind", "none") == "none":
        return {"healthy": None, "health_error": ""}
    ran = [r for r in results if isinstance(r, dict) and r and not r.get("skipped")]
    if not ran:
        return {"healthy": None, "health_error": ""}
    failed = [r for r in ran if r.get("failed") or r.get("unreachable")]
    if not failed:
        return {"healthy": True, "health_error": ""}
    msg = str(failed[0].get("msg") or "").strip()
    why = msg.splitlines()[0][:300] if msg else Said(N_("the health check failed"))
    return {"healthy": False, "health_error": why}


def reconciled(
    state: dict[str, Any],
    *,
    cleaned: list[str],
    probe: dict[str, Any] | None,
    repair: dict[str, Any] | None,
    restore: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The ``reconciled`` entries of a Windows reconcile, as release.reconcile gives them on Linux.

    ``state`` the folder read before; ``cleaned`` the leftovers removed; ``probe`` the live release's health
    before (health_verdict), ``repair`` the start and check of the current release ({ok, error}) when it ran,
    ``restore`` what the restore did ({restored, first_install, started, healthy, error}) when it ran."""
    done: list[dict[str, Any]] = []
    if cleaned:
        done.append({"what": "cleaned", "paths": list(cleaned)})
    kind = case(state)
    journal = state.get("journal") or {}
    cur = (state.get("current") or {}).get("name")
    target = restore_target(state)
    restore = restore or None
    repair = repair or None

    def restored(failed_release: str | None, error: str) -> dict[str, Any]:
        ok = bool(restore and (restore.get("healthy") or restore.get("first_install")))
        return {
            "what": "restored" if ok else "restore_failed",
            "release": target["to"] or None,
            "failed_release": failed_release,
            "error": error,
            "restore": restore,
        }

    if kind == FINISH_SWITCH:
        if repair and repair.get("ok"):
            done.append({"what": "completed_switch", "release": journal.get("to")})
        elif restore:
            done.append(restored(journal.get("to"), (repair or {}).get("error") or Said(N_("not healthy"))))
    elif kind == UNDO_SWITCH:
        if restore:
            done.append(restored(journal.get("to"), Said(N_("the switch was cut off"))))
    elif kind == CHECK_LIVE and probe and probe.get("healthy") is False and repair:
        why = probe.get("health_error") or Said(N_("it does not answer"))
        if repair.get("ok"):
            done.append({"what": "started", "release": cur, "error": why})
        elif restore:
            done.append(restored(cur, repair.get("error") or why))
        else:
            done.append({"what": "start_failed", "release": cur, "error": repair.get("error") or why})
    return done
