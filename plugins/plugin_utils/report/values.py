"""How a result the roles publish reads on the Laporan: column names and values in the reader's language.

The roles publish per-host results with English keys and English status words (docs/agenda-format.md);
an office reads them here, translated through the one catalogue. Only the fields listed for a section
are shown, each under its own name: a field the report does not know stays in the JSON copy and never
appears on the form as a raw key.

Pure: no files, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import fmt_elapsed
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_

Gettext = Callable[[str], str]

# Column names of the fields a report shows.
LABELS = {
    "host": N_("Host"),
    "kind": N_("Host kind"),
    "address": N_("Address"),
    "state_before": N_("State before"),
    "action": N_("Action taken"),
    "power_method": N_("Power-on method"),
    "answered_after_s": N_("Answered after"),
    "result": N_("Outcome"),
    "status": N_("Outcome"),
    "verdict": N_("Outcome"),
    "versions": N_("Version (from → to)"),
    "release": N_("Release"),
    "sha256": N_("SHA-256 checksum"),
    "duration_s": N_("Duration"),
    "message": N_("Reason / error"),
    "wave": N_("Wave"),
    "briefed": N_("Operator briefed"),
    "file": N_("Backup file"),
    "folder": N_("Folder"),
    "size": N_("Size"),
    "method": N_("Export method"),
    "export": N_("Export log"),
    "destinations": N_("Copies, each verified"),
    "retention": N_("Retention (older backups removed)"),
    "restore_drill": N_("Restore drill"),
    "failed_step": N_("Failed at step"),
    "started": N_("Started"),
    "hypervisor": N_("Started through"),
    "logged_in_as": N_("Logged in as"),
    "cleaned": N_("Left by a cut-off run, cleaned up"),
    "reconciled": N_("Found on the server and put right first"),
    # Step 1 of SOP-PIAK-15, the preparation (Jadwal uji coba).
    "answers": N_("Answers"),
    "logged_in": N_("Logged in"),
    "free_space": N_("Free space"),
    "release_check": N_("Release file checked"),
    "finding": N_("Finding"),
    "schedule": N_("Planned upgrade"),
    "service_hours": N_("Service hours"),
    # Step 1's trial on the Server cadangan (upgrade_prepare_trial).
    "trial": N_("Trial on the Server cadangan"),
    "components": N_("Version on the Server cadangan (from → to)"),
    "health": N_("Health check"),
}

# Run-wide fields of an output, shown as lines above its table (model.output_notes).
NOTE_FIELDS = ("schedule", "service_hours", "trial")

# Words the roles publish as values (statuses, host kinds, power states), in the office's language.
VALUES = {
    "installed": N_("installed"),
    "updated": N_("updated"),
    "unchanged": N_("already at this version"),
    "already_current": N_("already at this version"),
    "rolled_back": N_("rolled back to the previous version"),
    "repaired": N_("already installed; it was down, started again and healthy"),
    "unknown": N_("unknown: the connection was lost; check the server"),
    "failed": N_("failed"),
    "offline": N_("offline (not reached)"),
    "in_use": N_("client in use (left for a rerun)"),
    "not_probed": N_("not checked"),
    "not_started": N_("not started: the rollout stopped before its wave"),
    "would_update": N_("would be updated (trial run)"),
    "would_start": N_("would be started (trial run)"),
    "started": N_("started"),
    "already_running": N_("already running"),
    "running": N_("running"),
    "on": N_("on"),
    "off": N_("off"),
    "shut off": N_("off"),
    "shutoff": N_("off"),
    "stopped": N_("off"),
    "physical": N_("physical server"),
    "vm": N_("virtual machine (VM)"),
    "verified": N_("verified"),
    "warning": N_("verified, with export warnings"),
    "none": N_("none"),
    "start": N_("started it"),
    "power_on": N_("powered it on"),
    "ipmi": N_("IPMI"),
    "wol": N_("Wake-on-LAN"),
    "command": N_("the office's command"),
    "skipped": N_("skipped"),
    "ok": N_("ok"),
    "successful": N_("successful"),
    "not_configured": N_("not configured"),
    # Step 1's finding for each host, and its check of each release file.
    "ready": N_("ready"),
    "not_ready": N_("NOT ready: the run stops before anything changes"),
    "off_step_4_starts_it": N_("off: step 4 starts it"),
    "down_step_2_starts_it": N_("down: step 2 switches it on"),
    "offline_rerun_later": N_("offline: step 10 leaves it for a rerun"),
    "no_answer": N_("does not answer"),
    "login_refused": N_("answers but refused the login"),
    "windows_checked_later": N_("Windows: free space is checked by the step that installs on it"),
    "later": N_("checked on the target before it is installed"),
    "missing": N_("MISSING on the controller"),
    "no_checksum": N_("no checksum given in the inventory"),
    "mismatch": N_("checksum does NOT match"),
    "checksum_ok": N_("checksum matches"),
    "checksum_waived": N_("checksum check waived in the inventory"),
    # The Server cadangan trial: its outcome, the health of what it installed, the parts it installed.
    "passed": N_("passed: the real upgrade may go ahead"),
    "rehearsed": N_("rehearsed (check mode): nothing was changed"),
    "healthy": N_("healthy"),
    "unhealthy": N_("NOT healthy"),
    "not_checked": N_("not checked"),
    "not_known": N_("not known"),
    "unreachable": N_("not reachable: the trial did not run"),
    "connection_lost": N_("connection lost: the trial did not finish"),
    "app": N_("application"),
    "proxy": N_("proxy"),
    # What a cut-off backup run left behind (the backup's step 1 cleans it up).
    "lock": N_("lock"),
    "export process": N_("export process"),
    "data pump job": N_("Data Pump job"),
    "parameter file": N_("parameter file"),
    "partial folder": N_("partial folder"),
    # Why a step was left out (siak_not_run, docs/laporan.md).
    "client_release_not_set": N_("no client release is set (client_rollout_version and its package)"),
    "vm_off_in_trial": N_("the SIAK VM is off, and a trial run does not start it"),
}

# Reasons (siak_not_run) that say a trial run could not rehearse a step, rather than that it is not configured.
NOT_REHEARSABLE = frozenset({"vm_off_in_trial"})

# Outcomes that leave a host not done: shown as problems, and the rerun list for workstations.
NOT_DONE = frozenset({"failed", "offline", "in_use", "not_probed", "not_started", "not_ready", "unknown"})


def label(key: str, tr: Gettext) -> str:
    return tr(LABELS[key]) if key in LABELS else key


def word(value: Any, tr: Gettext) -> str:
    """A status or kind word in the reader's language; other text as it is."""
    text = str(value)
    key = text.strip().lower()
    return tr(VALUES[key]) if key in VALUES else text


def human_size(value: Any, lang: str) -> str:
    """Bytes for people: `1,2 GiB (1.288.490.188 byte)` in Bahasa Indonesia, `1.2 GiB (1,288,490,188 bytes)` in English."""
    try:
        number = int(str(value))
    except ValueError:
        return str(value)
    size = float(number)
    unit = "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            break
        size /= 1024
    whole = f"{number:,}"
    if lang == "id":
        whole = whole.replace(",", ".")
        return f"{number} byte" if unit == "B" else f"{size:.1f} {unit} ({whole} byte)".replace(".", ",", 1)
    return f"{number} bytes" if unit == "B" else f"{size:.1f} {unit} ({whole} bytes)"


def yes_no(value: Any, tr: Gettext) -> str:
    return tr("yes") if value else tr("no")


def cell(key: str, data: dict[str, Any], tr: Gettext, lang: str) -> str:
    """One field of one host's result, ready to print."""
    if key == "versions":
        before, after = data.get("from_version") or "-", data.get("to_version") or "-"
        return f"{before} → {after}"
    value = data.get(key)
    if key == "schedule" and not value:
        return tr("not set in the inventory")
    if (
        key == "sha256"
        and not value
        and str(data.get("checksum_waived", "")).strip().lower() in ("true", "1", "yes")
    ):
        return tr("checksum check waived in the inventory")
    if value is None or value in ("", []):
        return "-"
    if key in ("briefed", "answers", "logged_in"):
        return yes_no(value, tr)
    if key == "service_hours" and isinstance(value, dict):
        if value.get("inside"):
            return tr("INSIDE service hours ({window})").format(window=value.get("window") or "-")
        return tr("outside service hours")
    if key in FORMATTERS:
        return FORMATTERS[key](value, tr)
    if key == "sha256" and str(data.get("checksum_waived", "")).strip().lower() in ("true", "1", "yes"):
        return tr("{sha256} (checksum check waived in the inventory)").format(sha256=value)
    if key.endswith("_s") and isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_elapsed(float(value))
    if key == "size":
        return human_size(value, lang)
    if key == "restore_drill" and isinstance(value, dict):
        outcome = word(value.get("result", value.get("status", "")), tr)
        detail = value.get("message") or value.get("detail") or ""
        return f"{outcome}: {detail}" if detail else outcome
    if isinstance(value, list):
        return "\n".join(word(v, tr) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{label(str(k), tr)} {word(v, tr)}" for k, v in value.items() if str(k) in LABELS)
    return word(value, tr)


def item_lines(value: Any, line: Callable[[dict[str, Any]], str]) -> str:
    """A list of published items, one line each: a mapping through `line`, anything else as it is; a value
    that is not a list as it is, and an empty list as "-"."""
    if not isinstance(value, list):
        return str(value)
    return "\n".join(line(item) if isinstance(item, dict) else str(item) for item in value) or "-"


def destinations(value: Any, tr: Gettext) -> str:
    """Each spare copy: its name and whether it was read back and matched."""

    def line(item: dict[str, Any]) -> str:
        name = item.get("name") or item.get("path") or "?"
        if item.get("encrypted"):
            name = tr("{name} (encrypted)").format(name=name)
        state = tr("verified") if item.get("verified") else tr("NOT verified")
        return f"{name}: {state}"

    return item_lines(value, line)


def retention(value: Any, tr: Gettext) -> str:
    """Per place: the backups kept, those removed, and damaged ones kept for inspection."""

    def line(item: dict[str, Any]) -> str:
        if not any(k in item for k in ("kept", "deleted", "damaged_kept")):
            return str(item.get("name", item))
        parts = [
            tr("kept {names}").format(names=", ".join(map(str, item.get("kept") or [])) or "-"),
            tr("removed {names}").format(names=", ".join(map(str, item.get("deleted") or [])) or "-"),
        ]
        if item.get("damaged_kept"):
            parts.append(
                tr("damaged, kept for inspection {names}").format(
                    names=", ".join(map(str, item["damaged_kept"]))
                )
            )
        return f"{item.get('name', '?')}: " + "; ".join(parts)

    return item_lines(value, line)


def cleaned(value: Any, tr: Gettext) -> str:
    """What a cut-off run left and step 1 removed: where, what, which."""

    def line(item: dict[str, Any]) -> str:
        return f"{item.get('place', '?')}: {word(item.get('what', '?'), tr)} {item.get('name', '')}".strip()

    return item_lines(value, line)


# What the release's reconcile did before this run planned (plugins/module_utils/release.py, reconcile()).
RECONCILED = {
    "cleaned": N_("removed what a cut-off run left: {detail}"),
    "completed_switch": N_("finished an interrupted switch to {detail}"),
    "restored": N_("put {detail} back after an interrupted or failed switch"),
    "restore_failed": N_("could NOT put {detail} back"),
    "started": N_("{detail} was down; started it again"),
    "start_failed": N_("{detail} was down and did NOT start"),
    "would_finish_switch": N_("would finish or undo an interrupted switch to {detail} (trial run)"),
    "would_start": N_("{detail} is down; would start it (trial run)"),
}


def reconciled(value: Any, tr: Gettext) -> str:
    """Each thing a cut-off earlier run left that this run put right before it planned, with its release."""

    def line(item: dict[str, Any]) -> str:
        if item.get("what") not in RECONCILED:
            return str(item)
        detail = item.get("paths") or item.get("release") or item.get("to") or "?"
        if isinstance(detail, list):
            detail = ", ".join(str(d) for d in detail)
        done = RECONCILED[item["what"]]
        text = tr(done).format(detail=detail)
        if item.get("error") and item["what"] != "cleaned":
            text += f" ({item['error']})"
        return text

    return item_lines(value, line)


def free_space(value: Any, tr: Gettext) -> str:
    """Each measured path with its free MiB, or that it is missing; a path below the minimum is marked."""

    def line(item: dict[str, Any]) -> str:
        if not item.get("exists", True):
            return tr("{path}: missing").format(path=item.get("path", "?"))
        text = f"{item.get('path', '?')}: {item.get('free_mib', '?')} MiB"
        return text if item.get("ok", True) else tr("{line} (too little)").format(line=text)

    return item_lines(value, line)


def release_check(value: Any, tr: Gettext) -> str:
    """Each release file step 1 checked for this host: the step that installs it, its version, the check."""

    def line(item: dict[str, Any]) -> str:
        return tr("step {step}: {version}, {check}").format(
            step=item.get("step", "?"),
            version=item.get("version") or "-",
            check=word(item.get("check", "?"), tr),
        )

    return item_lines(value, line)


def trial(value: Any, tr: Gettext) -> str:
    """Step 1's plan for the Server cadangan trial: where it runs, that the ADB skipped it and why, or that there
    is no Server cadangan."""
    if not isinstance(value, dict):
        return str(value)
    if value.get("skip_reason"):
        return tr("skipped by the ADB's decision: {reason}").format(reason=value["skip_reason"])
    servers = [str(s) for s in value.get("servers") or []]
    if not servers:
        return tr("no Server cadangan in the inventory: no trial on a real server")
    return tr(
        "steps 5 to 8 first on {servers}, before any production host; its result is in the table below"
    ).format(servers=", ".join(servers))


def trial_components(value: Any, tr: Gettext) -> str:
    """What the trial installed on the Server cadangan: each part with its version before and after."""

    def line(item: dict[str, Any]) -> str:
        before, after = item.get("from_version") or "-", item.get("to_version") or "-"
        return f"{word(item.get('component', '?'), tr)} {before} → {after}"

    return item_lines(value, line)


# The values with a formatter of their own, by their key in a step's results.
FORMATTERS = {
    "free_space": free_space,
    "release_check": release_check,
    "trial": trial,
    "components": trial_components,
    "cleaned": cleaned,
    "reconciled": reconciled,
    "destinations": destinations,
    "retention": retention,
}
