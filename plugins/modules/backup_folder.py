#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_folder
short_description: Make, verify or remove a dated backup folder with its SHA256SUMS manifest
version_added: 0.1.0
description:
  - C(state=present) (SOP backup step 4) makes C(<path>.partial) (mode 0700), moves O(files) into it
    (a rename, or a copy with fsync across file systems), makes them readable by their owner only,
    writes a C(SHA256SUMS) manifest read back from the disk, and only then renames the folder to O(path).
    A folder that already exists is never overwritten. On any error the files go back where they were and
    the partial folder is removed.
  - C(state=verified) re-reads every file of the folder and compares it with its manifest (and with
    O(expected), when given). It changes nothing.
  - A folder this module makes, or finds good with O(verify), gets a verification record (C(.siak-verified)
    with the time, and each file's size and mtime then). C(state=listed) counts a folder as good only when its
    record still matches its files, or, with O(verify), when its files are read again now and match the
    manifest. A manifest alone proves nothing, since a damaged copy keeps its manifest.
  - C(state=absent) removes a backup folder, but only one that has a manifest (one this collection made).
  - C(state=listed) lists the folders inside O(path), telling which are good (verified content), damaged (with why),
    not verified, and not backups of this collection (no manifest). With O(remove_partial) it removes
    C(*.partial) folders and hidden C(.*.partial) files left by a run that was cut off (a power cut, a kill);
    they were never backups.
options:
  path:
    description: The backup folder.
    type: path
    required: true
  state:
    description: What to do with the folder.
    type: str
    choices: [present, verified, absent, listed]
    default: present
  files:
    description: Files to move into a new folder (C(state=present)).
    type: list
    elements: path
    default: []
  expected:
    description: Checksums the folder's files must have, as C({name, sha256}) items (C(state=verified)).
    type: list
    elements: dict
    default: []
  from_disk:
    description: Drop cached pages before reading, so checksums are computed from what the disk holds.
    type: bool
    default: true
  verify:
    description: With C(state=listed), read again every backup that has no matching verification record.
    type: bool
    default: false
  remove_partial:
    description: With C(state=listed), remove what cut-off runs left (C(*.partial)).
    type: bool
    default: false
  run_id:
    description: The run that verifies, written into the verification record.
    type: str
    default: ""
author:
  - dukcapil.siak developers (@dukcapil)
extends_documentation_fragment:
  - dukcapil.siak.posix_module
"""

EXAMPLES = r"""
- name: Langkah 4 | Put master.dmp and its log in a new dated folder with a manifest
  dukcapil.siak.backup_folder:
    path: /srv/siak-backup/21112026
    files: [/srv/siak-backup/export/master.dmp, /srv/siak-backup/export/master.log]

- name: Check a copy against its manifest
  dukcapil.siak.backup_folder:
    path: /media/flashdisk/siak-backup/21112026
    state: verified
"""

RETURN = r"""
files:
  description: Each file of the folder with C(name), C(size) and C(sha256).
  type: list
  elements: dict
  returned: success
path:
  description: The folder.
  type: str
  returned: always
problems:
  description: With C(state=verified), what is missing or does not match (on failure).
  type: list
  elements: str
  returned: failure
folders:
  description: With C(state=listed), the names of the folders inside O(path) (empty if it does not exist).
  type: list
  elements: str
  returned: when state is listed
good:
  description: With C(state=listed), the names among them whose files match their manifest.
  type: list
  elements: str
  returned: when state is listed
damaged:
  description: With C(state=listed) and O(verify), the folders whose files do not match, as C({name, problems}).
  type: list
  elements: dict
  returned: when state is listed
unverified:
  description: With C(state=listed) without O(verify), folders with a manifest but no matching record.
  type: list
  elements: str
  returned: when state is listed
unmanaged:
  description: With C(state=listed), folders without a manifest (never touched).
  type: list
  elements: str
  returned: when state is listed
verified_now:
  description: With C(state=listed), the folders read again in this call.
  type: list
  elements: str
  returned: when state is listed
removed_partial:
  description: With C(state=listed) and O(remove_partial), what was removed, as C({name, size}).
  type: list
  elements: dict
  returned: when state is listed
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dukcapil.siak.plugins.module_utils.backup_io import (
    NO_MANIFEST,
    FILE_MISSING,
    CHECKSUM_DIFFERS,
    NOT_THE_SOURCE,
    FOLDER_EXISTS,
    FILES_MISSING,
    NAMES_NOT_UNIQUE,
    NOT_MADE,
    FOLDER_MISSING,
    FOLDER_PROBLEMS,
    NOT_OURS,
    joined,
    MANIFEST,
    PARTIAL,
    read_record,
    write_record,
    format_manifest,
    fsync_dir,
    hash_file,
    parse_manifest,
    write_atomic,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons
import contextlib
import time


def move(src, dst):
    try:
        os.rename(src, dst)
    except OSError as err:
        if err.errno != 18:  # EXDEV: another file system
            raise
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
                shutil.copyfileobj(fin, fout, 4 << 20)
                fout.flush()
                os.fsync(fout.fileno())
        except Exception:
            os.unlink(dst)
            raise
        os.unlink(src)


def verify(path, expected, from_disk):
    manifest = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest):
        return None, [Reason(NO_MANIFEST, path=path, manifest=MANIFEST)]
    with open(manifest, encoding="utf-8") as fh:
        try:
            entries = parse_manifest(fh.read())
        except ValueError as err:
            return None, ["{0}: {1}".format(manifest, err)]
    problems, files = [], []
    for entry in entries:
        full = os.path.join(path, entry["name"])
        if not os.path.isfile(full):
            problems.append(Reason(FILE_MISSING, name=entry["name"]))
            continue
        digest, size = hash_file(full, from_disk)
        files.append({"name": entry["name"], "size": size, "sha256": digest})
        if digest != entry["sha256"]:
            problems.append(
                Reason(CHECKSUM_DIFFERS, name=entry["name"], manifest=entry["sha256"][:12], file=digest[:12])
            )
    listed = dict((e["name"], e["sha256"]) for e in entries)
    for item in expected:
        if listed.get(item.get("name")) != item.get("sha256"):
            problems.append(Reason(NOT_THE_SOURCE, name=item.get("name")))
    return files, problems


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def tree_size(path):
    if not os.path.isdir(path) or os.path.islink(path):
        return os.lstat(path).st_size
    total = 0
    for top, _dirs, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(top, name)).st_size
    return total


def listed(module, path):
    """Folders in path by what their content proves (see DOCUMENTATION), and cut-off runs' leftovers."""
    p = module.params
    result = {
        "changed": False,
        "path": path,
        "folders": [],
        "good": [],
        "damaged": [],
        "unverified": [],
        "unmanaged": [],
        "verified_now": [],
        "removed_partial": [],
    }
    if not os.path.isdir(path):
        module.exit_json(**result)
    entries = sorted(os.listdir(path))
    if p["remove_partial"]:
        for name in entries:
            full = os.path.join(path, name)
            is_partial_dir = name.endswith(PARTIAL) and not name.startswith(".") and os.path.isdir(full)
            is_partial_file = name.startswith(".") and name.endswith(PARTIAL) and not os.path.isdir(full)
            if not (is_partial_dir or is_partial_file) or os.path.islink(full):
                continue
            result["removed_partial"].append({"name": name, "size": tree_size(full)})
            if not module.check_mode:
                if is_partial_dir:
                    shutil.rmtree(full)
                else:
                    os.unlink(full)
        if result["removed_partial"]:
            result["changed"] = True
            if not module.check_mode:
                fsync_dir(path)
            entries = sorted(os.listdir(path))
    folders = [
        e
        for e in entries
        if os.path.isdir(os.path.join(path, e))
        and not e.startswith(".")
        and not os.path.islink(os.path.join(path, e))
    ]
    result["folders"] = folders
    for name in folders:
        full = os.path.join(path, name)
        if name.endswith(PARTIAL):
            continue
        if not os.path.isfile(os.path.join(full, MANIFEST)):
            result["unmanaged"].append(name)
        elif read_record(full) is not None:
            result["good"].append(name)
        elif not p["verify"]:
            result["unverified"].append(name)
        else:
            _files, problems = verify(full, [], p["from_disk"])
            result["verified_now"].append(name)
            if problems:
                result["damaged"].append({"name": name, "problems": problems})
                continue
            result["good"].append(name)
            if not module.check_mode:
                with contextlib.suppress(OSError, ValueError):
                    write_record(full, now_iso(), p["run_id"])
                    result["changed"] = True
    module.exit_json(**reasons(result))


def fail(module, reason, **result):
    """Fail with ``reason`` (a Reason, its English text as msg); the action says it in the run's language."""
    module.fail_json(**reasons(dict(result, msg=reason)))


def present(module, path, sources):
    if os.path.exists(path):
        files, problems = verify(path, [], False)
        if not problems and not [s for s in sources if os.path.exists(s)]:
            module.exit_json(changed=False, path=path, files=files)
        fail(module, Reason(FOLDER_EXISTS, path=path), path=path)
    missing = [s for s in sources if not os.path.isfile(s)]
    if missing:
        fail(module, Reason(FILES_MISSING, names=", ".join(missing)), path=path)
    names = [os.path.basename(s) for s in sources]
    if len(set(names)) != len(names) or MANIFEST in names:
        fail(module, Reason(NAMES_NOT_UNIQUE, manifest=MANIFEST, names=", ".join(names)), path=path)
    if module.check_mode:
        module.exit_json(changed=True, path=path, files=[{"name": n} for n in names])
    partial = path + ".partial"
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent, 0o700)
    os.mkdir(partial, 0o700)
    moved = []
    try:
        os.chmod(partial, 0o700)
        for src in sources:
            dst = os.path.join(partial, os.path.basename(src))
            move(src, dst)
            moved.append((src, dst))
            os.chmod(dst, 0o600)
        entries = []
        for moved_to in (pair[1] for pair in moved):
            digest, size = hash_file(moved_to, module.params["from_disk"])
            entries.append({"name": os.path.basename(moved_to), "size": size, "sha256": digest})
        write_atomic(os.path.join(partial, MANIFEST), format_manifest(entries))
        write_record(partial, now_iso(), module.params["run_id"])
        fsync_dir(partial)
        os.rename(partial, path)
        fsync_dir(parent)
    except (OSError, IOError) as err:
        for origin, moved_to in reversed(moved):
            with contextlib.suppress(OSError):
                move(moved_to, origin)
        shutil.rmtree(partial, ignore_errors=True)
        fail(module, Reason(NOT_MADE, path=path, why=str(err)), path=path)
    module.exit_json(changed=True, path=path, files=entries)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {
                "type": "str",
                "choices": ["present", "verified", "absent", "listed"],
                "default": "present",
            },
            "files": {"type": "list", "elements": "path", "default": []},
            "expected": {"type": "list", "elements": "dict", "default": []},
            "from_disk": {"type": "bool", "default": True},
            "verify": {"type": "bool", "default": False},
            "remove_partial": {"type": "bool", "default": False},
            "run_id": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    path = module.params["path"].rstrip("/")
    state = module.params["state"]
    if state == "present":
        present(module, path, module.params["files"])
    if state == "listed":
        listed(module, path)
    if state == "verified":
        if not os.path.isdir(path):
            missing = Reason(FOLDER_MISSING, path=path)
            fail(module, missing, path=path, files=[], problems=[missing])
        files, problems = verify(path, module.params["expected"], module.params["from_disk"])
        if problems:
            fail(
                module,
                Reason(FOLDER_PROBLEMS, path=path, problems=joined(problems)),
                path=path,
                files=files or [],
                problems=problems,
            )
        module.exit_json(changed=False, path=path, files=files)
    # absent
    if not os.path.exists(path):
        module.exit_json(changed=False, path=path)
    if not os.path.isfile(os.path.join(path, MANIFEST)):
        fail(module, Reason(NOT_OURS, path=path, manifest=MANIFEST), path=path)
    if not module.check_mode:
        shutil.rmtree(path)
        fsync_dir(os.path.dirname(path))
    module.exit_json(changed=True, path=path)


if __name__ == "__main__":
    main()
