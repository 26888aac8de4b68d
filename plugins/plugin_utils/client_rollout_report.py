# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of the client rollout's controller steps: the queue, the totals, the agenda results and the verdict.

No I/O: the action plugin client_rollout_control reads the rows and writes the rerun list; this is unit-tested alone.
The Laporan update aplikasi SIAK pada klien is the run's Laporan (plugins/plugin_utils/report/), made from the results
published here.
A row is one workstation's outcome (plugins/filter/client_rollout_rows.py).
Its sentences for the operator are catalogue messages (`i18n.Said`, English as `str()`), said in the run's
language where the action and the filter hand them to Ansible (`i18n.say_all(..., i18n.run_lang())`).
"""

from __future__ import annotations

import datetime
import os

from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Joined, Said

STATUSES = ("updated", "already_current", "offline", "in_use", "failed", "not_started")
# The statuses as the operator's summary line counts them.
STATUS_WORDS = {
    "updated": N_("updated"),
    "already_current": N_("already current"),
    "offline": N_("offline"),
    "in_use": N_("in use"),
    "failed": N_("failed"),
    "not_started": N_("not started"),
}
# What a row says of the leftovers its install removed (the Laporan's words for the same).
CLEANED = N_("removed what a cut-off run left: {detail}")
# A row's message when the install failed on a Linux PC (the module's reason, said in the run's language).
INSTALL_FAILED = N_("Langkah 10 | Install the new client release: {why}")
# A rerun (--limit @ the rerun list) picks these up.
PENDING = ("offline", "in_use", "failed", "not_started")


def queue(rows: list[dict]) -> dict[str, list[str]]:
    """The workstations waiting for the update, per OS, idle ones first (the canary is one nobody uses).

    The sort is stable: within the idle and the busy PCs the order of ``rows`` (the inventory's) is kept.
    """
    waiting = sorted((r for r in rows if r["status"] == "not_started"), key=lambda r: bool(r.get("in_use")))
    return {
        "all": [r["host"] for r in waiting],
        "linux": [r["host"] for r in waiting if r.get("os") != "windows"],
        "windows": [r["host"] for r in waiting if r.get("os") == "windows"],
    }


def totals(rows: list[dict]) -> dict[str, int]:
    """The report's count per status, every status present (zero included), in the report's order."""
    return {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}


def pending(rows: list[dict]) -> list[str]:
    """Workstations a rerun must pick up."""
    return [r["host"] for r in rows if r["status"] in PENDING]


def agenda_results(rows: list[dict], sha256: str, stop: dict | None = None) -> dict[str, dict]:
    """``siak_results.client_rollout`` per workstation, as docs/agenda-format.md names its fields.

    A workstation a stopped rollout never started carries why the rollout stopped as its message."""
    stopped = stop_reason(stop)
    return {
        r["host"]: {
            "from_version": r["from_version"],
            "to_version": r["to_version"],
            "result": r["status"],
            "duration_s": r["duration_s"],
            "sha256": sha256,
            "bytes_transferred": r["bytes_transferred"],
            "wave": r["wave"],
            "briefed": r["briefed"],
            "message": stopped
            if r["status"] == "not_started" and stopped and not r["message"]
            else r["message"],
        }
        for r in rows
    }


def _stopped(stop: dict | None) -> bool:
    value = (stop or {}).get("stop", False)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def stop_reason(stop: dict | None) -> Said | str:
    """Why the rollout stopped before every wave ran, or "" when it did not stop."""
    if not _stopped(stop):
        return ""
    stop = stop or {}
    return Said(
        N_("the rollout stopped after wave {wave} ({failed} of {size} failed, threshold {threshold}%)."),
        wave=stop.get("wave"),
        failed=len(stop.get("failed") or []),
        size=stop.get("size"),
        threshold=stop.get("threshold"),
    )


def summary(version: str, rows: list[dict], rerun_list: str, run_id: str) -> Said:
    """One line for the operator: how many PCs ended in which status, where each PC's outcome is, how to rerun."""
    count = totals(rows)
    parts = [
        Said(N_("{status} {count}"), status=Said(STATUS_WORDS[s]), count=n) for s, n in count.items() if n
    ]
    said = [
        Said(
            N_(
                "Langkah 10 (update_clients): {version} on {n} workstation(s): {parts}. Each PC's outcome is in "
                "the Laporan: siak-sop report {run_id}."
            ),
            version=version,
            n=len(rows),
            parts=Joined(parts, ", ") if parts else Said(N_("none")),
            run_id=run_id,
        )
    ]
    if count["offline"] + count["in_use"] + count["not_started"] > 0:
        said.append(Said(N_("Offline or busy PCs: rerun with --limit @{rerun_list}"), rerun_list=rerun_list))
    return Joined(said, " ")


def verdict(rows: list[dict], stop: dict | None, summary_text: str, rerun_list: str) -> Said | str:
    """Why the run fails (a stopped rollout or a failed workstation), or "" when it does not."""
    failed = [r for r in rows if r["status"] == "failed"]
    if not _stopped(stop) and not failed:
        return ""
    why = stop_reason(stop) or Said(N_("{n} workstation(s) failed."), n=len(failed))
    listed = "; ".join(f"{r['host']}: {r['message']}" for r in failed)
    return Joined(
        [
            summary_text,
            Said(
                N_(
                    "Langkah 10 (update_clients): {why} Failed: {listed}. The other workstations keep their old "
                    "version. Fix the cause (the distribution point, the package or its checksum), then rerun "
                    "with --limit @{rerun_list}."
                ),
                why=why,
                listed=listed,
                rerun_list=rerun_list,
            ),
        ],
        " ",
    )


def package_missing(path: str) -> Said:
    """The error when the package given on the controller is not a file there."""
    return Said(N_("the package {path} is not a file on the controller"), path=path)


def _sha(value: str) -> str:
    return cr.sha256_text(value or "")


def check_inputs(args: dict) -> Said | str:
    """Why the rollout's inputs do not hang together (for the operator, with the fix), or ""."""
    version = args.get("version") or ""
    path = args.get("package_path") or ""
    serve = bool(args.get("serve"))
    push = args.get("transfer") == "push"
    ok = (
        cr.check_version(version) is None
        and (bool(args.get("package_sha256")) or bool(path))
        and (bool(args.get("package_url")) or serve or push)
        and (not (serve or push) or bool(path))
    )
    if ok:
        return ""
    return Said(
        N_(
            "Langkah 10 (update_clients): the client rollout needs client_rollout_version (letters, digits, '.', "
            "'_', '+', '-'; got '{version}'), the package's SHA-256 or its path on the controller, and where "
            "workstations get it (client_rollout_package_url, client_rollout_serve with "
            "client_rollout_package_path, or client_rollout_transfer=push). Set them in group_vars or with -e, "
            "see docs/client-rollout.md."
        ),
        version=version,
    )


def wave_sizes(value) -> list | None:
    """The waves as Ansible's ``serial`` takes them (whole numbers from 1, percentages from 1% to 100%), from a list
    or from its text as ``-e client_rollout_waves=...`` gives it ("[1, 25%, 100%]" or "1,25%,100%"); None when
    they are not waves."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        value = [part.strip().strip("'\"") for part in text.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        return None
    sizes: list = []
    for item in value:
        text = str(item).strip()
        if isinstance(item, bool):
            return None
        if text.endswith("%") and text[:-1].isdigit() and 1 <= int(text[:-1]) <= 100:
            sizes.append(text)
        elif text.isdigit() and int(text) >= 1:
            sizes.append(int(text))
        else:
            return None
    return sizes


def waves_refusal(value) -> Said:
    """The error when client_rollout_waves is not a list of wave sizes."""
    return Said(
        N_(
            "Langkah 10 (update_clients): client_rollout_waves must be a list of wave sizes, each a whole number of "
            'workstations from 1 or a percentage from 1% to 100% (for example [1, "25%", "100%"]); got {value}. '
            "Set it in group_vars, or with -e 'client_rollout_waves=[1, 5, \"100%\"]'."
        ),
        value=repr(value),
    )


def checksum_mismatch(args: dict, sums: dict[str, str]) -> Said | str:
    """The error when a package on the controller does not have the SHA-256 given for it, or ""."""
    path, windows_path = args.get("package_path") or "", args.get("windows_package_path") or ""
    expected = {}
    if path and args.get("package_sha256"):
        expected[path] = args["package_sha256"]
    windows_given = args.get("windows_package_sha256") or args.get("package_sha256")
    if windows_path and windows_given:
        expected[windows_path] = windows_given
    return checksum_problem((name, given, sums.get(name)) for name, given in expected.items())


def checksum_problem(checks) -> Said | str:
    """The error for the first package whose SHA-256 on the controller is not the one given, or "".

    ``checks``: (the package's name as given, the SHA-256 given, the SHA-256 computed or None).
    """
    for name, given, got in checks:
        wanted = _sha(given)
        if wanted and got and got != wanted:
            return Said(
                N_(
                    "the package {name} on the controller has SHA-256 {got}, not {wanted}. Correct the path or "
                    "the checksum before any workstation is touched"
                ),
                name=name,
                got=got,
                wanted=wanted,
            )
    return ""


def plan(args: dict, sums: dict[str, str], now: datetime.datetime) -> dict:
    """The plan decided once for every workstation: what to install, from where, in which waves."""
    path = args.get("package_path") or ""
    windows_path = args.get("windows_package_path") or path
    given, given_windows = _sha(args.get("package_sha256")), _sha(args.get("windows_package_sha256"))
    serve = bool(args.get("serve"))
    # Where the controller's distribution point will listen (the queue step starts it there).
    base = f"http://{args.get('bind')}:{args.get('port')}/" if serve else ""
    log = args.get("log") or ""
    return {
        "version": args.get("version"),
        "sha256": sums.get(path, given),
        "url": (base + os.path.basename(path)) if base else args.get("package_url") or "",
        "windows_sha256": sums.get(windows_path, given_windows or given),
        "windows_url": (base + os.path.basename(windows_path))
        if base
        else (args.get("windows_package_url") or args.get("package_url") or ""),
        "transfer": args.get("transfer") or "pull",
        "package_path": path,
        "windows_package_path": windows_path,
        "served": bool(base),
        "pidfile": f"{os.path.dirname(log)}/distpoint.pid",
        "serve_root": os.path.dirname(path) if serve else "",
        "waves": args.get("waves"),
        "max_fail_percentage": args.get("max_fail_percentage"),
        "started": now.isoformat(timespec="seconds"),
    }
