"""The one-pass unpack of a release artifact: verified while it is written, nothing unsafe written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
from ansible_collections.dukcapil.siak.plugins.module_utils import release_unpack as ru  # noqa: E402


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


def test_an_artifact_damaged_on_its_way_is_reported_by_its_checksum(tmp_path):
    """A byte changed in the compressed stream breaks the gzip check before the end: with a checksum given,
    the rest is hashed and the failure is that this is not the artifact that was asked for."""
    art = tmp_path / "r.tar.gz"
    digest = make_tar(art, [("big", os.urandom(1 << 20), None), ("VERSION", b"2.0\n", None)])
    data = bytearray(art.read_bytes())
    data[len(data) // 2] ^= 0xFF
    art.write_bytes(bytes(data))
    damaged = hashlib.sha256(bytes(data)).hexdigest()
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ru.ChecksumMismatch) as raised:
        ru.unpack_artifact(str(art), str(dest), digest)
    assert (raised.value.got, raised.value.expected) == (damaged, digest)
    # Without a checksum to compare, the reading error itself is the failure.
    again = tmp_path / "again"
    again.mkdir()
    with pytest.raises(ru.UnpackError) as unchecked:
        ru.unpack_artifact(str(art), str(again), "")
    assert not isinstance(unchecked.value, ru.ChecksumMismatch)


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


def test_the_measure_gives_at_least_the_unpacked_size_without_unpacking(tmp_path):
    art = tmp_path / "r.tar.gz"
    digest = make_tar(art, [("a", os.urandom(100_000), None), ("b", b"b" * 50_000, None)])
    info = ru.measure(str(art))
    assert info["format"] == "tar" and info["unpacked_bytes"] >= 150_000
    assert info["sha256"] == digest and info["size_bytes"] == art.stat().st_size
    plain = tmp_path / "r.tar"
    make_tar(plain, [("a", b"x" * 70_000, None)], mode="w")
    assert ru.measure(str(plain))["unpacked_bytes"] >= 70_000
    packed = tmp_path / "r.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        zf.writestr("bin/app", b"y" * 40_000)
        zf.writestr("VERSION", "2.0\n")
    assert {k: ru.measure(str(packed))[k] for k in ("format", "files", "unpacked_bytes")} == {
        "format": "zip",
        "files": 2,
        "unpacked_bytes": 40_004,
    }


def test_an_artifact_that_cannot_be_measured_is_refused_naming_it(tmp_path):
    """Missing, not an archive, a zip with a member outside: each a reason naming the artifact. (A cut tar.gz is
    measured from its trailer; its sha256 differs from the expected one, and the unpack refuses it too.)"""
    bad_zip = tmp_path / "out.zip"
    with zipfile.ZipFile(bad_zip, "w") as zf:
        zf.writestr("../../etc/cron.d/x", "boom")
    text = tmp_path / "notes.tar"
    text.write_bytes(b"not an archive at all, only some words" * 20)
    cases = {
        str(tmp_path / "nothing.tar.gz"): (ru.NO_ARTIFACT, None),
        str(bad_zip): (ru.ARTIFACT_REFUSED, ru.MEMBER_OUTSIDE),
        str(text): (ru.ARTIFACT_REFUSED, ru.NOT_AN_ARCHIVE),
    }
    for path, (message, inner) in cases.items():
        with pytest.raises(ru.UnpackError) as raised:
            ru.measure(path)
        reason = raised.value.reason
        assert reason.message == message and reason.values["path"] == path, (path, reason)
        if inner:
            assert reason.values["why"].message == inner, (path, reason)


# An artifact at a URL, unpacked as it arrives: a real HTTP server on loopback, cut on purpose where asked.


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "releases").mkdir(parents=True)
    (root / ".incoming").mkdir()
    return root


def _fetch(url: str, root: Path) -> ru.Fetch:
    return ru.Fetch(url, str(root / ".incoming" / "2.0.part"), timeout=10, who="the distribution point")


def test_a_tar_gz_at_a_url_is_unpacked_as_it_arrives_and_never_lands_on_the_disk(served, tmp_path):
    www, base = served
    payload = os.urandom(3 << 20)
    digest = make_tar(www / "r.tar.gz", [("bin", None, None), ("bin/app", payload, None)])
    root = _root(tmp_path)
    fetch = _fetch(f"{base}/r.tar.gz", root)
    got = ru.stage(str(root), "2.0", str(root / "releases" / ".2.0.partial-1"), fetch, sha256=digest)
    assert got["sha256"] == digest and fetch.bytes == (www / "r.tar.gz").stat().st_size
    assert (root / "releases" / "2.0" / "bin" / "app").read_bytes() == payload
    assert list((root / ".incoming").iterdir()) == []
    assert json.loads((root / "releases" / "2.0" / ru.MARKER).read_text())["sha256"] == digest


def test_a_zip_at_a_url_is_written_first_then_verified_and_unpacked(served, tmp_path):
    www, base = served
    with zipfile.ZipFile(www / "r.zip", "w") as zf:
        zf.writestr("VERSION", "2.0\n")
    digest = hashlib.sha256((www / "r.zip").read_bytes()).hexdigest()
    root = _root(tmp_path)
    fetch = _fetch(f"{base}/r.zip", root)
    ru.stage(str(root), "2.0", str(root / "releases" / ".2.0.partial-1"), fetch, sha256=digest)
    assert (root / "releases" / "2.0" / "VERSION").read_text() == "2.0\n"
    assert Path(fetch.spool).is_file()  # the caller removes it


def test_a_wrong_checksum_at_a_url_leaves_no_release_and_no_unpack_folder(served, tmp_path):
    www, base = served
    digest = make_tar(www / "r.tar.gz", [("VERSION", b"2.0\n", None)])
    root = _root(tmp_path)
    with pytest.raises(ru.ChecksumMismatch) as raised:
        ru.stage(str(root), "2.0", str(root / "releases" / ".2.0.partial-1"), _fetch(f"{base}/r.tar.gz", root),
                 sha256="0" * 64)  # fmt: skip
    assert raised.value.got == digest and raised.value.expected == "0" * 64
    assert list((root / "releases").iterdir()) == []


def test_a_transfer_cut_short_names_the_url_and_leaves_nothing(served, tmp_path):
    www, base = served
    digest = make_tar(www / "cut-r.tar.gz", [("big", os.urandom(2 << 20), None)])
    root = _root(tmp_path)
    with pytest.raises(
        ru.FetchError, match=r"the distribution point stopped sending .*cut-r\.tar\.gz after \d+ bytes"
    ):
        ru.stage(str(root), "2.0", str(root / "releases" / ".2.0.partial-1"),
                 _fetch(f"{base}/cut-r.tar.gz", root), sha256=digest)  # fmt: skip
    assert list((root / "releases").iterdir()) == []


def test_a_missing_artifact_and_a_dead_address_are_named(served, tmp_path):
    import socket

    _www, base = served
    root = _root(tmp_path)
    partial = str(root / "releases" / ".2.0.partial-1")
    with pytest.raises(
        ru.FetchError, match=r"the distribution point answered 404 Not Found for .*/nothing\.tar\.gz"
    ):
        ru.stage(str(root), "2.0", partial, _fetch(f"{base}/nothing.tar.gz", root))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with pytest.raises(ru.FetchError, match=f"did not answer at http://127.0.0.1:{dead}/"):
        ru.stage(str(root), "2.0", partial, _fetch(f"http://127.0.0.1:{dead}/r.tar.gz", root))
    assert list((root / "releases").iterdir()) == []
