"""The SOP loader: the bundled tables load, and every malformed case gets its own clear error."""

from __future__ import annotations

import copy

import pytest
import yaml
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import (
    available_sops,
    load_sop,
    load_sop_file,
    parse_sop,
    sop_dir,
)


def raw(name: str = "sop_piak_15") -> dict:
    return yaml.safe_load((sop_dir() / f"{name}.yml").read_text())


def test_bundled_sops_load():
    assert available_sops() == ["backup_db", "sop_piak_15"]
    piak = load_sop("upgrade")
    assert piak.nomor == "SOP-PIAK-15"
    assert [s.number for s in piak.steps] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 10, 11]
    assert len({s.id for s in piak.steps}) == len(piak.steps)
    assert load_sop("backup").step("run_export").waktu.max_minutes == 40


def test_steps_are_found_by_inherited_tags():
    piak = load_sop("sop_piak_15")
    assert piak.step_for_tags(["always", "replace_proxy"]).number == 8
    assert piak.step_for_tags(["something_else"]) is None


def test_waktu_labels():
    backup = load_sop("backup_db")
    assert backup.step("prepare_backup").waktu.label() == "Setelah jam pelayanan selesai"
    assert backup.step("prepare_backup").waktu.label("en") == "After service hours"
    assert load_sop("upgrade").step("prepare").waktu.label() == "5–10 menit"
    assert load_sop("upgrade").step("brief_operators").waktu.label() == "–"
    assert not load_sop("upgrade").step("brief_operators").waktu.has_budget


def broken(mutate) -> dict:
    data = copy.deepcopy(raw())
    mutate(data)
    return data


CASES = {
    "missing step field": (lambda d: d["steps"][5].pop("output"), "step replace_app: missing field 'output'"),
    "missing sop field": (lambda d: d.pop("nomor"), "missing field 'nomor'"),
    "min over max": (
        lambda d: d["steps"][0].__setitem__("waktu", {"min": 12, "max": 10}),
        "step prepare: field 'waktu': minimum 12 min exceeds maximum 10 min",
    ),
    "negative minutes": (
        lambda d: d["steps"][1].__setitem__("waktu", {"min": -1, "max": 5}),
        "step start_server: field 'waktu.min' must be a whole number",
    ),
    "waktu shape": (
        lambda d: d["steps"][1].__setitem__("waktu", {"minutes": 5}),
        "step start_server: field 'waktu' must be {min, max}",
    ),
    "duplicate id": (
        lambda d: d["steps"][10].__setitem__("id", "brief_operators"),
        "field 'id' 'brief_operators' is used twice",
    ),
    "id not a tag": (lambda d: d["steps"][2].__setitem__("id", "Log In"), "must be lower_snake_case"),
    "number as text": (
        lambda d: d["steps"][3].__setitem__("number", "4"),
        "step start_vm: field 'number' must be int",
    ),
    "number as bool": (
        lambda d: d["steps"][3].__setitem__("number", True),
        "step start_vm: field 'number' must be a whole number",
    ),
    "unknown actor": (
        lambda d: d["steps"][0].__setitem__("pelaksana", ["Camat"]),
        "step prepare: field 'pelaksana' must name one or more of",
    ),
    "unknown field": (
        lambda d: d["steps"][0].__setitem__("durasi", 3),
        "step prepare: unknown field(s) durasi",
    ),
    "no steps": (lambda d: d.__setitem__("steps", []), "field 'steps' is empty"),
    "automation kind": (
        lambda d: d["steps"][0].__setitem__("automation", {"kind": "magic", "ref": "x"}),
        "field 'automation' needs kind",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_malformed_case_has_its_own_error(case):
    mutate, expected = CASES[case]
    with pytest.raises(SiakError) as err:
        parse_sop(broken(mutate), "bad.yml")
    assert expected in str(err.value)
    assert str(err.value).startswith("bad.yml")


def test_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.yml"
    with pytest.raises(SiakError, match=r"nope\.yml: cannot read the SOP file"):
        load_sop_file(missing)
    bad = tmp_path / "bad.yml"
    bad.write_text("steps: [\n")
    with pytest.raises(SiakError, match=r"bad.yml: not valid YAML at line \d"):
        load_sop_file(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(SiakError, match="not a YAML mapping"):
        load_sop_file(bad)


def test_unknown_sop_and_step():
    with pytest.raises(SiakError, match=r"unknown SOP 'nope'\. Use one of: backup_db"):
        load_sop("nope")
    with pytest.raises(SiakError, match="unknown step 'reboot'"):
        load_sop("upgrade").step("reboot")
