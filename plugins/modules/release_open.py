#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_open
short_description: Check a release's settings, read its folder, measure its artifact and decide, in one task
version_added: 0.3.0
description:
  - An action (it runs in the controller process) for the first step of a release (SOP-PIAK-15 step 5 or 7).
    It changes nothing, also in check mode.
  - It checks the settings first and fails naming every problem. Then it reads the folder on the target with
    M(dukcapil.siak.release_state) (where C(current) and C(previous) point, the releases and their markers,
    whether the live release answers its health check, an unfinished switch, leftovers of an interrupted run,
    the lock, the free disk) and, for an artifact on the controller, its sha256 and unpacked size at the same
    time.
  - It decides the plan (install, reinstall or nothing because the version is current; the release folder's
    name; whether a complete release can be kept) and fails, having changed nothing, on a checksum that is not
    O(sha256), a downgrade that O(allow_downgrade) does not allow, or too little free disk.
  - The plan is C(current) (nothing to do) only when the version is current, no switch is unfinished and the
    live release was found running and healthy (or that cannot be known, without a health check). A current
    release that does not answer makes the plan C(repair).
  - With O(reconcile) (the run holds the upgrade lock) the folder is first reconciled with the server - the
    leftovers of an interrupted run removed, an unfinished switch finished, a live release that does not
    answer started or replaced by C(previous) - and the plan is decided again from what is there then.
    RV(reconciled) says what was done.
  - Windows targets read the folder (and a remote artifact) with ansible.windows modules and pass the
    answers as O(state) and O(artifact_info); with O(windows) and no O(state) only the settings are checked.
options:
  version:
    description: The version to install.
    type: raw
    required: true
  artifact:
    description: The artifact (a path on the controller or the target, or a URL).
    type: str
    required: true
  location:
    description: Where the artifact is; C(auto) is C(url) for an http(s) URL and C(controller) otherwise.
    type: str
    default: auto
    choices: [auto, controller, remote, url]
  sha256:
    description: The artifact's published sha256.
    type: str
    default: ""
  skip_checksum:
    description: The checksum is explicitly waived.
    type: bool
    default: false
  root:
    description: The application root.
    type: str
    required: true
  kind:
    description: C(app) or C(proxy).
    type: str
    required: true
  label:
    description: The release's name in messages.
    type: str
    default: release
  steps:
    description: The SOP steps (C(open) and C(replace), each with C(id) and C(number)).
    type: dict
    required: true
  shared_paths:
    description: Folders that survive versions.
    type: list
    elements: str
    default: []
  shared_files:
    description: Files that survive versions.
    type: list
    elements: str
    default: []
  keep_releases:
    description: Complete releases to keep.
    type: raw
    default: 3
  force:
    description: Install again when the version is already current.
    type: bool
    default: false
  allow_downgrade:
    description: Allow a lower version than the current one.
    type: bool
    default: false
  disk_margin_mib:
    description: Free disk that must remain besides the release and the artifact.
    type: int
    default: 64
  service:
    description: How the service is stopped and started (the role's C(service)).
    type: dict
    default: {}
  health:
    description: How health is checked (the role's C(health)).
    type: dict
    default: {}
  reconcile:
    description: Reconcile the folder with the server before deciding (see above). Only under the upgrade lock.
    type: bool
    default: false
  token:
    description: A token naming this run's unpack folder (a new one when not given).
    type: str
  windows:
    description: The target is Windows.
    type: bool
    default: false
  state:
    description: The folder's state, read by the caller (Windows).
    type: dict
  artifact_info:
    description: The measurements of an artifact on the target, read by the caller (Windows).
    type: dict
author:
  - dukcapil.siak developers (@dukcapil)
"""

EXAMPLES = r"""
- name: Langkah 5 | Check the settings, read the SIAK application folder and decide
  dukcapil.siak.release_open:
    version: "2.0"
    artifact: /srv/rilis/siak-app-2.0.tar.gz
    sha256: "{{ published_sha256 }}"
    root: /opt/siak/app
    kind: app
    label: SIAK application
    steps: {open: {id: open_app_folder, number: 5}, replace: {id: replace_app, number: 6}}
  register: opened
"""

RETURN = r"""
location:
  description: Where the artifact comes from (C(controller), C(remote), C(url)).
  type: str
  returned: always
windows:
  description: Whether the target was taken for Windows.
  type: bool
  returned: always
plan:
  description:
    - The plan; keys C(action) (C(install), C(reinstall), C(repair), C(current)), C(root), C(kind), C(from_version),
      C(from_release), C(from_sha256), C(to_version), C(previous_link), C(release_name), C(reuse), C(sha256),
      C(checksum_waived), C(same_artifact).
  type: dict
  returned: when the folder was read
change:
  description: Whether this run changes the target (not current, not check mode).
  type: bool
  returned: when the folder was read
state:
  description: The folder's state (as M(dukcapil.siak.release_state) returns it).
  type: dict
  returned: when the folder was read
artifact_sha256:
  description: The artifact's sha256 (measured on the controller or target, else the one given).
  type: str
  returned: when the folder was read
artifact_unpacked:
  description: Bytes the release needs unpacked (0 when unknown).
  type: int
  returned: when the folder was read
artifact_transfer:
  description: Bytes of an artifact brought from the controller (0 otherwise).
  type: int
  returned: when the folder was read
artifact_format:
  description: C(tar) or C(zip).
  type: str
  returned: when the folder was read
token:
  description: The token naming this run's unpack folder (O(token), or a new one).
  type: str
  returned: always
reconciled:
  description: With O(reconcile), what the reconcile did (see M(dukcapil.siak.release_state)).
  type: list
  elements: dict
  returned: always
message:
  description: What this run will do on this host, for the operator.
  type: str
  returned: when the folder was read
"""
