# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SIAK client install on a Linux workstation: check, fetch and unpack in one verified pass, switch, prune.

The layout, the safe unpack, the switch and the prune are the release library's (release.py and
release_unpack.py), the same as the server's; the lock is the collection's one lock (run_lock.py), taken
for the time of the install. This file holds only what is particular to a workstation: a client that is
open (wait for it or skip the PC) and the decision from the package's version and checksum
(client_release.decide). ``install`` returns the module's result, or raises InstallError with the result
so far; the old release stays active on every failure. An InstallError's reason reaches the office (the PC's row
in the Laporan): a ``Reason`` (release.py) that the module returns with its catalogue message and values, said on
the controller in the run's language (action/client_release.py).
"""

from __future__ import annotations

import os
import socket
import time

from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr
from ansible_collections.dukcapil.siak.plugins.module_utils import release as rl
from ansible_collections.dukcapil.siak.plugins.module_utils import run_lock
from ansible_collections.dukcapil.siak.plugins.module_utils.release import N_, Reason
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import (
    THE_DISTRIBUTION_POINT,
    ChecksumMismatch,
    Fetch,
    FetchError,
    UnpackError,
    stage,
)

LOCK_NAME = rl.LOCK_NAME

# Why the install failed on the workstation (the old release stays active).
PUSHED_MISSING = N_("the pushed package {path} is missing on this workstation")
CHECKSUM_MISMATCH = N_(
    "checksum mismatch for {source}: expected {expected}, got {got}. What was unpacked of it was removed and the "
    "old version stays active; check the file on the distribution point and client_rollout_package_sha256"
)
FETCH_FAILED = N_("{why}. The old version stays active")
NOT_UNPACKED = N_("the package {source} could not be unpacked: {why}")
NOT_INSTALLED = N_(
    "the release {version} could not be installed under {root}: {error}. The old release stays active"
)


class InstallError(Exception):
    """A failure for people (what, where, what to do), with the result gathered so far. ``reason``: the
    failure as a Reason (its English text is ``str()``)."""

    def __init__(self, reason: Reason, result: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.result = result or {}


def failed_result(err: InstallError) -> dict:
    """What the module returns for ``err``: the result so far, and the reason as ``msg`` with its catalogue
    message and values beside it (release.reasons), for the action to say in the run's language."""
    return rl.reasons(dict(err.result, msg=err.reason))


def read_marker(release_dir: str) -> tuple[str | None, str | None]:
    """(version, sha256) from a release folder's marker, or (None, None) when it has none."""
    data = rl.read_marker(release_dir, cr.MARKER) or {}
    return data.get("version"), cr.normalise_sha256(data.get("sha256", "")) if data else None


def current_release(root: str) -> str | None:
    """Name of the release ``current`` points at (None without a link), failing on a real folder."""
    link = os.path.join(root, cr.CURRENT)
    if os.path.islink(link):
        return rl.link_name(os.readlink(link))
    if os.path.exists(link):
        raise InstallError(cr.not_a_link(root))
    return None


def read_decision(root: str, version: str, sha256: str) -> tuple[str | None, str | None, str]:
    """What the workstation holds now and what to do about ``version``: (the release ``current`` names, its
    version, client_release.decide's action)."""
    releases = os.path.join(root, cr.RELEASES)
    target = os.path.join(releases, version)
    previous = current_release(root)
    previous_version, previous_sha = (
        read_marker(os.path.join(releases, previous)) if previous else (None, None)
    )
    target_sha = read_marker(target)[1] if os.path.isdir(target) else None
    return previous, previous_version, cr.decide(version, sha256, previous_version, previous_sha, target_sha)


def running_clients(name: str) -> list[int]:
    """Pids of the SIAK client processes in this mount namespace."""
    try:
        own_ns = os.readlink("/proc/self/ns/mnt")
    except OSError:
        own_ns = None
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as fh:
                comm = fh.read().strip()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv0 = fh.read().split(b"\0", 1)[0].decode("utf-8", "replace")
        except OSError:
            continue
        if not cr.process_matches(comm, argv0, name):
            continue
        try:
            ns = os.readlink(f"/proc/{entry}/ns/mnt")
        except OSError:
            ns = None
        if ns is None or own_ns is None or ns == own_ns:
            found.append(int(entry))
    return sorted(found)


def package_fetch(url: str, spool: str, timeout: int, validate_certs: bool) -> Fetch:
    """The package at ``url``, unpacked as it arrives (a zip goes to ``spool`` first)."""
    return Fetch(
        url,
        spool,
        timeout,
        validate_certs,
        # The workstation names itself, so the distribution point's access log says who fetched what.
        user_agent=f"dukcapil.siak-client_rollout/1 ({socket.gethostname()})",
        who=THE_DISTRIBUTION_POINT,
    )


def take_lock(p: dict, result: dict) -> bool:
    """Take the workstation's lock for this run (``p['lock']``: path, holder, token, steal_token from the
    action). Returns True when taken; otherwise the holder is in ``result['lock_holder']``."""
    lock = p.get("lock") or {}
    if not lock:
        return False
    holder = dict(lock.get("holder") or {}, token=lock["token"], run_id=lock.get("run_id") or "")
    holder["about"] = {"kind": "client", "version": p["version"]}
    taken = run_lock.take(lock["path"], holder, lock.get("steal_token"))
    result["lock_taken_over"] = taken["taken_over"]
    if not taken["acquired"]:
        result["lock_holder"] = taken["holder"]
        return False
    if taken["taken_over"]:
        result["lock_holder"] = taken["holder"]
    return True


def install(p: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """The module's whole job with its options ``p`` (see client_release's DOCUMENTATION)."""
    started = time.monotonic()
    root, version = p["root"], p["version"]
    problem = cr.check_version(version)
    if problem:
        raise InstallError(problem)
    sha256 = cr.normalise_sha256(p["sha256"])
    if sha256 is None:
        raise InstallError(cr.sha256_refusal(p["sha256"]))

    releases = os.path.join(root, cr.RELEASES)
    target = os.path.join(releases, version)
    previous, previous_version, action = read_decision(root, version, sha256)
    pids = running_clients(p["process_name"])
    result = dict(
        changed=False,
        previous_version=previous_version,
        version=previous_version,
        in_use=pids,
        bytes_transferred=0,
        release_path=target,
        pruned=[],
        cleaned=[],
        action=action,
    )

    def finish(status: str, **extra) -> dict:
        result.update(extra, status=status, duration_s=round(time.monotonic() - started, 3))
        return result

    def switch_diff() -> dict:
        return dict(before=f"current -> {previous or '(none)'}\n", after=f"current -> {version}\n")

    def settled(action: str) -> dict | None:
        """The result when the decision leaves nothing to install, None when there is work to do."""
        if action == cr.ALREADY_CURRENT:
            return finish(cr.ALREADY_CURRENT)
        if action == cr.CONFLICT:
            raise InstallError(cr.rebuilt(target, version, read_marker(target)[1], sha256), result)
        return None

    done = settled(action)
    if done is not None:
        return done
    if p["state"] == "probe":
        return finish("pending")
    if check_mode:
        if diff:
            result["diff"] = switch_diff()
        return finish(
            "in_use" if pids and p["in_use"] == "skip" else "updated", changed=True, version=version
        )

    os.makedirs(releases, mode=0o755, exist_ok=True)
    locked = take_lock(p, result)
    if p.get("lock") and not locked:
        return finish("locked")
    if locked:
        # Decided again under the lock from what the workstation holds now: a run that took over a cut run's
        # lock, or that followed another run, installs only what is still missing and never switches twice.
        previous, previous_version, action = read_decision(root, version, sha256)
        result.update(previous_version=previous_version, version=previous_version, action=action)
        try:
            done = settled(action)
        except InstallError:
            run_lock.release(p["lock"]["path"], p["lock"]["token"])
            raise
        if done is not None:
            run_lock.release(p["lock"]["path"], p["lock"]["token"])
            return done
    incoming = os.path.join(root, rl.INCOMING)
    stamp = f"{os.getpid()}"
    partial = os.path.join(releases, f".{version}.partial-{stamp}")
    part = None
    try:
        # What a cut run left (an unpack folder, a .part download) goes first, and the result says so.
        left = rl.read_state(root, p["keep_releases"], cr.MARKER)
        pushed = (
            os.path.basename(p["src"]) if p.get("src") and os.path.dirname(p["src"]) == incoming else None
        )
        left["incoming_parts"] = [n for n in left["incoming_parts"] if n != pushed]
        result["cleaned"] = rl.clean_leftovers(root, left)
        if action == cr.INSTALL:
            if p.get("url"):
                os.makedirs(incoming, mode=0o700, exist_ok=True)
                part = os.path.join(incoming, f"{version}.{stamp}{rl.PART_SUFFIX}")
                artifact, source = package_fetch(p["url"], part, p["timeout"], p["validate_certs"]), p["url"]
            else:
                if not os.path.isfile(p["src"]):
                    raise InstallError(Reason(PUSHED_MISSING, path=p["src"]), result)
                part = artifact = source = p["src"]
            marker = dict(version=version, source=source, installed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            try:
                stage(
                    root,
                    version,
                    partial,
                    artifact,
                    sha256=sha256,
                    marker=marker,
                    marker_name=cr.MARKER,
                    require=[p["entrypoint"]] if p["entrypoint"] else [],
                )
            except ChecksumMismatch as err:
                raise InstallError(
                    Reason(CHECKSUM_MISMATCH, source=source, expected=sha256, got=err.got), result
                ) from None
            except FetchError as err:
                raise InstallError(Reason(FETCH_FAILED, why=err.reason), result) from None
            except UnpackError as err:
                raise InstallError(Reason(NOT_UNPACKED, source=source, why=err.reason), result) from None
            finally:
                if isinstance(artifact, Fetch):
                    result["bytes_transferred"] = artifact.bytes
            result["changed"] = True

        if pids and p["in_use"] == "wait":
            deadline = time.monotonic() + max(0, p["wait_timeout"])
            while pids and time.monotonic() < deadline:
                time.sleep(max(1, p["wait_interval"]))
                pids = running_clients(p["process_name"])
            result["in_use"] = pids
        if pids:
            return finish("in_use")

        rl.switch_links(root, version, previous if previous != version else None)
        result.update(changed=True, version=version)
        if diff:
            result["diff"] = switch_diff()
        result["pruned"] = rl.prune(root, max(2, p["keep_releases"]), cr.MARKER)
        return finish("updated")
    except OSError as err:
        raise InstallError(
            Reason(NOT_INSTALLED, version=version, root=root, error=str(err)), result
        ) from None
    finally:
        if part and os.path.exists(part) and (p.get("url") or p.get("remove_src", True)):
            os.unlink(part)
        if locked:
            run_lock.release(p["lock"]["path"], p["lock"]["token"])
