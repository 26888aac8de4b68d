#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verified_copy
short_description: Copy a backup file once, checksum it on the way, and verify what landed
version_added: 0.1.0
description:
  - Reads O(src) once, computing its SHA-256 while the bytes stream to the destination (SOP backup
    step 5), writes to a hidden partial file, fsyncs it, then reads the destination back and compares.
    Only a verified copy is renamed to O(dest). On any error (a full disk, a lost connection, a checksum
    that differs) the partial file is removed and the task fails saying why.
  - The destination is a local path (a mounted disk, flashdisk or SMB share) or, with O(ssh), a path on
    another host reached with the C(ssh) client of the managed host; that host re-reads the file itself.
  - With O(age_recipients) the copy is encrypted with C(age) to those public keys; the managed host never
    holds a key that decrypts it. The source checksum is of the plain file, the destination's of the
    encrypted one.
options:
  src:
    description: The file to copy, on the managed host.
    type: path
    required: true
  dest:
    description: The destination file (its folder is made, mode 0700, if missing).
    type: path
    required: true
  expected_sha256:
    description: The source must have this checksum (from the backup's manifest); a source that changed fails.
    type: str
    default: ""
  mode:
    description: Permissions of the copy.
    type: str
    default: "0600"
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
    description: Drop the copy's cached pages before reading it back, so the check reads the medium itself.
    type: bool
    default: true
  chunk_kib:
    description: Read and write in chunks of this many KiB.
    type: int
    default: 4096
author:
  - dukcapil.siak developers
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
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
  description: Checksum of the source (plain) bytes.
  type: str
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

import hashlib
import os
import shlex
import subprocess
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dukcapil.siak.plugins.module_utils.backup_io import drop_cache, fsync_dir, hash_file

try:
    import queue
except ImportError:  # pragma: no cover
    import Queue as queue  # type: ignore


class CopyError(Exception):
    pass


class Pipe:
    """Hands chunks to a writer thread, so reading and hashing overlap with writing."""

    def __init__(self, write, depth=3):
        self.write = write
        self.q = queue.Queue(depth)
        self.error = None
        self.thread = threading.Thread(target=self._run)
        self.thread.daemon = True
        self.thread.start()

    def _run(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            if self.error is None:
                try:
                    self.write(item)
                except Exception as err:  # noqa: BLE001 - re-raised in the reading thread
                    self.error = err

    def put(self, data):
        if self.error is not None:
            raise self.error
        self.q.put(data)

    def close(self):
        self.q.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def stream(src, sink_write, chunk):
    """Read src once; return (sha256, size). Bytes go to sink_write via a writer thread."""
    digest = hashlib.sha256()
    size = 0
    pipe = Pipe(sink_write)
    try:
        with open(src, "rb", buffering=0) as fh:
            while True:
                data = fh.read(chunk)
                if not data:
                    break
                digest.update(data)
                size += len(data)
                pipe.put(data)
    finally:
        pipe.close()
    return digest.hexdigest(), size


class LocalSink:
    def __init__(self, dest, mode):
        self.dest = dest
        folder = os.path.dirname(dest)
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o700)
        self.partial = os.path.join(folder, "." + os.path.basename(dest) + ".partial")
        self.fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def finish(self):
        os.fsync(self.fd)
        drop_cache(self.fd)
        os.close(self.fd)
        self.fd = None

    def readback(self, from_disk):
        return hash_file(self.partial, from_disk)

    def commit(self):
        os.rename(self.partial, self.dest)
        fsync_dir(os.path.dirname(self.dest))

    def abort(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
        try:
            os.unlink(self.partial)
        except OSError:
            pass


class SshSink:
    def __init__(self, dest, mode, ssh):
        self.base = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-p", str(ssh["port"])]
        if ssh.get("identity_file"):
            self.base += ["-o", "IdentitiesOnly=yes", "-i", ssh["identity_file"]]
        if ssh.get("known_hosts_file"):
            self.base += ["-o", "UserKnownHostsFile=" + ssh["known_hosts_file"]]
        self.base.append("{0}@{1}".format(ssh["user"], ssh["host"]))
        self.where = "{0}@{1}".format(ssh["user"], ssh["host"])
        self.dest = dest
        folder = os.path.dirname(dest)
        self.partial = os.path.join(folder, "." + os.path.basename(dest) + ".partial")
        q = shlex.quote
        script = "umask 077 && mkdir -p {0} && cat > {1} && chmod {2} {1}".format(q(folder), q(self.partial), q(mode))
        self.proc = subprocess.Popen(self.base + [script], stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, data):
        self.proc.stdin.write(data)

    def finish(self):
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode("utf-8", "replace").strip()
        if self.proc.wait() != 0:
            raise CopyError("writing to {0}:{1} failed: {2}".format(self.where, self.partial, err or "exit code %d" % self.proc.returncode))

    def run(self, script):
        result = subprocess.run(self.base + [script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if result.returncode != 0:
            raise CopyError("{0}: {1}".format(self.where, result.stderr.decode("utf-8", "replace").strip()))
        return result.stdout.decode("utf-8", "replace")

    def readback(self, from_disk):
        q = shlex.quote(self.partial)
        drop = "dd if={0} iflag=nocache count=0 status=none 2>/dev/null; ".format(q) if from_disk else ""
        out = self.run("sync {0} 2>/dev/null; {1}sha256sum {0} && stat -c %s {0}".format(q, drop)).split()
        return out[0], int(out[-1])

    def commit(self):
        self.run("mv -f {0} {1} && sync {2} 2>/dev/null; true".format(
            shlex.quote(self.partial), shlex.quote(self.dest), shlex.quote(os.path.dirname(self.dest))))

    def abort(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            self.run("rm -f {0}".format(shlex.quote(self.partial)))
        except CopyError:
            pass


def encrypt_into(src, sink, age_binary, recipients, chunk):
    """Plain bytes from src into age, age's output into the sink: one read of src, two checksums."""
    cmd = [age_binary]
    for r in recipients:
        cmd += ["-r", r]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    result = {}

    def feed():
        try:
            result["plain"] = stream(src, proc.stdin.write, chunk)
        except Exception as err:  # noqa: BLE001 - reported below
            result["error"] = err
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    feeder = threading.Thread(target=feed)
    feeder.daemon = True
    feeder.start()
    out_digest = hashlib.sha256()
    out_size = 0
    try:
        while True:
            data = proc.stdout.read(chunk)
            if not data:
                break
            out_digest.update(data)
            out_size += len(data)
            sink.write(data)
    except BaseException:
        # The sink failed (a full disk): stop age, so the feeding thread is not left blocked on it.
        proc.kill()
        proc.wait()
        feeder.join()
        raise
    feeder.join()
    err = proc.stderr.read().decode("utf-8", "replace").strip()
    if proc.wait() != 0:
        raise CopyError("age failed: {0}".format(err or "exit code %d" % proc.returncode))
    if "error" in result:
        raise result["error"]
    return result["plain"], (out_digest.hexdigest(), out_size)


def main():
    module = AnsibleModule(
        argument_spec={
            "src": {"type": "path", "required": True},
            "dest": {"type": "path", "required": True},
            "expected_sha256": {"type": "str", "default": ""},
            "mode": {"type": "str", "default": "0600"},
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
    src, dest = p["src"], p["dest"]
    expected = p["expected_sha256"].lower()
    recipients = p["age_recipients"]
    try:
        mode = int(p["mode"], 8)
    except ValueError:
        module.fail_json(msg="mode '{0}' is not an octal mode such as 0600".format(p["mode"]))
    if not os.path.isfile(src):
        module.fail_json(msg="{0} does not exist".format(src))
    if recipients:
        bad = [r for r in recipients if not r.startswith("age1")]
        if bad:
            module.fail_json(msg="not age public keys (they start with age1): {0}".format(", ".join(bad)))
        if module.get_bin_path(p["age_binary"]) is None:
            module.fail_json(msg="{0} is not installed on this host; install the age package".format(p["age_binary"]))
    # A plain local copy that is already there and matches needs nothing (a re-run).
    if not p["ssh"] and not recipients and expected and os.path.isfile(dest):
        digest, size = hash_file(dest, False)
        if digest == expected:
            module.exit_json(changed=False, sha256=digest, dest_sha256=digest, size=size, dest_size=size,
                             encrypted=False, verified=True)
    if module.check_mode:
        module.exit_json(changed=True, encrypted=bool(recipients), verified=False)
    started = time.time()
    chunk = max(64, p["chunk_kib"]) * 1024
    sink = None
    try:
        sink = SshSink(dest, p["mode"], p["ssh"]) if p["ssh"] else LocalSink(dest, mode)
        if recipients:
            (sha, size), (out_sha, out_size) = encrypt_into(src, sink, p["age_binary"], recipients, chunk)
        else:
            sha, size = stream(src, sink.write, chunk)
            out_sha, out_size = sha, size
        sink.finish()
        if expected and sha != expected:
            raise CopyError("the source {0} changed since its manifest was written (checksum {1}..., manifest {2}...)"
                            .format(src, sha[:12], expected[:12]))
        back_sha, back_size = sink.readback(p["from_disk"])
        if back_sha != out_sha or back_size != out_size:
            raise CopyError("the copy read back from {0} does not match what was written (checksum {1}..., expected {2}...)"
                            .format(dest, back_sha[:12], out_sha[:12]))
        sink.commit()
    except (OSError, IOError, CopyError) as err:
        if sink is not None:
            sink.abort()
        reason = err.strerror if isinstance(err, (OSError, IOError)) and err.strerror else str(err)
        module.fail_json(msg="copy of {0} to {1} failed: {2}; the partial copy was removed".format(src, dest, reason))
    module.exit_json(changed=True, sha256=sha, dest_sha256=out_sha, size=size, dest_size=out_size,
                     encrypted=bool(recipients), verified=True, duration_s=round(time.time() - started, 3))


if __name__ == "__main__":
    main()
