"""The verified copy's streaming core (plugins/module_utils), on local files in tmp_path.

Segments and chunks are made tiny so a small file crosses many of them; the lab tests
(tests/integration/test_backup.py) cover the module, a full tmpfs, ssh and age end to end.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.module_utils import backup_copy, backup_io

CHUNK = 16 << 10


@pytest.fixture(autouse=True)
def small_segments(monkeypatch):
    monkeypatch.setattr(backup_copy, "SEGMENT", 48 << 10)


def make_source(tmp_path: Path, size: int = (300 << 10) + 123) -> tuple[Path, bytes]:
    data = hashlib.shake_256(b"siak").digest(size)
    src = tmp_path / "master.dmp"
    src.write_bytes(data)
    return src, data


def copy(tmp_path, src, from_disk, target=None):
    return backup_copy.copy_one(
        target or backup_copy.Local(),
        str(src),
        str(tmp_path / "copy.dmp"),
        mode=0o600,
        expected="",
        recipients=[],
        params={"from_disk": from_disk},
        chunk=CHUNK,
    )


@pytest.mark.parametrize("from_disk", [True, False], ids=["medium", "cached"])
def test_a_copy_is_identical_and_its_read_back_checksum_is_the_sources(tmp_path, from_disk):
    src, data = make_source(tmp_path)
    record = copy(tmp_path, src, from_disk)
    want = hashlib.sha256(data).hexdigest()
    assert (tmp_path / "copy.dmp").read_bytes() == data
    assert (record["sha256"], record["size"]) == (want, len(data))
    assert (record["dest_sha256"], record["dest_size"]) == (want, len(data))
    assert (tmp_path / "copy.dmp").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("size", [0, CHUNK, 48 << 10, (48 << 10) + 1])
def test_empty_and_boundary_sizes(tmp_path, size):
    src, data = make_source(tmp_path, size)
    for from_disk in (True, False):
        record = copy(tmp_path, src, from_disk)
        assert record["dest_sha256"] == hashlib.sha256(data).hexdigest()
        assert record["dest_size"] == size


class Corrupting(backup_copy.LocalFile):
    """Writes one byte wrong, as a bad medium or a buggy write path would."""

    def write(self, data):
        if self.written <= 100_000 < self.written + len(data):
            data = bytearray(data)
            data[100_000 - self.written] ^= 0x01
        super().write(data)


class CorruptingTarget(backup_copy.Local):
    def open(self, path, mode, readback, chunk):
        return Corrupting(path, mode, readback, chunk)


@pytest.mark.parametrize("from_disk", [True, False], ids=["medium", "cached"])
def test_a_byte_written_wrong_is_found_by_the_read_back(tmp_path, from_disk):
    src = make_source(tmp_path)[0]
    with pytest.raises(backup_copy.CopyError, match="does not match what was written"):
        copy(tmp_path, src, from_disk, CorruptingTarget())


class FillingUp(backup_copy.LocalFile):
    def write(self, data):
        if self.written > 200_000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)
        super().write(data)


class FullTarget(backup_copy.Local):
    def open(self, path, mode, readback, chunk):
        return FillingUp(path, mode, readback, chunk)


@pytest.mark.parametrize("from_disk", [True, False], ids=["medium", "cached"])
def test_a_full_disk_fails_the_folder_copy_and_leaves_no_partial_folder(tmp_path, from_disk):
    folder = tmp_path / "21112026"
    folder.mkdir()
    src, data = make_source(folder)
    (folder / "SHA256SUMS").write_text(
        backup_io.format_manifest([{"name": src.name, "sha256": hashlib.sha256(data).hexdigest()}])
    )
    dest = tmp_path / "disk2" / "21112026"
    dest.parent.mkdir()
    with pytest.raises(OSError) as caught:
        backup_copy.copy_folder(
            FullTarget(),
            str(folder),
            str(dest),
            mode=0o600,
            recipients=[],
            params={"from_disk": from_disk},
            chunk=CHUNK,
        )
    assert caught.value.errno == errno.ENOSPC
    assert list((tmp_path / "disk2").iterdir()) == []


def test_fan_out_hands_every_chunk_in_order_to_every_consumer(tmp_path):
    src, data = make_source(tmp_path)
    seen: list[list[bytes]] = [[], []]
    with open(src, "rb", buffering=0) as fh:
        size = backup_io.fan_out(
            fh.readinto,
            [lambda v: seen[0].append(bytes(v)), lambda v: seen[1].append(bytes(v))],
            CHUNK,
            depth=2,
        )
    assert size == len(data)
    assert b"".join(seen[0]) == b"".join(seen[1]) == data


def test_fan_out_stops_reading_and_raises_a_consumers_error():
    reads = []

    def read_into(buf):
        reads.append(1)
        return len(buf)  # an endless source: only the consumer's error ends it

    def fail(view):
        raise OSError(errno.EIO, "medium error")

    with pytest.raises(OSError, match="medium error"):
        backup_io.fan_out(read_into, [lambda v: None, fail], CHUNK, depth=2)
    assert len(reads) < 10


def test_hash_file_matches_hashlib(tmp_path):
    src, data = make_source(tmp_path)
    assert backup_io.hash_file(str(src), True, CHUNK) == (hashlib.sha256(data).hexdigest(), len(data))


def test_a_verification_record_holds_only_while_the_files_are_unchanged(tmp_path):
    folder = tmp_path / "06122026"
    folder.mkdir()
    (folder / "master.dmp").write_bytes(b"dump" * 1000)
    digest = hashlib.sha256(b"dump" * 1000).hexdigest()
    (folder / backup_io.MANIFEST).write_text(f"{digest}  master.dmp\n")
    assert backup_io.read_record(str(folder)) is None  # a manifest alone is no record
    backup_io.write_record(str(folder), "2026-12-06T20:00:00+0700", "run-1")
    record = backup_io.read_record(str(folder))
    assert record["run_id"] == "run-1" and set(record["files"]) == {"master.dmp", "SHA256SUMS"}
    # One byte changed in place: same size, but the write moved the mtime: the record no longer holds.
    with open(folder / "master.dmp", "r+b") as fh:
        fh.seek(10)
        fh.write(b"X")
    assert backup_io.read_record(str(folder)) is None
    # A file gone, or a record that is not JSON: no record.
    backup_io.write_record(str(folder), "2026-12-06T20:05:00+0700")
    (folder / "master.dmp").unlink()
    assert backup_io.read_record(str(folder)) is None
    (folder / backup_io.RECORD).write_text("not json")
    assert backup_io.read_record(str(folder)) is None


def test_a_local_copy_of_a_folder_carries_its_verification_record(tmp_path):
    src = tmp_path / "src" / "06122026"
    src.mkdir(parents=True)
    (src / "master.dmp").write_bytes(b"a" * 5000)
    (src / backup_io.MANIFEST).write_text(f"{hashlib.sha256(b'a' * 5000).hexdigest()}  master.dmp\n")
    dest = tmp_path / "dest" / "06122026"
    (tmp_path / "dest").mkdir()
    params = {"from_disk": False, "age_binary": "age"}
    backup_copy.copy_folder(
        backup_copy.Local(), str(src), str(dest), mode=0o600, recipients=[], params=params, chunk=CHUNK
    )
    assert backup_io.read_record(str(dest)) is not None


def direct_io_works(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | backup_io.O_DIRECT, 0o600)
    except OSError:
        return False
    try:
        buffer = backup_io.aligned_buffer(backup_io.ALIGN)
        return os.write(fd, buffer) == backup_io.ALIGN
    except OSError:
        return False
    finally:
        os.close(fd)
        probe.unlink()


class FlippedOnTheMedium(backup_copy.LocalFile):
    """The copy lands whole, then one byte of it changes on the medium before the read-back (a bad
    block, a fake-capacity flashdisk writing over it): the read-back must see the medium's bytes."""

    def finish(self):
        super().finish()
        with open(self.path, "r+b") as fh:
            fh.seek(70_000)
            byte = fh.read(1)
            fh.seek(70_000)
            fh.write(bytes([byte[0] ^ 0x80]))
            fh.flush()
            os.fsync(fh.fileno())


class FlippingTarget(backup_copy.Local):
    def open(self, path, mode, readback, chunk):
        return FlippedOnTheMedium(path, mode, readback, chunk)


def test_a_byte_changed_on_the_medium_after_the_copy_is_found(tmp_path):
    src = make_source(tmp_path)[0]
    with pytest.raises(backup_copy.CopyError, match="does not match what was written"):
        copy(tmp_path, src, True, FlippingTarget())


def test_the_copy_goes_to_the_medium_and_is_read_back_from_it_with_direct_io(tmp_path, monkeypatch):
    if not direct_io_works(tmp_path):
        pytest.skip(f"the file system of {tmp_path} has no direct I/O")
    opened: list[tuple[str, int]] = []
    real_open = os.open

    def recording_open(path, flags, mode=0o777, **kwargs):
        opened.append((os.path.basename(path), flags))
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    writes: list[bool] = []

    class Watched(backup_copy.LocalFile):
        def write(self, data):
            super().write(data)
            writes.append(self.direct)

    class WatchedTarget(backup_copy.Local):
        def open(self, path, mode, readback, chunk):
            return Watched(path, mode, readback, chunk)

    src, data = make_source(tmp_path)  # 300 KiB and 123 bytes: the last block is not aligned
    record = copy(tmp_path, src, True, WatchedTarget())
    assert record["dest_sha256"] == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "copy.dmp").read_bytes() == data
    # Every whole chunk went straight to the medium; only the unaligned tail went through the cache.
    assert writes[:-1] == [True] * (len(writes) - 1) and writes[-1] is False
    reads = [flags for name, flags in opened if name == "copy.dmp" and not flags & (os.O_WRONLY | os.O_RDWR)]
    assert reads and all(flags & backup_io.O_DIRECT for flags in reads)
