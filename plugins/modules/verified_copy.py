#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verified_copy
short_description: Copy a backup (a file or a whole dated folder) once, checksum it on the way, verify what landed
version_added: 0.1.0
description:
  - Reads O(src) once, computing its SHA-256 on one thread while another writes the bytes to the
    destination (SOP backup step 5), into a hidden partial file, with direct I/O (past the page cache)
    where the destination's file system allows it; fsyncs it, then reads the whole destination back from
    the medium and compares.
    Only a verified copy is renamed to O(dest). On any error (a full disk, a lost connection, a checksum
    that differs) the partial file is removed and the task fails saying why.
  - When O(src) is a backup folder (one with a C(SHA256SUMS) manifest) the whole folder is copied into
    C(<dest>.partial), every file checked against the manifest on the way, and the folder is renamed to
    O(dest) only when every file was read back and matched. An existing O(dest) is never overwritten.
  - The destination is a local path (a mounted disk, flashdisk or SMB share) or, with O(ssh), a path on
    another host reached with the C(ssh) client of the managed host; that host re-reads the file itself.
  - With O(age_recipients) the copy is encrypted with C(age) to those public keys; the managed host never
    holds a key that decrypts it. The source checksum is of the plain file, the destination's of the
    encrypted one.
options:
  src:
    description: The file, or backup folder with a SHA256SUMS manifest, to copy on the managed host.
    type: path
    required: true
  dest:
    description: The destination file or folder (parent folders are made, mode 0700, if missing).
    type: path
    required: true
  expected_sha256:
    description: The source file must have this checksum; a source that changed fails (folders use their manifest).
    type: str
    default: ""
  mode:
    description: Permissions of the copy.
    type: str
    default: "0600"
  mount_point:
    description:
      - Refuse the copy unless this path (on the destination host) is a mount point, so a flashdisk that is
        not plugged in (an empty folder on the root disk) is never written to. Omit to skip the check.
    type: path
  age_recipients:
    description: age public keys (C(age1...)) to encrypt the copy to; empty for a plain copy.
    type: list
    elements: str
    default: []
  age_binary:
    description: The age program on the managed host.
    type: str
    default: age
  ssh:
    description: Copy to another host over SSH instead of a local path.
    type: dict
    suboptions:
      host:
        description: Address of the other host.
        type: str
        required: true
      port:
        description: SSH port.
        type: int
        default: 22
      user:
        description: SSH user.
        type: str
        default: root
      identity_file:
        description: Private key file on the managed host.
        type: path
      known_hosts_file:
        description: known_hosts file on the managed host; host keys are always checked strictly.
        type: path
  from_disk:
    description:
      - Read the copy back from the medium after the whole copy is written and fsynced, with direct I/O
        (or, where the file system has none, after its cached pages are dropped), so the check reads the
        medium itself (a fake-capacity flashdisk that wraps later writes onto earlier blocks is caught).
      - With V(false) each 64 MiB of a local copy is read back from the page cache while the next is
        copied; faster, but it proves only what the kernel holds.
    type: bool
    default: true
  chunk_kib:
    description: Read and write in chunks of this many KiB.
    type: int
    default: 4096
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
"""

EXAMPLES = r"""
- name: Langkah 5 | Copy the dump to the flashdisk, encrypted, and verify it
  dukcapil.siak.verified_copy:
    src: /srv/siak-backup/21112026/master.dmp
    dest: /media/flashdisk/siak-backup/21112026/master.dmp.age
    expected_sha256: "{{ manifest_sha256 }}"
    age_recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq]
"""

RETURN = r"""
sha256:
  description: Checksum of the source (plain) bytes (a file), or of its first manifest entry (a folder).
  type: str
  returned: success
files:
  description: For a folder, each copied file with C(name), C(dest_name), C(sha256), C(dest_sha256), C(size).
  type: list
  elements: dict
  returned: success
dest_sha256:
  description: Checksum of the bytes stored at the destination, read back from there.
  type: str
  returned: success
size:
  description: Source size in bytes.
  type: int
  returned: success
dest_size:
  description: Size of the stored copy in bytes.
  type: int
  returned: success
encrypted:
  description: Whether the copy is age-encrypted.
  type: bool
  returned: success
verified:
  description: The stored copy was read back and matched.
  type: bool
  returned: success
"""

import contextlib
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dukcapil.siak.plugins.module_utils.backup_copy import (
    MODE_NOT_OCTAL,
    FOLDER_WITHOUT_MANIFEST,
    DOES_NOT_EXIST,
    NOT_AGE_KEYS,
    AGE_MISSING,
    COPY_FAILED,
    NOTHING_COPIED,
    COPY_FAILED_ON,
    CopyError,
    Local,
    NotMounted,
    Ssh,
    copy_folder,
    copy_one,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.backup_io import ALIGN, MANIFEST, hash_file
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons


def fail(module, reason, **result):
    """Fail with ``reason`` (a Reason): its English text as msg, and its message and values for the action,
    which says it in the run's language."""
    module.fail_json(**reasons(dict(result, msg=reason, error=reason)))


def main():
    module = AnsibleModule(
        argument_spec={
            "src": {"type": "path", "required": True},
            "dest": {"type": "path", "required": True},
            "expected_sha256": {"type": "str", "default": ""},
            "mode": {"type": "str", "default": "0600"},
            "mount_point": {"type": "path"},
            "age_recipients": {"type": "list", "elements": "str", "default": [], "no_log": False},
            "age_binary": {"type": "str", "default": "age"},
            "ssh": {
                "type": "dict",
                "options": {
                    "host": {"type": "str", "required": True},
                    "port": {"type": "int", "default": 22},
                    "user": {"type": "str", "default": "root"},
                    "identity_file": {"type": "path"},
                    "known_hosts_file": {"type": "path"},
                },
            },
            "from_disk": {"type": "bool", "default": True},
            "chunk_kib": {"type": "int", "default": 4096},
        },
        supports_check_mode=True,
    )
    p = module.params
    src, dest = p["src"].rstrip("/"), p["dest"].rstrip("/")
    expected = p["expected_sha256"].lower()
    recipients = p["age_recipients"]
    try:
        mode = int(p["mode"], 8)
    except ValueError:
        fail(module, Reason(MODE_NOT_OCTAL, mode=p["mode"]))
    folder = os.path.isdir(src)
    if folder and not os.path.isfile(os.path.join(src, MANIFEST)):
        fail(
            module,
            Reason(
                FOLDER_WITHOUT_MANIFEST,
                path=src,
                manifest=MANIFEST,
            ),
        )
    if not folder and not os.path.isfile(src):
        fail(module, Reason(DOES_NOT_EXIST, path=src))
    if recipients:
        bad = [r for r in recipients if not r.startswith("age1")]
        if bad:
            fail(module, Reason(NOT_AGE_KEYS, keys=", ".join(bad)))
        if module.get_bin_path(p["age_binary"]) is None:
            fail(
                module,
                Reason(
                    AGE_MISSING,
                    binary=p["age_binary"],
                ),
            )
    # A plain local file copy that is already there and matches needs nothing (a re-run).
    if not folder and not p["ssh"] and not recipients and expected and os.path.isfile(dest):
        digest, size = hash_file(dest, False)
        if digest == expected:
            module.exit_json(
                changed=False,
                sha256=digest,
                dest_sha256=digest,
                size=size,
                dest_size=size,
                encrypted=False,
                verified=True,
                files=[],
            )
    if module.check_mode:
        module.exit_json(changed=True, encrypted=bool(recipients), verified=False, files=[])
    chunk = -(-max(64, p["chunk_kib"]) * 1024 // ALIGN) * ALIGN  # whole pages, for direct I/O
    try:
        target = Ssh(p["ssh"]) if p["ssh"] else Local()
    except CopyError as err:
        fail(module, Reason(COPY_FAILED, src=src, dest=dest, why=err.reason))
    try:
        run_copy(
            module,
            target,
            src,
            dest,
            folder=folder,
            mode=mode,
            expected=expected,
            recipients=recipients,
            chunk=chunk,
        )
    finally:
        target.close()


def run_copy(module, target, src, dest, *, folder, mode, expected, recipients, chunk):
    p = module.params
    started = time.time()
    try:
        if p["mount_point"]:
            target.check_mounted(p["mount_point"])
        if folder:
            records = copy_folder(target, src, dest, mode=mode, recipients=recipients, params=p, chunk=chunk)
        else:
            target.makedirs(os.path.dirname(dest))
            partial = os.path.join(os.path.dirname(dest), "." + os.path.basename(dest) + ".partial")
            try:
                records = [
                    copy_one(
                        target,
                        src,
                        partial,
                        mode=mode,
                        expected=expected,
                        recipients=recipients,
                        params=p,
                        chunk=chunk,
                    )
                ]
                target.remove(dest) if target.exists(dest) else None
                target.rename(partial, dest)
            except BaseException:
                with contextlib.suppress(OSError, CopyError):
                    target.remove(partial)
                raise
    except NotMounted as err:
        fail(module, Reason(NOTHING_COPIED, why=err.reason))
    except (OSError, CopyError) as err:
        # The system's own words for an OSError (its strerror), with the file it names.
        reason = (
            err.strerror
            if isinstance(err, OSError) and err.strerror
            else err.reason
            if isinstance(err, CopyError)
            else str(err)
        )
        if isinstance(err, OSError) and err.filename:
            reason = "{0}: {1}".format(err.filename, reason)
        fail(
            module,
            Reason(
                COPY_FAILED_ON,
                src=src,
                dest=dest,
                host=target.where,
                why=reason,
            ),
        )
    first = records[0]
    module.exit_json(
        changed=True,
        sha256=first["sha256"],
        dest_sha256=first["dest_sha256"],
        size=first["size"],
        dest_size=first["dest_size"],
        encrypted=bool(recipients),
        verified=True,
        files=records,
        duration_s=round(time.time() - started, 3),
    )


if __name__ == "__main__":
    main()
