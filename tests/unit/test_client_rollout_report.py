"""The client rollout's controller decisions: the plan, the queue, the totals, the agenda results, the verdict."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import say

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "client_rollout_report", REPO / "plugins" / "plugin_utils" / "client_rollout_report.py"
)
crr = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(crr)  # type: ignore[union-attr]

SHA = "a" * 64


def row(host, status, *, os_="linux", in_use=(), message=""):
    return {
        "host": host,
        "os": os_,
        "status": status,
        "from_version": "1.0",
        "to_version": "2.0" if status == "updated" else "1.0",
        "duration_s": 1.0,
        "bytes_transferred": 10,
        "wave": 1,
        "briefed": True,
        "in_use": list(in_use),
        "message": message,
    }


def args(**over):
    base = {
        "version": "2.0",
        "package_sha256": "",
        "package_url": "",
        "package_path": "/srv/siak-client-2.0.tar.gz",
        "windows_package_sha256": "",
        "windows_package_url": "",
        "windows_package_path": "",
        "transfer": "pull",
        "serve": True,
        "bind": "10.0.0.1",
        "port": 8088,
        "log": "out/client_rollout/distpoint-access.log",
        "waves": [1, "25%", "100%"],
        "max_fail_percentage": 20,
    }
    base.update(over)
    return base


def test_the_queue_puts_idle_pcs_first_and_keeps_the_inventory_order():
    rows = [
        row("pc01", "not_started", in_use=[42]),
        row("pc02", "already_current"),
        row("pc03", "not_started"),
        row("win1", "not_started", os_="windows"),
        row("pc04", "offline"),
        row("pc05", "not_started"),
    ]
    assert crr.queue(rows) == {
        "all": ["pc03", "win1", "pc05", "pc01"],
        "linux": ["pc03", "pc05", "pc01"],
        "windows": ["win1"],
    }
    assert crr.queue([row("pc01", "already_current")]) == {"all": [], "linux": [], "windows": []}


def test_totals_pending_and_agenda_results():
    rows = [row("pc01", "updated"), row("pc02", "offline"), row("pc03", "failed", message="boom")]
    assert crr.totals(rows) == {
        "updated": 1,
        "already_current": 0,
        "offline": 1,
        "in_use": 0,
        "failed": 1,
        "not_started": 0,
    }
    assert crr.pending(rows) == ["pc02", "pc03"]
    results = crr.agenda_results(rows, SHA)
    assert results["pc01"] == {
        "from_version": "1.0",
        "to_version": "2.0",
        "result": "updated",
        "duration_s": 1.0,
        "sha256": SHA,
        "bytes_transferred": 10,
        "wave": 1,
        "briefed": True,
        "message": "",
    }


def test_summary_and_verdict_of_a_clean_run():
    rows = [row("pc01", "updated"), row("pc02", "already_current")]
    text = crr.summary("2.0", rows, "out/client-rollout-pending.txt", "20261121T120000Z-abcdef")
    assert text == (
        "Langkah 10 (update_clients): 2.0 on 2 workstation(s): updated 1, already current 1. "
        "Each PC's outcome is in the Laporan: siak-sop report 20261121T120000Z-abcdef."
    )
    assert crr.verdict(rows, {"stop": False}, text, "out/client-rollout-pending.txt") == ""


def test_summary_points_offline_pcs_at_the_rerun_list():
    text = crr.summary("2.0", [row("pc01", "offline")], "out/client-rollout-pending.txt", "r")
    assert text.endswith("Offline or busy PCs: rerun with --limit @out/client-rollout-pending.txt")


def test_verdict_of_a_stopped_rollout_and_of_a_failed_pc():
    rows = [row("pc01", "failed", message="did not answer"), row("pc02", "not_started")]
    stop = {"stop": True, "wave": 1, "size": 1, "failed": ["pc01"], "threshold": 20}
    text = crr.verdict(rows, stop, "S.", "out/client-rollout-pending.txt")
    assert "the rollout stopped after wave 1 (1 of 1 failed, threshold 20%)." in text
    assert "Failed: pc01: did not answer." in text
    assert text.endswith("rerun with --limit @out/client-rollout-pending.txt.")
    one = crr.verdict([row("pc07", "failed", message="checksum mismatch")], {"stop": "False"}, "S.", "r")
    assert "1 workstation(s) failed. Failed: pc07: checksum mismatch." in one


def test_a_pc_a_stopped_rollout_never_started_carries_why_it_stopped():
    rows = [row("pc01", "failed", message="did not answer"), row("pc02", "not_started")]
    stop = {"stop": True, "wave": 1, "size": 1, "failed": ["pc01"], "threshold": 20}
    published = crr.agenda_results(rows, SHA, stop)
    assert published["pc02"]["message"] == "the rollout stopped after wave 1 (1 of 1 failed, threshold 20%)."
    assert published["pc01"]["message"] == "did not answer"
    assert crr.agenda_results(rows, SHA)["pc02"]["message"] == ""


def test_inputs_that_do_not_hang_together_are_refused_with_the_fix():
    assert crr.check_inputs(args()) == ""
    assert crr.check_inputs(args(serve=False, package_url="http://x/p.tar.gz")) == ""
    for bad in (
        args(version="a..b"),
        args(version=""),
        args(serve=False),  # nowhere to get the package from
        args(package_path="", package_sha256=SHA),  # serving needs the package on the controller
        args(package_path="", serve=False, package_url="http://x/p", transfer="push"),
    ):
        assert "the client rollout needs client_rollout_version" in crr.check_inputs(bad)


def test_a_package_whose_checksum_differs_from_the_given_one_is_refused():
    sums = {"/srv/siak-client-2.0.tar.gz": SHA}
    assert crr.checksum_mismatch(args(package_sha256="SHA256:" + SHA.upper()), sums) == ""
    assert "has SHA-256" in crr.checksum_mismatch(args(package_sha256="b" * 64), sums)


def test_the_plan_serves_the_package_from_the_controller_or_uses_the_given_address():
    now = datetime.datetime(2026, 11, 21, 12, 0, 0)
    served = crr.plan(args(), {"/srv/siak-client-2.0.tar.gz": SHA}, now)
    assert served["url"] == "http://10.0.0.1:8088/siak-client-2.0.tar.gz"
    assert served["sha256"] == SHA and served["windows_sha256"] == SHA and served["served"] is True
    assert served["serve_root"] == "/srv" and served["pidfile"] == "out/client_rollout/distpoint.pid"
    assert served["started"] == "2026-11-21T12:00:00"
    given = crr.plan(
        args(serve=False, package_path="", package_sha256="sha256:" + SHA.upper(), package_url="http://x/p"),
        {},
        now,
    )
    assert given["url"] == "http://x/p" and given["windows_url"] == "http://x/p"
    assert given["sha256"] == SHA and given["served"] is False and given["serve_root"] == ""


@pytest.mark.parametrize(
    ("given", "waves"),
    [
        ([1, "25%", "100%"], [1, "25%", "100%"]),
        ("[4]", [4]),  # -e client_rollout_waves=[4] gives text
        ('[2, "50%"]', [2, "50%"]),
        ("1,25%,100%", [1, "25%", "100%"]),
        ([0], None),
        (["150%"], None),
        ("abc", None),
        ([], None),
        ([True], None),
    ],
)
def test_waves_are_read_from_a_list_or_its_text_and_anything_else_is_refused(given, waves):
    assert crr.wave_sizes(given) == waves
    if waves is None:
        assert "client_rollout_waves harus berupa daftar ukuran gelombang" in say(
            crr.waves_refusal(given), "id"
        )
