#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_switch
short_description: Stop the service, switch current to a staged release in one rename, start, health-check
version_added: 0.2.0
description:
  - One run on the target for what used to be five tasks (stop, switch, start, health check, cleanup),
    so the service is down only for the stop, the rename and the start.
  - The switch is atomic. C(previous) is pointed at the release C(current) left, then C(current) at the new
    release, each by creating a link under a temporary name and renaming it over the old one.
  - The health check probes at once and then backs off (0.1 s, 0.2 s, ... up to C(health.delay_s)) until
    it passes or C(health.retries) times C(health.delay_s) seconds have gone by.
  - On failure the task fails with the phase (C(stop), C(switch), C(start), C(health)) and RV(switched) says
    whether C(current) was already moved, so the caller can put the previous release back.
  - After a healthy start, with O(prune), complete releases beyond O(keep) are removed (never the current
    or the previous one). A release that cannot be removed is a warning, not a reason to roll back.
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
    description: Stop the service before the switch (false on a first install).
    type: bool
    default: true
  service:
    description: How the service is stopped and started (as the role's C(service) option).
    type: dict
    default: {manager: none}
  health:
    description: How to tell the release is healthy (as the role's C(health) option).
    type: dict
    default: {kind: none}
  keep:
    description: Complete releases to keep.
    type: int
    default: 3
  prune:
    description: Remove releases beyond O(keep) after a healthy start.
    type: bool
    default: true
  unlock_path:
    description:
      - The upgrade lock (see M(dukcapil.siak.release_lock)) to give back once the release is healthy and old
        releases are removed, saving a round trip. It is removed only if O(unlock_token) holds it; on failure
        it stays, for the caller's rollback, which gives it back itself.
    type: path
  unlock_token:
    description: The token of the run that holds O(unlock_path).
    type: str
author:
  - dukcapil.siak developers (@dukcapil)
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
  description: Whether C(current) points at the new release now.
  type: bool
  returned: always
phase:
  description: Where it failed (C(stop), C(switch), C(start), C(health)), or C(done).
  type: str
  returned: always
attempts:
  description: Health probes made.
  type: int
  returned: always
pruned:
  description: Releases removed by the cleanup.
  type: list
  elements: str
  returned: always
unlocked:
  description: Whether the upgrade lock was given back.
  type: bool
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release_switch import go_live


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "name": {"type": "str", "required": True},
            "stop_first": {"type": "bool", "default": True},
            "service": {"type": "dict", "default": {"manager": "none"}},
            "health": {"type": "dict", "default": {"kind": "none"}},
            "keep": {"type": "int", "default": 3},
            "prune": {"type": "bool", "default": True},
            "unlock_path": {"type": "path"},
            "unlock_token": {"type": "str", "no_log": False},
        },
        supports_check_mode=False,
    )
    p = module.params
    why, result = go_live(
        module,
        p["root"],
        p["name"],
        stop_first=p["stop_first"],
        service=p["service"],
        health=p["health"],
        keep=p["keep"],
        do_prune=p["prune"],
        unlock_path=p["unlock_path"],
        unlock_token=p["unlock_token"],
    )
    if why:
        module.fail_json(msg=why, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
