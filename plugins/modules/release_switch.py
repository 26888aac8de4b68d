#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_switch
short_description: Make a staged release current - stop, switch in one rename, start, health-check, restore on failure
version_added: 0.2.0
description:
  - First writes the switch journal (C(<root>/.siak-switch.json)) naming the release it makes current, the
    one that was current and where C(previous) pointed, so a run cut off at any point after this is finished
    by the next run's reconcile (M(dukcapil.siak.release_state)).
  - Then stops the service, points C(previous) at the release C(current) left and C(current) at the new
    release (each by one rename of a link made under a temporary name), starts the service and checks its
    health, probing at once and then backing off up to C(health.delay_s) within C(health.retries) times
    C(health.delay_s) seconds. The journal is removed when the release is healthy.
  - When any of that fails, the release that was current is put back in the same run (C(current) and
    C(previous) as they were, a first install's C(current) removed), started and checked; the task fails
    with RV(phase) and RV(restore) saying what happened and what is live.
  - Also used by the rollback, with O(name) the release to go back to.
  - With O(prune), complete releases beyond O(keep) are removed after a healthy start (never the current or
    the previous one).
  - Linux and other POSIX targets.
options:
  root:
    description: The application root.
    type: path
    required: true
  name:
    description: The staged release (a folder under C(<root>/releases/)) to make current.
    type: str
    required: true
  stop_first:
    description: Stop the service before the switch.
    type: bool
    default: true
  service:
    description: How the service is stopped and started (the release role's C(service) option).
    type: dict
    default: {manager: none}
  health:
    description: How to tell the release is healthy (the release role's C(health) option).
    type: dict
    default: {kind: none}
  keep:
    description: Complete releases to keep.
    type: int
    default: 3
  prune:
    description: Remove releases beyond O(keep) after a healthy start.
    type: bool
    default: false
  kind:
    description: What the switch is, for the journal (C(upgrade) or C(rollback)).
    type: str
    default: upgrade
author:
  - dukcapil.siak developers (@dukcapil)
attributes:
  check_mode:
    description: Not supported; the release role's check mode says what it would switch instead.
    support: none
extends_documentation_fragment:
  - dukcapil.siak.posix_module
  - dukcapil.siak.release_lock
"""

EXAMPLES = r"""
- name: Langkah 6 | Switch the SIAK application to 2.0, start it and check its health
  dukcapil.siak.release_switch:
    root: /opt/siak/app
    name: "2.0"
    service: {manager: systemd, name: siak-app}
    health: {kind: http, url: "http://127.0.0.1:8080/health", body_contains: OK}
"""

RETURN = r"""
switched:
  description: Whether C(current) reached the new release (before any restore).
  type: bool
  returned: always
healthy:
  description: Whether the new release is live and healthy.
  type: bool
  returned: always
phase:
  description: Where it failed (C(check), C(stop), C(switch), C(start), C(health)), or C(done).
  type: str
  returned: always
from:
  description: The release that was current before.
  type: str
  returned: always
restore:
  description: After a failure, what the restore did (restored, first_install, started, healthy, error).
  type: dict
  returned: always
pruned:
  description: Releases removed by O(prune).
  type: list
  elements: str
  returned: always
live:
  description: The live release afterwards (release, version, healthy, health_error, switch_in_progress).
  type: dict
  returned: always
live_s:
  description: Seconds from the stop to the verdict.
  type: float
  returned: always
"""

import time

from ansible_collections.dukcapil.siak.plugins.module_utils.release import (
    live_summary,
    prune,
    read_state,
    reasons,
    switch,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release_module import (
    changing_module,
    command_runner,
    hold_or_fail,
)


def main():
    module = changing_module(
        {
            "stop_first": {"type": "bool", "default": True},
            "service": {"type": "dict", "default": {"manager": "none"}},
            "health": {"type": "dict", "default": {"kind": "none"}},
            "keep": {"type": "int", "default": 3},
            "prune": {"type": "bool", "default": False},
            "kind": {"type": "str", "default": "upgrade"},
        }
    )
    p = module.params
    runner = command_runner(module)

    started = time.monotonic()
    hold_or_fail(module, switched=False, healthy=False, phase="check", restore=None)
    try:
        result = switch(
            runner,
            p["root"],
            p["name"],
            service=p["service"],
            health=p["health"],
            stop_first=p["stop_first"],
            kind=p["kind"],
        )
    except OSError as err:
        module.fail_json(
            msg="cannot switch %s to releases/%s: %s" % (p["root"], p["name"], err), changed=True
        )
    result["pruned"] = (
        prune(p["root"], p["keep"], warn=module.warn) if result["healthy"] and p["prune"] else []
    )
    state = read_state(p["root"], p["keep"])
    state["healthy"] = result["healthy"] or (result["restore"] or {}).get("healthy")
    result["live"] = live_summary(state)
    result["live_s"] = round(time.monotonic() - started, 2)
    # The reasons beside their English text, for the controller to say in the run's language.
    result = reasons(result)
    if not result["healthy"]:
        module.fail_json(msg=result["error"], **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
