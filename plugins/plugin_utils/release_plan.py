# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a release's first step (SOP-PIAK-15 step 5 or 7) decides, as pure functions (no I/O).

The action release_open calls these with the caller's settings, the folder's state on the target (the
module_utils release.read_state() answer, or its Windows twin) and the artifact's measurements; they were
a chain of assert and set_fact tasks (each a controller round of its own). Their sentences are catalogue
messages (`i18n.Said`: English as `str()`, said in the run's language by the action and the filter that hand
them to Ansible, `i18n.say(..., i18n.run_lang())`).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Joined, Said

VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+~-]{0,63}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
ROOT_RE = re.compile(r"^(/|[A-Za-z]:\\)")
SHARED_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
DOTDOT_RE = re.compile(r"(^|/)[.][.](/|$)")
MIB = 1048576


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def _dumps(value) -> str:
    import json

    return json.dumps(value)


def setting_problems(s: dict) -> list[Said]:
    """What is wrong with the settings (empty when they are usable), in the role's order."""
    problems = []
    version = s.get("version")
    if not VERSION_RE.match(str(version if version is not None else "")):
        problems.append(
            Said(N_("version {version} is not a plain version such as 2.0"), version=_dumps(str(version)))
        )
    if not str(s.get("artifact") or ""):
        problems.append(Said(N_("no artifact given")))
    if not (_truthy(s.get("skip_checksum")) or SHA256_RE.match(str(s.get("sha256") or "").lower())):
        problems.append(
            Said(N_("the sha256 must be 64 hex digits (or waive it explicitly with skip_checksum)"))
        )
    root = str(s.get("root") or "")
    if not ROOT_RE.match(root):
        problems.append(Said(N_("the root {root} is not an absolute path"), root=root))
    service = s.get("service") or {}
    manager = service.get("manager")
    if manager == "command" and not (service.get("start_command") and service.get("stop_command")):
        problems.append(Said(N_("service manager command needs start_command and stop_command")))
    if manager in ("systemd", "windows") and not service.get("name"):
        problems.append(Said(N_("service manager {manager} needs the service name"), manager=manager))
    health = s.get("health") or {}
    kind = health.get("kind")
    if kind == "http" and not health.get("url"):
        problems.append(Said(N_("health kind http needs a url")))
    if kind == "tcp":
        try:
            port = int(health.get("port") or 0)
        except (TypeError, ValueError):
            port = 0
        if port <= 0:
            problems.append(Said(N_("health kind tcp needs a port")))
    if kind == "command" and not health.get("command"):
        problems.append(Said(N_("health kind command needs a command")))
    try:
        keep = int(s.get("keep_releases"))
    except (TypeError, ValueError):
        keep = 0
    if keep < 1:
        problems.append(Said(N_("keep_releases must be 1 or more")))
    shared = list(s.get("shared_paths") or []) + list(s.get("shared_files") or [])
    bad = [p for p in shared if not SHARED_RE.match(str(p))]
    bad += [p for p in shared if DOTDOT_RE.search(str(p)) and p not in bad]
    problems += [Said(N_("shared path not relative inside the release: {path}"), path=p) for p in bad]
    return problems


def settings_refusal(s: dict, problems: list[Said]) -> Said:
    """The step's refusal of unusable settings, naming the host, the step and where to correct them."""
    return Said(
        N_(
            "{host}: Langkah {step}: the settings for the {label} are not usable: {problems}. Correct them in "
            "the inventory or the extra variables."
        ),
        host=s["host"],
        step=s["step"],
        label=s["label"],
        problems=Joined(problems),
    )


def location_of(location: str, artifact: str) -> str:
    """Where the artifact comes from: the caller's choice, or (auto) a URL or the controller."""
    if location and location != "auto":
        return location
    return "url" if re.match(r"^https?://", str(artifact)) else "controller"


def decide(
    s: dict, state: dict, info: dict, *, location: str, check_mode: bool, version_lt, now=None
) -> dict:
    """The plan of this run (install, reinstall or current) and the refusal, if any.

    ``s`` the settings, ``state`` the folder on the target, ``info`` the artifact's measurements (sha256,
    size_bytes, unpacked_bytes, format; empty for a URL), ``version_lt(a, b)`` Ansible's version test (a < b).
    Returns plan, change, artifact_sha256, artifact_unpacked, artifact_transfer, artifact_format, and
    refusal (the message, or empty): a wrong checksum first, then a downgrade, then too little disk.
    """
    now = now or datetime.now(timezone.utc)
    version = str(s["version"])
    skip = _truthy(s.get("skip_checksum"))
    given_sha = str(s.get("sha256") or "").lower()
    art_sha = info.get("sha256") or given_sha
    unpacked = int(info.get("unpacked_bytes") or 0)
    transfer = int(info.get("size_bytes") or 0) if location == "controller" else 0
    fmt = info.get("format") or ("zip" if str(s["artifact"]).lower().endswith(".zip") else "tar")
    cur = state.get("current") or {}
    prev = state.get("previous") or {}
    from_version = cur.get("version")
    same = from_version is not None and str(from_version) == version
    same_sha = skip or (cur.get("sha256") or "") == art_sha
    existing = next((r for r in state.get("releases") or [] if r.get("name") == version), {})
    # The version's own directory name is used unless that directory is the current or previous release
    # or a complete release of another artifact (then a timestamped name): a live release is never rewritten.
    name_free = not existing or (
        existing.get("name") != (cur.get("name") or "")
        and existing.get("name") != (prev.get("name") or "")
        and (not existing.get("complete") or existing.get("sha256") == art_sha)
    )
    force = _truthy(s.get("force"))
    # The server is the truth: "current" only when the live release was found running and healthy (or that
    # cannot be known) and no switch is unfinished; otherwise the run repairs it under the lock first.
    live_ok = state.get("healthy") is not False and not state.get("journal")
    if same and not force:
        action = "current" if live_ok else "repair"
    else:
        action = "reinstall" if same else "install"
    leftovers = bool(state.get("partials") or state.get("incoming_parts"))
    plan = {
        "action": action,
        "root": s["root"],
        "kind": s["kind"],
        "from_version": from_version,
        "from_release": cur.get("name"),
        "from_sha256": cur.get("sha256"),
        "to_version": version,
        "previous_link": prev.get("name"),
        "release_name": version if name_free else "%s-%s" % (version, now.strftime("%Y%m%dT%H%M%S")),
        "reuse": bool(name_free and existing.get("complete")),
        "sha256": art_sha,
        "checksum_waived": skip,
        "same_artifact": same_sha,
    }
    out = {
        "plan": plan,
        "change": (action != "current" or leftovers or not live_ok) and not check_mode,
        "artifact_sha256": art_sha,
        "artifact_unpacked": unpacked,
        "artifact_transfer": transfer,
        "artifact_format": fmt,
        "refusal": "",
    }
    label, host, step = label_of(s["label"]), s["host"], s["step"]
    if not (skip or location == "url" or art_sha == given_sha):
        out["refusal"] = Said(
            N_(
                "{host}: Langkah {step}: the artifact {artifact} has sha256 {found}, not the {given} that was "
                "given. Nothing was changed. Copy the artifact again from its source and compare its checksum "
                "with the one published with it."
            ),
            host=host,
            step=step,
            artifact=s["artifact"],
            found=art_sha,
            given=given_sha,
        )
    elif not (
        from_version is None
        or _truthy(s.get("allow_downgrade"))
        or not version_lt(version, str(from_version))
    ):
        out["refusal"] = Said(
            N_(
                "{host}: Langkah {step}: refusing to downgrade the {label} from {from_version} to {version}. "
                "Nothing was changed. If this is intended, rerun with allow_downgrade set to true, or use "
                "playbooks/rollback.yml to go back to a release still on the server."
            ),
            host=host,
            step=step,
            label=label,
            from_version=from_version,
            version=version,
        )
    else:
        margin = int(s.get("disk_margin_mib") or 0)
        needed = unpacked + transfer + margin * MIB
        free = int(state.get("free_bytes") or 0)
        if not (action in ("current", "repair") or plan["reuse"] or needed <= free):
            out["refusal"] = Said(
                N_(
                    "{host}: Langkah {step}: not enough free disk for the {label} {version} under {root}: "
                    "{needed} MiB needed (release, artifact and a {margin} MiB margin), {free} MiB free on "
                    "{where}. Nothing was changed. Free space there, or lower the margin."
                ),
                host=host,
                step=step,
                label=label,
                version=version,
                root=s["root"],
                needed=round(needed / MIB, 1),
                margin=margin,
                free=round(free / MIB, 1),
                where=state.get("free_path"),
            )
    return out


# The labels the roles give their release (release_label), said in the reader's language; another label
# an inventory sets is shown as written.
LABELS = {
    "SIAK application": N_("SIAK application"),
    "SIAK proxy": N_("SIAK proxy"),
}


def label_of(label: str) -> Said | str:
    """The release's label as a catalogue message when it is one of the roles' own."""
    known = LABELS.get(str(label))
    return Said(known) if known else str(label)


# What a run will do on a host, by the plan's action ("fresh": nothing installed yet). The current and repair
# sentences come in two forms: with a health check configured, and without one.
SAYING = {
    "current": N_("{label} is already at version {version}, running and healthy; nothing to replace."),
    "current_unchecked": N_(
        "{label} is already at version {version} (whether it runs is not known: no health check is "
        "configured); nothing to replace."
    ),
    "repair": N_(
        "{label} is at version {version} but not healthy ({why}); it will be started and checked, and the "
        "previous release put back if it does not come up."
    ),
    "fresh": N_("{label} is not installed; will install {version} into {root}/releases/{name}."),
    "install": N_("{label} {from_version} will be replaced by {version} (release {name})."),
    "reinstall": N_("{label} {version} will be installed again (forced) into {root}/releases/{name}."),
}
LIVE_DOWN = N_("The live release does not answer now ({why}).")
CUT_WHILE_SWITCHING = N_("an earlier run was cut off while switching")
NO_ANSWER = N_("it does not answer")
CHECK_MODE = N_("(check mode: nothing changes)")


def saying(s: dict, plan: dict, check_mode: bool, state: dict | None = None) -> Said:
    """What this run will do on this host."""
    state = state or {}
    version, name = str(s["version"]), plan["release_name"]
    why = state.get("health_error") or Said(CUT_WHILE_SWITCHING if state.get("journal") else NO_ANSWER)
    key = plan["action"] if plan["from_version"] is not None else "fresh"
    if key == "current" and state.get("healthy") is None:
        key = "current_unchecked"
    parts = [
        Said(
            SAYING[key],
            label=label_of(s["label"]),
            version=version,
            from_version=plan["from_version"],
            root=s["root"],
            name=name,
            why=why,
        )
    ]
    if plan["action"] == "install" and state.get("healthy") is False and plan["from_version"] is not None:
        parts.append(Said(LIVE_DOWN, why=why))
    if check_mode:
        parts.append(Said(CHECK_MODE))
    return Said(N_("{host}: Langkah {step}: {what}"), host=s["host"], step=s["step"], what=Joined(parts, " "))


# The action's own words: an artifact missing on the controller, and what the reconcile under the lock put right.
ARTIFACT_MISSING = N_("artifact {path} does not exist on the controller or is not a file")
RECONCILED_FIRST = N_("Reconciled first: {done}.")


HEALTH_WORDS = {
    True: N_("started and healthy"),
    None: N_("its health is not known (no health check)"),
}


def outcome(
    s: dict,
    plan: dict,
    *,
    failed_task: str,
    failed_msg: str,
    failed_result: dict | None,
    after: dict | None,
    look: str,
) -> dict:
    """What a failed replace step did, from what the server shows after the failure (the server is the truth).

    ``after`` is release_state's answer read after the failure (None when the server could not be read:
    the connection did not come back); ``failed_result`` the failed task's result (switch, restore,
    connection_lost). Returns result (updated, installed, rolled_back, failed or unknown), to_version (the
    version live now, None when none or not known), live, and the message for the operator and the report
    (an `i18n.Said`).
    """
    failed_result = failed_result or {}
    host, label, step, version = s["host"], label_of(s["label"]), s["step"], str(s["version"])
    head = Said(
        N_('{host}: Langkah {step} ({label} {version}) failed at "{task}": {error}.'),
        host=host,
        step=step,
        label=label,
        version=version,
        task=failed_task,
        error=failed_msg,
    )
    lost = bool(failed_result.get("connection_lost"))
    if after is None or after.get("failed") or after.get("unreachable"):
        return {
            "result": "unknown",
            "to_version": None,
            "live": None,
            "message": Joined(
                [head]
                + ([Said(N_("The connection to the server was lost."))] if lost else [])
                + [
                    Said(
                        N_(
                            "The server could not be read again, so what is live is NOT known. Find out "
                            "with: {look}. Then run the upgrade again: it finishes or undoes an interrupted "
                            "switch and says what is live."
                        ),
                        look=look,
                    )
                ],
                " ",
            ),
        }
    if lost:
        head = Joined(
            [
                head,
                Said(
                    N_("The connection to the server was lost; what is live was read again from the server.")
                ),
            ],
            " ",
        )
    cur = after.get("current") or {}
    live = {
        "release": cur.get("name"),
        "version": cur.get("version"),
        "healthy": after.get("healthy"),
        "health_error": after.get("health_error") or "",
        "switch_in_progress": bool(after.get("journal")),
    }

    def said(message: str, **values) -> Said:
        return Joined([head, Said(message, **values)], " ")

    if live["switch_in_progress"] or live["healthy"] is False:
        why = (
            Said(N_("an interrupted switch"))
            if live["switch_in_progress"]
            else Said(N_("it is not healthy: {error}"), error=live["health_error"])
        )
        return {
            "result": "failed",
            "to_version": live["version"],
            "live": live,
            "message": said(
                N_(
                    "The server shows current -> releases/{release} (version {version}), but {why}. Run the "
                    "upgrade again: it starts and checks that release, or puts the previous one back, before "
                    "anything else."
                ),
                release=live["release"],
                version=live["version"],
                why=why,
            ),
        }
    if live["release"] is None:
        return {
            "result": "rolled_back"
            if plan.get("from_release") is None and failed_result.get("switched")
            else "failed",
            "to_version": None,
            "live": live,
            "message": said(
                N_(
                    "Nothing is live under {root}: this was a first install, and the server shows no current "
                    "release. Fix the cause and run the upgrade again."
                ),
                root=plan.get("root"),
            ),
        }
    state = Said(HEALTH_WORDS.get(live["healthy"], HEALTH_WORDS[True]))
    if str(live["version"]) == version and live["release"] == plan.get("release_name"):
        return {
            "result": "installed" if plan.get("from_version") is None else "updated",
            "to_version": live["version"],
            "live": live,
            "message": said(
                N_(
                    "Even so, the server shows {label} {version} live (releases/{release}), {state}. Run the "
                    "upgrade again to finish what came after the switch (hooks, removing old releases); it "
                    "will find the version current."
                ),
                label=label,
                version=version,
                release=live["release"],
                state=state,
            ),
        }
    switched = bool(failed_result.get("switched")) or failed_result.get("restore") is not None
    if live["release"] == plan.get("from_release") and switched:
        return {
            "result": "rolled_back",
            "to_version": live["version"],
            "live": live,
            "message": said(
                N_(
                    "Rolled back automatically: {label} {version} (releases/{release}) is current again, "
                    "{state}. Fix the release and run the upgrade again."
                ),
                label=label,
                version=live["version"],
                release=live["release"],
                state=state,
            ),
        }
    return {
        "result": "failed",
        "to_version": live["version"],
        "live": live,
        "message": said(
            N_(
                "The server shows {label} {version} live (releases/{release}), {state}. Fix the cause and run "
                "the upgrade again."
            ),
            label=label,
            version=live["version"],
            release=live["release"],
            state=state,
        ),
    }
