# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verdict of the Server cadangan trial (SOP-PIAK-15 step 1, the Jadwal uji coba), from what the release role
published for the trial server through the results channel. Pure: no files, no hosts, no clock. The reasons
are catalogue messages (`i18n.Said`), said in the run's language by the filter (filter/upgrade_trial.py)."""

from __future__ import annotations

from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Joined, Said
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_plan import label_of
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.values import VALUES

# The SOP steps the trial runs, and the results channel key each publishes under on a trial server.
COMPONENTS = (
    {
        "component": "app",
        "key": "siak_upgrade_trial",
        "label": "SIAK application",
        "health_var": "siak_upgrade_health",
    },
    {
        "component": "proxy",
        "key": "proxy_upgrade_trial",
        "label": "SIAK proxy",
        "health_var": "proxy_upgrade_health",
    },
)
# Release outcomes that leave the new release live and health-checked (the switch checks it before it reports).
LIVE_OK = frozenset({"installed", "updated", "unchanged", "repaired"})
FAILED_OUTCOMES = frozenset({"failed", "rolled_back", "unknown"})
# The results channel key under which the trial play records a Server cadangan that did not answer before the
# trial began ({host: {"reachable": false, "message": ...}}): the play ends that host instead of letting Ansible
# count it unreachable, which would end the playbook before the controller judges (and records) the trial.
# The trial's rescue records under the same key where a trial that began stopped ({host: {"stopped_at": task,
# "reachable": whether it still answered then, "connection_lost": ..., "message": ...}}).
REACH_KEY = "upgrade_trial_reach"


def _stopped_reason(host: str, stopped: dict[str, Any], *, where: bool) -> Said:
    """Why a trial that began did not finish: the connection was lost, or it stopped before a part published.
    `where` names the task and its message: only when no part published its own result (which names them)."""
    task = str(stopped.get("stopped_at") or "?")
    raw = stopped.get("message") or ""
    detail = raw if isinstance(raw, Said) else str(raw).strip().rstrip(".")
    if stopped.get("connection_lost"):
        head = Said(N_("{host}: the connection to the Server cadangan was lost during the trial"), host=host)
        if where:
            at = (
                Said(N_('(at "{task}": {detail})'), task=task, detail=detail)
                if detail
                else Said(N_('(at "{task}")'), task=task)
            )
            head = Joined([head, at], " ")
        tail = (
            Said(
                N_(
                    "it does not answer now, so what the trial left there is not known: check that it is on and "
                    "reachable, then rerun (the rerun finishes or undoes what was cut off there)"
                )
            )
            if stopped.get("reachable") is False
            else Said(N_("the trial did not finish"))
        )
        return Joined([head, tail], "; ")
    if detail:
        return Said(
            N_('{host}: the trial stopped at "{task}": {detail}'), host=host, task=task, detail=detail
        )
    return Said(N_('{host}: the trial stopped at "{task}"'), host=host, task=task)


def _component_row(name: str, published: dict[str, Any] | None, target: str) -> dict[str, Any]:
    if not published:
        return {
            "component": name,
            "from_version": None,
            "to_version": None,
            "target_version": target,
            "result": None,
        }
    return {
        "component": name,
        "from_version": published.get("from_version"),
        "to_version": published.get("to_version"),
        "target_version": str(published.get("target_version") or target),
        "result": published.get("result"),
    }


def judge_host(
    host: str,
    results: dict[str, Any],
    targets: dict[str, str],
    health_kinds: dict[str, str],
    *,
    check_mode: bool = False,
) -> dict[str, Any]:
    """One trial server's row: each component's versions, the health, passed/failed/rehearsed and why.

    `targets` maps a component (app, proxy) to the version production gets; a component without a target is not
    part of the trial. `health_kinds` maps a component to the trial server's health check kind."""
    reach = (results.get(REACH_KEY) or {}).get(host)
    stopped = reach if isinstance(reach, dict) and reach.get("stopped_at") else None
    if isinstance(reach, dict) and reach.get("reachable") is False and not stopped:
        return unreachable_row(host, targets, str(reach.get("message") or ""))
    components = []
    reasons: list[Any] = []
    health = "healthy"
    lost = bool(stopped and stopped.get("connection_lost"))
    for comp in COMPONENTS:
        name = comp["component"]
        if name not in targets:
            continue
        published = (results.get(comp["key"]) or {}).get(host)
        row = _component_row(name, published, str(targets[name]))
        components.append(row)
        # The host failed at the application: the release role does not go on to the proxy.
        if (reasons or stopped) and not published:
            if stopped and not lost and not reasons:
                reasons.append(_stopped_reason(host, stopped, where=True))
                health = "not_known"
            continue
        if (health_kinds.get(name) or "none") == "none" and not check_mode:
            reasons.append(
                Said(
                    N_(
                        "{host}: no health check is set for the {label} on the Server cadangan ({var}); a trial "
                        "without one proves nothing"
                    ),
                    host=host,
                    label=label_of(comp["label"]),
                    var=comp["health_var"],
                )
            )
            health = "not_checked"
            continue
        if not published:
            if check_mode:
                continue
            reasons.append(
                Said(
                    N_(
                        "{host}: the {label} trial left no result (the host did not answer or stopped earlier; "
                        "see the run's log)"
                    ),
                    host=host,
                    label=label_of(comp["label"]),
                )
            )
            health = "not_known" if health == "healthy" else health
            continue
        outcome = str(published.get("result") or "")
        if outcome in FAILED_OUTCOMES or outcome not in LIVE_OK | {"would_update"}:
            message = str(published.get("message") or "").strip()
            reasons.append(
                message
                or Said(
                    N_("{host}: the {label} trial ended as {outcome}"),
                    host=host,
                    label=label_of(comp["label"]),
                    outcome=Said(VALUES[outcome]) if outcome in VALUES else outcome or "?",
                )
            )
            live = published.get("live") if isinstance(published.get("live"), dict) else {}
            health = "unhealthy" if outcome == "rolled_back" or live.get("healthy") is False else "not_known"
            continue
        if not check_mode and str(published.get("to_version")) != row["target_version"]:
            reasons.append(
                Said(
                    N_("{host}: the {label} on the Server cadangan runs {version}, not {target}"),
                    host=host,
                    label=label_of(comp["label"]),
                    version=published.get("to_version"),
                    target=row["target_version"],
                )
            )
            health = "not_known"
    if lost:
        # A trial whose connection was lost did not finish, whatever its parts published before.
        any_published = any(c["result"] is not None for c in components)
        where = not any_published or bool(stopped.get("passed_over"))
        reasons.insert(0, _stopped_reason(host, stopped, where=where))
        health = "connection_lost"
    if reasons:
        result = "failed"
    elif check_mode:
        result, health = "rehearsed", "not_checked"
    else:
        result = "passed"
    return {
        "components": components,
        "health": health,
        "result": result,
        "message": Joined(reasons, "; ") if reasons else "",
    }


def unreachable_row(host: str, targets: dict[str, str], detail: str) -> dict[str, Any]:
    """The row of a Server cadangan that did not answer: the trial did not run there, so it failed (a trial that
    did not run proves nothing) and the real upgrade does not go ahead. The health word says "not reachable"."""
    detail = detail.strip().rstrip(".")
    return {
        "components": [_component_row(c, None, str(v)) for c, v in targets.items()],
        "health": "unreachable",
        "result": "failed",
        "message": Said(
            N_(
                "{host}: the Server cadangan did not answer, so the trial did not run ({detail}); check that it "
                "is on and reachable, or skip the trial with a reason"
            ),
            host=host,
            detail=detail,
        )
        if detail
        else Said(
            N_(
                "{host}: the Server cadangan did not answer, so the trial did not run; check that it is on and "
                "reachable, or skip the trial with a reason"
            ),
            host=host,
        ),
    }


def judge(
    hosts: list[str],
    results: dict[str, Any],
    targets: dict[str, str],
    health_kinds: dict[str, dict[str, str]],
    *,
    check_mode: bool = False,
    skip_reason: str = "",
    lost: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Every trial server's row and the gate: whether the real upgrade may go ahead, and why not.

    With the ADB's skip reason the trial did not run: every row says so, with the reason, and the gate opens.
    `lost` names, by host, the trial's tasks that did not run because the connection was lost (the agenda's
    record): Ansible passes over such a task under ignore_unreachable, and when the connection comes back the
    trial goes on without it, so a trial with any did not finish, whatever its parts published."""
    skip_reason = (skip_reason or "").strip()
    reach = dict(results.get(REACH_KEY) or {})
    for host, tasks in (lost or {}).items():
        if tasks and not reach.get(host):
            # The rescue, or the check before the trial, recorded nothing: the trial went on after the drop.
            reach[host] = {
                "stopped_at": tasks[0],
                "reachable": True,
                "connection_lost": True,
                "message": Said(N_("the task did not run, and the trial went on without it")),
                "passed_over": True,
            }
    results = {**results, REACH_KEY: reach}
    rows: dict[str, dict[str, Any]] = {}
    for host in hosts:
        if skip_reason:
            rows[host] = {
                "components": [_component_row(c, None, str(v)) for c, v in targets.items()],
                "health": "not_checked",
                "result": "skipped",
                "message": Said(N_("skipped by the ADB: {reason}"), reason=skip_reason),
            }
        else:
            rows[host] = judge_host(host, results, targets, health_kinds.get(host, {}), check_mode=check_mode)
    failed = [h for h, r in rows.items() if r["result"] == "failed"]
    return {
        "rows": rows,
        "go_ahead": not failed,
        "failed": failed,
        "reasons": [rows[h]["message"] for h in failed],
        "skip_reason": skip_reason,
    }
