"""The stand-in release builder: deterministic artifacts of the size and shape asked for."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from pathlib import Path

import pytest

from siak_lab.errors import LabError
from siak_lab.standins import builder


def test_same_inputs_give_the_same_checksum(tmp_path):
    one = builder.build_release("app", "2.0", tmp_path / "a", size_bytes=10_000, files=3)
    two = builder.build_release("app", "2.0", tmp_path / "b", size_bytes=10_000, files=3)
    assert one.sha256 == two.sha256
    assert (
        tmp_path / "a" / "siak-app-2.0.tar.gz.sha256"
    ).read_text() == f"{one.sha256}  siak-app-2.0.tar.gz\n"
    assert hashlib.sha256((tmp_path / "a" / "siak-app-2.0.tar.gz").read_bytes()).hexdigest() == one.sha256


def test_a_release_carries_its_version_the_server_and_the_fillers(tmp_path):
    rel = builder.build_release("proxy", "1.5", tmp_path, size_bytes=1000, files=4, broken=True)
    with tarfile.open(rel.path) as tar:
        names = tar.getnames()
        assert tar.extractfile("VERSION").read() == b"1.5\n"  # type: ignore[union-attr]
        fillers = [m for m in tar.getmembers() if m.name.startswith("lib/part-")]
    assert {"bin/siak_standin.py", "BROKEN", "config/README.txt"} <= set(names)
    assert len(fillers) == 4 and sum(m.size for m in fillers) == 1000
    assert rel.broken and rel.files == 4 + 5


def test_zip_artifacts(tmp_path):
    rel = builder.build_release("app", "2.0", tmp_path, fmt="zip", files=2, size_bytes=10)
    assert rel.path.endswith("siak-app-2.0.zip")
    with zipfile.ZipFile(rel.path) as zf:
        assert zf.read("VERSION") == b"2.0\n"


def test_demo_set_is_v1_and_v2_of_app_proxy_and_client(tmp_path):
    made = builder.build_demo_set(tmp_path)
    assert {k: sorted(v) for k, v in made.items()} == {
        "app": ["1.0", "2.0"],
        "proxy": ["1.0", "2.0"],
        "client": ["1.0", "2.0"],
    }
    client = made["client"]["2.0"]
    assert builder.sha256_file(Path(client["path"])) == client["sha256"]
    sums = (tmp_path / "siak-client-2.0.tar.gz.sha256").read_text()
    assert sums == f"{client['sha256']}  siak-client-2.0.tar.gz\n"
    again = builder.build_demo_set(tmp_path / "again")  # the demo's package is the same every time
    assert again["client"]["2.0"]["sha256"] == client["sha256"]


@pytest.mark.parametrize(
    ("kind", "version", "fmt"), [("db", "1.0", "tar.gz"), ("app", "../1", "tar.gz"), ("app", "1.0", "rar")]
)
def test_bad_inputs_are_refused_before_anything_is_written(tmp_path, kind, version, fmt):
    with pytest.raises(LabError):
        builder.build_release(kind, version, tmp_path / "out", fmt=fmt)
    assert not (tmp_path / "out").exists()
