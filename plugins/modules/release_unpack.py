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
  - With O(src) (an action runs on the controller first) a tar.gz or tar artifact is streamed to the target
    on the standard input of one command as it is sent, so the transfer, the sha256 and the unpack overlap in
    one pass and the artifact is never stored on the target. That command runs this module's code
    (module_utils/release_stage.py) as a plain Python script when the target's Python is known, with no
    module payload to build or start. A zip (read from its end), or a target whose Python is not known yet,
    gets the artifact copied into the connection's temporary folder first (removed again afterwards,
    whatever happens) and this module run on it.
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
      - Set by the action for its streamed run of O(src) (the artifact arrives on standard input and is
        unpacked as it arrives; after a failure the rest is read and dropped, so the controller always gets
        the answer). The module itself refuses it.
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
live_s:
  description: With O(switch), seconds from the stop to the healthy start (and the cleanup).
  type: float
  returned: when O(switch) is given
unpack_s:
  description: Seconds the hashing unpack took (wall clock); C(unpack_cpu_s) its CPU seconds.
  type: float
  returned: success
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils.release_stage import ARGUMENT_SPEC, stage


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_one_of=[("src", "artifact", "stream")],
        supports_check_mode=False,
    )
    if module.params["stream"]:
        # A module arrives on standard input itself (pipelining): the action streams through its plain run.
        module.fail_json(
            msg="stream is set by the action release_unpack for its own run, not for this module"
        )
    result, error = stage(module.params, module)
    if error is not None:
        module.fail_json(msg=error, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
