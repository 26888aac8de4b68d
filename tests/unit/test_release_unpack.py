"""The one-pass unpack of a release artifact: verified while it is written, nothing unsafe written."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
from ansible_collections.dukcapil.siak.plugins.module_utils import release_unpack as ru  # noqa: E402
from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_artifact as local  # noqa: E402


def make_tar(path: Path, members: list[tuple[str, bytes | None, str | None]], mode: str = "w:gz") -> str:
    """members: (name, data for a file or None, link target for a symlink or None); returns the sha256."""
    with tarfile.open(path, mode) as tar:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            elif data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_tar_gz_unpacks_and_its_sha256_is_computed_in_the_same_pass(tmp_path):
    art = tmp_path / "r.tar.gz"
    payload = os.urandom(3 << 20)
    digest = make_tar(
        art,
        [("bin", None, None), ("bin/app", payload, None), ("VERSION", b"2.0\n", None), ("cur", None, "bin")],
    )
    dest = tmp_path / "out"
    dest.mkdir()
    assert ru.unpack_artifact(str(art), str(dest), digest) == (digest, 2, len(payload) + 4)
    assert (dest / "bin/app").read_bytes() == payload
    assert os.readlink(dest / "cur") == "bin"


def test_a_wrong_sha256_fails_after_the_whole_artifact_was_read(tmp_path):
    art = tmp_path / "r.tar.gz"
    digest = make_tar(art, [("VERSION", b"2.0\n", None)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ru.UnpackError, match=f"has sha256 {digest}, not the {'0' * 64}"):
        ru.unpack_artifact(str(art), str(dest), "0" * 64)


@pytest.mark.parametrize(
    "members",
    [
        [("../evil", b"x", None)],
        [("/etc/evil", b"x", None)],
        [("lib/x", None, "../../etc")],
        # Each link alone stays inside; together they would write outside.
        [("p", None, "."), ("p/q", None, "../x"), ("p/q/evil", b"x", None)],
        [("p", None, "."), ("p/q", None, "../x")],
    ],
)
def test_members_that_would_land_outside_are_refused_before_they_are_written(tmp_path, members):
    art = tmp_path / "r.tar.gz"
    make_tar(art, members)
    dest = tmp_path / "a" / "out"
    dest.mkdir(parents=True)
    with pytest.raises(ru.UnpackError):
        ru.unpack_artifact(str(art), str(dest))
    assert not (tmp_path / "evil").exists() and not (tmp_path / "a" / "evil").exists()


def test_a_truncated_artifact_is_refused(tmp_path):
    art = tmp_path / "r.tar.gz"
    make_tar(art, [("big", os.urandom(1 << 20), None)])
    art.write_bytes(art.read_bytes()[:-5000])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ru.UnpackError):
        ru.unpack_artifact(str(art), str(dest))


def test_the_disk_reserve_stops_an_unpack_that_would_fill_the_disk(tmp_path):
    art = tmp_path / "r.tar.gz"
    make_tar(art, [("big", b"x" * 1024, None)])
    dest = tmp_path / "out"
    dest.mkdir()
    st = os.statvfs(dest)
    with pytest.raises(ru.UnpackError, match="not enough free disk"):
        ru.unpack_artifact(str(art), str(dest), reserve_bytes=st.f_bavail * st.f_frsize)


def test_a_zip_is_verified_before_it_is_unpacked(tmp_path):
    art = tmp_path / "r.zip"
    with zipfile.ZipFile(art, "w") as zf:
        zf.writestr("VERSION", "2.0\n")
        zf.writestr("lib/a.jar", "jar")
    digest = hashlib.sha256(art.read_bytes()).hexdigest()
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ru.UnpackError, match="has sha256"):
        ru.unpack_artifact(str(art), str(dest), "f" * 64)
    assert not (dest / "VERSION").exists()
    assert ru.unpack_artifact(str(art), str(dest), digest)[1] == 2


def test_shared_paths_are_seeded_once_then_linked(tmp_path):
    root, rel = tmp_path / "root", tmp_path / "root" / "releases" / "2.0"
    (rel / "config").mkdir(parents=True)
    (rel / "config" / "db.properties").write_text("from release\n")
    done = ru.link_shared(str(root), str(rel), [("d", "logs"), ("f", "config/db.properties")])
    assert done == [
        "seeded logs",
        "linked logs",
        "seeded config/db.properties",
        "linked config/db.properties",
    ]
    assert (root / "shared/config/db.properties").read_text() == "from release\n"
    (root / "shared/config/db.properties").write_text("edited on the server\n")
    again = tmp_path / "root" / "releases" / "3.0"
    (again / "config").mkdir(parents=True)
    (again / "config" / "db.properties").write_text("new default\n")
    assert ru.link_shared(str(root), str(again), [("f", "config/db.properties")]) == [
        "linked config/db.properties"
    ]
    assert (again / "config/db.properties").read_text() == "edited on the server\n"


def test_the_controller_estimate_is_at_least_the_unpacked_size(tmp_path):
    art = tmp_path / "r.tar.gz"
    make_tar(art, [("a", os.urandom(100_000), None), ("b", b"b" * 50_000, None)])
    fmt, _files, size = local.unpacked_estimate(str(art), art.stat().st_size)
    assert fmt == "tar" and size >= 150_000
