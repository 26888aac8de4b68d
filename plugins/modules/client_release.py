#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_release
short_description: Install a SIAK client release on a Linux workstation, beside the old one, and switch to it
version_added: 0.1.0
author: dukcapil.siak developers (@dukcapil)
description:
  - Keeps each client version in its own folder C(<root>/releases/<version>) with a marker file (version,
    SHA-256 of the package), and a link C(<root>/current) that points at the active one.
  - A workstation whose C(current) already points at the target version with the same checksum is left alone
    and nothing is downloaded.
  - Otherwise the package is pulled from the distribution point over HTTP(S) (or taken from a file already
    pushed to the workstation), its SHA-256 is checked, it is unpacked beside the old release and the link
    is switched in one rename. The previous release is kept for rollback.
  - A package whose checksum does not match is deleted and the workstation stays on its old version.
  - When the SIAK client is running (an operator is serving a citizen) the module never stops it; it waits
    for it to close, or reports the workstation as in use, leaving the new release unpacked but not active.
  - One task does all of this, so a rollout to tens of workstations costs one round trip per workstation.
  - With O(state=probe) on a POSIX shell the action plugin reads the same facts with one shell command, so
    no Python starts on the workstation (a rerun where every PC is current costs one short SSH exchange each).
options:
  root:
    description: Folder that holds C(releases/) and the C(current) link.
    type: path
    default: /opt/siak-client
  version:
    description: Version of the package; names the release folder.
    type: str
    required: true
  sha256:
    description: Expected SHA-256 of the package (64 hex digits, an optional C(sha256:) prefix).
    type: str
    required: true
  state:
    description:
      - C(present) installs and switches to the release.
      - C(probe) only reads the current version and whether the client is running, and changes nothing.
    type: str
    choices: [present, probe]
    default: present
  url:
    description: HTTP(S) address of the package on the distribution point (pull). Mutually exclusive with O(src).
    type: str
  src:
    description: Path of the package already copied onto the workstation (push). Mutually exclusive with O(url).
    type: path
  remote_src:
    description:
      - C(true) when O(src) is already on the workstation. C(false) when O(src) is a file on the controller,
        which the action plugin copies to the workstation (push) only when the workstation needs it.
    type: bool
    default: true
  remove_src:
    description: Delete O(src) once it is unpacked.
    type: bool
    default: true
  entrypoint:
    description: Path inside the package that must exist (the client's launcher), checked before the switch.
    type: str
    default: ""
  process_name:
    description: Name of the SIAK client process; while one runs the release is not switched.
    type: str
    default: siak-client
  in_use:
    description: What to do while the client runs, C(wait) for it to close (up to O(wait_timeout)) or C(skip).
    type: str
    choices: [skip, wait]
    default: skip
  wait_timeout:
    description: Seconds to wait for the client to close when O(in_use=wait).
    type: int
    default: 300
  wait_interval:
    description: Seconds between two looks at the running client when O(in_use=wait).
    type: int
    default: 5
  keep_releases:
    description: Releases to keep, the current and the previous one first (at least 2).
    type: int
    default: 2
  timeout:
    description: Seconds the download may stall before it is abandoned.
    type: int
    default: 60
  validate_certs:
    description: Check the distribution point's TLS certificate.
    type: bool
    default: true
notes:
  - Check mode reports what would happen and changes nothing; diff mode shows the C(current) link before and after.
  - A running client is found by process name among the processes that share the module's mount namespace
    (a desktop session and the SSH session on a PC do; a container's processes do not).
"""

EXAMPLES = r"""
- name: Pull SIAK client 2.1.0 from the distribution point and switch to it
  dukcapil.siak.client_release:
    version: 2.1.0
    sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    url: http://siak-server.example/siak-client/siak-client-2.1.0.tar.gz
    in_use: wait
    wait_timeout: 600

- name: Only read what is installed
  dukcapil.siak.client_release:
    version: 2.1.0
    sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    state: probe
"""

RETURN = r"""
status:
  description: C(updated), C(already_current) or C(in_use) (C(probe) gives C(already_current) or C(pending)).
  returned: always
  type: str
  sample: updated
previous_version:
  description: Version C(current) pointed at before, or null on a workstation without one.
  returned: always
  type: str
  sample: 2.0.0
version:
  description: Version C(current) points at afterwards.
  returned: always
  type: str
  sample: 2.1.0
in_use:
  description: Process ids of the running SIAK client, empty when none runs.
  returned: always
  type: list
  elements: int
bytes_transferred:
  description: Bytes downloaded from the distribution point by this task.
  returned: always
  type: int
duration_s:
  description: Seconds the task took on the workstation.
  returned: always
  type: float
release_path:
  description: Folder of the target release.
  returned: always
  type: str
pruned:
  description: Release folders deleted to keep O(keep_releases).
  returned: always
  type: list
  elements: str
"""

import json
import os
import shutil
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr

CHUNK = 1 << 20


def read_marker(release_dir):
    """(version, sha256) from a release folder's marker, or (None, None) when it has none."""
    try:
        with open(os.path.join(release_dir, cr.MARKER), encoding="utf-8") as fh:
            data = json.load(fh)
        return data.get("version"), cr.normalise_sha256(data.get("sha256", ""))
    except (OSError, ValueError, AttributeError):
        return None, None


def current_release(root):
    """Name of the release ``current`` points at (None without a link), failing on a real folder."""
    link = os.path.join(root, cr.CURRENT)
    if os.path.islink(link):
        return os.path.basename(os.readlink(link).rstrip("/"))
    if os.path.exists(link):
        raise ValueError(
            f"{link} is a folder or file, not a link; move it to {root}/{cr.RELEASES}/<its version> and rerun"
        )
    return None


def running_clients(name):
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


def download(module, url, dest, timeout, validate_certs):
    """Stream ``url`` into ``dest`` while hashing it. Returns (sha256, bytes)."""
    import hashlib
    import http.client
    import urllib.error

    # Imported here: a workstation that is already current never pays for the HTTP and TLS imports.
    from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
    from ansible.module_utils.urls import open_url

    digest = hashlib.sha256()
    size = 0
    try:
        response = open_url(
            url,
            timeout=timeout,
            validate_certs=validate_certs,
            # The workstation names itself, so the distribution point's access log says who fetched what.
            http_agent=f"dukcapil.siak-client_rollout/1 ({socket.gethostname()})",
        )
        with open(dest, "wb") as out:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as err:
        module.fail_json(msg=f"the distribution point answered {err.code} {err.reason} for {url}", url=url)
    except (urllib.error.URLError, UrlsConnectionError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", None) or err
        module.fail_json(msg=f"the distribution point did not answer at {url}: {reason}", url=url)
    return digest.hexdigest(), size


def file_sha256(path):
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def unpack(module, archive, dest):
    import zipfile

    with open(archive, "rb") as fh:
        kind = cr.archive_kind(fh.read(4))
    if kind == "zip":
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        except (zipfile.BadZipFile, OSError) as err:
            module.fail_json(msg=f"the package {archive} could not be unpacked: {err}")
        return
    tar = module.get_bin_path("tar", required=True)
    rc, _out, err = module.run_command([tar, "-xf", archive, "-C", dest, "--no-same-owner"])
    if rc != 0:
        module.fail_json(msg=f"the package {archive} could not be unpacked: {err.strip()}")


def main():
    module = AnsibleModule(
        argument_spec=cr.ARGUMENT_SPEC,
        mutually_exclusive=[("url", "src")],
        required_if=[("state", "present", ("url", "src"), True)],
        supports_check_mode=True,
    )
    started = time.monotonic()
    p = module.params
    root, version = p["root"], p["version"]
    problem = cr.check_version(version)
    if problem:
        module.fail_json(msg=problem)
    sha256 = cr.normalise_sha256(p["sha256"])
    if sha256 is None:
        module.fail_json(msg=f"sha256 {p['sha256']!r} is not 64 hexadecimal digits")

    releases = os.path.join(root, cr.RELEASES)
    target = os.path.join(releases, version)
    try:
        previous = current_release(root)
    except ValueError as err:
        module.fail_json(msg=str(err))
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

    def finish(status, **extra):
        result.update(extra, status=status, duration_s=round(time.monotonic() - started, 3))
        module.exit_json(**result)

    if action == cr.ALREADY_CURRENT:
        finish(cr.ALREADY_CURRENT)
    if action == cr.CONFLICT:
        module.fail_json(
            msg=(
                f"{target} holds version {version} with another checksum ({target_sha}, wanted {sha256}): "
                "the package was rebuilt under the same version. Give it a new version number, or delete "
                f"{target} if it is not the active release"
            ),
            **result,
        )
    if p["state"] == "probe":
        finish("pending")
    if module.check_mode:
        if module._diff:
            result["diff"] = dict(
                before=f"current -> {previous or '(none)'}\n", after=f"current -> {version}\n"
            )
        finish("in_use" if pids and p["in_use"] == "skip" else "updated", changed=True, version=version)

    os.makedirs(releases, mode=0o755, exist_ok=True)
    incoming = os.path.join(root, cr.INCOMING)
    stamp = f"{os.getpid()}"
    partial = os.path.join(releases, f".{version}.partial-{stamp}")
    part = None
    try:
        if action == cr.INSTALL:
            if p["url"]:
                os.makedirs(incoming, mode=0o700, exist_ok=True)
                part = os.path.join(incoming, f"{version}.{stamp}.part")
                got, size = download(module, p["url"], part, p["timeout"], p["validate_certs"])
                result["bytes_transferred"] = size
                source = p["url"]
            else:
                if not os.path.isfile(p["src"]):
                    module.fail_json(msg=f"the pushed package {p['src']} is missing on this workstation")
                part, source = p["src"], p["src"]
                got = file_sha256(part)
            if got != sha256:
                module.fail_json(
                    msg=(
                        f"checksum mismatch for {source}: expected {sha256}, got {got}. The package was "
                        "not unpacked and the old version stays active; check the file on the distribution "
                        "point and client_rollout_package_sha256"
                    ),
                    **result,
                )
            os.makedirs(partial, mode=0o755)
            unpack(module, part, partial)
            if p["entrypoint"] and not os.path.exists(os.path.join(partial, p["entrypoint"])):
                module.fail_json(
                    msg=f"the package has no {p['entrypoint']}: it is not a SIAK client package", **result
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
            finish("in_use")

        link = os.path.join(root, cr.CURRENT)
        tmp_link = os.path.join(root, f".{cr.CURRENT}.{stamp}.tmp")
        os.symlink(os.path.join(cr.RELEASES, version), tmp_link)
        os.replace(tmp_link, link)
        result.update(changed=True, version=version)
        if module._diff:
            result["diff"] = dict(
                before=f"current -> {previous or '(none)'}\n", after=f"current -> {version}\n"
            )

        entries = [(n, os.lstat(os.path.join(releases, n)).st_mtime) for n in os.listdir(releases)]
        doomed = cr.releases_to_prune(entries, p["keep_releases"], version, previous)
        for name in doomed:
            shutil.rmtree(os.path.join(releases, name), ignore_errors=True)
        result["pruned"] = doomed
        finish("updated")
    finally:
        if os.path.isdir(partial):
            shutil.rmtree(partial, ignore_errors=True)
        if part and os.path.exists(part) and (p["url"] or p["remove_src"]):
            os.unlink(part)


if __name__ == "__main__":
    main()
