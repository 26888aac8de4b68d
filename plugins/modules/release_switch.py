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

import http.client
import os
import shutil
import socket
import ssl
import time
import urllib.parse

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import read_state, unlock


def relink(root, link, target):
    """Point <root>/<link> at target with one rename (rename(2) replaces the old link atomically)."""
    tmp = os.path.join(root, ".%s.tmp" % link)
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.rename(tmp, os.path.join(root, link))


def switch(root, name):
    current = os.path.join(root, "current")
    if os.path.islink(current):
        relink(root, "previous", os.readlink(current))
    relink(root, "current", "releases/%s" % name)


def service_action(module, service, action):
    manager = service.get("manager") or "none"
    if manager == "command":
        cmd = service.get("start_command") if action == "start" else service.get("stop_command")
        rc, out, err = module.run_command(cmd)
    elif manager == "systemd":
        rc, out, err = module.run_command(["systemctl", action, service["name"]])
    else:
        return None
    if rc != 0:
        return "%s exited %d: %s" % (action, rc, (err or out).strip()[-300:])
    return None


def http_get(url, timeout, redirects=5):
    """(status, body) of a GET of url. http.client rather than ansible.module_utils.urls: that one
    import makes every run of this module noticeably slower (to build and to start), for one GET.
    The service is probed where it runs: no proxy from the environment in between. Certificates are
    verified for https; redirects are followed (up to five)."""
    for _hop in range(redirects + 1):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL: %s" % url)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("GET", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")))
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            location = resp.getheader("Location")
        finally:
            conn.close()
        if resp.status in (301, 302, 303, 307, 308) and location:
            url = urllib.parse.urljoin(url, location)
            continue
        return resp.status, body
    raise ValueError("more than %d redirects" % redirects)


def probe(module, health):
    """None when healthy, else why not."""
    kind = health.get("kind") or "none"
    timeout = float(health.get("timeout_s") or 5)
    if kind == "http":
        want = int(health.get("status") or 200)
        text = health.get("body_contains") or ""
        try:
            status, body = http_get(health["url"], timeout)
        except (OSError, ValueError, http.client.HTTPException) as err:
            return "%s did not answer: %s" % (health["url"], getattr(err, "reason", err))
        if status != want:
            return "%s answered status %d, not %d (%s)" % (health["url"], status, want, body.strip()[:100])
        if text not in body:
            return "%s answered without %r (%s)" % (health["url"], text, body.strip()[:100])
        return None
    if kind == "tcp":
        host, port = health.get("host") or "127.0.0.1", int(health["port"])
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return None
        except OSError as err:
            return "%s:%d does not accept connections: %s" % (host, port, err)
    if kind == "command":
        rc, out, err = module.run_command(health["command"])
        return None if rc == 0 else "health command exited %d: %s" % (rc, (err or out).strip()[-200:])
    return None


def wait_healthy(module, health):
    """Probe at once, then back off up to delay_s, within retries x delay_s seconds: (error or None, attempts)."""
    if (health.get("kind") or "none") == "none":
        return None, 0
    delay = max(float(health.get("delay_s") or 1), 0.1)
    deadline = time.monotonic() + int(health.get("retries") or 10) * delay
    pause, attempts = 0.1, 0
    while True:
        attempts += 1
        why = probe(module, health)
        if why is None or time.monotonic() + pause > deadline:
            return why, attempts
        time.sleep(pause)
        pause = min(pause * 2, delay)


def prune(module, root, keep):
    removed = []
    for name in read_state(root, keep)["prune"]:
        try:
            shutil.rmtree(os.path.join(root, "releases", name))
            removed.append(name)
        except OSError as err:
            module.warn("could not remove the old release %s: %s" % (name, err))
    return removed


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
    root, name = p["root"], p["name"]
    result = {
        "changed": False,
        "switched": False,
        "phase": "stop",
        "attempts": 0,
        "pruned": [],
        "unlocked": False,
    }
    if "/" in name or name.startswith(".") or not os.path.isdir(os.path.join(root, "releases", name)):
        module.fail_json(msg="release %s is not staged under %s/releases" % (name, root), **result)
    if p["stop_first"]:
        why = service_action(module, p["service"], "stop")
        if why:
            module.fail_json(msg="the service did not stop: %s" % why, **result)
        result["changed"] = True
    result["phase"] = "switch"
    try:
        switch(root, name)
    except OSError as err:
        module.fail_json(msg="current could not be switched to releases/%s: %s" % (name, err), **result)
    result.update(changed=True, switched=True, phase="start")
    why = service_action(module, p["service"], "start")
    if why:
        module.fail_json(msg="the service did not start on releases/%s: %s" % (name, why), **result)
    result["phase"] = "health"
    why, result["attempts"] = wait_healthy(module, p["health"])
    if why:
        module.fail_json(
            msg="releases/%s is not healthy after %d checks: %s" % (name, result["attempts"], why), **result
        )
    result["phase"] = "done"
    if p["prune"]:
        result["pruned"] = prune(module, root, p["keep"])
    if p["unlock_path"]:
        result["unlocked"] = unlock(p["unlock_path"], p["unlock_token"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
