# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release library: one layout, switch, restore, prune and state for the server and the client PCs.

<root>/releases/<name>/            one unpacked release; its marker file says it is complete
<root>/releases/.<name>.partial-*  an unpack in progress (or cut off): never a release, removed by the next run
<root>/.incoming/*.part            an artifact on its way (or cut off): removed by the next run
<root>/shared/                     what survives versions (configuration, logs, uploads)
<root>/current -> releases/<name>  switched by one rename
<root>/previous -> releases/<name> the release that was current before the last switch
<root>/.siak-switch.json           the switch journal: written before a switch, removed once the release
                                   it made current is healthy or the release before it is back

The journal is what makes every cut recoverable. It names the release the switch makes current (``to``),
the one it was (``from``) and where ``previous`` pointed before (``previous_before``). A run that finds
it knows an earlier run was cut between its switch and its verdict and finishes that switch
(reconcile()): the release ``to`` is started and health-checked if ``current`` points at it, and the
release ``from`` is put back, started and checked when ``to`` is not healthy or ``current`` never
reached it. Without a journal, a ``current`` that is not running or not healthy is started and checked,
and replaced by ``previous`` if that fails.

The safe unpack of an artifact is in release_unpack.py (the same library, kept apart for its size).
Standard library only. Commands (stop, start, a health command) run through a ``runner``: a callable
``runner(cmd) -> (rc, stdout, stderr)``, AnsibleModule.run_command in the modules.

Why a release is not healthy, or why a switch failed, reaches the office verbatim (the Laporan's reason
column). A module knows no language, so those reasons are ``Reason``s: English text that keeps its catalogue
message (marked with ``N_``, read into the one catalogue, plugins/plugin_utils/i18n.py) and its values. A
module returns them beside the text (``reasons()``), and the controller says them in the run's language.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import posixpath
import shutil
import socket
import ssl
import tempfile
import time
import urllib.parse
import contextlib

MARKER = ".siak-release.json"
PARTIAL_TAG = ".partial-"
INCOMING = ".incoming"
PART_SUFFIX = ".part"
JOURNAL = ".siak-switch.json"
LOCK_NAME = ".siak-upgrade.lock"
# The size an artifact is read, hashed, inflated and written in: pieces few enough for Python's per-call cost not
# to matter, and small enough for the C allocator to reuse their memory. Pieces of a MiB or more go back to the
# kernel when freed and are mapped anew for the next one, a page fault for every 4 KiB copied.
CHUNK = 256 << 10


# ---------------------------------------------------------------------------------------------- reasons


def N_(message):
    """Marks a message for the one catalogue (plugin_utils/i18n.py reads this file too); said on the controller."""
    return message


class Reason(str):
    """A reason in English (``str()``) that keeps its catalogue message and its values (a Reason among them
    too): the module-side twin of plugin_utils/i18n.Said, which a module on the managed host cannot import."""

    def __new__(cls, message, **values):
        self = super().__new__(cls, message.format(**values))
        self.message = message
        self.values = values
        return self

    def as_dict(self):
        return {
            "message": self.message,
            "values": {k: v.as_dict() if isinstance(v, Reason) else v for k, v in self.values.items()},
        }


REASONS_KEY = "_reasons"


def reasons(value):
    """``value`` (a module's result) with, beside each Reason it holds in a mapping (or each list of reasons, such
    as a backup's problems), its message and values under ``_reasons`` (JSON keeps only the English text), at
    any depth."""
    if isinstance(value, dict):
        out = {k: reasons(v) for k, v in value.items()}
        found = {k: v.as_dict() for k, v in value.items() if isinstance(v, Reason)}
        found.update(
            {
                k: [i.as_dict() if isinstance(i, Reason) else i for i in v]
                for k, v in value.items()
                if isinstance(v, list) and any(isinstance(i, Reason) for i in v)
            }
        )
        if found:
            out[REASONS_KEY] = found
        return out
    if isinstance(value, list):
        return [reasons(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------- pure


def is_safe_member(name):
    """True when an archive member stays inside the directory it is unpacked into."""
    if not name or name.startswith(("/", "\\")) or "\\" in name:
        return False
    if len(name) > 1 and name[1] == ":":
        return False
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return ".." not in parts


def is_safe_link(member, target):
    """A symbolic link inside an archive may only point inside the release."""
    if target.startswith("/"):
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(member), target))
    return joined != ".." and not joined.startswith("../")


def is_release_name(name):
    """A release folder's name: plain, not hidden (a hidden one is an unpack in progress)."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def link_name(target):
    """The release name a `current`/`previous` link target names (releases/<name> -> <name>)."""
    if not target:
        return None
    return posixpath.basename(target.rstrip("/")) or None


def prune_candidates(releases, current, previous, keep):
    """Names of complete releases to delete so at most `keep` remain; never current or previous.

    Order is the install time written in each release's marker (not a file's mtime, which any copy
    or backup tool may change); releases without a time count as the oldest.
    """
    keep = max(int(keep), 1)
    protected = {n for n in (current, previous) if n}
    ordered = sorted(
        (r for r in releases if r.get("complete")),
        key=lambda r: (r.get("installed_at") or "", r["name"]),
        reverse=True,
    )
    kept = [r["name"] for r in ordered if r["name"] in protected]
    victims = []
    for rel in ordered:
        if rel["name"] in protected:
            continue
        if len(kept) < keep:
            kept.append(rel["name"])
        else:
            victims.append(rel["name"])
    return victims


def live_summary(state):
    """What is live, in one dict for reports: release, version, healthy (True, False or None: not known)."""
    cur = state.get("current") or {}
    return {
        "release": cur.get("name"),
        "version": cur.get("version"),
        "healthy": state.get("healthy"),
        "health_error": state.get("health_error") or "",
        "switch_in_progress": bool(state.get("journal")),
    }


# ---------------------------------------------------------------------------------------------- reading


def read_json(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_marker(release_dir, marker=MARKER):
    return read_json(os.path.join(release_dir, marker))


def describe_release(releases_dir, name, marker=MARKER):
    data = read_marker(os.path.join(releases_dir, name), marker) or {}
    return {
        "name": name,
        "path": os.path.join(releases_dir, name),
        "complete": bool(data),
        "version": data.get("version"),
        "sha256": data.get("sha256"),
        "installed_at": data.get("installed_at"),
    }


def free_space(path):
    """(free bytes for an unprivileged writer, the existing path measured) at path or its nearest parent."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    st = os.statvfs(probe)
    return st.f_bavail * st.f_frsize, probe


def file_sha256(path):
    """The sha256 of a file (the artifact's checksum, on the controller or the target)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# The release root itself cannot be read or repaired (release_state); the system's own words are ``error``.
ROOT_UNREADABLE = N_("cannot read or repair the release root {root}: {error}")


def read_state(root, keep=3, marker=MARKER):
    """Everything a run needs to know about a root, read without changing anything.

    current/previous: the release each link names (readlink, never a guess from file times), with its
    marker's version; leftovers: unpack folders and downloads an interrupted run left; journal: an
    unfinished switch; lock: the upgrade lock's holder (module_utils/run_lock.py writes it).
    """
    releases_dir = os.path.join(root, "releases")
    state = {
        "root": root,
        "root_exists": os.path.isdir(root),
        "current": None,
        "current_target": None,
        "current_dangling": False,
        "previous": None,
        "releases": [],
        "partials": [],
        "incoming_parts": [],
        "journal": None,
        "lock": None,
        "prune": [],
    }
    state["free_bytes"], state["free_path"] = free_space(root)
    if not state["root_exists"]:
        return state
    names = sorted(os.listdir(releases_dir)) if os.path.isdir(releases_dir) else []
    for name in names:
        if not os.path.isdir(os.path.join(releases_dir, name)) or os.path.islink(
            os.path.join(releases_dir, name)
        ):
            continue
        if name.startswith("."):
            state["partials"].append(name)
        else:
            state["releases"].append(describe_release(releases_dir, name, marker))
    incoming = os.path.join(root, INCOMING)
    if os.path.isdir(incoming):
        state["incoming_parts"] = sorted(n for n in os.listdir(incoming) if n.endswith(PART_SUFFIX))
    by_name = {r["name"]: r for r in state["releases"]}
    for link in ("current", "previous"):
        path = os.path.join(root, link)
        if os.path.islink(path):
            target = os.readlink(path)
            name = link_name(target)
            if link == "current":
                state["current_target"] = target
                state["current_dangling"] = name not in by_name or not os.path.isdir(path)
            state[link] = by_name.get(name) or {"name": name, "complete": False, "version": None}
    state["journal"] = read_json(os.path.join(root, JOURNAL))
    lock_path = os.path.join(root, LOCK_NAME)
    if os.path.lexists(lock_path):
        state["lock"] = read_json(lock_path) or {"token": None, "unreadable": True}
    state["prune"] = prune_candidates(
        state["releases"],
        (state["current"] or {}).get("name"),
        (state["previous"] or {}).get("name"),
        keep,
    )
    return state


def hold(lock):
    """Record this module's process group under the run's lock (run_lock attach), so a run that takes the lock
    over after this one was cut off can stop what is left of it. Returns why (a Reason) when this run does not
    hold the lock any more (another run took it over): the caller must then change nothing."""
    if not lock:
        return None
    from ansible_collections.dukcapil.siak.plugins.module_utils.run_lock import attach

    try:
        if attach(lock["path"], lock["token"], os.getpgid(0)):
            return None
    except OSError as err:
        return Reason(
            N_("the upgrade lock {path} cannot be read: {error}"), path=lock["path"], error=str(err)
        )
    return Reason(
        N_(
            "this run no longer holds the upgrade lock {path} (another run took it over, or it was removed); "
            "nothing was changed by this step"
        ),
        path=lock["path"],
    )


def stop_left_running(lock, sleep=time.sleep):
    """Stop this run's own module processes that a lost connection left running on the server (the process
    groups recorded under its lock, other than this one). Returns the process groups stopped."""
    if not lock:
        return []
    import signal

    from ansible_collections.dukcapil.siak.plugins.module_utils.run_lock import (
        live_target_processes,
        read_lock,
    )

    holder = read_lock(lock["path"]) or {}
    if holder.get("token") != lock["token"]:
        return []
    left = [pid for pid in live_target_processes(holder) if pid != os.getpgid(0)]
    for pid in left:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
    for _attempt in range(50):
        if not [pid for pid in live_target_processes(holder) if pid in left]:
            break
        sleep(0.1)
    return left


# ---------------------------------------------------------------------------------------------- links


def relink(root, link, target):
    """Point <root>/<link> at target with one rename (rename(2) replaces the old link atomically); None removes it."""
    path = os.path.join(root, link)
    if target is None:
        if os.path.lexists(path):
            os.unlink(path)
        return
    tmp = os.path.join(root, ".%s.tmp" % link)
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.rename(tmp, path)


def _release_path(name):
    return None if not name else "releases/%s" % name


def write_journal(root, data):
    """Write the switch journal atomically (temporary file, fsync, rename)."""
    fd, tmp = tempfile.mkstemp(prefix=".journal-", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(root, JOURNAL))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def clear_journal(root):
    path = os.path.join(root, JOURNAL)
    if os.path.lexists(path):
        os.unlink(path)


def switch_links(root, to, previous):
    """previous -> releases/<previous> (or removed), then current -> releases/<to> (or removed), one rename each."""
    relink(root, "previous", _release_path(previous))
    relink(root, "current", _release_path(to))


# ---------------------------------------------------------------------------------------------- service, health


def service_action(runner, service, action):
    """Stop or start the service as configured: None when done (or nothing to do), else why not."""
    service = service or {}
    manager = service.get("manager") or "none"
    if manager == "command":
        cmd = service.get("start_command") if action == "start" else service.get("stop_command")
    elif manager == "systemd":
        cmd = ["systemctl", action, service["name"]]
    else:
        return None
    rc, out, err = runner(cmd)
    if rc != 0:
        message = (
            N_("the start command exited {rc}: {output}")
            if action == "start"
            else N_("the stop command exited {rc}: {output}")
        )
        return Reason(message, rc=rc, output=(err or out).strip()[-300:])
    return None


def http_get(url, timeout, redirects=5):
    """(status, body) of a GET of url, from where the service runs: no proxy from the environment in
    between. Certificates are verified for https; redirects are followed (up to five)."""
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


def probe(runner, health):
    """None when healthy, else why not. A health of kind none is never probed (see health_known)."""
    health = health or {}
    kind = health.get("kind") or "none"
    timeout = float(health.get("timeout_s") or 5)
    if kind == "http":
        want = int(health.get("status") or 200)
        text = health.get("body_contains") or ""
        try:
            status, body = http_get(health["url"], timeout)
        except (OSError, ValueError, http.client.HTTPException) as err:
            return Reason(
                N_("{url} did not answer: {error}"), url=health["url"], error=str(getattr(err, "reason", err))
            )
        if status != want:
            return Reason(
                N_("{url} answered status {status}, not {want} ({body})"),
                url=health["url"],
                status=status,
                want=want,
                body=body.strip()[:100],
            )
        if text not in body:
            return Reason(
                N_("{url} answered without {text!r} ({body})"),
                url=health["url"],
                text=text,
                body=body.strip()[:100],
            )
        return None
    if kind == "tcp":
        host, port = health.get("host") or "127.0.0.1", int(health["port"])
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return None
        except OSError as err:
            return Reason(
                N_("{host}:{port} does not accept connections: {error}"), host=host, port=port, error=str(err)
            )
    if kind == "command":
        rc, out, err = runner(health["command"])
        if rc == 0:
            return None
        return Reason(
            N_("the health command exited {rc}: {output}"), rc=rc, output=(err or out).strip()[-200:]
        )
    return None


def health_known(health, service):
    """Whether a run can tell that the live release runs and is healthy: a health check, or systemd's state."""
    return (health or {}).get("kind", "none") != "none" or (service or {}).get("manager") == "systemd"


def check_live(runner, health, service):
    """(healthy, why): one probe of the live release, no waiting. healthy is None when it cannot be known."""
    if (health or {}).get("kind", "none") != "none":
        why = probe(runner, health)
        return why is None, why or ""
    if (service or {}).get("manager") == "systemd":
        rc, out, _err = runner(["systemctl", "is-active", service["name"]])
        return rc == 0, "" if rc == 0 else Reason(
            N_("systemd says {name} is {state}"), name=service["name"], state=out.strip() or "inactive"
        )
    return None, ""


def wait_healthy(runner, health, sleep=time.sleep, clock=time.monotonic):
    """Probe at once, then back off up to delay_s, within retries x delay_s seconds: (error or None, attempts)."""
    health = health or {}
    if (health.get("kind") or "none") == "none":
        return None, 0
    delay = max(float(health.get("delay_s") or 1), 0.1)
    deadline = clock() + int(health.get("retries") or 10) * delay
    pause, attempts = 0.1, 0
    while True:
        attempts += 1
        why = probe(runner, health)
        if why is None or clock() + pause > deadline:
            return why, attempts
        sleep(pause)
        pause = min(pause * 2, delay)


def start_and_check(runner, service, health):
    """Start the service and wait for it to be healthy: None, or why not."""
    why = service_action(runner, service, "start")
    if why:
        return Reason(NOT_STARTED, why=why)
    why, attempts = wait_healthy(runner, health)
    if why:
        return Reason(N_("not healthy after {attempts} checks: {why}"), attempts=attempts, why=why)
    return None


NOT_STARTED = N_("the service did not start: {why}")


def dangling(target):
    """Why a current link that leads to no complete release is not healthy."""
    return Reason(N_("current points at {target}, not at a complete release"), target=target)


# ---------------------------------------------------------------------------------------------- changes


def switch(runner, root, to, *, service=None, health=None, stop_first=True, kind="upgrade"):
    """Make releases/<to> current: journal, stop, switch in one rename, start, health; restore on failure.

    ``previous`` then names the release that was current. On any failure after the journal is written,
    the release that was current is put back (restore()), started and checked, in this same call.
    Returns a dict: switched (current reached <to>), healthy, phase (where it failed, or done), error,
    restore (what the restore did, after a failure), and from/previous_before as the journal has them.
    """
    if not is_release_name(to) or not os.path.isdir(os.path.join(root, "releases", to)):
        return {
            "switched": False,
            "healthy": False,
            "phase": "check",
            "changed": False,
            "error": Reason(N_("release {name} is not staged under {root}/releases"), name=to, root=root),
            "restore": None,
        }
    state = read_state(root)
    before = (state["current"] or {}).get("name")
    journal = {
        "kind": kind,
        "to": to,
        "from": before,
        "previous_before": (state["previous"] or {}).get("name"),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "pid": os.getpid(),
    }
    write_journal(root, journal)
    result = {
        "switched": False,
        "healthy": False,
        "phase": "stop",
        "changed": True,
        "error": "",
        "restore": None,
        "from": before,
        "previous_before": journal["previous_before"],
    }
    why = None
    if before and stop_first:
        why = service_action(runner, service, "stop")
        why = why and Reason(N_("the service did not stop: {why}"), why=why)
    if not why:
        result["phase"] = "switch"
        try:
            switch_links(root, to, before if before != to else journal["previous_before"])
            result["switched"] = True
        except OSError as err:
            why = Reason(
                N_("current could not be switched to releases/{name}: {error}"), name=to, error=str(err)
            )
    if not why:
        result["phase"] = "start"
        why = start_and_check(runner, service, health)
        if why and getattr(why, "message", None) != NOT_STARTED:
            result["phase"] = "health"
    if not why:
        result.update(phase="done", healthy=True)
        clear_journal(root)
        return result
    result["error"] = Reason(N_("releases/{name}: {why}"), name=to, why=why)
    result["restore"] = restore(runner, root, journal, service=service, health=health)
    return result


def restore(runner, root, journal, *, service=None, health=None):
    """Put back what the journal's switch replaced: current -> from, previous -> previous_before.

    The service is stopped first (the failed release may be half up; its answer does not matter), the
    links are set back (each one rename; a first install's current is removed), then the release is
    started and checked. The journal is removed once the links are back and the restored release is
    healthy, or when there is nothing to start (a first install); otherwise it stays, and the next run
    tries again. Returns restored, first_install, started, healthy, error.
    """
    before = journal.get("from")
    done = {"restored": False, "first_install": not before, "started": False, "healthy": False, "error": ""}
    service_action(runner, service, "stop")
    try:
        relink(root, "current", _release_path(before))
        relink(root, "previous", _release_path(journal.get("previous_before")))
    except OSError as err:
        done["error"] = Reason(N_("current could not be switched back: {error}"), error=str(err))
        return done
    done["restored"] = True
    if not before:
        clear_journal(root)
        return done
    why = start_and_check(runner, service, health)
    done["started"] = not (why or "").startswith("the service did not start")
    done["healthy"] = why is None
    done["error"] = why or ""
    if why is None:
        clear_journal(root)
    return done


def prune(root, keep, marker=MARKER, warn=None):
    """Remove complete releases beyond keep (never current or previous). Returns the names removed."""
    removed = []
    for name in read_state(root, keep, marker)["prune"]:
        try:
            shutil.rmtree(os.path.join(root, "releases", name))
            removed.append(name)
        except OSError as err:
            if warn:
                warn("could not remove the old release %s: %s" % (name, err))
    return removed


def clean_leftovers(root, state, check_mode=False):
    """Remove the unpack folders and partial downloads an interrupted run left. Returns their paths."""
    gone = [os.path.join(root, "releases", n) for n in state.get("partials") or []]
    gone += [os.path.join(root, INCOMING, n) for n in state.get("incoming_parts") or []]
    if not check_mode:
        for path in gone:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.lexists(path):
                os.unlink(path)
    return gone


def reconcile(runner, root, *, service=None, health=None, keep=3, check_mode=False, marker=MARKER):
    """Bring the root to a known, healthy state before a run plans anything (see the module docstring).

    Returns (state, done): the state read afterwards (with healthy and health_error for the live release)
    and a list of what was done (or, in check mode, would be done), each a dict with ``what`` (cleaned,
    completed_switch, restored, started, restore_failed, start_failed) and its details.
    """
    state = read_state(root, keep, marker)
    done = []
    if not state["root_exists"]:
        state.update(healthy=None, health_error="")
        return state, done
    cleaned = clean_leftovers(root, state, check_mode)
    if cleaned:
        done.append({"what": "cleaned", "paths": cleaned})
    journal = state["journal"]
    cur = (state["current"] or {}).get("name")
    if journal:
        to = journal.get("to")
        if check_mode:
            done.append(
                {"what": "would_finish_switch", "to": to, "from": journal.get("from"), "current": cur}
            )
        elif cur == to and to:
            why = start_and_check(runner, service, health)
            if why is None:
                clear_journal(root)
                done.append({"what": "completed_switch", "release": to})
            else:
                back = restore(runner, root, journal, service=service, health=health)
                done.append(
                    {
                        "what": "restored" if back["healthy"] or back["first_install"] else "restore_failed",
                        "release": journal.get("from"),
                        "failed_release": to,
                        "error": why,
                        "restore": back,
                    }
                )
        else:
            back = restore(runner, root, journal, service=service, health=health)
            done.append(
                {
                    "what": "restored" if back["healthy"] or back["first_install"] else "restore_failed",
                    "release": journal.get("from"),
                    "failed_release": to,
                    "error": Reason(N_("the switch was cut off")),
                    "restore": back,
                }
            )
    elif cur:
        if state["current_dangling"]:
            healthy, why = False, dangling(state["current_target"])
        else:
            healthy, why = check_live(runner, health, service)
        if healthy is False and check_mode:
            done.append({"what": "would_start", "release": cur, "error": why})
        elif healthy is False:
            failed = why
            if not state["current_dangling"]:
                # A release that does not answer may still run: stop it (whatever that says), start it again.
                service_action(runner, service, "stop")
                failed = start_and_check(runner, service, health)
            if failed is None:
                done.append({"what": "started", "release": cur, "error": why})
            else:
                prev = state["previous"] or {}
                if prev.get("complete") and prev.get("name") != cur:
                    back = restore(
                        runner,
                        root,
                        {"from": prev["name"], "previous_before": None, "to": cur},
                        service=service,
                        health=health,
                    )
                    done.append(
                        {
                            "what": "restored" if back["healthy"] else "restore_failed",
                            "release": prev["name"],
                            "failed_release": cur,
                            "error": failed,
                            "restore": back,
                        }
                    )
                else:
                    done.append({"what": "start_failed", "release": cur, "error": failed})
    after = read_state(root, keep, marker) if not check_mode else state
    healthy, why = None, ""
    if (after["current"] or {}).get("name") and not (check_mode and done):
        healthy, why = check_live(runner, health, service)
    after.update(healthy=healthy, health_error=why)
    return after, done
