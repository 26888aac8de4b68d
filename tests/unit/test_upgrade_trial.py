"""The Server cadangan trial (SOP-PIAK-15 step 1): its verdict, its place in the agenda and in the Laporan."""

from __future__ import annotations

from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda import step_for_tags
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.upgrade_trial import judge
from test_report import RESULTS, context, full_run

TARGETS = {"app": "2.0", "proxy": "2.0"}
HTTP = {"cadangan": {"app": "http", "proxy": "http"}}


def published(app=None, proxy=None):
    out = {}
    if app is not None:
        out["siak_upgrade_trial"] = {"cadangan": app}
    if proxy is not None:
        out["proxy_upgrade_trial"] = {"cadangan": proxy}
    return out


def updated(frm="1.0", to="2.0", result="updated"):
    return {"from_version": frm, "to_version": to, "target_version": "2.0", "result": result}


def test_a_trial_that_installed_both_parts_healthy_passes():
    found = judge(["cadangan"], published(updated(), updated()), TARGETS, HTTP)
    row = found["rows"]["cadangan"]
    assert found["go_ahead"] and row["result"] == "passed" and row["health"] == "healthy"
    assert [(c["component"], c["from_version"], c["to_version"]) for c in row["components"]] == [
        ("app", "1.0", "2.0"),
        ("proxy", "1.0", "2.0"),
    ]


def test_a_trial_rolled_back_by_its_health_check_stops_the_upgrade_with_the_reason():
    app = {**updated(to="1.0", result="rolled_back"), "message": "cadangan: health check failed on :8080"}
    found = judge(["cadangan"], published(app), TARGETS, HTTP)
    row = found["rows"]["cadangan"]
    assert not found["go_ahead"] and found["failed"] == ["cadangan"]
    assert row["result"] == "failed" and row["health"] == "unhealthy"
    # The proxy was never tried after the application failed: one reason, the real one.
    assert row["message"] == "cadangan: health check failed on :8080"


def test_a_trial_server_that_left_no_result_fails():
    found = judge(["cadangan"], {}, TARGETS, HTTP)
    assert not found["go_ahead"] and "left no result" in found["rows"]["cadangan"]["message"]
    assert found["rows"]["cadangan"]["health"] == "not_known"


def test_a_trial_server_that_did_not_answer_fails_with_a_row_saying_so():
    reach = {
        "upgrade_trial_reach": {"cadangan": {"reachable": False, "message": "timed out: Connection refused."}}
    }
    for check_mode in (False, True):
        found = judge(["cadangan"], reach, TARGETS, HTTP, check_mode=check_mode)
        row = found["rows"]["cadangan"]
        assert not found["go_ahead"] and found["failed"] == ["cadangan"]
        assert (row["result"], row["health"]) == ("failed", "unreachable")
        assert row["message"].startswith(
            "cadangan: the Server cadangan did not answer, so the trial did not run"
        )
        assert "(timed out: Connection refused)" in row["message"]
        assert [(c["component"], c["target_version"], c["to_version"]) for c in row["components"]] == [
            ("app", "2.0", None),
            ("proxy", "2.0", None),
        ]
    # A host that answered is judged on what it published, whatever another host's reach.
    other = dict(reach, **published(updated(), updated()))
    other["upgrade_trial_reach"] = {"elsewhere": {"reachable": False}}
    assert judge(["cadangan"], other, TARGETS, HTTP)["go_ahead"]


def test_the_jadwal_uji_coba_says_the_server_cadangan_was_not_reachable():
    reach = {"upgrade_trial_reach": {"cadangan": {"reachable": False, "message": ""}}}
    row = judge(["cadangan"], reach, TARGETS, HTTP)["rows"]["cadangan"]
    ctx = context(full_run(trial_results(row, {"servers": ["cadangan"], "skip_reason": ""})))
    trial = next(s for s in ctx["outputs"] if s["step"] == "prepare_trial")
    cells = dict(zip(trial["columns"], trial["rows"][0]["cells"], strict=True))
    assert cells["Pemeriksaan kesehatan"] == "tidak terjangkau: uji coba tidak berjalan"
    assert cells["Hasil"] == "gagal" and trial["rows"][0]["problem"]
    assert cells["Versi di Server cadangan (dari → ke)"] == "aplikasi - → -\nproxy - → -"


def lost_midway(reachable=False, task="Release | Run the before-switch hook", msg=""):
    return {
        "upgrade_trial_reach": {
            "cadangan": {"reachable": reachable, "stopped_at": task, "connection_lost": True, "message": msg}
        }
    }


def test_a_trial_whose_connection_was_lost_midway_fails_saying_so_whatever_was_published():
    unknown = {
        **updated(to=None, result="unknown"),
        "message": "cadangan: the connection to the server was lost",
    }
    for app in (None, unknown, updated()):
        results = dict(lost_midway(), **published(app)) if app else lost_midway()
        found = judge(["cadangan"], results, TARGETS, HTTP)
        row = found["rows"]["cadangan"]
        assert not found["go_ahead"] and found["failed"] == ["cadangan"]
        assert (row["result"], row["health"]) == ("failed", "connection_lost")
        head = "cadangan: the connection to the Server cadangan was lost during the trial"
        # The task is named when no part published a result of its own (which names it).
        where = ' (at "Release | Run the before-switch hook")' if app is None else ""
        assert row["message"].startswith(head + where + "; it does not answer now"), row["message"]
        if app is unknown:
            assert row["message"].endswith("; cadangan: the connection to the server was lost")
        # Never the words of a host that did not answer before the trial began.
        assert "did not run" not in row["message"]
    # It answered again when the trial's rescue looked: the trial still did not finish.
    row = judge(["cadangan"], lost_midway(reachable=True), TARGETS, HTTP)["rows"]["cadangan"]
    assert row["result"] == "failed" and row["message"].endswith("the trial did not finish")


def test_a_trial_stopped_before_any_part_published_names_the_task_that_stopped_it():
    stopped = {
        "upgrade_trial_reach": {
            "cadangan": {
                "reachable": True,
                "stopped_at": "Release | Open the folder",
                "connection_lost": False,
                "message": "not enough free space",
            }
        }
    }
    row = judge(["cadangan"], stopped, TARGETS, HTTP)["rows"]["cadangan"]
    assert (row["result"], row["health"]) == ("failed", "not_known")
    assert (
        row["message"] == 'cadangan: the trial stopped at "Release | Open the folder": not enough free space'
    )
    # A part that published its failure speaks for itself; the stop adds nothing.
    app = {**updated(to="1.0", result="rolled_back"), "message": "cadangan: health check failed on :8080"}
    row = judge(["cadangan"], dict(stopped, **published(app)), TARGETS, HTTP)["rows"]["cadangan"]
    assert row["message"] == "cadangan: health check failed on :8080" and row["health"] == "unhealthy"


def test_the_jadwal_uji_coba_says_the_connection_was_lost_during_the_trial():
    row = judge(["cadangan"], lost_midway(), TARGETS, HTTP)["rows"]["cadangan"]
    ctx = context(full_run(trial_results(row, {"servers": ["cadangan"], "skip_reason": ""})))
    trial = next(s for s in ctx["outputs"] if s["step"] == "prepare_trial")
    cells = dict(zip(trial["columns"], trial["rows"][0]["cells"], strict=True))
    assert cells["Pemeriksaan kesehatan"] == "koneksi terputus: uji coba tidak selesai"
    assert cells["Hasil"] == "gagal" and "was lost during the trial" in cells["Alasan / galat"]


def test_a_trial_without_a_health_check_proves_nothing_and_fails():
    found = judge(["cadangan"], published(updated(), updated()), TARGETS, {"cadangan": {"app": "none"}})
    assert not found["go_ahead"]
    assert "siak_upgrade_health" in found["rows"]["cadangan"]["message"]


def test_a_trial_that_ends_on_another_version_fails():
    found = judge(["cadangan"], published(updated(to="1.5"), updated()), TARGETS, HTTP)
    assert not found["go_ahead"] and "runs 1.5, not 2.0" in found["rows"]["cadangan"]["message"]


def test_check_mode_rehearses_and_never_says_passed():
    found = judge(["cadangan"], {}, TARGETS, HTTP, check_mode=True)
    assert found["go_ahead"] and found["rows"]["cadangan"]["result"] == "rehearsed"


def test_the_adbs_skip_opens_the_gate_and_is_recorded_with_its_reason():
    found = judge(["cadangan"], {}, TARGETS, HTTP, skip_reason="  Server cadangan rusak  ")
    row = found["rows"]["cadangan"]
    assert found["go_ahead"] and row["result"] == "skipped"
    assert row["message"] == "skipped by the ADB: Server cadangan rusak"


def test_no_trial_server_means_no_rows_and_no_gate():
    assert judge([], {}, TARGETS, {}) == {
        "rows": {},
        "go_ahead": True,
        "failed": [],
        "reasons": [],
        "skip_reason": "",
    }


def test_the_trials_tasks_belong_to_step_1_whatever_their_own_step():
    assert step_for_tags(["replace_app", "server_trial", "prepare"])["id"] == "prepare"
    assert step_for_tags(["replace_app", "prepare"])["id"] == "replace_app"


def trial_results(row, plan_trial):
    return {
        **RESULTS,
        "upgrade_prepare": {"siak-vm": {"kind": "vm", "answers": True, "finding": "ready"}},
        "upgrade_prepare_plan": {"localhost": {"schedule": "", "trial": plan_trial}},
        "upgrade_prepare_trial": {"cadangan": row} if row else {},
    }


def test_the_jadwal_uji_coba_shows_the_trials_result_with_its_reason():
    row = {
        "components": [
            {"component": "app", "from_version": "1.0", "to_version": "1.0", "result": "rolled_back"},
            {"component": "proxy", "from_version": "1.0", "to_version": None, "result": None},
        ],
        "health": "unhealthy",
        "result": "failed",
        "message": "cadangan: health check failed",
    }
    ctx = context(full_run(trial_results(row, {"servers": ["cadangan"], "skip_reason": ""})))
    sections = {s["step"]: s for s in ctx["outputs"]}
    assert list(sections)[:2] == ["prepare", "prepare_trial"]
    trial = sections["prepare_trial"]
    assert trial["title"].endswith(": uji coba di Server cadangan")
    cells = dict(zip(trial["columns"], trial["rows"][0]["cells"], strict=True))
    assert trial["rows"][0]["host"] == "cadangan" and trial["rows"][0]["problem"]
    assert cells["Versi di Server cadangan (dari → ke)"] == "aplikasi 1.0 → 1.0\nproxy 1.0 → -"
    assert cells["Pemeriksaan kesehatan"] == "TIDAK sehat" and cells["Hasil"] == "gagal"
    assert cells["Alasan / galat"] == "cadangan: health check failed"
    notes = {n["label"]: n["value"] for n in sections["prepare"]["notes"]}
    assert notes["Uji coba di Server cadangan"].startswith("langkah 5 sampai 8 lebih dulu di cadangan")
    assert "uji coba di Server cadangan" in render.render_markdown(ctx)


def test_the_jadwal_uji_coba_says_when_there_is_no_server_cadangan_or_the_adb_skipped_it():
    ctx = context(full_run(trial_results(None, {"servers": [], "skip_reason": ""})))
    sections = {s["step"]: s for s in ctx["outputs"]}
    assert "prepare_trial" not in sections
    notes = {n["label"]: n["value"] for n in sections["prepare"]["notes"]}
    assert notes["Uji coba di Server cadangan"].startswith("tidak ada Server cadangan di inventaris")
    skipped = {
        "components": [],
        "health": "not_checked",
        "result": "skipped",
        "message": "skipped by the ADB: x",
    }
    ctx = context(full_run(trial_results(skipped, {"servers": ["cadangan"], "skip_reason": "server rusak"})))
    sections = {s["step"]: s for s in ctx["outputs"]}
    notes = {n["label"]: n["value"] for n in sections["prepare"]["notes"]}
    assert notes["Uji coba di Server cadangan"] == "dilewati atas keputusan ADB: server rusak"
    cells = dict(
        zip(sections["prepare_trial"]["columns"], sections["prepare_trial"]["rows"][0]["cells"], strict=True)
    )
    assert cells["Hasil"] == "dilewati" and cells["Alasan / galat"] == "skipped by the ADB: x"


def test_a_trial_whose_connection_dropped_and_came_back_during_a_hook_fails_naming_the_task():
    """Both parts ended live and healthy, but the agenda shows a task passed over because the connection was lost."""
    lost = {"cadangan": ["Uji coba | The office's before-switch check"]}
    found = judge(["cadangan"], published(updated(), updated()), TARGETS, HTTP, lost=lost)
    row = found["rows"]["cadangan"]
    assert not found["go_ahead"] and found["failed"] == ["cadangan"]
    assert (row["result"], row["health"]) == ("failed", "connection_lost")
    assert "was lost during the trial" in row["message"]
    assert "The office's before-switch check" in row["message"] and "did not run" in row["message"]
    # No lost task: the same trial passes.
    assert judge(["cadangan"], published(updated(), updated()), TARGETS, HTTP, lost={})["go_ahead"]


def test_the_agenda_names_the_tasks_passed_over_for_a_lost_connection():
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import runlog

    def task(host, name, status, step="prepare", **extra):
        return {"type": "task", "host": host, "task": name, "status": status, "step": {"id": step}, **extra}

    run = runlog.from_records(
        [
            {"type": "run_start", "run_id": "r"},
            task("cadangan", "hook", "ignored", unreachable=True),
            task("cadangan", "ignored failure", "ignored"),
            task("cadangan", "later", "unreachable"),
            task("cadangan", "production step", "ignored", step="replace_app", unreachable=True),
            task("siak-vm", "hook", "ignored", unreachable=True),
        ],
        "test",
    )
    assert runlog.lost_connections(run, ["cadangan"], "prepare") == {"cadangan": ["hook", "later"]}
    assert runlog.lost_connections(run, ["cadangan"]) == {"cadangan": ["hook", "later", "production step"]}
    assert runlog.lost_connections(run, ["other"], "prepare") == {}
