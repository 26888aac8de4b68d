#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_unpack
short_description: Stage a release from its artifact in one pass, verified, beside the live one
version_added: 0.2.0
description:
  - Makes the release layout under O(root), removes unpacks an interrupted run left (O(stale_partials)),
    then reads the artifact once, computing its sha256 while it unpacks into O(partial), a folder whose
    name starts with a dot so it is never taken for a release.
  - Every member is checked before it is written (no absolute paths, no C(..), no device files, links only
    inside the release, nothing written through a link); the disk is checked as it fills.
  - When the sha256 is not O(sha256), or anything else fails, O(partial) is removed and the task fails,
    so nothing is switched. Otherwise the shared paths are linked in, the completion marker is written and
    O(partial) becomes C(<root>/releases/<name>) in one rename.
  - With O(src) (an action runs on the controller first) a tar.gz or tar artifact is streamed to the module
    on its standard input as it is sent, so the transfer, the sha256 and the unpack overlap in one pass and
    the artifact is never stored on the target; a zip (read from its end) is copied into the connection's
    temporary folder on the target first and removed again afterwards, whatever happens.
  - Linux and other POSIX targets; the Windows path of the release role uses ansible.windows modules.
options:
  root:
    description: The application root (C(releases/), C(shared/), C(current)).
    type: path
    required: true
  name:
    description: Name of the new release directory under C(releases/).
    type: str
    required: true
  partial:
    description: The folder the release is unpacked into before its rename (under C(<root>/releases/)).
    type: path
    required: true
  src:
    description: The artifact on the controller; it is transferred to the target first.
    type: path
  artifact:
    description: The artifact on the target (when O(src) is not given).
    type: path
  stream:
    description:
      - Set by the action for O(src). The artifact arrives on standard input (a tar.gz or tar) and is
        unpacked as it arrives; after a failure the rest of the stream is read and dropped, so the
        controller always gets the module's answer.
    type: bool
    default: false
  artifact_name:
    description: The artifact's file name, for messages (with O(stream)).
    type: str
    default: ""
  remove_artifact:
    description: Remove O(artifact) afterwards (a downloaded copy). A transferred O(src) is always removed.
    type: bool
    default: false
  sha256:
    description: Expected sha256 of the artifact; empty when the check was explicitly waived.
    type: str
    default: ""
  reserve_bytes:
    description: Free space that must remain on the disk while unpacking.
    type: int
    default: 0
  shared_paths:
    description: Directories, relative to the release, linked to C(<root>/shared/<path>).
    type: list
    elements: str
    default: []
  shared_files:
    description: Files, relative to the release, linked to C(<root>/shared/<path>).
    type: list
    elements: str
    default: []
  stale_partials:
    description: Names under C(<root>/releases/) of unpacks an interrupted run left, removed first.
    type: list
    elements: str
    default: []
  marker:
    description: What the completion marker C(.siak-release.json) records besides the sha256.
    type: dict
    default: {}
  lock:
    description:
      - Take the upgrade lock first, in the same run (as M(dukcapil.siak.release_lock) does), and change
        nothing when another run holds it (the result says C(acquired=false) and names the holder; the
        task does not fail, so the play can explain it).
      - Keys C(path), C(token), C(owner) and C(steal_token); the action adds C(owner)'s controller, process
        and time, and handles C(stale_after_min) and C(break_lock) on the controller like release_lock.
        With C(refuse_step) (the SOP step's number; action only) the action fails the task instead, with a
        message that names the host, the step and the holder.
    type: dict
  switch:
    description:
      - Make the staged release live in the same run, right after its rename, as M(dukcapil.siak.release_switch)
        does, for one round trip for the whole change. It stops the service (C(stop_first)), switch C(current) in
        one rename, start, health-check, remove releases beyond C(keep) (with C(prune)) and give the upgrade
        lock back (C(unlock_path), C(unlock_token)). Keys C(service) and C(health) as the role's options.
      - When any of that fails, the release that was current before (C(from_release); C(previous_link) is
        where C(previous) pointed) is put back at once, in the same run, started and health-checked; the
        task fails with RV(phase) and RV(restore) saying what happened. The lock then stays for the caller.
    type: dict
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 6 | Stage the SIAK application 2.0 beside the current release
  dukcapil.siak.release_unpack:
    root: /opt/siak/app
    name: "2.0"
    partial: /opt/siak/app/releases/.2.0.partial-abc
    src: /srv/releases/siak-app-2.0.tar.gz
    sha256: "{{ published_sha256 }}"
    shared_paths: [logs, uploads]
    shared_files: [config/database.properties]
    marker: {kind: app, version: "2.0"}
"""

RETURN = r"""
path:
  description: The staged release.
  type: str
  returned: success
sha256:
  description: sha256 of the artifact, computed while it was unpacked.
  type: str
  returned: always
files:
  description: Files written.
  type: int
  returned: success
unpacked_bytes:
  description: Bytes written.
  type: int
  returned: success
shared:
  description: What was seeded or linked in C(shared/).
  type: list
  elements: str
  returned: success
acquired:
  description: With O(lock), whether this run holds the upgrade lock.
  type: bool
  returned: when O(lock) is given
holder:
  description: With O(lock), the lock's holder before this run took it (or that keeps it).
  type: dict
  returned: when O(lock) is given
switched:
  description: With O(switch), whether C(current) was moved to the new release (before any restore).
  type: bool
  returned: when O(switch) is given
phase:
  description: With O(switch), where it failed (C(stop), C(switch), C(start), C(health)) or C(done).
  type: str
  returned: when O(switch) is given
restore:
  description:
    - With O(switch), after a failure, what the restore did; keys C(restored) (current points where it did
      before), C(started), C(healthy), C(first_install) and C(error).
  type: dict
  returned: when O(switch) is given and it failed
unpack_s:
  description: Seconds the hashing unpack took (wall clock); C(unpack_cpu_s) its CPU seconds.
  type: float
  returned: success
"""

import json
import os
import shutil
import sys
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release import MARKER, take_lock
from ansible_collections.dukcapil.siak.plugins.module_utils.release_switch import go_live, restore
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import (
    UnpackError,
    drain,
    link_shared,
    unpack_artifact,
    unpack_stream,
)


def _inside(root, path):
    root = os.path.realpath(root)
    real = os.path.realpath(os.path.dirname(path))
    return real == root or real.startswith(root + os.sep)


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "name": {"type": "str", "required": True},
            "partial": {"type": "path", "required": True},
            "src": {"type": "path"},
            "artifact": {"type": "path"},
            "stream": {"type": "bool", "default": False},
            "artifact_name": {"type": "str", "default": ""},
            "remove_artifact": {"type": "bool", "default": False},
            "sha256": {"type": "str", "default": ""},
            "reserve_bytes": {"type": "int", "default": 0},
            "shared_paths": {"type": "list", "elements": "str", "default": []},
            "shared_files": {"type": "list", "elements": "str", "default": []},
            "stale_partials": {"type": "list", "elements": "str", "default": []},
            "marker": {"type": "dict", "default": {}},
            "lock": {"type": "dict", "no_log": False},
            "switch": {"type": "dict"},
        },
        required_one_of=[("src", "artifact", "stream")],
        supports_check_mode=False,
    )
    p = module.params
    root = p["root"]
    releases = os.path.join(root, "releases")
    final = os.path.join(releases, p["name"])
    partial = p["partial"]
    artifact = p["artifact"]
    # The action's bootstrap reads the stream ahead while this module starts (sys.siak_read_ahead).
    stdin = (getattr(sys, "siak_read_ahead", None) or sys.stdin.buffer) if p["stream"] else None
    shown = p["artifact_name"] or os.path.basename(artifact or "") or "the artifact"

    def fail(msg, **extra):
        if stdin is not None:
            drain(stdin)
        module.fail_json(msg=msg, **extra)

    if "/" in p["name"] or p["name"].startswith("."):
        fail("release name %s is not a plain folder name" % p["name"])
    for path in [os.path.join(releases, n) for n in p["stale_partials"]] + [partial]:
        if os.path.dirname(path) != releases or not os.path.basename(path).startswith("."):
            fail("%s is not an unpack folder under %s" % (path, releases))
    if stdin is None and (not artifact or not os.path.isfile(artifact)):
        fail("artifact %s does not exist on the server or is not a file" % artifact)

    result = {"changed": True, "sha256": ""}
    if p["lock"]:
        lock = p["lock"]
        try:
            taken = take_lock(lock["path"], lock["token"], lock.get("owner") or {}, lock.get("steal_token"))
        except (OSError, KeyError) as err:
            fail("cannot take the upgrade lock %s: %s" % (lock.get("path"), err))
        result.update(acquired=taken["acquired"], holder=taken["holder"], stolen=taken["stolen"])
        if not taken["acquired"]:
            if stdin is not None:
                drain(stdin)
            result["changed"] = False
            module.exit_json(**result)
    try:
        for folder in (releases, os.path.join(root, "shared")):
            os.makedirs(folder, exist_ok=True)
        for name in p["stale_partials"]:
            shutil.rmtree(os.path.join(releases, name), ignore_errors=True)
        shutil.rmtree(partial, ignore_errors=True)
        os.mkdir(partial, 0o755)
        started, cpu = time.monotonic(), time.process_time()
        if stdin is not None:
            digest, files, size = unpack_stream(stdin, partial, p["sha256"], p["reserve_bytes"])
        else:
            digest, files, size = unpack_artifact(artifact, partial, p["sha256"], p["reserve_bytes"])
        result.update(sha256=digest, files=files, unpacked_bytes=size)
        result.update(
            unpack_s=round(time.monotonic() - started, 2), unpack_cpu_s=round(time.process_time() - cpu, 2)
        )
        specs = [("d", x) for x in p["shared_paths"]] + [("f", x) for x in p["shared_files"]]
        for _kind, rel in specs:
            if not _inside(partial, os.path.join(partial, rel)):
                raise UnpackError("shared path %s leads out of the release through a link" % rel)
        result["shared"] = link_shared(root, partial, specs)
        marker = dict(p["marker"], sha256=digest)
        with open(os.path.join(partial, MARKER), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(marker, sort_keys=True) + "\n")
        if os.path.lexists(final):
            if os.path.isdir(final) and not os.path.islink(final):
                shutil.rmtree(final)
            else:
                os.unlink(final)
        os.rename(partial, final)
        result["path"] = final
    except (UnpackError, OSError) as err:
        shutil.rmtree(partial, ignore_errors=True)
        fail(
            "cannot stage release %s from %s: %s; the unfinished unpack was removed, nothing was switched"
            % (p["name"], shown, err),
            **result,
        )
    finally:
        if p["remove_artifact"] and artifact and os.path.exists(artifact):
            os.unlink(artifact)
    if p["switch"]:
        go_live_and_answer(module, root, p["name"], p["switch"], result)
    module.exit_json(**result)


def go_live_and_answer(module, root, name, sw, result):
    """The switch in this same run (release_switch's steps); on failure, the previous release put back."""
    service, health = sw.get("service") or {"manager": "none"}, sw.get("health") or {"kind": "none"}
    why, went = go_live(
        module,
        root,
        name,
        stop_first=bool(sw.get("stop_first", True)),
        service=service,
        health=health,
        keep=int(sw.get("keep") or 3),
        do_prune=bool(sw.get("prune", True)),
        unlock_path=sw.get("unlock_path"),
        unlock_token=sw.get("unlock_token"),
    )
    result.update(went, changed=True)
    if why is None:
        return
    result["restore"] = restore(
        module,
        root,
        went["switched"],
        from_release=sw.get("from_release"),
        previous_link=sw.get("previous_link"),
        service=service,
        health=health,
    )
    module.fail_json(msg=why, **result)


if __name__ == "__main__":
    main()
