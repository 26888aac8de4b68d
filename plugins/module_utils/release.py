# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release layout shared by the release modules: pure functions first, file reads at the end.

<root>/releases/<name>/            one unpacked release; <name>/.siak-release.json says it is complete
<root>/releases/.<name>.partial-*  an unpack in progress (or interrupted): never a release
<root>/shared/                     what survives versions (configuration, logs, uploads)
<root>/current -> releases/<name>  switched by one rename
<root>/previous -> releases/<name> the release that was current before the last switch
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath

MARKER = ".siak-release.json"
PARTIAL_TAG = ".partial-"


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


def read_marker(release_dir):
    try:
        with open(os.path.join(release_dir, MARKER), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe_release(releases_dir, name):
    marker = read_marker(os.path.join(releases_dir, name)) or {}
    return {
        "name": name,
        "path": os.path.join(releases_dir, name),
        "complete": bool(marker),
        "version": marker.get("version"),
        "sha256": marker.get("sha256"),
        "installed_at": marker.get("installed_at"),
    }


def free_space(path):
    """(free bytes for an unprivileged writer, the existing path measured) at path or its nearest parent."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    st = os.statvfs(probe)
    return st.f_bavail * st.f_frsize, probe


def read_state(root, keep=3, lock_name=".siak-upgrade.lock"):
    """Everything the release role needs to know about a root, read without changing anything."""
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
        "lock": None,
        "prune": [],
    }
    state["free_bytes"], state["free_path"] = free_space(root)
    if not state["root_exists"]:
        return state
    names = sorted(os.listdir(releases_dir)) if os.path.isdir(releases_dir) else []
    for name in names:
        if not os.path.isdir(os.path.join(releases_dir, name)):
            continue
        if name.startswith("."):
            state["partials"].append(name)
        else:
            state["releases"].append(describe_release(releases_dir, name))
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
    lock_path = os.path.join(root, lock_name)
    if os.path.exists(lock_path):
        state["lock"] = read_lock(lock_path) or {"token": None, "unreadable": True}
    state["prune"] = prune_candidates(
        state["releases"],
        (state["current"] or {}).get("name"),
        (state["previous"] or {}).get("name"),
        keep,
    )
    return state


def unlock(path, token):
    """Remove the upgrade lock at path if, and only if, the run with this token holds it (under its guard)."""
    import fcntl  # POSIX only, like the modules that call this

    if not token or not os.path.exists(path):
        return False
    guard = os.open(path + ".guard", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        holder = read_lock(path) or {}
        if holder.get("token") != token:
            return False
        os.unlink(path)
        return True
    finally:
        os.close(guard)


def take_lock(path, token, owner, steal_token=None, check_mode=False):
    """Take the upgrade lock at path for the run with this token, under its guard (flock).

    A free lock is taken, one this run holds is kept, and one held by another run is taken over only
    when its holder's token is steal_token (the caller decided that run is gone). Returns a dict:
    acquired, holder (the lock's holder before the call, or None), stolen, changed. The lock's folder
    is created when it does not exist yet (a first install), except in check mode.
    """
    import fcntl  # POSIX only, like the modules that call this
    import tempfile
    import time

    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        if check_mode:
            return {"changed": True, "acquired": True, "holder": None, "stolen": False}
        os.makedirs(folder, 0o755)
    result = {"changed": False, "acquired": False, "holder": None, "stolen": False}
    guard = os.open(path + ".guard", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        holder = read_lock(path) if os.path.exists(path) else None
        if os.path.exists(path) and holder is None:
            holder = {"token": None, "unreadable": True}
        result["holder"] = holder
        if holder is not None and holder.get("token") == token:
            result["acquired"] = True
        elif holder is None or (steal_token is not None and holder.get("token") == steal_token):
            if not check_mode:
                data = dict(owner, token=token, since=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
                fd, tmp = tempfile.mkstemp(prefix=".lock-", dir=folder)
                with os.fdopen(fd, "w") as fh:
                    json.dump(data, fh, sort_keys=True)
                    fh.write("\n")
                os.chmod(tmp, 0o600)
                os.rename(tmp, path)
            result.update(changed=True, acquired=True, stolen=holder is not None)
    finally:
        os.close(guard)
    return result


def read_lock(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def file_sha256(path):
    """The sha256 of a file, read in 1 MiB blocks (the artifact's checksum, on the controller or the target)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plain_main(params, _stdin):
    """The folder's state when the action release_open runs this file as a plain script (plain_python.py)."""
    return read_state(params["root"], int(params["keep"]))
