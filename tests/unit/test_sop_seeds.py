"""The SOP tables as data equal the signed SOP texts in shared/seeds, step by step.

The seeds sit beside the repository (../shared/seeds), where CI and every developer have them;
SIAK_SOP_SEEDS points elsewhere. A clone without them skips with the reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Waktu, load_sop

SEEDS = Path(os.environ.get("SIAK_SOP_SEEDS", Path(__file__).resolve().parents[3] / "shared" / "seeds"))
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"SOP seed texts not found at {SEEDS}")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("<p>", " ")).strip()


def parse_waktu(text: str) -> Waktu:
    text = text.strip()
    if not text:
        return Waktu()
    if "jam pelayanan" in text.lower():
        return Waktu(after_service_hours=True)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return Waktu(min_minutes=numbers[0], max_minutes=numbers[-1])


def seed_rows(marker: str) -> list[list[str]]:
    """Table rows of the seed whose text contains ``marker``: lines that start with a step number."""
    (path,) = [p for p in SEEDS.glob("*.txt") if marker in p.read_text(encoding="utf-8")]
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) > 3 and cells[0].strip().isdigit():
            rows.append([c.strip() for c in cells])
    return rows


def test_piak15_equals_seed():
    # Columns: No, Kegiatan, ADB, Operator, SubKoord, Kabid, Kelengkapan, Waktu, Output, Keterangan
    rows = seed_rows("SOP-PIAK-15")
    sop = load_sop("sop_piak_15")
    assert len(rows) == len(sop.steps) == 13
    for row, step in zip(rows, sop.steps, strict=True):
        assert int(row[0]) == step.number, step.id
        assert norm(row[1]) == norm(step.kegiatan), step.id
        assert norm(row[6]) == norm(step.kelengkapan), step.id
        assert parse_waktu(row[7]) == step.waktu, step.id
        assert norm(row[8]) == norm(step.output), step.id
        assert norm(row[9] if len(row) > 9 else "") == norm(step.keterangan), step.id


def test_backup_equals_seed():
    # Columns: No, Kegiatan, ADB, Kasi, Kabid, Kelengkapan, Waktu, Output, Keterangan
    rows = seed_rows("SOP BACKUP DATABASE KEPENDUDUKAN")
    sop = load_sop("backup_db")
    assert len(rows) == len(sop.steps) == 6
    for row, step in zip(rows, sop.steps, strict=True):
        assert int(row[0]) == step.number, step.id
        assert norm(row[1]) == norm(step.kegiatan), step.id
        assert norm(row[5]) == norm(step.kelengkapan), step.id
        assert parse_waktu(row[6]) == step.waktu, step.id
        assert norm(row[7]) == norm(step.output), step.id
