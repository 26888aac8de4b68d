#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_unpack
short_description: Stage a release from its artifact in one verified pass, beside the live one
version_added: 0.2.0
description:
  - Reads the artifact once, computing its sha256 while it unpacks into O(partial), a folder whose name
    starts with a dot so it is never taken for a release. The artifact is a file on the target
    (O(artifact)), one the action sends from the controller first (O(src)), or one this module reads from
    O(url) as it arrives (a tar is unpacked from the stream itself; a zip, read from its end, is written to
    C(<root>/.incoming/) as a C(.part) file first).
  - Every member is checked before it is written (no absolute paths, no C(..), no device files or fifos,
    links only inside the release, nothing written through a link, setuid and setgid bits dropped); the
    disk is checked as it fills.
  - When the sha256 is not O(sha256), or anything else fails, O(partial) is removed and the task fails,
    so nothing is switched. Otherwise the shared paths are linked in, the completion marker is written and
    O(partial) becomes C(<root>/releases/<name>) in one rename.
  - A transferred or downloaded artifact is removed whatever happens; a run cut off before that leaves a
    C(.part) file that the next run's M(dukcapil.siak.release_state) reconcile removes.
  - Linux and other POSIX targets.
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
    description: The artifact on the controller; the action sends it to C(<root>/.incoming/) first.
    type: path
  artifact:
    description: The artifact on the target.
    type: path
  url:
    description: An http(s) URL to download the artifact from.
    type: str
  remove_artifact:
    description: Remove O(artifact) afterwards (a transferred or downloaded copy).
    type: bool
    default: false
  sha256:
    description: The artifact's expected sha256; empty to waive the check.
    type: str
    default: ""
  reserve_bytes:
    description: Free bytes to leave on the disk; the unpack stops before it would take them.
    type: int
    default: 0
  shared_paths:
    description: Directories linked to C(<root>/shared/<path>).
    type: list
    elements: str
    default: []
  shared_files:
    description: Files linked to C(<root>/shared/<path>), seeded once from the release's own copy.
    type: list
    elements: str
    default: []
  marker:
    description: What the completion marker records (kind, version, artifact, installed_at); the sha256 is added.
    type: dict
    default: {}
  timeout:
    description: Seconds to wait for the server of O(url).
    type: int
    default: 60
  validate_certs:
    description: Verify the certificate of an https O(url).
    type: bool
    default: true
author:
  - dukcapil.siak developers (@dukcapil)
attributes:
  check_mode:
    description: Not supported; the release role's check mode says what it would stage instead.
    support: none
extends_documentation_fragment:
  - dukcapil.siak.posix_module
  - dukcapil.siak.release_lock
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
  returned: success
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
download_bytes:
  description: Bytes that arrived from O(url).
  type: int
  returned: success, with O(url)
unpack_s:
  description: Seconds the unpack took.
  type: float
  returned: success
"""

import os
import time

from ansible_collections.dukcapil.siak.plugins.module_utils.release import (
    INCOMING,
    PART_SUFFIX,
    Reason,
    reasons,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release_module import (
    changing_module,
    hold_or_fail,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release_unpack import (
    CANNOT_STAGE,
    Fetch,
    UnpackError,
    stage,
)


def main():
    module = changing_module(
        {
            "partial": {"type": "path", "required": True},
            "src": {"type": "path"},
            "artifact": {"type": "path"},
            "url": {"type": "str"},
            "remove_artifact": {"type": "bool", "default": False},
            "sha256": {"type": "str", "default": ""},
            "reserve_bytes": {"type": "int", "default": 0},
            "shared_paths": {"type": "list", "elements": "str", "default": []},
            "shared_files": {"type": "list", "elements": "str", "default": []},
            "marker": {"type": "dict", "default": {}},
            "timeout": {"type": "int", "default": 60},
            "validate_certs": {"type": "bool", "default": True},
        },
        required_one_of=[("artifact", "url")],
        mutually_exclusive=[("artifact", "url")],
    )
    p = module.params
    artifact, remove = p["artifact"], p["remove_artifact"]
    shown = p["url"] or os.path.basename(artifact or "")
    started = time.monotonic()
    result = {"changed": True}

    def drop_artifact():
        if remove and artifact and os.path.exists(artifact):
            os.unlink(artifact)

    hold_or_fail(module, drop_artifact)
    source = artifact
    try:
        if p["url"]:
            artifact = os.path.join(
                p["root"], INCOMING, "%s.%s%s" % (p["name"], os.path.basename(p["partial"]), PART_SUFFIX)
            )
            remove = True
            os.makedirs(os.path.dirname(artifact), 0o700, exist_ok=True)
            source = Fetch(p["url"], artifact, p["timeout"], p["validate_certs"])
        result.update(
            stage(
                p["root"],
                p["name"],
                p["partial"],
                source,
                sha256=p["sha256"],
                reserve_bytes=p["reserve_bytes"],
                shared_paths=p["shared_paths"],
                shared_files=p["shared_files"],
                marker=p["marker"],
            )
        )
    except (UnpackError, OSError) as err:
        # The reason as its catalogue message and values too: the action says it in the run's language.
        why = Reason(
            CANNOT_STAGE,
            name=p["name"],
            source=shown,
            why=err.reason if isinstance(err, UnpackError) else str(err),
        )
        module.fail_json(**reasons({"msg": why, "changed": False}))
    finally:
        if remove and artifact and os.path.exists(artifact):
            os.unlink(artifact)
    if p["url"]:
        result["download_bytes"] = source.bytes
    result["unpack_s"] = round(time.monotonic() - started, 2)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
