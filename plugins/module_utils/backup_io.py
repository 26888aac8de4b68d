# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming checksums and the SHA256SUMS manifest, shared by the backup modules (runs on the managed host)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import mmap
import os
import threading

from ansible_collections.dukcapil.siak.plugins.module_utils.release import N_, Reason

CHUNK = 8 << 20
MANIFEST = "SHA256SUMS"
# Why a backup folder is not good, or cannot be made or removed (the backup_folder module's reasons, said on
# the controller in the run's language by plugins/action/backup_folder.py).
NO_MANIFEST = N_("{path} has no {manifest}")
FILE_MISSING = N_("{name} is missing")
CHECKSUM_DIFFERS = N_("{name} does not match its checksum (manifest {manifest}..., file {file}...)")
NOT_THE_SOURCE = N_("{name} is not the file that was backed up (checksum differs from the source)")
FOLDER_EXISTS = N_("{path} already exists; a backup folder is never overwritten")
FILES_MISSING = N_("missing file(s) to back up: {names}")
NAMES_NOT_UNIQUE = N_("file names must be unique and not {manifest}: {names}")
NOT_MADE = N_("could not make {path}: {why}; the files were put back")
FOLDER_MISSING = N_("{path} does not exist")
CANNOT_MEASURE = N_("cannot read where {path} lives or how much room it has: {error}")
FOLDER_PROBLEMS = N_("{path}: {problems}")
NOT_OURS = N_("{path} has no {manifest}: not a backup this collection made; left alone")


def joined(parts, sep="; "):
    """Several reasons said one after the other (the module-side twin of i18n.Joined)."""
    values = dict(("part%d" % index, part) for index, part in enumerate(parts))
    return Reason(sep.join("{%s}" % name for name in values), **values)


# A buffered copy is forced to the medium in segments of this size while later bytes are still being copied.
SEGMENT = 64 << 20
# Direct I/O (O_DIRECT: straight between the medium and the program's memory, past the page cache) needs
# the memory address, the file offset and the length aligned to the medium's logical block (512 or 4096
# bytes); the page size is a multiple of both. 0 where the system has no direct I/O.
O_DIRECT = getattr(os, "O_DIRECT", 0)
ALIGN = mmap.PAGESIZE

try:
    import queue
except ImportError:  # pragma: no cover
    import Queue as queue  # type: ignore

# sync_file_range(2) flags (linux/fs.h). Python has no wrapper; it is reached through ctypes.
SYNC_FILE_RANGE_WAIT_BEFORE = 1
SYNC_FILE_RANGE_WRITE = 2
SYNC_FILE_RANGE_WAIT_AFTER = 4


def _load_sync_file_range():
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (ImportError, OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


sync_file_range = _load_sync_file_range()


def start_writeback(fd, offset, length):
    """Start writing a range of a file to its medium now, without waiting (a hint: errors surface at fsync)."""
    if sync_file_range is not None:
        sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE)


def drop_cache(fd, offset=0, length=0):
    """Ask the kernel to forget a file's cached pages, so the next read comes from the disk itself."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def aligned_buffer(size):
    """A zeroed buffer of size bytes starting on a page boundary (anonymous memory), fit for direct I/O."""
    return mmap.mmap(-1, size)


def is_aligned(view, offset):
    """Whether a write of view at offset may go to the medium directly (see ALIGN)."""
    if offset % ALIGN or len(view) % ALIGN or not len(view):
        return False
    try:
        import ctypes

        return ctypes.addressof(ctypes.c_char.from_buffer(view)) % ALIGN == 0
    except (ImportError, TypeError, ValueError):  # a read-only buffer (bytes): its address is unknown
        return False


def open_direct(path, flags, mode=0o600):
    """Open path for direct I/O when its file system allows it, else for ordinary (cached) I/O.
    Returns (fd, direct)."""
    if O_DIRECT:
        try:
            return os.open(path, flags | O_DIRECT, mode), True
        except OSError as err:
            if err.errno != errno.EINVAL:
                raise
    return os.open(path, flags, mode), False


def stop_direct(fd):
    """Turn direct I/O off on an open file (for a last block that is not aligned)."""
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~O_DIRECT)


def fan_out(read_into, consumers, chunk=CHUNK, depth=4, aligned=False):
    """Read a stream once into a ring of reused buffers; hand every chunk, in order, to each consumer.

    Each consumer (a callable taking a memoryview) runs on a thread of its own, so reading, hashing and
    writing overlap: hashlib and os.write release the GIL for large buffers. A buffer is reused only after
    every consumer is done with it, so nothing is copied in between. The first error of a consumer stops
    the reading and is raised here once every thread has finished. Returns the number of bytes read.
    With aligned, the buffers start on page boundaries, so reads into them and writes from them can be
    direct I/O.
    """
    buffers = [aligned_buffer(chunk) if aligned else bytearray(chunk) for _slot in range(depth)]
    free = queue.Queue()
    for index in range(depth):
        free.put(index)
    pending = [0] * depth
    lock = threading.Lock()
    errors = []

    def release(index):
        with lock:
            pending[index] -= 1
            done = pending[index] == 0
        if done:
            free.put(index)

    def work(inbox, consume):
        while True:
            item = inbox.get()
            if item is None:
                return
            index, view = item
            if not errors:
                try:
                    consume(view)
                except Exception as err:  # handed to the reading thread, raised there
                    errors.append(err)
            release(index)

    inboxes = []
    threads = []
    for consume in consumers:
        inboxes.append(queue.Queue())
        threads.append(threading.Thread(target=work, args=(inboxes[-1], consume)))
        threads[-1].daemon = True
        threads[-1].start()
    size = 0
    try:
        while not errors:
            index = free.get()
            n = read_into(buffers[index])
            if not n:
                break
            pending[index] = len(consumers)
            view = memoryview(buffers[index])[:n]
            for inbox in inboxes:
                inbox.put((index, view))
            size += n
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return size


def hash_file(path, from_disk=True, chunk=CHUNK):
    """(sha256 hex, size) of a file, read once in large chunks (reading and hashing overlap).

    With from_disk the bytes come from the medium itself: read with direct I/O, which bypasses the page
    cache (the kernel first writes out any dirty cached pages of the file), or, where the file system has
    no direct I/O, after the file's cached pages are dropped.
    """
    if from_disk:
        found = _hash_direct(path, chunk)
        if found is not None:
            return found
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        if from_disk:
            with contextlib.suppress(OSError):
                os.fsync(fh.fileno())  # dirty pages cannot be dropped; write them out first
            drop_cache(fh.fileno())
        if hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):
                os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        size = fan_out(fh.readinto, [digest.update], chunk)
    return digest.hexdigest(), size


def _hash_direct(path, chunk):
    """hash_file from the medium with direct I/O; None where the file system does not allow it."""
    chunk = -(-chunk // ALIGN) * ALIGN
    fd, direct = open_direct(path, os.O_RDONLY)
    try:
        if not direct:
            return None
        digest = hashlib.sha256()

        def read_into(buffer):
            return os.readv(fd, [buffer])

        try:
            size = fan_out(read_into, [digest.update], chunk, aligned=True)
        except OSError as err:
            if err.errno == errno.EINVAL:  # the file system accepted O_DIRECT at open but not for reads
                return None
            raise
        return digest.hexdigest(), size
    finally:
        os.close(fd)


RECORD = ".siak-verified"
PARTIAL = ".partial"


def _stats(folder, names):
    found = {}
    for name in names:
        st = os.stat(os.path.join(folder, name))
        found[name] = [st.st_size, st.st_mtime_ns]
    return found


def manifest_names(folder):
    """The names a folder's manifest lists, with the manifest itself (what a verification covers)."""
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
        return sorted([e["name"] for e in parse_manifest(fh.read())] + [MANIFEST])


def record_text(when, run_id, stats):
    """The verification record's text: the time, the run, and {name: [size, mtime_ns]} of every file."""
    return json.dumps({"verified_at": when, "run_id": run_id, "files": stats}, sort_keys=True) + "\n"


def write_record(folder, when, run_id=""):
    """Record that every file of folder matched its manifest at ``when`` (ISO 8601), with the size and
    mtime each file had then: a later run trusts the folder without reading it while they are unchanged."""
    stats = _stats(folder, manifest_names(folder))
    write_atomic(os.path.join(folder, RECORD), record_text(when, run_id, stats))
    return {"verified_at": when, "run_id": run_id, "files": stats}


def read_record(folder):
    """The folder's verification record when it still describes the folder's files exactly, else None."""
    try:
        with open(os.path.join(folder, RECORD), encoding="utf-8") as fh:
            record = json.load(fh)
        names = manifest_names(folder)
        if not isinstance(record, dict) or sorted(record.get("files") or {}) != names:
            return None
        if _stats(folder, names) != record["files"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def format_manifest(entries):
    """sha256sum-compatible text: '<hex>  <name>' per line, sorted by name."""
    return "".join(
        "{0}  {1}\n".format(e["sha256"], e["name"]) for e in sorted(entries, key=lambda e: e["name"])
    )


def parse_manifest(text):
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ValueError("line {0} is not '<sha256>  <file>'".format(number))
        name = parts[1].lstrip("*").strip()
        if "/" in name or name in (".", ".."):
            raise ValueError("line {0} names a path outside the folder".format(number))
        entries.append({"sha256": parts[0].lower(), "name": name})
    return entries


def write_atomic(path, text, mode=0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def _unescape(field):
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mounts():
    """Mount points of this host's mount namespace, in mount order."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            sep = parts.index("-")
            found.append(
                {"point": _unescape(parts[4]), "fstype": parts[sep + 1], "source": _unescape(parts[sep + 2])}
            )
    return found


def path_info(path):
    """Where path lives: its mount, whether it is itself a mount point, free and total bytes."""
    exists = os.path.exists(path)
    probe = os.path.realpath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    best = {"point": "/", "fstype": "", "source": ""}
    for mount in mounts():  # the last match of the longest prefix is the mount that is visible
        point = mount["point"]
        if (probe == point or probe.startswith(point.rstrip("/") + "/")) and len(point) >= len(best["point"]):
            best = mount
    stat = os.statvfs(probe)
    return {
        "exists": exists,
        "is_mount_point": exists and os.path.realpath(path) == best["point"],
        "mount_point": best["point"],
        "fstype": best["fstype"],
        "source": best["source"],
        "free_bytes": stat.f_bavail * stat.f_frsize,
        "total_bytes": stat.f_blocks * stat.f_frsize,
    }
