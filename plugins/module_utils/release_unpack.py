# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release library's safe unpack: read an artifact once, hash it and write its members in the same pass.

One reader feeds both the sha256 and the decompressor, and every tar member is checked before it is
written: it stays inside the release (no absolute path, no ``..``, nothing written through a link), links
point inside the release, and devices, fifos and other special files are refused; setuid, setgid and
sticky bits are dropped (a member's mode is masked to 0755), names are whatever the file system takes (an
over-long one fails the unpack). These are the rules of tarfile's ``data`` extraction filter, applied
while the stream is read, so the artifact is not read twice. A second thread reads, hashes and inflates
while the first writes files: hashlib, zlib and file writes all release the GIL.

A zip is read from its end, so it is hashed first and unpacked only once its checksum is right.
An artifact at an http(s) URL (Fetch) is unpacked as it arrives, with no copy of it on the disk: the unpack
folder is hidden and removed when the checksum turns out wrong, so nothing half-fetched is ever a release.
A zip there is first written to a ``.part`` file. Standard library only; the modules release_unpack and
client_release call it.

Why an artifact cannot become a release reaches the office (a failed step's reason, a client PC's row in the
Laporan), so each failure carries a ``Reason`` (release.py): English for ``str()``, with its catalogue message
and values, said on the controller in the run's language. What the system itself answered (an OS error, an
HTTP reason) is quoted as it came.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import shutil
import stat
import tarfile
import threading
import zipfile
import zlib

from ansible_collections.dukcapil.siak.plugins.module_utils.release import (
    CHUNK,
    MARKER,
    N_,
    Reason,
    file_sha256,
    is_release_name,
    is_safe_link,
    is_safe_member,
)

# Who serves an artifact at a URL (Fetch's ``who``), named in its failures.
THE_SERVER = N_("the server")
THE_DISTRIBUTION_POINT = N_("the distribution point")
# The reasons an artifact cannot become a release.
CHECKSUM_DIFFERS = N_(
    "the artifact that reached the server has sha256 {got}, not the {expected} that was given"
)
ANSWERED = N_("{who} answered {code} {status} for {url}")
NO_ANSWER = N_("{who} did not answer at {url}: {error}")
STOPPED_SHORT = N_("{who} stopped sending {url} after {received} bytes, {left} short")
STOPPED = N_("{who} stopped sending {url}: {error}")
GZIP_CUT = N_("the gzip stream ends early (truncated artifact)")
MEMBER_OUTSIDE = N_("member {name} would land outside the release directory")
MEMBER_THROUGH_LINK = N_("member {name} would be written through a link out of the release")
MEMBER_REPLACES_LINK = N_("member {name} replaces a link with a folder")
LINK_OUTSIDE = N_("member {name} -> {target} points outside the release")
HARDLINK_OUTSIDE = N_("member {name} links to {target}, which is not a file of the release")
DISK_FULL = N_("not enough free disk: the release needs more than the free space allows")
MEMBER_CUT = N_("member {name} is cut short (truncated artifact)")
MEMBER_SPECIAL = N_("member {name} is a device or special file")
NOT_AN_ARCHIVE = N_("not a readable tar.gz, tar or zip archive: {error}")
NOT_A_ZIP = N_("not a readable zip archive: {error}")
STARTS_WITH = N_("it starts with {start}")
NOT_A_NAME = N_("release name {name} is not a plain folder name")
NOT_AN_UNPACK_FOLDER = N_("{partial} is not an unpack folder under {releases}")
NO_ARTIFACT = N_("artifact {path} does not exist on the server or is not a file")
# An artifact refused before anything is written, around NOT_AN_ARCHIVE or MEMBER_OUTSIDE.
ARTIFACT_REFUSED = N_("artifact {path}: {why}")
SHARED_OUT = N_("shared path {path} leads out of the release through a link")
NOT_THE_RELEASE = N_("the artifact has no {path}: it is not a release of what was asked for")
# The release_unpack module's failure, around one of the reasons above.
CANNOT_STAGE = N_(
    "cannot stage release {name} from {source}: {why}; the unfinished unpack was removed, nothing was switched"
)


class UnpackError(Exception):
    """The artifact cannot become a release (unsafe member, not an archive, checksum, disk). Its argument is a
    Reason, or the system's own words (an OSError's), which ``reason`` gives."""

    @property
    def reason(self):
        return self.args[0] if self.args and isinstance(self.args[0], Reason) else str(self)


class ChecksumMismatch(UnpackError):
    """The artifact is not the one that was asked for: its sha256 is ``got``, not ``expected``."""

    def __init__(self, got, expected):
        super().__init__(Reason(CHECKSUM_DIFFERS, got=got, expected=expected))
        self.got, self.expected = got, expected


class FetchError(UnpackError):
    """The artifact's URL did not answer, answered with an error, or stopped sending."""


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class Fetch:
    """An artifact at an http(s) URL, read as it arrives (a file-like object once opened).

    ``spool``: where a zip goes first (it is read from its end); the caller removes it. ``bytes``: how many
    bytes arrived. Every failure is a FetchError naming ``who`` (a catalogue message such as
    THE_DISTRIBUTION_POINT) and the URL. Proxies from the environment apply, as for any download the operator
    asked for.
    """

    def __init__(
        self, url, spool, timeout=60, validate_certs=True, *, user_agent="dukcapil.siak", who=THE_SERVER
    ):
        self.url, self.spool, self.timeout, self.validate_certs = url, spool, timeout, validate_certs
        self.user_agent, self.who = user_agent, who if isinstance(who, Reason) else Reason(who)
        self.bytes = 0
        self._response = None
        self._head = b""
        self._cut = ()  # the errors of a transfer cut short, known once http.client is imported

    def open(self):
        import http.client
        import ssl
        import urllib.error
        import urllib.request

        handlers = []
        if self.url.lower().startswith("https:"):
            context = ssl.create_default_context()
            if not self.validate_certs:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=context))
        request = urllib.request.Request(self.url, headers={"User-Agent": self.user_agent})
        self._cut = (http.client.HTTPException, OSError, ValueError)
        try:
            self._response = urllib.request.build_opener(*handlers).open(request, timeout=self.timeout)
            self._head = self._read(4)
        except urllib.error.HTTPError as err:
            raise FetchError(
                Reason(ANSWERED, who=self.who, code=err.code, status=str(err.reason), url=self.url)
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            raise FetchError(Reason(NO_ANSWER, who=self.who, url=self.url, error=str(reason))) from None
        return self

    def is_zip(self):
        return self._head.startswith(ZIP_MAGIC)

    def _read(self, size):
        block = self._response.read(size)
        self.bytes += len(block)
        left = getattr(self._response, "length", None)
        if not block and size and left:
            # http.client ends a body cut short before its Content-Length as if it were complete.
            raise FetchError(
                Reason(STOPPED_SHORT, who=self.who, url=self.url, received=self.bytes, left=left)
            )
        return block

    def read(self, size=-1):
        head, self._head = self._head, b""
        if size is not None and 0 <= size <= len(head):
            self._head = head[size:]
            return head[:size]
        try:
            return head + self._read(size - len(head) if size is not None and size >= 0 else -1)
        except self._cut as err:
            raise FetchError(Reason(STOPPED, who=self.who, url=self.url, error=str(err))) from None

    def save(self):
        """Write what arrives to ``spool`` (created 0600)."""
        fd = os.open(self.spool, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: self.read(CHUNK), b""):
                out.write(block)
        self.close()

    def close(self):
        if self._response is not None:
            self._response.close()


class _Pipe:
    """File-like reader of the decompressed stream, filled by a thread that reads, hashes and inflates."""

    def __init__(self, fh):
        self._fh = fh
        self.digest = hashlib.sha256()
        self.compressed = 0
        self._inflate = None  # decided by the first bytes: gzip (1f 8b) or a plain tar
        self._q = queue.Queue(maxsize=8)
        self._buf = b""
        self._pos = 0
        self._done = False
        self.error = None
        self._stop = False
        self._thread = threading.Thread(target=self._fill, daemon=True)
        self._thread.start()

    def _fill(self):
        try:
            while not self._stop:
                raw = self._fh.read(CHUNK)
                if not raw:
                    break
                if not self.compressed and raw[:2] == b"\x1f\x8b":
                    self._inflate = zlib.decompressobj(31)
                self.compressed += len(raw)
                self.digest.update(raw)
                if self._inflate is None:
                    self._q.put(raw)
                    continue
                if self._inflate.eof:
                    continue  # trailing bytes after the gzip member still count for the checksum
                data = self._inflate.decompress(raw)
                if data:
                    self._q.put(data)
            if self._inflate is not None and not self._inflate.eof and not self._stop:
                raise UnpackError(Reason(GZIP_CUT))
        except (OSError, zlib.error, UnpackError) as err:
            self.error = err
        finally:
            self._q.put(None)

    def read(self, size=-1):
        while not self._done and (size < 0 or len(self._buf) - self._pos < size):
            piece = self._q.get()
            if piece is None:
                self._done = True
                break
            self._buf = self._buf[self._pos :] + piece
            self._pos = 0
        if size < 0:
            size = len(self._buf) - self._pos
        out = self._buf[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def finish(self):
        """Read to the end (the tar's trailing blocks and the gzip trailer belong to the checksum)."""
        while not self._done:
            if self._q.get() is None:
                self._done = True
        self._thread.join()
        if self.error is not None:
            raise _as_unpack_error(self.error)  # the artifact stays open for drain() or abort()
        self._release()
        return self.digest.hexdigest()

    def _halt(self):
        self._stop = True
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._q.get(timeout=0.1)

    def abort(self):
        self._halt()
        self._release()

    def drain(self):
        """After a failure: stop inflating, hash the rest of the artifact as it is and return its sha256, or
        None when the rest cannot be read."""
        self._halt()
        try:
            for raw in iter(lambda: self._fh.read(CHUNK), b""):
                self.digest.update(raw)
            return self.digest.hexdigest()
        except (OSError, UnpackError):
            return None
        finally:
            self._release()

    def _release(self):
        self._fh.close()


def _as_unpack_error(err):
    return err if isinstance(err, UnpackError) else UnpackError(str(err))


class _Writer:
    """Writes members under dest, refusing anything that would land outside it."""

    def __init__(self, dest, reserve_bytes):
        self.dest = os.path.realpath(dest)
        self.links = set()
        # Real folders under dest this run made or checked: 5,000 files in a few folders would otherwise cost
        # a makedirs (three lookups) each. Forgotten whenever the archive makes a link.
        self.folders = {self.dest}
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.files = 0
        self.bytes = 0
        st = os.statvfs(self.dest)
        self.budget = st.f_bavail * st.f_frsize - max(int(reserve_bytes), 0)

    def _target(self, name):
        if not is_safe_member(name):
            raise UnpackError(Reason(MEMBER_OUTSIDE, name=name))
        rel = os.path.normpath(name)
        if rel == ".":
            return None
        parts = rel.split("/")
        # A member below a link the archive made is checked where it really lands.
        if any("/".join(parts[:i]) in self.links for i in range(1, len(parts))):
            parent = os.path.realpath(os.path.join(self.dest, os.path.dirname(rel)))
            if parent != self.dest and not parent.startswith(self.dest + os.sep):
                raise UnpackError(Reason(MEMBER_THROUGH_LINK, name=name))
        return rel, os.path.join(self.dest, rel)

    def _clear(self, path):
        if os.path.lexists(path) and not (os.path.isdir(path) and not os.path.islink(path)):
            os.unlink(path)

    def directory(self, name, mode):
        target = self._target(name)
        if target is None:
            return
        path = target[1]
        if os.path.islink(path):
            raise UnpackError(Reason(MEMBER_REPLACES_LINK, name=name))
        os.makedirs(path, exist_ok=True)
        os.chmod(path, (mode & 0o755) | 0o700)
        self.folders.add(path)

    def _folder_of(self, path):
        parent = os.path.dirname(path)
        if parent not in self.folders:
            os.makedirs(parent, exist_ok=True)
            self.folders.add(parent)

    def symlink(self, name, link_target):
        rel, path = self._target(name)
        self.folders = {self.dest}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Lexically inside, and inside from where the link really lands (its folder may be a link too).
        lands = os.path.normpath(os.path.join(os.path.realpath(os.path.dirname(path)), link_target))
        inside = lands == self.dest or lands.startswith(self.dest + os.sep)
        if not is_safe_link(rel, link_target) or not inside:
            raise UnpackError(Reason(LINK_OUTSIDE, name=name, target=link_target))
        self._clear(path)
        os.symlink(link_target, path)
        self.links.add(rel)

    def hardlink(self, name, link_to):
        path = self._target(name)[1]
        source = self._target(link_to)
        if source is None or not os.path.isfile(source[1]):
            raise UnpackError(Reason(HARDLINK_OUTSIDE, name=name, target=link_to))
        self.folders = {self.dest}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._clear(path)
        os.link(source[1], path)
        self.files += 1

    def file(self, name, mode, size, source, mtime=None):
        path = self._target(name)[1]
        if self.bytes + size > self.budget:
            raise UnpackError(Reason(DISK_FULL))
        self._folder_of(path)
        flags, want = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode & 0o755
        try:
            fd = os.open(path, flags, want)
        except FileExistsError:
            # The archive names this path a second time: the later member wins, as with tar (never a folder).
            self._clear(path)
            fd = os.open(path, flags, want)
        with os.fdopen(fd, "wb") as out:
            left = size
            while left > 0:
                block = source.read(min(left, CHUNK))
                if not block:
                    raise UnpackError(Reason(MEMBER_CUT, name=name))
                out.write(block)
                left -= len(block)
            if want & ~self.umask != want:  # the umask took bits the member asks for
                os.fchmod(out.fileno(), want)
            if mtime is not None:
                os.utime(out.fileno(), (mtime, mtime))
        self.files += 1
        self.bytes += size


def _unpack_tar(fh, writer, expected=""):
    pipe = _Pipe(fh)
    try:
        with tarfile.open(fileobj=pipe, mode="r|", bufsize=1 << 16) as tar:
            for member in tar:
                if member.isdir():
                    writer.directory(member.name, member.mode)
                elif member.isfile():
                    writer.file(member.name, member.mode, member.size, tar.extractfile(member), member.mtime)
                elif member.issym():
                    writer.symlink(member.name, member.linkname)
                elif member.islnk():
                    writer.hardlink(member.name, member.linkname)
                else:
                    raise UnpackError(Reason(MEMBER_SPECIAL, name=member.name))
        return pipe.finish()
    except (tarfile.TarError, EOFError, UnpackError) as err:
        if pipe.error is not None:
            failure = _as_unpack_error(pipe.error)
        elif isinstance(err, UnpackError):
            failure = err
        else:
            failure = UnpackError(Reason(NOT_AN_ARCHIVE, error=str(err)))
        unreadable = pipe.error is not None or not isinstance(err, UnpackError)
        if expected and unreadable and not isinstance(failure, FetchError):
            # An artifact that cannot be read is most often not the one that was asked for (damaged on its
            # way): its checksum says so, which is the failure to report.
            digest = pipe.drain()
            if digest is not None and digest != expected:
                raise ChecksumMismatch(digest, expected) from None
        else:
            pipe.abort()
        raise failure from None
    except BaseException:
        pipe.abort()
        raise


def _unpack_zip(path, writer, expected):
    # A zip is read from its end (the central directory), so it cannot be hashed while it unpacks:
    # hash it first and unpack only a verified artifact.
    digest = file_sha256(path)
    if expected and digest != expected:
        return digest
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                mode = (info.external_attr >> 16) & 0o7777 or 0o644
                kind = stat.S_IFMT(info.external_attr >> 16)
                if info.is_dir():
                    writer.directory(info.filename, mode | 0o755)
                elif kind == stat.S_IFLNK:
                    writer.symlink(info.filename.rstrip("/"), zf.read(info).decode("utf-8", "replace"))
                else:
                    with zf.open(info) as source:
                        writer.file(info.filename, mode, info.file_size, source)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise UnpackError(Reason(NOT_A_ZIP, error=str(err))) from None
    return digest


def unpack_artifact(artifact, dest, expected_sha256="", reserve_bytes=0):
    """Unpack ``artifact`` (a path, or a Fetch) into the existing folder ``dest``; returns (sha256, files,
    bytes).

    Raises UnpackError when the artifact is not a safe, readable archive, does not fit on the disk or
    (with ``expected_sha256``) is not the artifact that was asked for (ChecksumMismatch). The caller removes
    ``dest`` then.
    """
    expected = (expected_sha256 or "").lower()
    writer = _Writer(dest, reserve_bytes)
    if isinstance(artifact, Fetch):
        artifact.open()
        if artifact.is_zip():
            artifact.save()
            digest = _unpack_zip(artifact.spool, writer, expected)
        else:
            digest = _unpack_tar(artifact, writer, expected)
    elif zipfile.is_zipfile(artifact):
        digest = _unpack_zip(artifact, writer, expected)
    else:
        digest = _unpack_tar(open(artifact, "rb", buffering=0), writer, expected)  # noqa: SIM115 - the pipe closes it
    if expected and digest != expected:
        raise ChecksumMismatch(digest, expected)
    return digest, writer.files, writer.bytes


def _gzip_isize(path, size):
    """The gzip trailer's uncompressed size (modulo 4 GiB), or None for a file too short to have one."""
    if size < 18:
        return None
    with open(path, "rb") as fh:
        fh.seek(-4, os.SEEK_END)
        return int.from_bytes(fh.read(4), "little")


def _unpacked_estimate(path, size):
    """(format, files or None, bytes) from the archive's own bookkeeping: a zip's central directory, a gzip's
    trailer (the size of the tar stream, at least the size of its files), a plain tar's own size. Never
    smaller than what the release needs, except for a gzip past 4 GiB, whose members are then counted."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
        unsafe = [i.filename for i in infos if not is_safe_member(i.filename)]
        if unsafe:
            raise UnpackError(Reason(MEMBER_OUTSIDE, name=unsafe[0]))
        files = [i for i in infos if not i.is_dir()]
        return "zip", len(files), sum(i.file_size for i in files)
    with open(path, "rb") as fh:
        magic = fh.read(262)
    if magic[:2] == b"\x1f\x8b":
        isize = _gzip_isize(path, size)
        # The trailer counts modulo 4 GiB: when it is smaller than the artifact itself it has wrapped
        # (or the gzip has several members), so count the members the slow way.
        if isize is not None and isize >= size:
            return "tar", None, isize
    elif magic[257:262] == b"ustar" or not magic:
        return "tar", None, size
    files = total = 0
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed below; opening is what may fail here
    except tarfile.ReadError:
        # No format recognised it: what the file starts with tells the ADB what it is (an error page, a note).
        start = "".join(c if c.isprintable() else "\u00b7" for c in magic[:40].decode("utf-8", "replace"))
        raise UnpackError(Reason(NOT_AN_ARCHIVE, error=Reason(STARTS_WITH, start=start.strip()))) from None
    with tar:
        for member in tar:
            if member.isfile():
                files, total = files + 1, total + member.size
    return "tar", files, total


def measure(path):
    """What step 5 decides with, read without unpacking: the artifact's sha256 and size, its format, and how
    many files and bytes it unpacks to (``files`` is None when only the total is known cheaply).

    A tar's members are checked for safety when they are unpacked (unpack_artifact); a zip's names, which its
    central directory lists for free, here already. Raises UnpackError with an ARTIFACT_REFUSED or NO_ARTIFACT
    reason when the artifact is missing, unreadable or unsafe. The controller (release_open's action) and
    the server (the release_archive_info module) both measure with this.
    """
    if not os.path.isfile(path):
        raise UnpackError(Reason(NO_ARTIFACT, path=path))
    try:
        size = os.path.getsize(path)
        fmt, files, unpacked = _unpacked_estimate(path, size)
        digest = file_sha256(path)
    except UnpackError as err:
        why = err.reason
    except (EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error) as err:
        why = Reason(NOT_AN_ARCHIVE, error=str(err))
    except OSError as err:  # the system's own words: permission denied, an I/O error
        why = err.strerror or str(err)
    else:
        return {
            "sha256": digest,
            "size_bytes": size,
            "format": fmt,
            "files": files,
            "unpacked_bytes": unpacked,
        }
    raise UnpackError(Reason(ARTIFACT_REFUSED, path=path, why=why))


def link_shared(root, release, specs):
    """ansistrano's shared paths: ``<release>/<p>`` becomes a link to ``<root>/shared/<p>``.

    ``specs`` are (kind, path) with kind ``d`` (folder) or ``f`` (file). One missing from shared/ is
    seeded once from the release's own copy (or created empty), never overwritten. Returns what was done.
    """
    done = []
    for kind, rel in specs:
        shared = os.path.join(root, "shared", rel)
        target = os.path.join(release, rel)
        os.makedirs(os.path.dirname(shared), exist_ok=True)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(shared):
            if os.path.lexists(target) and not os.path.islink(target):
                if os.path.isdir(target):
                    shutil.copytree(target, shared, symlinks=True)
                else:
                    shutil.copy2(target, shared)
            elif kind == "d":
                os.makedirs(shared)
            else:
                fd = os.open(shared, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
                os.close(fd)
                os.chmod(shared, 0o640)
            done.append("seeded " + rel)
        current = os.readlink(target) if os.path.islink(target) else None
        if current != shared:
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.unlink(target)
            os.symlink(shared, target)
            done.append("linked " + rel)
    return done


def _inside(root, path):
    root = os.path.realpath(root)
    real = os.path.realpath(os.path.dirname(path))
    return real == root or real.startswith(root + os.sep)


def marker_text(marker, sha256):
    """A release's completion marker as written: ``marker`` with the sha256 of its artifact, keys sorted."""
    return json.dumps(dict(marker or {}, sha256=sha256), sort_keys=True) + "\n"


def stage(
    root,
    name,
    partial,
    artifact,
    *,
    sha256="",
    reserve_bytes=0,
    shared_paths=(),
    shared_files=(),
    marker=None,
    marker_name=None,
    require=(),
):
    """Make ``<root>/releases/<name>`` from ``artifact`` (a path on this host, or a Fetch), never touching the
    live release.

    Unpacks into ``partial`` (a hidden folder under releases/, so nothing takes it for a release), links the
    shared paths, writes the marker (with the sha256 computed during the unpack) and renames ``partial`` to
    its name in one rename. ``require``: paths the release must hold (a client's entry point). Any failure
    removes ``partial`` and raises UnpackError. Returns
    {path, sha256, files, unpacked_bytes, shared}.
    """
    releases = os.path.join(root, "releases")
    final = os.path.join(releases, name)
    if not is_release_name(name):
        raise UnpackError(Reason(NOT_A_NAME, name=name))
    if os.path.dirname(partial) != releases or not os.path.basename(partial).startswith("."):
        raise UnpackError(Reason(NOT_AN_UNPACK_FOLDER, partial=partial, releases=releases))
    if not isinstance(artifact, Fetch) and not os.path.isfile(artifact):
        raise UnpackError(Reason(NO_ARTIFACT, path=artifact))
    try:
        for folder in (releases, os.path.join(root, "shared")):
            os.makedirs(folder, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        os.mkdir(partial, 0o755)
        digest, files, size = unpack_artifact(artifact, partial, sha256, reserve_bytes)
        specs = [("d", x) for x in shared_paths] + [("f", x) for x in shared_files]
        for _kind, rel in specs:
            if not _inside(partial, os.path.join(partial, rel)):
                raise UnpackError(Reason(SHARED_OUT, path=rel))
        shared = link_shared(root, partial, specs)
        for rel in require:
            if not os.path.lexists(os.path.join(partial, rel)):
                raise UnpackError(Reason(NOT_THE_RELEASE, path=rel))
        with open(os.path.join(partial, marker_name or MARKER), "w", encoding="utf-8") as fh:
            fh.write(marker_text(marker, digest))
        if os.path.lexists(final):
            if os.path.isdir(final) and not os.path.islink(final):
                shutil.rmtree(final)
            else:
                os.unlink(final)
        os.rename(partial, final)
    except (ChecksumMismatch, FetchError):
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except (UnpackError, OSError) as err:
        shutil.rmtree(partial, ignore_errors=True)
        raise UnpackError(err.reason if isinstance(err, UnpackError) else str(err)) from None
    finally:
        if isinstance(artifact, Fetch):
            artifact.close()
    return {"path": final, "sha256": digest, "files": files, "unpacked_bytes": size, "shared": shared}
