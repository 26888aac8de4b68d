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
    pushed to the workstation) and unpacked beside the old release as it arrives, into a hidden folder, while
    its SHA-256 is computed; only a package with the right checksum becomes a release, and the link is then
    switched in one rename. C(previous) names the release it replaced, kept for rollback. A pulled tar
    package is never written to the disk as such (a zip is, first, as it is read from its end). The layout,
    the safe unpack (the same checks as the server's), the switch and the prune are the collection's release
    library, the same as the server's.
  - The install holds the collection's one lock (C(<root>/.siak-upgrade.lock), as M(dukcapil.siak.run_lock)
    writes it) for its time, so two rollouts never install on one workstation at once; the action decides on
    the controller whether a holder is gone (its process gone on the same boot of the same controller, or the
    lock older than two hours) and takes its lock over with a warning naming it.
  - What a cut run left (an unpack folder, a C(.part) file) is removed first; RV(cleaned) names it.
  - A package whose checksum does not match is removed with all that was unpacked of it, and the workstation
    stays on its old version.
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
  lock:
    description: Set by the action - the lock's path, this run's token and holder record. Do not set.
    type: dict
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
cleaned:
  description: Leftovers of a cut run (unpack folders, C(.part) downloads) that were removed.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dukcapil.siak.plugins.module_utils import client_install as ci
from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr


def main():
    module = AnsibleModule(
        argument_spec=cr.ARGUMENT_SPEC,
        mutually_exclusive=[("url", "src")],
        required_if=[("state", "present", ("url", "src"), True)],
        supports_check_mode=True,
    )
    try:
        result = ci.install(module.params, check_mode=module.check_mode, diff=module._diff)
    except ci.InstallError as err:
        module.fail_json(**ci.failed_result(err))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
