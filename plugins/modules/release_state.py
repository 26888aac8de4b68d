#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_state
short_description: Read a release root and whether its live release is healthy; reconcile it; prune it
version_added: 0.1.0
description:
  - Reads where C(<root>/current) and C(<root>/previous) point with C(readlink), never by guessing from
    modification times, which releases under C(<root>/releases) are complete (they carry a marker written
    after a full unpack), the leftovers of an interrupted run (unpack folders, C(.part) downloads), an
    unfinished switch (the switch journal C(.siak-switch.json)), the upgrade lock's holder and the free space.
  - Probes the live release once with O(health) (or systemd's own state), so RV(healthy) says whether it
    answers; C(null) when that cannot be known (no health check and no systemd service).
  - With O(reconcile), brings the root to a known state before a run plans anything (the server is the
    truth) - removes the leftovers of an interrupted run; finishes a switch a run was cut off in (starts and
    checks the release C(current) points at, or puts the release before it back); starts a live release that
    does not answer and, when it still does not, puts C(previous) back, started and checked - and makes
    C(releases/), C(shared/) and C(.incoming/) when they are missing. RV(reconciled) says what it did.
  - With O(prune), removes complete releases beyond O(keep) (never the current or the previous one).
  - Linux and other POSIX targets.
options:
  root:
    description: The application root, holding C(releases/), C(shared/) and the C(current) link.
    type: path
    required: true
  keep:
    description: How many complete releases a cleanup keeps (the current and previous ones always stay).
    type: int
    default: 3
  service:
    description: How the service is stopped and started (the release role's C(service) option).
    type: dict
    default: {manager: none}
  health:
    description: How to tell the live release is healthy (the release role's C(health) option).
    type: dict
    default: {kind: none}
  reconcile:
    description: Repair what an interrupted run left, as described above, before reading the state.
    type: bool
    default: false
  prune:
    description: Remove complete releases beyond O(keep).
    type: bool
    default: false
  stop_left_running:
    description:
      - Before reading, stop this run's own earlier module processes that a lost connection left running on the
        server (the process groups recorded under O(lock)), so what is read afterwards stays true.
    type: bool
    default: false
  marker:
    description: The file name of a release's marker (client PCs use their own).
    type: str
    default: .siak-release.json
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
  - dukcapil.siak.release_lock
"""

EXAMPLES = r"""
- name: Langkah 5 | Read where the SIAK application's current release points and whether it answers
  dukcapil.siak.release_state:
    root: /opt/siak/app
    health: {kind: http, url: "http://127.0.0.1:8080/health", body_contains: OK}
  register: app_state
"""

RETURN = r"""
root_exists:
  description: Whether O(root) is a directory.
  type: bool
  returned: always
current:
  description: The release C(current) points to (name, path, complete, version, sha256, installed_at), or null.
  type: dict
  returned: always
current_dangling:
  description: Whether C(current) points at something that is not a complete release.
  type: bool
  returned: always
previous:
  description: The release C(previous) points to, or null.
  type: dict
  returned: always
releases:
  description: Every release directory with its marker data; C(complete) is false for one without a marker.
  type: list
  elements: dict
  returned: always
partials:
  description: Unpack folders under C(releases/) an interrupted run left (before O(reconcile) removed them).
  type: list
  elements: str
  returned: always
incoming_parts:
  description: Partial downloads under C(.incoming/) an interrupted run left.
  type: list
  elements: str
  returned: always
journal:
  description: The unfinished switch (to, from, previous_before, started), or null.
  type: dict
  returned: always
healthy:
  description: Whether the live release answers its health check; null when that cannot be known.
  type: bool
  returned: always
health_error:
  description: Why the live release is not healthy.
  type: str
  returned: always
live:
  description: The live release in short (release, version, healthy, health_error, switch_in_progress).
  type: dict
  returned: always
reconciled:
  description: What O(reconcile) did (or would do, in check mode), each with C(what) and its details.
  type: list
  elements: dict
  returned: always
stopped_left_running:
  description: Process groups O(stop_left_running) stopped.
  type: list
  elements: int
  returned: always
pruned:
  description: Releases O(prune) removed.
  type: list
  elements: str
  returned: always
lock:
  description: The upgrade lock's holder, or null when it is free.
  type: dict
  returned: always
free_bytes:
  description: Free bytes on the file system of O(root), or of its nearest existing parent.
  type: int
  returned: always
free_path:
  description: The existing path that was measured.
  type: str
  returned: always
prune:
  description: Complete releases a cleanup would remove to keep O(keep) releases, oldest install first.
  type: list
  elements: str
  returned: always
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import (
    INCOMING,
    ROOT_UNREADABLE,
    Reason,
    check_live,
    dangling,
    live_summary,
    prune,
    read_state,
    reasons,
    reconcile,
    stop_left_running,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release_module import (
    LOCK_OPTION,
    command_runner,
    hold_or_fail,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "keep": {"type": "int", "default": 3},
            "service": {"type": "dict", "default": {"manager": "none"}},
            "health": {"type": "dict", "default": {"kind": "none"}},
            "reconcile": {"type": "bool", "default": False},
            "prune": {"type": "bool", "default": False},
            "marker": {"type": "str", "default": ".siak-release.json"},
            **LOCK_OPTION,
            "stop_left_running": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    root = p["root"]
    runner = command_runner(module)

    changed = False
    done = []
    stopped = []
    if p["stop_left_running"] and not module.check_mode:
        stopped = stop_left_running(p["lock"])
    pruned = []
    if (p["reconcile"] or p["prune"]) and not module.check_mode:
        hold_or_fail(module)
    try:
        if p["reconcile"]:
            if not module.check_mode:
                for sub in ("releases", "shared", INCOMING):
                    path = os.path.join(root, sub)
                    if not os.path.isdir(path):
                        os.makedirs(path, 0o700 if sub == INCOMING else 0o755)
                        changed = True
            state, done = reconcile(
                runner,
                root,
                service=p["service"],
                health=p["health"],
                keep=p["keep"],
                check_mode=module.check_mode,
                marker=p["marker"],
            )
        else:
            state = read_state(root, p["keep"], p["marker"])
            healthy, why = None, ""
            if (state["current"] or {}).get("name") and not state["current_dangling"]:
                healthy, why = check_live(runner, p["health"], p["service"])
            elif state["current_dangling"]:
                healthy, why = False, dangling(state["current_target"])
            state.update(healthy=healthy, health_error=why)
        if p["prune"]:
            pruned = state["prune"] if module.check_mode else prune(root, p["keep"], p["marker"], module.warn)
    except OSError as err:
        # What the system answered is quoted as it came; the sentence around it is said in the run's language.
        module.fail_json(**reasons({"msg": Reason(ROOT_UNREADABLE, root=root, error=str(err))}))
    changed = changed or bool(done) or bool(pruned)
    # The reasons beside their English text, for the controller to say in the run's language.
    module.exit_json(
        **reasons(
            dict(
                state,
                changed=changed or bool(stopped),
                reconciled=done,
                pruned=pruned,
                stopped_left_running=stopped,
                live=live_summary(state),
            )
        )
    )


if __name__ == "__main__":
    main()
