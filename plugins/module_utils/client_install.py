# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SIAK client install on a Linux workstation: check, download, verify, unpack, switch, prune.

Standard library only, so it runs two ways with the same code: inside the module
dukcapil.siak.client_release, and as a bare ``python3 -`` script that the module's action plugin sends
after client_release.py's source (a module start costs a workstation about three times a bare Python
start, and a rollout pays it on every PC). ``install`` returns the module's result, or raises
InstallError with the result so far; the old release stays active on every failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

try:
    from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr
except ImportError:  # a bare script: client_release.py's source runs first, in this same module
    cr = sys.modules[__name__]

CHUNK = 1 << 20


class InstallError(Exception):
    """A failure for people (what, where, what to do), with the result gathered so far."""

    def __init__(self, msg: str, result: dict | None = None) -> None:
        super().__init__(msg)
        self.result = result or {}


def read_marker(release_dir: str) -> tuple[str | None, str | None]:
    """(version, sha256) from a release folder's marker, or (None, None) when it has none."""
    try:
        with open(os.path.join(release_dir, cr.MARKER), encoding="utf-8") as fh:
            data = json.load(fh)
        return data.get("version"), cr.normalise_sha256(data.get("sha256", ""))
    except (OSError, ValueError, AttributeError):
        return None, None


def current_release(root: str) -> str | None:
    """Name of the release ``current`` points at (None without a link), failing on a real folder."""
    link = os.path.join(root, cr.CURRENT)
    if os.path.islink(link):
        return os.path.basename(os.readlink(link).rstrip("/"))
    if os.path.exists(link):
        raise InstallError(
            f"{link} is a folder or file, not a link; move it to {root}/{cr.RELEASES}/<its version> and rerun"
        )
    return None


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


def download(url: str, dest: str, timeout: int, validate_certs: bool) -> tuple[str, int]:
    """Stream ``url`` into ``dest`` while hashing it. Returns (sha256, bytes)."""
    import hashlib
    import http.client
    import urllib.error
    import urllib.request

    context = None
    if url.lower().startswith("https:"):
        import ssl

        context = ssl.create_default_context() if validate_certs else ssl._create_unverified_context()
    # The workstation names itself, so the distribution point's access log says who fetched what.
    request = urllib.request.Request(
        url, headers={"User-Agent": f"dukcapil.siak-client_rollout/1 ({socket.gethostname()})"}
    )
    digest = hashlib.sha256()
    size = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    try:
        # Standard library only (this runs as a bare script too): an opener, with the TLS context when https.
        handlers = [urllib.request.HTTPSHandler(context=context)] if context is not None else []
        response = urllib.request.build_opener(*handlers).open(request, timeout=timeout)
        with response, open(dest, "wb") as out:
            while True:
                n = response.readinto(view)
                if not n:
                    break
                digest.update(view[:n])
                out.write(view[:n])
                size += n
    except urllib.error.HTTPError as err:
        raise InstallError(f"the distribution point answered {err.code} {err.reason} for {url}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err
        raise InstallError(f"the distribution point did not answer at {url}: {reason}") from None
    return digest.hexdigest(), size


def file_sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def unpack(archive: str, dest: str) -> None:
    with open(archive, "rb") as fh:
        kind = cr.archive_kind(fh.read(4))
    if kind == "zip":
        import zipfile

        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        except (zipfile.BadZipFile, OSError) as err:
            raise InstallError(f"the package {archive} could not be unpacked: {err}") from None
        return
    tar = shutil.which("tar") or shutil.which("tar", path="/usr/bin:/bin")
    if not tar:
        raise InstallError("tar is missing on this workstation: install it (package tar) and rerun")
    done = subprocess.run(
        [tar, "-xf", archive, "-C", dest, "--no-same-owner"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise InstallError(f"the package {archive} could not be unpacked: {done.stderr.strip()}")


def install(p: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """The module's whole job with its options ``p`` (see client_release's DOCUMENTATION)."""
    started = time.monotonic()
    root, version = p["root"], p["version"]
    problem = cr.check_version(version)
    if problem:
        raise InstallError(problem)
    sha256 = cr.normalise_sha256(p["sha256"])
    if sha256 is None:
        raise InstallError(f"sha256 {p['sha256']!r} is not 64 hexadecimal digits")

    releases = os.path.join(root, cr.RELEASES)
    target = os.path.join(releases, version)
    previous = current_release(root)
    previous_version, previous_sha = (
        read_marker(os.path.join(releases, previous)) if previous else (None, None)
    )
    target_sha = read_marker(target)[1] if os.path.isdir(target) else None
    action = cr.decide(version, sha256, previous_version, previous_sha, target_sha)
    pids = running_clients(p["process_name"])
    result = dict(
        changed=False,
        previous_version=previous_version,
        version=previous_version,
        in_use=pids,
        bytes_transferred=0,
        release_path=target,
        pruned=[],
        action=action,
    )

    def finish(status: str, **extra) -> dict:
        result.update(extra, status=status, duration_s=round(time.monotonic() - started, 3))
        return result

    def switch_diff() -> dict:
        return dict(before=f"current -> {previous or '(none)'}\n", after=f"current -> {version}\n")

    if action == cr.ALREADY_CURRENT:
        return finish(cr.ALREADY_CURRENT)
    if action == cr.CONFLICT:
        raise InstallError(
            f"{target} holds version {version} with another checksum ({target_sha}, wanted {sha256}): "
            "the package was rebuilt under the same version. Give it a new version number, or delete "
            f"{target} if it is not the active release",
            result,
        )
    if p["state"] == "probe":
        return finish("pending")
    if check_mode:
        if diff:
            result["diff"] = switch_diff()
        return finish(
            "in_use" if pids and p["in_use"] == "skip" else "updated", changed=True, version=version
        )

    os.makedirs(releases, mode=0o755, exist_ok=True)
    incoming = os.path.join(root, cr.INCOMING)
    stamp = f"{os.getpid()}"
    partial = os.path.join(releases, f".{version}.partial-{stamp}")
    part = None
    try:
        if action == cr.INSTALL:
            if p.get("url"):
                os.makedirs(incoming, mode=0o700, exist_ok=True)
                part = os.path.join(incoming, f"{version}.{stamp}.part")
                try:
                    got, size = download(p["url"], part, p["timeout"], p["validate_certs"])
                except InstallError as err:
                    raise InstallError(str(err), result) from None
                result["bytes_transferred"] = size
                source = p["url"]
            else:
                if not os.path.isfile(p["src"]):
                    raise InstallError(
                        f"the pushed package {p['src']} is missing on this workstation", result
                    )
                part, source = p["src"], p["src"]
                got = file_sha256(part)
            if got != sha256:
                raise InstallError(
                    f"checksum mismatch for {source}: expected {sha256}, got {got}. The package was "
                    "not unpacked and the old version stays active; check the file on the distribution "
                    "point and client_rollout_package_sha256",
                    result,
                )
            os.makedirs(partial, mode=0o755)
            try:
                unpack(part, partial)
            except InstallError as err:
                raise InstallError(str(err), result) from None
            if p["entrypoint"] and not os.path.exists(os.path.join(partial, p["entrypoint"])):
                raise InstallError(
                    f"the package has no {p['entrypoint']}: it is not a SIAK client package", result
                )
            marker = dict(
                version=version,
                sha256=sha256,
                source=source,
                installed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            with open(os.path.join(partial, cr.MARKER), "w", encoding="utf-8") as fh:
                json.dump(marker, fh, indent=2)
                fh.write("\n")
            if os.path.lexists(target):
                # A folder without a readable marker: an earlier run died mid-way. Set it aside.
                os.rename(target, os.path.join(releases, f".{version}.broken-{stamp}"))
            os.rename(partial, target)
            result["changed"] = True

        if pids and p["in_use"] == "wait":
            deadline = time.monotonic() + max(0, p["wait_timeout"])
            while pids and time.monotonic() < deadline:
                time.sleep(max(1, p["wait_interval"]))
                pids = running_clients(p["process_name"])
            result["in_use"] = pids
        if pids:
            return finish("in_use")

        link = os.path.join(root, cr.CURRENT)
        tmp_link = os.path.join(root, f".{cr.CURRENT}.{stamp}.tmp")
        os.symlink(os.path.join(cr.RELEASES, version), tmp_link)
        os.replace(tmp_link, link)
        result.update(changed=True, version=version)
        if diff:
            result["diff"] = switch_diff()

        entries = [(n, os.lstat(os.path.join(releases, n)).st_mtime) for n in os.listdir(releases)]
        doomed = cr.releases_to_prune(entries, p["keep_releases"], version, previous)
        for name in doomed:
            shutil.rmtree(os.path.join(releases, name), ignore_errors=True)
        result["pruned"] = doomed
        return finish("updated")
    except OSError as err:
        raise InstallError(
            f"the release {version} could not be installed under {root}: {err}. The old release stays active",
            result,
        ) from None
    finally:
        if os.path.isdir(partial):
            shutil.rmtree(partial, ignore_errors=True)
        if part and os.path.exists(part) and (p.get("url") or p.get("remove_src", True)):
            os.unlink(part)
