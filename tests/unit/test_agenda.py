"""The agenda's pure logic: hash chain, verify, summaries, steps, totals, the Buku Agenda."""

from __future__ import annotations

import json

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda, runid
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop import cli


def _record(kind: str, **fields):
    return {"type": kind, **fields}


def build(records) -> str:
    chain = agenda.Chain()
    lines = []
    for record in records:
        sealed, line = chain.seal(record)
        chain.commit(sealed)
        lines.append(line)
    return "".join(lines)


def task(host: str, step_id: str | None, status: str, start: str, end: str):
    step = agenda.step_for_tags([step_id]) if step_id else None
    return _record(
        "task",
        host=host,
        task=f"Langkah | {step_id}",
        task_uuid=f"u-{step_id}",
        action="ansible.builtin.command",
        role=None,
        step=step,
        start=start,
        end=end,
        duration_s=1.0,
        status=status,
        handler=False,
        summary={},
    )


RUN = [
    _record("run_start", schema=1, run_id="r1", check_mode=False, started="2026-11-21T08:00:00.000+07:00"),
    _record("play", name="p", hosts="all", strategy="linear", serial=None),
    task(
        "siak-vm", "replace_app", "changed", "2026-11-21T08:00:01.000+07:00", "2026-11-21T08:00:05.000+07:00"
    ),
    task(
        "siak-db", "replace_app", "failed", "2026-11-21T08:00:01.500+07:00", "2026-11-21T08:00:03.000+07:00"
    ),
    task("siak-vm", "prepare", "ok", "2026-11-21T07:59:59.000+07:00", "2026-11-21T08:00:00.500+07:00"),
    task("siak-vm", None, "ok", "2026-11-21T08:00:06.000+07:00", "2026-11-21T08:00:07.000+07:00"),
    _record(
        "run_end",
        ended="2026-11-21T08:00:08.000+07:00",
        status="failed",
        complete=True,
        write_errors=0,
        totals={"steps": {}, "hosts": {}},
        results={},
    ),
]


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# --- chain and verify -----------------------------------------------------------------------------


def test_chain_follows_the_contract():
    text = build(RUN)
    first, second = (json.loads(line) for line in lines_of(text)[:2])
    assert first["seq"] == 0 and first["prev_hash"] is None
    body = {k: v for k, v in first.items() if k != "hash"}
    import hashlib

    assert first["hash"] == hashlib.sha256(agenda.canonical(body).encode()).hexdigest()
    assert second["prev_hash"] == first["hash"] and second["seq"] == 1


def test_an_intact_run_verifies_complete():
    verdict = agenda.verify_text(build(RUN))
    assert verdict.state == "complete" and verdict.exit_code == 0 and verdict.lines == len(RUN)


def test_a_prefix_is_accepted_as_a_prefix():
    verdict = agenda.verify_text(build(RUN[:4]))
    assert verdict.state == "prefix" and verdict.intact and verdict.lines == 4
    assert "valid prefix" in verdict.message


def test_a_torn_last_line_is_a_prefix():
    text = build(RUN[:4])
    verdict = agenda.verify_text(text[:-20])
    assert verdict.state == "prefix" and verdict.lines == 3 and verdict.bad_line == 4


def test_a_closed_but_incomplete_run_is_reported():
    end = dict(RUN[-1], complete=False, write_errors=3)
    verdict = agenda.verify_text(build([*RUN[:-1], end]))
    assert verdict.state == "incomplete" and verdict.exit_code == 1 and "3 line(s)" in verdict.message


def test_an_edited_line_is_named():
    lines = lines_of(build(RUN))
    lines[3] = lines[3].replace('"failed"', '"ok"')
    verdict = agenda.verify_text("".join(lines))
    assert verdict.state == "broken" and verdict.bad_line == 4 and "changed" in verdict.message


def test_an_edited_line_with_a_recomputed_hash_is_named():
    lines = lines_of(build(RUN))
    obj = json.loads(lines[3])
    obj["status"] = "ok"
    obj["hash"] = agenda.record_hash(obj["prev_hash"], obj)
    lines[3] = agenda.canonical(obj) + "\n"
    verdict = agenda.verify_text("".join(lines))
    assert verdict.bad_line == 4 and "line 5 recorded a different hash" in verdict.message


def test_a_removed_line_is_named():
    lines = lines_of(build(RUN))
    del lines[3]
    verdict = agenda.verify_text("".join(lines))
    assert verdict.state == "broken" and verdict.bad_line == 4 and "removed" in verdict.message


def test_an_inserted_line_is_named():
    lines = lines_of(build(RUN))
    forged = json.loads(lines[2])
    forged["host"] = "pc09"
    forged["hash"] = agenda.record_hash(forged["prev_hash"], forged)
    lines.insert(3, agenda.canonical(forged) + "\n")
    verdict = agenda.verify_text("".join(lines))
    assert verdict.state == "broken" and verdict.bad_line == 4 and "added" in verdict.message


def test_a_forged_line_with_the_right_links_is_named_by_the_next():
    lines = lines_of(build(RUN))
    prev = json.loads(lines[2])
    forged = dict(prev, host="pc09", seq=3, prev_hash=prev["hash"])
    forged["hash"] = agenda.record_hash(forged["prev_hash"], forged)
    lines.insert(3, agenda.canonical(forged) + "\n")
    verdict = agenda.verify_text("".join(lines))
    assert verdict.bad_line == 4 and "was added" in verdict.message


def test_a_repeated_line_is_named():
    lines = lines_of(build(RUN))
    lines.insert(3, lines[2])
    assert agenda.verify_text("".join(lines)).bad_line == 4


def test_lines_after_the_end_and_a_removed_header_are_named():
    text = build(RUN)
    lines = lines_of(text)
    assert agenda.verify_text(text + lines[2]).bad_line == len(RUN) + 1
    assert agenda.verify_text("".join(lines[1:])).bad_line == 1
    assert agenda.verify_text("").state == "broken"
    assert agenda.verify_text("".join(lines[:2]) + "not json\n" + "".join(lines[3:])).bad_line == 3


def test_verify_cli_exit_codes(tmp_path, capsys):
    # each file under its run's name: verify refuses a file renamed from another run
    run_id = RUN[0]["run_id"]
    good, prefix, bad = (tmp_path / d / f"{run_id}.jsonl" for d in ("good", "prefix", "bad"))
    for path in (good, prefix, bad):
        path.parent.mkdir()
    good.write_text(build(RUN), encoding="utf-8")
    prefix.write_text(build(RUN[:3]), encoding="utf-8")
    bad.write_text(build(RUN).replace('"siak-db"', '"siak-dc"'), encoding="utf-8")
    assert cli.main(["agenda", "verify", str(good), "--lang", "en"]) == 0
    assert cli.main(["agenda", "verify", str(prefix), "--lang", "en"]) == 1
    assert cli.main(["agenda", "verify", str(good), str(bad), "--lang", "en"]) == 2
    out = capsys.readouterr().out
    assert (
        "COMPLETE: " in out
        and "[UNSIGNED]" in out
        and "PREFIX" in out
        and "BROKEN: line 4 was changed" in out
    )
    # Bahasa Indonesia by default
    assert cli.main(["agenda", "verify", str(good), str(prefix), str(bad)]) == 2
    out = capsys.readouterr().out
    assert "LENGKAP: utuh dan lengkap" in out and "TERPUTUS (tanpa catatan penutup)" in out
    assert "RUSAK: baris 4 tidak cocok dengan rantai hash" in out and "[TIDAK DITANDATANGANI]" in out
    assert cli.main(["agenda", "verify", "--json", str(bad)]) == 2
    assert json.loads(capsys.readouterr().out)["bad_line"] == 4
    renamed = tmp_path / "another-run.jsonl"
    renamed.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["agenda", "verify", str(renamed)]) == 2
    assert "nama berkas tidak sesuai dengan nomor jalannya r1" in capsys.readouterr().out
    assert cli.main(["agenda", "verify", str(tmp_path / "missing.jsonl")]) == 2
    assert "berkas agenda tidak dapat dibaca" in capsys.readouterr().err


# --- records --------------------------------------------------------------------------------------


def test_plain_makes_records_round_trip():
    class Tagged(str):
        pass

    record = {"a": Tagged("x"), 1: (1, 2), "f": 0.1 + 0.2, "s": {3}}
    sealed, line = agenda.Chain().seal(record)
    again = json.loads(line)
    assert again == sealed and agenda.record_hash(again["prev_hash"], again) == again["hash"]


def test_summary_cuts_output_and_keeps_the_end():
    result = {"msg": "m" * 1000, "rc": 3, "stdout": "\n".join(f"line {i}" for i in range(100)), "stderr": ""}
    summary = agenda.summarize(result, no_log=False, limits=agenda.Limits(msg_chars=50, tail_lines=2))
    assert len(summary["msg"]) == 50 and summary["msg"].endswith("…")
    assert summary["stdout_tail"] == "line 98\nline 99" and summary["rc"] == 3
    assert summary["stderr_tail"] is None
    cut = agenda.summarize({"stdout": "x" * 900}, no_log=False, limits=agenda.Limits(tail_chars=100))
    assert len(cut["stdout_tail"]) == 100 and cut["stdout_tail"].startswith("…")


def test_no_log_and_censored_results_keep_nothing():
    assert agenda.summarize({"msg": "secret", "stdout": "secret"}, no_log=True) == {}
    assert agenda.summarize({"censored": "hidden", "_ansible_no_log": True}, no_log=False) == {}


def test_loop_summary_names_the_failed_item():
    result = {
        "msg": "One or more items failed",
        "results": [{"rc": 0, "stdout": "a"}, {"rc": 2, "stdout": "b", "failed": True, "msg": "bad"}],
    }
    summary = agenda.summarize(result, no_log=False)
    assert summary["items"] == 2 and summary["rc"] == 2 and summary["msg"] == "bad"
    censored = {"msg": "All items completed", "results": [{"censored": "x", "_ansible_no_log": True}]}
    assert agenda.summarize(censored, no_log=False)["stdout_tail"] is None


def test_redactor_blanks_vault_values():
    red = agenda.Redactor()
    red.add("s3cr3t-value")
    red.add("ab")  # too short to search for
    summary = agenda.summarize({"msg": "pw=s3cr3t-value ab"}, no_log=False, redactor=red)
    assert summary["msg"] == "pw=******** ab"
    assert red.deep({"k": ["s3cr3t-value"]}) == {"k": ["********"]}


@pytest.mark.parametrize(
    ("event", "result", "kw", "status"),
    [
        ("ok", {}, {}, "ok"),
        ("ok", {"changed": True}, {}, "changed"),
        ("failed", {}, {}, "failed"),
        ("failed", {}, {"ignore_errors": True}, "ignored"),
        ("failed", {}, {"rescued": True}, "rescued"),
        ("skipped", {}, {}, "skipped"),
        ("unreachable", {}, {}, "unreachable"),
    ],
)
def test_status(event, result, kw, status):
    assert agenda.status_of(event, result, **kw) == status


def test_steps_come_from_the_sop_tables():
    step = agenda.step_for_tags(["always", "replace_app"])
    table = load_sop("upgrade").step("replace_app")
    assert step == {
        "sop": "sop_piak_15",
        "id": "replace_app",
        "number": 6,
        "kegiatan": table.kegiatan,
        "pelaksana": list(table.pelaksana),
    }
    assert agenda.step_for_tags(["copy_to_spare"])["sop"] == "backup_db"
    assert agenda.step_for_tags(["always", "other"]) is None


@pytest.mark.parametrize(
    "level", [["brief_operators", "update_clients"], ["update_clients", "brief_operators"]]
)
def test_tags_given_together_belong_to_the_earliest_step_whatever_their_order(level):
    # Ansible gives a play's tags back in an order of its own; the agenda must not depend on it.
    assert agenda.step_for_tags([level])["id"] == "brief_operators"
    # The nearest level still wins over a farther one.
    assert agenda.step_for_tags([["update_clients"], level])["id"] == "update_clients"


def test_totals_span_steps_and_count_hosts():
    totals = agenda.Totals()
    totals.add(host="a", step_id="s", status="ok", start="t1", end="t2", mono_start=10.0, mono_end=12.0)
    totals.add(host="b", step_id="s", status="failed", start="t0", end="t3", mono_start=9.0, mono_end=11.0)
    totals.add(host="b", step_id=None, status="ok", start="t4", end="t5", mono_start=13.0, mono_end=14.0)
    record = totals.as_record()
    assert record["steps"]["s"] == {
        "start": "t0",
        "end": "t2",
        "duration_s": 3.0,
        "statuses": {"ok": 1, "failed": 1},
    }
    assert record["hosts"] == {"a": {"ok": 1}, "b": {"failed": 1, "ok": 1}}


def test_paths_and_run_ids(tmp_path):
    from datetime import datetime

    tz, problem = agenda.office_tz("Asia/Jakarta")
    assert problem is None
    started = datetime(2026, 11, 21, 23, 30, tzinfo=tz)
    run_id = runid.new(started)
    # the run id's time is UTC, and says so: 23:30 in Jakarta is 16:30Z
    assert run_id.startswith("20261121T163000Z-") and len(run_id) == 23
    assert agenda.agenda_path(tmp_path, started, run_id) == tmp_path / "2026-11-21" / f"{run_id}.jsonl"
    with pytest.raises(agenda.SiakError):
        agenda.agenda_path(tmp_path, started, "../x")
    assert agenda.office_tz("Mars/Base")[1] is not None
    assert agenda.extra_var_names({"b": "secret", "a": 1}) == ["a", "b"]


def test_status_follows_ansibles_exit_code_rule():
    hosts = agenda.HostStates()
    hosts.failed("h1", ignored=True, rescued=False)
    hosts.failed("h2", ignored=False, rescued=True)
    hosts.unreachable("h3", ignored=True)
    assert (hosts.exit_code(), hosts.status()) == (0, "successful")
    hosts.failed("h1", ignored=False, rescued=False)
    assert hosts.exit_code() == 2
    hosts.unreachable("h3", ignored=False)
    assert hosts.exit_code() == 4
    # a clear_host_errors whose condition was false everywhere clears nothing
    hosts.meta_started("m1", "clear_host_errors", ["h1", "h2", "h3"])
    hosts.meta_skipped("m1", "h2")
    assert hosts.exit_code() == 4
    # one that ran clears every host of its play
    hosts.meta_started("m2", "clear_host_errors", ["h1", "h2", "h3"])
    assert (hosts.exit_code(), hosts.failed_hosts, hosts.unreachable_hosts) == (0, set(), set())


def test_a_rescue_is_the_strategys_own_mark():
    hosts = agenda.HostStates()
    marked = {"msg": "boom"}
    assert hosts.rescue_seen("h1", "t1", "t1", marked) is True
    assert hosts.rescue_seen("h1", "t1", "t1", marked) is False  # the same mark again: not a new rescue
    assert hosts.rescue_seen("h1", "t2", "t1", {"msg": "x"}) is False  # the mark is another task's
    assert hosts.rescue_seen("h1", "t1", "t1", None) is False


def test_statuses_of_ignored_unreachable_and_rescued():
    assert agenda.status_of("unreachable", {}, ignore_errors=True) == "ignored"
    assert agenda.status_of("unreachable", {}) == "unreachable"
    assert agenda.status_of("failed", {}, rescued=True) == "rescued"
    assert agenda.status_of("failed", {}, ignore_errors=True) == "ignored"
