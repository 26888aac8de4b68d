"""The SOP-PIAK-15 upgrade report (the second steps 9 and 10): verdicts, rows, languages, signatures."""

from __future__ import annotations

import pytest

from siak_sop.errors import SiakError
from siak_sop.upgrade_report import build, local_date, render_markdown, verdict

RESULTS = {
    "siak_server": {
        "siak-host": {
            "kind": "physical",
            "state_before": "running",
            "logged_in_as": "adb",
            "result": "already_running",
        },
        "vm-siak": {
            "kind": "vm",
            "state_before": "off",
            "backend": "libvirt",
            "hypervisor": "siak-host",
            "answered_after_s": 14,
            "result": "started",
        },
    },
    "siak_upgrade": {
        "vm-siak": {
            "from_version": "1.0",
            "to_version": "2.0",
            "sha256": "ab" * 32,
            "duration_s": 41.2,
            "result": "updated",
        }
    },
}
META = {"run_id": "r1", "time": "2026-11-21T12:30:00+00:00", "office": "Disdukcapil Kab. Contoh"}


def test_the_report_for_the_sub_koordinator_in_bahasa_indonesia():
    text = render_markdown(build(RESULTS, META))
    assert text.startswith("# Laporan Hasil Pemutakhiran Versi Aplikasi SIAK\n")
    assert "| Tanggal | 2026-11-21 19:30 WIB |" in text
    assert "**BERHASIL: semua host yang dijalankan selesai**" in text
    assert "## Server fisik dan VM server SIAK (Langkah 2-4)" in text
    assert "| siak-host | server fisik | berjalan | - | adb | - | sudah berjalan |" in text
    assert "| vm-siak | VM | mati | libvirt @ siak-host | - | 14 | dinyalakan |" in text
    assert "| vm-siak | 1.0 | 2.0 | `abababababababab…` | 41.2 | berhasil diperbarui |" in text
    assert "## Proxy SIAK pada server (Langkah 7-8)\n\n_tidak ada hasil dalam run ini_" in text
    assert "| Dibuat oleh | Diterima oleh |\n|---|---|\n| ADB | Sub Koordinator |" in text
    assert "Kepala Bidang" not in text


def test_the_report_for_the_kepala_bidang_in_english():
    text = render_markdown(build(RESULTS, META), audience="kepala_bidang", lang="en")
    assert text.startswith("# SIAK Version Upgrade Report\n")
    assert (
        "| Prepared by | Passed on by | Received by |\n|---|---|---|\n| ADB | Sub Koordinator | Kepala Bidang |"
        in text
    )
    assert "| vm-siak | VM | off | libvirt @ siak-host | - | 14 | started |" in text


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({}, "empty"),
        ({"siak_upgrade": {"a": {"result": "updated"}, "b": {"result": "unchanged"}}}, "ok"),
        ({"client_rollout": {"pc01": {"result": "updated"}, "pc02": {"result": "offline"}}}, "pending"),
        (
            {
                "siak_upgrade": {"a": {"result": "rolled_back"}},
                "client_rollout": {"pc01": {"result": "offline"}},
            },
            "bad",
        ),
    ],
)
def test_verdicts(results, expected):
    assert verdict(results) == expected


def test_totals_and_unknown_sections():
    report = build(
        {"client_rollout": {"pc01": {"result": "updated"}, "pc02": {"result": "offline"}}, "x": {}}, META
    )
    assert report["totals"]["client_rollout"] == {"updated": 1, "offline": 1}
    text = render_markdown(report)
    assert "Jumlah per status: tidak menyala (offline), belum diperbarui: 1, berhasil diperbarui: 1" in text
    assert "## x\n\n_tidak ada hasil dalam run ini_" in text


def test_a_trial_run_says_so():
    text = render_markdown(build(RESULTS, {**META, "check_mode": True}))
    assert "| Mode | uji coba (check mode): tidak ada yang diubah |" in text


def test_cells_cannot_break_the_table():
    text = render_markdown(
        build({"siak_upgrade": {"h": {"from_version": "1|2\n3", "result": "updated"}}}, META)
    )
    assert "| h | 1\\|2 3 |" in text


def test_bad_input_is_one_clear_error():
    with pytest.raises(SiakError, match="unknown audience 'kasi'"):
        render_markdown(build(RESULTS, META), audience="kasi")
    with pytest.raises(SiakError, match="unknown language 'jv'"):
        render_markdown(build(RESULTS, META), lang="jv")
    with pytest.raises(SiakError, match="results must be a mapping"):
        build(["x"], META)


def test_local_date():
    assert local_date("2026-11-21T01:00:00", "Asia/Makassar") == "2026-11-21 09:00 WITA"
    assert local_date("") == ""
    assert local_date("not a time") == "not a time"


def test_a_status_is_read_as_the_result():
    report = build({"client_rollout": {"pc01": {"status": "offline", "from_version": "1.0"}}}, META)
    assert report["results"]["client_rollout"]["pc01"]["result"] == "offline"
    assert report["verdict"] == "pending"
