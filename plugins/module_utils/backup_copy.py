# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming, verified copies for the verified_copy module (runs on the managed host).

A backup dump is gigabytes: it is read once and streamed, through age when encrypting and through ssh
to another host, so these helpers use pipes (subprocess.Popen) rather than AnsibleModule.run_command,
which holds a command's whole input and output in memory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from ansible_collections.dukcapil.siak.plugins.module_utils.backup_io import (
    ALIGN,
    CHUNK,
    aligned_buffer,
    drop_cache,
    MANIFEST,
    SEGMENT,
    fan_out,
    format_manifest,
    fsync_dir,
    is_aligned,
    open_direct,
    parse_manifest,
    path_info,
    queue,
    record_text,
    RECORD,
    start_writeback,
    stop_direct,
    write_record,
)
from ansible_collections.dukcapil.siak.plugins.module_utils.release import N_, Reason


# The verified_copy module's own reasons (said on the controller, plugins/action/verified_copy.py).
MODE_NOT_OCTAL = N_("mode '{mode}' is not an octal mode such as 0600")
FOLDER_WITHOUT_MANIFEST = N_(
    "{path} is a folder without a {manifest} manifest; only verified backups are copied"
)
DOES_NOT_EXIST = N_("{path} does not exist")
NOT_AGE_KEYS = N_("not age public keys (they start with age1): {keys}")
AGE_MISSING = N_("{binary} is not installed on this host; install the age package")
COPY_FAILED = N_("copy of {src} to {dest} failed: {why}")
NOTHING_COPIED = N_("{why}; nothing was copied")
COPY_FAILED_ON = N_("copy of {src} to {dest} on {host} failed: {why}; the partial copy was removed")


class CopyError(Exception):
    """Why a copy failed: its first argument is a Reason (said on the controller in the run's language,
    plugins/action/verified_copy.py), or the system's own words."""

    @property
    def reason(self):
        return self.args[0] if self.args and isinstance(self.args[0], Reason) else str(self)


class NotMounted(CopyError):
    pass


def stream(src, sinks, chunk):
    """Read src once; return (sha256, size). Each chunk is hashed on one thread and given to each sink
    on a thread of its own, so the SHA-256 of the source costs no time on top of the copy when there is
    a core for it. The chunks are page-aligned, so a copy written with direct I/O takes them as they are."""
    digest = hashlib.sha256()
    with open(src, "rb", buffering=0) as fh:
        with contextlib.suppress(OSError, AttributeError):
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        size = fan_out(fh.readinto, [digest.update, *sinks], chunk, aligned=True)
    return digest.hexdigest(), size


class Local:
    """A destination on the managed host itself (a mounted disk, flashdisk or SMB share)."""

    def __init__(self):
        self.where = socket.gethostname()

    def check_mounted(self, path):
        info = path_info(path)
        if not info["is_mount_point"]:
            why = (
                Reason(N_("it does not exist"))
                if not info["exists"]
                else Reason(N_("it is a folder on {mount_point}"), mount_point=info["mount_point"])
            )
            raise NotMounted(
                Reason(
                    N_("{path} on {host} is not mounted ({why}): plug in and mount the disk or flashdisk"),
                    path=path,
                    host=self.where,
                    why=why,
                )
            )

    def close(self):
        pass

    def exists(self, path):
        return os.path.lexists(path)

    def makedirs(self, path):
        if not os.path.isdir(path):
            os.makedirs(path, 0o700)

    def open(self, path, mode, readback, chunk):
        return LocalFile(path, mode, readback, chunk)

    def rename(self, src, dst):
        if os.path.lexists(dst):
            raise CopyError(Reason(N_("{path} already exists; a backup is never overwritten"), path=dst))
        os.rename(src, dst)
        fsync_dir(os.path.dirname(dst))

    def record(self, folder, names):
        """Every file of the folder was read back and matched: record it (backup_io.write_record)."""
        write_record(folder, time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def remove(self, path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.unlink(path)


class LocalFile:
    """A copy being written on this host.

    How the copy is written and checked (readback):
      - "medium" (the default): written with direct I/O where the file system allows it (the bytes go
        from the program's buffers to the medium, past the page cache; a last block that is not aligned
        is written through the cache), while a thread of its own takes the SHA-256 of every SEGMENT of
        the bytes handed to the write. After the last byte is written and fsynced, the whole copy is read
        back from the medium (direct I/O, or, where the file system has none, after its cached pages are
        dropped) and every segment's SHA-256 compared: any byte that differs changes its segment's
        SHA-256 exactly as it changes the whole file's. The segments are read and hashed by one thread
        per core (SHA-256 of one stream cannot be split). Only a read after the last write catches a
        fake-capacity flashdisk whose later writes wrap around onto the blocks of earlier ones, so this
        read is not pipelined with the copy.
      - "cached": written through the page cache, each segment read back from the cache by a thread of
        its own as soon as it is written, while later segments are copied; it proves what the kernel
        holds, not the medium.
    A file written through the cache has every SEGMENT handed to the kernel for writeback at once
    (sync_file_range), so the medium is busy while later bytes are still being copied and the final
    fsync has little left to do.
    """

    def __init__(self, path, mode, readback="medium", chunk=CHUNK):
        self.path = path
        self.chunk = chunk
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        if readback == "medium":
            self.fd, self.direct = open_direct(path, flags, mode)
        else:
            self.fd, self.direct = os.open(path, flags, mode), False
        os.fchmod(self.fd, mode)
        self.written = 0
        self.kicked = 0
        self.verifier = None
        self.segments = None
        if readback == "medium":
            self.segments = SegmentDigests(SEGMENT)
        else:
            self.verifier = SegmentVerifier(path, chunk)

    def sinks(self):
        """What the copy's bytes are handed to, each on a thread of its own: the write, and the
        segment digests the read-back is compared with."""
        return [self.write] if self.segments is None else [self.write, self.segments.update]

    def write(self, data):
        view = memoryview(data)
        if self.direct and not is_aligned(view, self.written):
            self._stop_direct()
        while view:
            try:
                n = os.write(self.fd, view)
            except OSError as err:
                if not (self.direct and err.errno == errno.EINVAL):
                    raise
                self._stop_direct()  # the file system took O_DIRECT at open but not for this write
                continue
            view = view[n:]
            self.written += n
            if self.direct and view and n % ALIGN:
                self._stop_direct()
        if not self.direct and self.written - self.kicked >= SEGMENT:
            self._segment_done()

    def _stop_direct(self):
        stop_direct(self.fd)
        self.direct = False
        self.kicked = self.written  # what was written directly is on the medium already

    def _segment_done(self):
        start, self.kicked = self.kicked, self.written
        if start == self.written:
            return
        start_writeback(self.fd, start, self.written - start)
        if self.verifier is not None:
            self.verifier.check(start, self.written)

    def finish(self):
        if not self.direct:
            self._segment_done()
        if self.verifier is not None:
            self.verifier.close()
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = None

    def check(self, written_sha, written_size, from_disk):
        """Raise CopyError unless what is stored is what was written (see the class)."""
        if self.verifier is not None:
            back_sha, back_size = self.verifier.result()
            if (back_sha, back_size) != (written_sha, written_size):
                raise CopyError(
                    Reason(
                        N_(
                            "the copy {path} read back does not match what was written (checksum {found}..., "
                            "expected {expected}...)"
                        ),
                        path=self.path,
                        found=back_sha[:12],
                        expected=written_sha[:12],
                    )
                )
            return
        wrong = read_back_segments(self.path, self.segments.digests(), written_size, from_disk, self.chunk)
        if wrong:
            raise CopyError(
                Reason(
                    N_("the copy {path} read back from the medium does not match what was written: {wrong}"),
                    path=self.path,
                    wrong=wrong,
                )
            )

    def abort(self):
        if self.verifier is not None:
            self.verifier.stop()
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class SegmentDigests:
    """The SHA-256 of each SEGMENT of a stream, fed in order (one consumer of fan_out)."""

    def __init__(self, segment):
        self.segment = segment
        self.done = []
        self.current = hashlib.sha256()
        self.filled = 0

    def update(self, view):
        while len(view):
            take = min(len(view), self.segment - self.filled)
            self.current.update(view[:take])
            self.filled += take
            view = view[take:]
            if self.filled == self.segment:
                self.done.append(self.current.digest())
                self.current, self.filled = hashlib.sha256(), 0

    def digests(self):
        return self.done + ([self.current.digest()] if self.filled else [])


def read_back_segments(path, digests, size, from_disk, chunk):
    """Read a written file back and compare each SEGMENT's SHA-256 with digests; '' when all match and the
    file is exactly size bytes long, else what differs. From the medium with direct I/O where the file
    system allows it (else after dropping its cached pages), or from the cache when not from_disk."""
    chunk = -(-chunk // ALIGN) * ALIGN
    direct = False
    if from_disk:
        fd, direct = open_direct(path, os.O_RDONLY)
    else:
        fd = os.open(path, os.O_RDONLY)
    try:
        stored = os.fstat(fd).st_size
        if stored != size:
            return "it is {0} bytes long, {1} were written".format(stored, size)
        if from_disk and not direct:
            _drop(fd)
        try:
            found = _segment_digests(fd, len(digests), size, chunk)
        except OSError as err:
            if not (direct and err.errno == errno.EINVAL):
                raise
            # The file system took O_DIRECT at open but refuses direct reads: drop the cache instead.
            stop_direct(fd)
            _drop(fd)
            found = _segment_digests(fd, len(digests), size, chunk)
    finally:
        os.close(fd)
    bad = [index for index in range(len(digests)) if found[index] != digests[index]]
    if not bad:
        return ""
    return "{0} of its {1} MiB segments differ, the first at bytes {2} to {3}".format(
        len(bad), SEGMENT >> 20, bad[0] * SEGMENT, min((bad[0] + 1) * SEGMENT, size)
    )


def _drop(fd):
    with contextlib.suppress(OSError):
        os.fsync(fd)  # dirty pages cannot be dropped; write them out first
    drop_cache(fd)


def _segment_digests(fd, count, size, chunk):
    """The SHA-256 of each SEGMENT of an open file (None for one cut short). One thread per core reads
    and hashes its own segments, so the reading of one overlaps the hashing of another; the lengths of
    the reads are whole pages (a read past the end returns what there is)."""
    found = [None] * count
    errors = []
    workers = max(2, min(4, os.cpu_count() or 2))

    def work(first):
        view = memoryview(aligned_buffer(chunk))
        try:
            for index in range(first, count, workers):
                digest = hashlib.sha256()
                offset = index * SEGMENT
                end = min(offset + SEGMENT, size)
                while offset < end:
                    want = min(chunk, -(-(end - offset) // ALIGN) * ALIGN)
                    n = os.preadv(fd, [view[:want]], offset)
                    if n <= 0:
                        break
                    n = min(n, end - offset)
                    digest.update(view[:n])
                    offset += n
                found[index] = digest.digest() if offset == end else None
        except OSError as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(first,)) for first in range(workers)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return found


class SegmentVerifier:
    """Reads a copy back from the page cache, segment by segment in order, on a thread of its own while
    later segments are still being written; its SHA-256 is of every byte read back, in file order."""

    def __init__(self, path, chunk):
        self.fd = os.open(path, os.O_RDONLY)
        self.buffer = bytearray(chunk)
        self.digest = hashlib.sha256()
        self.size = 0
        self.error = None
        self.inbox = queue.Queue()
        self.thread = threading.Thread(target=self._run)
        self.thread.daemon = True
        self.thread.start()

    def check(self, start, end):
        if self.error is not None:
            raise self.error
        self.inbox.put((start, end))

    def _run(self):
        view = memoryview(self.buffer)
        while True:
            item = self.inbox.get()
            if item is None:
                return
            if self.error is not None:
                continue
            start, end = item
            try:
                offset = start
                while offset < end:
                    n = os.preadv(self.fd, [view[: min(len(view), end - offset)]], offset)
                    if not n:
                        break  # the file is shorter than what was written: the size check fails
                    self.digest.update(view[:n])
                    self.size += n
                    offset += n
            except OSError as err:
                self.error = err

    def close(self):
        self.inbox.put(None)
        self.thread.join()
        os.close(self.fd)
        if self.error is not None:
            raise self.error

    def stop(self):
        if self.thread.is_alive():
            self.error = self.error or CopyError("stopped")
            self.inbox.put(None)
            self.thread.join()
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def result(self):
        return self.digest.hexdigest(), self.size


class Ssh:
    """A destination on another host, reached with this host's ssh client; that host reads the copy back."""

    def __init__(self, ssh):
        self.base = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-p", str(ssh["port"])]
        if ssh.get("identity_file"):
            self.base += ["-o", "IdentitiesOnly=yes", "-i", ssh["identity_file"]]
        if ssh.get("known_hosts_file"):
            self.base += ["-o", "UserKnownHostsFile=" + ssh["known_hosts_file"]]
        # One connection for the whole copy: a master started first (its output to a file, so no pipe of
        # ours is held open by it), reused by every later command, closed in close().
        self.control_dir = tempfile.mkdtemp(prefix="siak-ssh-")
        control = os.path.join(self.control_dir, "cm")
        self.where = "{0}@{1}".format(ssh["user"], ssh["host"])
        with open(os.path.join(self.control_dir, "log"), "w+b") as log:
            started = subprocess.run(
                [*self.base, "-M", "-N", "-f", "-S", control, self.where],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                check=False,
            )
            log.seek(0)
            why = log.read().decode("utf-8", "replace").strip()
        if started.returncode != 0:
            shutil.rmtree(self.control_dir, ignore_errors=True)
            raise CopyError(
                Reason(
                    N_("cannot reach {host} over SSH: {why}"),
                    host=self.where,
                    why=why or Reason(N_("exit code {rc}"), rc=started.returncode),
                )
            )
        self.base += ["-S", control, self.where]

    def close(self):
        subprocess.run(
            [*self.base[:-1], "-O", "exit", self.where],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
        shutil.rmtree(self.control_dir, ignore_errors=True)

    def run(self, script):
        result = subprocess.run(
            [*self.base, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False
        )
        if result.returncode != 0:
            raise CopyError("{0}: {1}".format(self.where, result.stderr.decode("utf-8", "replace").strip()))
        return result.stdout.decode("utf-8", "replace")

    def check_mounted(self, path):
        q = shlex.quote(path)
        out = self.run(
            "if mountpoint -q -- {0}; then echo yes; elif [ -e {0} ]; then echo folder; fi".format(q)
        )
        if out.strip() != "yes":
            why = Reason(
                N_("it is a folder, not a mount point")
                if out.strip() == "folder"
                else N_("it does not exist")
            )
            raise NotMounted(
                Reason(
                    N_("{path} on {host} is not mounted ({why}): mount the disk there"),
                    path=path,
                    host=self.where,
                    why=why,
                )
            )

    def exists(self, path):
        return (
            self.run("if [ -e {0} ] || [ -L {0} ]; then echo yes; fi".format(shlex.quote(path))).strip()
            == "yes"
        )

    def makedirs(self, path):
        self.run("umask 077 && mkdir -p {0}".format(shlex.quote(path)))

    def open(self, path, mode, readback, chunk):
        return SshFile(self, path, mode)

    def rename(self, src, dst):
        q = shlex.quote
        self.run(
            "if [ -e {1} ]; then echo '{1} already exists; a backup is never overwritten' >&2; exit 1; fi; "
            "mv -T {0} {1} && sync -f {1} 2>/dev/null; true".format(q(src), q(dst))
        )

    def record(self, folder, names):
        """Every file of the folder was read back on the other host and matched: write the same
        verification record there as a local copy gets (backup_io.record_text), with each file's size
        and mtime as that host's file system reports them, so its retention trusts the copy while they
        are unchanged and reads it again otherwise."""
        q = shlex.quote
        listing = self.run(
            "find {0} -mindepth 1 -maxdepth 1 -type f -printf '%s %T@ %f\\n'".format(q(folder))
        )
        stats = {}
        for line in listing.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[2] in names:
                seconds, _dot, fraction = parts[1].partition(".")
                stats[parts[2]] = [int(parts[0]), int(seconds) * 10**9 + int((fraction + "0" * 9)[:9])]
        if sorted(stats) != sorted(names):
            raise CopyError(
                Reason(
                    N_("{folder} on {host} does not hold every file of its manifest: missing {names}"),
                    folder=folder,
                    host=self.where,
                    names=", ".join(sorted(set(names) - set(stats))),
                )
            )
        text = record_text(time.strftime("%Y-%m-%dT%H:%M:%S%z"), "", stats)
        path = q(folder + "/" + RECORD)
        result = subprocess.run(
            [
                *self.base,
                "umask 077 && cat > {0}.tmp && sync -f {0}.tmp 2>/dev/null; mv {0}.tmp {0}".format(path),
            ],
            input=text.encode("utf-8"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
        if result.returncode != 0:
            raise CopyError(
                "{0}: writing {1}: {2}".format(
                    self.where, RECORD, result.stderr.decode("utf-8", "replace").strip()
                )
            )

    def remove(self, path):
        self.run("rm -rf -- {0}".format(shlex.quote(path)))


class SshFile:
    def __init__(self, host, path, mode):
        self.host = host
        self.path = path
        q = shlex.quote
        script = "umask 077 && cat > {0} && chmod {1:o} {0}".format(q(path), mode)
        self.proc = subprocess.Popen([*host.base, script], stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, data):
        self.proc.stdin.write(data)

    def finish(self):
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode("utf-8", "replace").strip()
        if self.proc.wait() != 0:
            raise CopyError(
                Reason(
                    N_("writing {path} on {host} failed: {why}"),
                    path=self.path,
                    host=self.host.where,
                    why=err or Reason(N_("exit code {rc}"), rc=self.proc.returncode),
                )
            )

    def sinks(self):
        return [self.write]

    def check(self, written_sha, written_size, from_disk):
        back_sha, back_size = self.readback(from_disk)
        if (back_sha, back_size) != (written_sha, written_size):
            raise CopyError(
                Reason(
                    N_(
                        "the copy {path} read back on {host} does not match what was written (checksum "
                        "{found}..., expected {expected}...)"
                    ),
                    path=self.path,
                    host=self.host.where,
                    found=back_sha[:12],
                    expected=written_sha[:12],
                )
            )

    def readback(self, from_disk):
        """The other host hashes its copy itself: from the medium with direct I/O (dd iflag=direct)
        where its file system allows it, else after dropping the file's cached pages."""
        q = shlex.quote(self.path)
        read = "sha256sum {0}".format(q)
        if from_disk:
            read = (
                "if dd if={0} of=/dev/null iflag=direct bs=4096 count=1 status=none 2>/dev/null; then "
                "dd if={0} iflag=direct bs=4M status=none | sha256sum; "
                "else dd if={0} iflag=nocache count=0 status=none 2>/dev/null; sha256sum {0}; fi"
            ).format(q)
        out = self.host.run("sync {0} 2>/dev/null; {1} && stat -c %s {0}".format(q, read)).split()
        return out[0], int(out[-1])

    def abort(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def encrypt_into(src, out, age_binary, recipients, chunk):
    """Plain bytes from src into age, age's output into out: one read of src, two checksums."""
    cmd = [age_binary]
    for r in recipients:
        cmd += ["-r", r]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    result = {}

    def feed():
        try:
            result["plain"] = stream(src, [proc.stdin.write], chunk)
        except Exception as err:
            result["error"] = err
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.daemon = True
    feeder.start()
    out_digest = hashlib.sha256()
    try:
        out_size = fan_out(proc.stdout.readinto, [out_digest.update, *out.sinks()], chunk, aligned=True)
    except BaseException:
        # The destination failed (a full disk): stop age, so the feeding thread is not left blocked on it.
        proc.kill()
        proc.wait()
        feeder.join()
        raise
    feeder.join()
    err = proc.stderr.read().decode("utf-8", "replace").strip()
    if proc.wait() != 0:
        raise CopyError(
            Reason(N_("age failed: {why}"), why=err or Reason(N_("exit code {rc}"), rc=proc.returncode))
        )
    if "error" in result:
        raise result["error"]
    return result["plain"], (out_digest.hexdigest(), out_size)


def copy_one(target, src, dest, *, mode, expected, recipients, params, chunk):
    """Copy one file into dest on target; verify; return its record. Raises CopyError/OSError."""
    out = target.open(dest, mode, "medium" if params["from_disk"] else "cached", chunk)
    try:
        if recipients:
            (sha, size), (out_sha, out_size) = encrypt_into(src, out, params["age_binary"], recipients, chunk)
        else:
            sha, size = stream(src, out.sinks(), chunk)
            out_sha, out_size = sha, size
        out.finish()
    except BaseException:
        out.abort()
        raise
    if expected and sha != expected.lower():
        raise CopyError(
            Reason(
                N_(
                    "the source {path} does not match its manifest (checksum {found}..., manifest {expected}...): "
                    "it changed or is damaged"
                ),
                path=src,
                found=sha[:12],
                expected=expected[:12],
            )
        )
    out.check(out_sha, out_size, params["from_disk"])
    return {
        "name": os.path.basename(src),
        "dest_name": os.path.basename(dest),
        "sha256": sha,
        "size": size,
        "dest_sha256": out_sha,
        "dest_size": out_size,
    }


def copy_folder(target, src, dest, *, mode, recipients, params, chunk):
    with open(os.path.join(src, MANIFEST), encoding="utf-8") as fh:
        try:
            entries = parse_manifest(fh.read())
        except ValueError as err:
            raise CopyError("{0}/{1}: {2}".format(src, MANIFEST, err)) from None
    if target.exists(dest):
        raise CopyError(
            Reason(
                N_("{path} already exists on {host}; a backup is never overwritten"),
                path=dest,
                host=target.where,
            )
        )
    partial = dest + ".partial"
    target.remove(partial)  # left by a run that was killed: it was never a backup
    target.makedirs(partial)
    p = params
    records = []
    try:
        for entry in entries:
            name = entry["name"] + (".age" if recipients else "")
            records.append(
                copy_one(
                    target,
                    os.path.join(src, entry["name"]),
                    partial + "/" + name,
                    mode=mode,
                    expected=entry["sha256"],
                    recipients=recipients,
                    params=p,
                    chunk=chunk,
                )
            )
        records.append(
            copy_one(
                target,
                os.path.join(src, MANIFEST),
                partial + "/" + MANIFEST + (".plain" if recipients else ""),
                mode=mode,
                expected="",
                recipients=[],
                params=p,
                chunk=chunk,
            )
        )
        if recipients:
            # The encrypted folder's own manifest: what is stored there, checkable without the key.
            stored = [{"name": r["dest_name"], "sha256": r["dest_sha256"]} for r in records]
            fd, tmp = tempfile.mkstemp(prefix="siak-manifest-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(format_manifest(stored))
                copy_one(
                    target,
                    tmp,
                    partial + "/" + MANIFEST,
                    mode=mode,
                    expected="",
                    recipients=[],
                    params=p,
                    chunk=chunk,
                )
            finally:
                os.unlink(tmp)
        stored = {r["dest_name"] for r in records if r["dest_name"] != MANIFEST + ".plain"} | {MANIFEST}
        target.record(partial, sorted(stored))
        target.rename(partial, dest)
    except BaseException:
        with contextlib.suppress(OSError, CopyError):
            target.remove(partial)
        raise
    return records
