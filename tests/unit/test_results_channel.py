"""The results channel and the run id: pure logic (docs/agenda-format.md)."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda, runid
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "results_channel", REPO / "plugins" / "plugin_utils" / "results_channel.py"
)
rc = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(rc)  # type: ignore[union-attr]


def test_publish_gives_plain_stats_and_one_fact_per_role():
    out = rc.publish("siak_upgrade", {"siak-host": {"result": "updated"}}, {}, "r1")
    assert out["ansible_stats"] == {
        "data": {"siak_results": {"siak_upgrade": {"siak-host": {"result": "updated"}}}},
        "per_host": False,
        "aggregate": True,
    }
    assert out["ansible_facts"] == {
        "siak_results__siak_upgrade": {"siak-host": {"result": "updated"}},
        "siak_results_run_id": "r1",
    }
    assert out["ansible_stats"]["data"]["siak_results"].__class__ is dict  # plain, not a tagged subclass


def test_publish_merges_with_this_runs_earlier_fact_only():
    earlier = {"siak_results__siak_server": {"h": {"step2": "started"}}, "siak_results_run_id": "r1"}
    merged = rc.publish("siak_server", {"h": {"step3": "logged_in"}}, earlier, "r1")["ansible_facts"]
    assert merged["siak_results__siak_server"] == {"h": {"step2": "started", "step3": "logged_in"}}
    stale = rc.publish("siak_server", {"h": {"step3": "logged_in"}}, earlier, "r2")["ansible_facts"]
    assert stale["siak_results__siak_server"] == {"h": {"step3": "logged_in"}}


@pytest.mark.parametrize(
    ("role", "by_host", "said"),
    [
        ("", {"h": {}}, "plain name"),
        ("{{ x }}", {"h": {}}, "plain name"),
        ("a.b", {"h": {}}, "letters"),
        ("r", {}, "mapping of host name"),
        ("r", {"{{ inventory_hostname }}": {}}, "not a host name"),
        ("r", {"h": "text"}, "must be a mapping"),
    ],
)
def test_bad_results_are_refused_with_the_fix(role, by_host, said):
    with pytest.raises(rc.ChannelError, match=said):
        rc.publish(role, by_host, {}, "r1")


def test_gather_reads_this_runs_facts_from_every_host():
    hostvars = {
        "h1": {
            "siak_results_run_id": "r1",
            "siak_results__a": {"h1": {"x": 1}},
            "siak_results__b": {"h1": {"y": 1}},
        },
        "h2": {"siak_results_run_id": "r1", "siak_results__a": {"h2": {"x": 2}}},
        "old": {"siak_results_run_id": "r0", "siak_results__a": {"old": {"x": 0}}},
        # a run-once report on the controller: the implicit localhost is in no group, and is read
        "localhost": {"siak_results_run_id": "r1", "siak_results__c": {"pc1": {"z": 1}}},
    }
    assert rc.gather(hostvars, ["h1", "h2", "old", "missing"], "r1") == {
        "a": {"h1": {"x": 1}, "h2": {"x": 2}},
        "b": {"h1": {"y": 1}},
        "c": {"pc1": {"z": 1}},
    }


def test_from_stats_data_takes_one_role():
    assert rc.from_stats_data({"siak_results": {"r": {"h": {}}}}) == ("r", {"h": {}})
    with pytest.raises(rc.ChannelError):
        rc.from_stats_data({"siak_results": {"a": {}, "b": {}}})
    with pytest.raises(rc.ChannelError):
        rc.from_stats_data({"other": {}})


def test_the_agenda_gathers_custom_stats_whatever_type_came_first():
    results = agenda.Results()
    stats = {"per_host": False, "aggregate": True}
    results.add_result("h1", {"ansible_stats": {**stats, "data": {"siak_results": {"a": {"h1": {"x": 1}}}}}})
    results.add_result(
        "h2",
        {
            "results": [
                {"ansible_stats": {**stats, "data": {"siak_results": {"a": {"h2": {"x": 2}}}}}},
                {"skipped": True},
            ]
        },
    )
    results.add_result("h1", {"ansible_stats": {"per_host": True, "aggregate": False, "data": {"n": 1}}})
    results.add_result("h1", {"ansible_stats": {**stats, "data": {"count": 1}}})
    results.add_result("h2", {"ansible_stats": {**stats, "data": {"count": 2}}})
    # ansible-core's copy lost h2 (a type mismatch): said, and the agenda keeps what was published
    run, per_host, problems = results.final({"_run": {"siak_results": {"a": {"h1": {"x": 1}}}, "count": 3}})
    assert run == {"siak_results": {"a": {"h1": {"x": 1}, "h2": {"x": 2}}}, "count": 3}
    assert per_host == {"h1": {"n": 1}}
    assert len(problems) == 1 and "differ" in problems[0]


def test_a_templated_key_is_named():
    results = agenda.Results()
    data = {"siak_results": {"r": {"{{ inventory_hostname }}": {}}}}
    results.add_result(
        "h1", {"ansible_stats": {"per_host": False, "aggregate": True, "data": data}}, "Publish"
    )
    assert "siak_results.r.{{ inventory_hostname }}" in results.final({})[2][0]


def test_run_id_rules():
    assert runid.from_env({"SIAK_RUN_ID": "given", "JOB_ID": "9"}) == "given"
    assert runid.from_env({"JOB_ID": "4711"}) == "awx-4711"
    assert runid.from_env({}) is None
    with pytest.raises(SiakError):
        runid.from_env({"SIAK_RUN_ID": "../etc"})
    env: dict[str, str] = {}
    made = runid.export(env)
    assert env["SIAK_RUN_ID"] == made == runid.current(env)
    # the controller process's id is the same every time it is asked
    assert runid.of_controller() == runid.of_controller()
    with pytest.raises(ValueError):
        runid.stamp(datetime(2026, 1, 1), "abcdef")  # no offset: refused
