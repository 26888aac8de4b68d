# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stop, switch, start, health-check and, when that fails, put the previous release back.

Shared by the modules release_switch (a staged release made current in its own run) and release_unpack
(the same right after the unpack, in the unpack's own run: one round trip for the whole change). The
functions that run commands take the AnsibleModule for its run_command (or release_stage.Commands, which has
the same, for the plain script run); the rest is the standard library.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import time
import urllib.parse

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


def run(module, cmd):
    """(rc, stdout, stderr). A command that cannot be run at all is rc 127 with the reason, never an exit of
    the module: a start that fails so must still be followed by the restore."""
    try:
        return module.run_command(cmd, handle_exceptions=False)
    except OSError as err:
        return 127, "", "%s: %s" % (cmd if isinstance(cmd, str) else " ".join(cmd), err)


def service_action(module, service, action):
    manager = service.get("manager") or "none"
    if manager == "command":
        cmd = service.get("start_command") if action == "start" else service.get("stop_command")
        rc, out, err = run(module, cmd)
    elif manager == "systemd":
        rc, out, err = run(module, ["systemctl", action, service["name"]])
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
        rc, out, err = run(module, health["command"])
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


def go_live(
    module,
    root,
    name,
    *,
    stop_first=True,
    service=None,
    health=None,
    keep=3,
    do_prune=True,
    unlock_path=None,
    unlock_token=None,
):
    """Stop, switch current to releases/<name> in one rename, start, health-check; then prune and unlock.

    Returns (error or None, result): result has switched, phase (where it failed, or done), attempts,
    pruned, unlocked, changed. On an error nothing is undone here (see restore()); the lock stays.
    """
    service, health = service or {"manager": "none"}, health or {"kind": "none"}
    result = {
        "changed": False,
        "switched": False,
        "phase": "stop",
        "attempts": 0,
        "pruned": [],
        "unlocked": False,
    }
    if "/" in name or name.startswith(".") or not os.path.isdir(os.path.join(root, "releases", name)):
        return "release %s is not staged under %s/releases" % (name, root), result
    if stop_first:
        why = service_action(module, service, "stop")
        if why:
            return "the service did not stop: %s" % why, result
        result["changed"] = True
    result["phase"] = "switch"
    try:
        switch(root, name)
    except OSError as err:
        return "current could not be switched to releases/%s: %s" % (name, err), result
    result.update(changed=True, switched=True, phase="start")
    why = service_action(module, service, "start")
    if why:
        return "the service did not start on releases/%s: %s" % (name, why), result
    result["phase"] = "health"
    why, result["attempts"] = wait_healthy(module, health)
    if why:
        return "releases/%s is not healthy after %d checks: %s" % (name, result["attempts"], why), result
    result["phase"] = "done"
    if do_prune:
        result["pruned"] = prune(module, root, keep)
    if unlock_path:
        result["unlocked"] = unlock(unlock_path, unlock_token)
    return None, result


def restore(module, root, switched, *, from_release=None, previous_link=None, service=None, health=None):
    """Put the release that was current before back after a failed go_live(), as the role's restore does.

    The service is stopped (whatever that says), current is pointed back at releases/<from_release> (or
    removed after a first install) and previous at previous_link (or removed), each by one rename; then the
    restored release is started and health-checked. Returns what happened: restored (current points where
    it did before), started, healthy, first_install, and error (why the restored release is not healthy).
    """
    service, health = service or {"manager": "none"}, health or {"kind": "none"}
    done = {
        "restored": False,
        "first_install": not from_release,
        "started": False,
        "healthy": False,
        "error": "",
    }
    service_action(module, service, "stop")  # the failed release may be half up; its answer does not matter
    try:
        if switched:
            for link, target in (("previous", previous_link), ("current", from_release)):
                if target:
                    relink(root, link, "releases/%s" % target)
                elif os.path.lexists(os.path.join(root, link)):
                    os.unlink(os.path.join(root, link))
    except OSError as err:
        done["error"] = "current could not be switched back: %s" % err
        return done
    done["restored"] = True
    if not from_release:
        return done
    why = service_action(module, service, "start")
    if why:
        done["error"] = "the service did not start: %s" % why
        return done
    done["started"] = True
    why, _attempts = wait_healthy(module, health)
    done["healthy"] = why is None
    done["error"] = why or ""
    return done
