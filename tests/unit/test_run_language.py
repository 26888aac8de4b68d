"""The language of a playbook run: what the roles and their plugins say (plans, refusals, outcomes, the YAML
sentences) is in $SIAK_LANG, Bahasa Indonesia by default, through the one catalogue (i18n.run_lang)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible.plugins.test.core import version_compare
from ansible_collections.dukcapil.siak.plugins.filter.release_outcome import release_outcome
from ansible_collections.dukcapil.siak.plugins.filter.said import said
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n
from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_plan as rp
from ansible_collections.dukcapil.siak.plugins.plugin_utils import release_windows as rw
from ansible_collections.dukcapil.siak.plugins.plugin_utils.budgets import BudgetConfig
from ansible_collections.dukcapil.siak.plugins.plugin_utils.role_sentences import SENTENCES
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from siak_sop import runner

SHA = "a" * 64
# English words of the messages that an Indonesian sentence never holds (values here are names and numbers).
ENGLISH = re.compile(
    r"\b(the|is|was|will|and|not|nothing|run|current again|failed|healthy|release|installed|server shows)\b",
    re.IGNORECASE,
)


def settings(**over) -> dict:
    base = {
        "version": "2.0",
        "artifact": "/srv/rilis/siak-app-2.0.tar.gz",
        "sha256": SHA,
        "root": "/opt/siak/app",
        "kind": "app",
        "label": "SIAK application",
        "host": "siak-vm",
        "step": 6,
        "service": {"manager": "command", "start_command": "start", "stop_command": "stop"},
        "health": {"kind": "http", "url": "http://127.0.0.1/health"},
        "keep_releases": 3,
        "disk_margin_mib": 64,
    }
    base.update(over)
    return base


def rel(name: str) -> dict:
    return {"name": name, "version": name, "sha256": SHA, "complete": True}


def decide(s: dict, state: dict, info: dict | None = None, check_mode: bool = False) -> dict:
    return rp.decide(
        s,
        {"releases": [], "free_bytes": 10 << 30, "free_path": "/opt", **state},
        info if info is not None else {"sha256": SHA, "size_bytes": 100, "unpacked_bytes": 1000},
        location="controller",
        check_mode=check_mode,
        version_lt=lambda a, b: version_compare(a, b, "<"),
    )


def every_plan_sentence() -> list[i18n.Said]:
    """Every sentence `saying` can give, and every refusal `decide` can give."""
    said = []
    for current, health, check in (
        (rel("2.0"), {"healthy": True}, False),
        (rel("2.0"), {"healthy": None}, False),
        (rel("2.0"), {"healthy": False, "health_error": "HTTP 500"}, False),
        (rel("2.0"), {"healthy": True, "journal": {"to": "2.0"}}, False),
        (None, {}, False),
        (rel("1.0"), {"healthy": True}, True),
        (rel("1.0"), {"healthy": False}, False),
    ):
        state = {"current": current, **health}
        plan = decide(settings(), state, check_mode=check)["plan"]
        said.append(rp.saying(settings(), plan, check, state))
    plan = decide(settings(force=True), {"current": rel("2.0"), "healthy": True})["plan"]
    said.append(rp.saying(settings(force=True), plan, False, {"healthy": True}))
    said.append(decide(settings(sha256="b" * 64), {})["refusal"])
    said.append(decide(settings(), {"current": rel("3.0")})["refusal"])
    said.append(
        decide(settings(disk_margin_mib=0), {"free_bytes": 1}, {"sha256": SHA, "unpacked_bytes": 9})[
            "refusal"
        ]
    )
    bad = settings(
        version="2 beta",
        artifact="",
        sha256="x",
        root="opt",
        service={"manager": "systemd"},
        health={"kind": "tcp"},
        keep_releases=0,
        shared_paths=["../etc"],
    )
    said.append(rp.settings_refusal(bad, rp.setting_problems(bad)))
    for kind in ("http", "command"):
        wrong = settings(health={"kind": kind}, service={"manager": "command"})
        said.append(rp.settings_refusal(wrong, rp.setting_problems(wrong)))
    return said


def every_outcome() -> list[dict]:
    plan = {"from_version": "1.0", "from_release": "1.0", "release_name": "2.0", "root": "/opt/siak/app"}
    first = {"from_version": None, "from_release": None, "release_name": "2.0", "root": "/opt/siak/app"}
    s = {"host": "siak-vm", "label": "SIAK proxy", "step": 8, "version": "2.0"}

    def live(name, healthy=True, journal=None, error=""):
        return {
            "current": {"name": name, "version": name} if name else None,
            "healthy": healthy,
            "journal": journal,
            "health_error": error,
        }

    cases = [
        (plan, {"connection_lost": True}, None),
        (plan, {}, {"failed": True}),
        (plan, {"connection_lost": True}, live("2.0")),
        (plan, {}, live("2.0", journal={"to": "2.0"})),
        (plan, {}, live("2.0", healthy=False, error="HTTP 500")),
        (first, {"switched": True}, live(None)),
        (plan, {}, live("2.0", healthy=None)),
        (plan, {"switched": True}, live("1.0")),
        (plan, {}, live("1.0")),
    ]
    return [
        rp.outcome(
            s, p, failed_task="Langkah 8 | X", failed_msg="HTTP 500", failed_result=r, after=a, look="ssh x"
        )
        for p, r, a in cases
    ]


def test_every_sentence_the_release_plan_can_say_is_in_bahasa_indonesia_and_english():
    sentences = every_plan_sentence() + [o["message"] for o in every_outcome()]
    assert len({str(s) for s in sentences}) == len(sentences), "a case is missing: two gave the same sentence"
    for sentence in sentences:
        assert isinstance(sentence, i18n.Said), sentence
        english, indonesian = i18n.say(sentence, "en"), i18n.say(sentence, "id")
        assert english == str(sentence)
        assert indonesian != english
        assert not ENGLISH.search(indonesian), (indonesian, ENGLISH.search(indonesian))


def test_the_windows_reasons_are_catalogue_messages():
    health = rw.health_verdict({"kind": "http"}, [{"failed": True}])
    done = rw.reconciled(
        {"journal": {"to": "2.0", "from": "1.0"}, "current": {"name": "1.0"}},
        cleaned=[],
        probe=None,
        repair=None,
        restore={"healthy": True},
    )
    for reason in (health["health_error"], done[0]["error"]):
        assert i18n.say(reason, "id") != i18n.say(reason, "en") == str(reason)


def test_the_run_language_is_siak_lang_read_once(run_in, monkeypatch):
    run_in(None)
    assert i18n.run_lang() == "id"
    monkeypatch.setenv("SIAK_LANG", "en")
    assert i18n.run_lang() == "id", "read once per process: one run, one language"
    run_in("en")
    assert i18n.run_lang() == "en"
    run_in("fr")
    assert i18n.run_lang() == "id"


def test_the_outcome_filter_says_the_message_in_the_runs_language(run_in):
    plan = {"from_version": "1.0", "from_release": "1.0", "release_name": "2.0", "root": "/opt/siak/app"}
    s = {"host": "siak-vm", "label": "SIAK application", "step": 6, "version": "2.0"}
    back = {"current": {"name": "1.0", "version": "1.0"}, "healthy": True, "journal": None}
    for lang, words in (
        (
            None,
            "Dikembalikan otomatis: aplikasi SIAK 1.0 (releases/1.0) aktif kembali, sudah dinyalakan dan sehat.",
        ),
        (
            "en",
            "Rolled back automatically: SIAK application 1.0 (releases/1.0) is current again, started and healthy.",
        ),
    ):
        run_in(lang)
        verdict = release_outcome(
            s, plan, failed_task="t", failed_msg="m", failed_result={"switched": True}, after=back
        )
        assert verdict["result"] == "rolled_back" and words in verdict["message"]
        assert type(verdict["message"]) is str  # a plain string for Ansible and the agenda


def test_every_role_sentence_is_said_in_the_runs_language(run_in):
    for key, message in SENTENCES.items():
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(message) if name}
        run_in(None)
        indonesian = said(key, **values)
        run_in("en")
        english = said(key, **values)
        assert english == message.format(**values)
        assert indonesian != english and type(indonesian) is str, key


def test_the_said_filter_refuses_an_unknown_sentence_or_a_missing_value(run_in):
    run_in(None)
    with pytest.raises(AnsibleFilterError, match="no sentence"):
        said("no_such_sentence")
    with pytest.raises(AnsibleFilterError, match="needs the value 'want'"):
        said("rollback_already_current", host="vm", label="SIAK proxy")
    assert said("rollback_already_current", host="vm", label="SIAK proxy", want="2.0") == (
        "vm: rilis 2.0 dari proxy SIAK sudah aktif; tidak ada yang perlu dilakukan."
    )


@pytest.mark.parametrize("role", ["release", "siak_server", "upgrade_prepare"])
def test_no_role_task_writes_a_sentence_of_its_own(role):
    """The roles' messages come from the catalogue (the said filter, or a plugin's message)."""
    roles = Path(__file__).resolve().parents[2] / "roles" / role / "tasks"
    english = re.compile(r"'[^']*\b(is|was|the|not|nothing|failed|current) [a-z][^']*'")
    for path in sorted(roles.rglob("*.yml")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # A regular expression anchored with ^ matches Ansible's own words (which stay as Ansible says them).
            if line.lstrip().startswith("#") or "- name:" in line or "'^" in line:
                continue
            assert not english.search(line), f"{path.name}:{number}: {line.strip()}"


def test_siak_sop_run_gives_the_playbook_its_language(tmp_path):
    request = runner.RunRequest(
        name="upgrade",
        sop=load_sop("upgrade"),
        work_dir=tmp_path,
        collection_dir=tmp_path,
        playbook=tmp_path / "upgrade.yml",
        inventories=[],
        output_dir=tmp_path / "out",
        budget=BudgetConfig(),
        lang="en",
    )
    env = runner.playbook_env(request, tmp_path / "agenda")
    assert env["SIAK_LANG"] == "en"


def test_a_modules_reasons_are_said_on_the_controller_in_the_runs_language():
    """Why a release is not healthy is found on the managed host (no language there) and said on the controller."""
    import json

    from ansible_collections.dukcapil.siak.plugins.module_utils import release as rs
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

    health = {"kind": "command", "command": "check", "retries": 1, "delay_s": 0.1}
    why = rs.start_and_check(lambda _cmd: (3, "", "BROKEN app 2.0"), {"manager": "none"}, health)
    error = rs.Reason(rs.N_("releases/{name}: {why}"), name="2.0", why=why)
    assert (
        str(error) == "releases/2.0: not healthy after 1 checks: the health command exited 3: BROKEN app 2.0"
    )
    # What the module returns goes through JSON: the English text, and its message and values beside it.
    sent = json.loads(
        json.dumps(rs.reasons({"error": error, "reconciled": [{"what": "started", "error": why}]}))
    )
    assert sent["error"] == str(error) and "_reasons" in sent
    said = say_reasons(sent, "id")
    assert said["error"] == (
        "releases/2.0: tidak sehat setelah 1 kali pemeriksaan: perintah pemeriksaan kesehatan keluar dengan kode 3: "
        "BROKEN app 2.0"
    )
    assert said["reconciled"][0]["error"].startswith("tidak sehat setelah 1 kali") and "_reasons" not in said
    assert say_reasons(sent, "en")["error"] == str(error)


def test_every_reason_of_the_server_cadangan_trial_is_said_in_bahasa_indonesia():
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.upgrade_trial import judge

    targets, http = {"app": "2.0", "proxy": "2.0"}, {"cadangan": {"app": "http", "proxy": "http"}}
    reach = "upgrade_trial_reach"
    cases = [
        ({}, http, ""),
        ({reach: {"cadangan": {"reachable": False, "message": "timed out"}}}, http, ""),
        ({reach: {"cadangan": {"reachable": False}}}, http, ""),
        ({reach: {"cadangan": {"stopped_at": "T", "connection_lost": True, "reachable": False}}}, http, ""),
        ({reach: {"cadangan": {"stopped_at": "T", "connection_lost": True, "message": "x 1"}}}, http, ""),
        ({reach: {"cadangan": {"stopped_at": "T", "message": "rc 1"}}}, http, ""),
        ({reach: {"cadangan": {"stopped_at": "T"}}}, http, ""),
        ({}, {"cadangan": {"app": "none", "proxy": "none"}}, ""),
        ({"siak_upgrade_trial": {"cadangan": {"result": "failed"}}}, http, ""),
        ({"siak_upgrade_trial": {"cadangan": {"result": "updated", "to_version": "1.9"}}}, http, ""),
        ({}, http, "Server cadangan diperbaiki"),
    ]
    live = {"from_version": "1.0", "to_version": "2.0", "target_version": "2.0", "result": "updated"}
    passed_over = {"siak_upgrade_trial": {"cadangan": live}, "proxy_upgrade_trial": {"cadangan": live}}
    seen = set()
    for results, kinds, skip, lost in [
        *((*c, None) for c in cases),
        (passed_over, http, "", {"cadangan": ["T"]}),
    ]:
        row = judge(["cadangan"], results, targets, kinds, skip_reason=skip, lost=lost)["rows"]["cadangan"]
        message = row["message"]
        assert isinstance(message, i18n.Said) and str(message) not in seen, message
        seen.add(str(message))
        indonesian = i18n.say(message, "id")
        assert i18n.say(message, "en") == str(message) != indonesian
        assert not ENGLISH.search(indonesian), (indonesian, ENGLISH.search(indonesian))


# The lock's own English words (who holds it, why it was taken over) that ENGLISH does not hold.
LOCK_ENGLISH = re.compile(
    r"\b(by|since|took over|its|process|older|held|runs|set|ended|still)\b", re.IGNORECASE
)


def every_lock_sentence() -> list[i18n.Said]:
    """Every refusal and take-over warning the one lock can give (plugin_utils/lock_sentences.py)."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import lock_sentences as ls

    holder = {"run_id": "R-17", "user": "budi", "host": "ctl", "pid": 42, "since": "2026-12-06T08:00:00+0700"}
    awx = dict(holder, awx_job_id="101", about={"kind": "backup"})
    said = [ls.refusal("siak-db", "/srv/x.lock", holder), ls.refusal("siak-db", "/srv/x.lock", awx)]
    said += [ls.taken_over_message("siak-db", "/srv/x.lock", awx, why) for why in ls.TAKEN_OVER_BECAUSE]
    return said


def test_every_sentence_of_the_lock_is_said_in_bahasa_indonesia():
    sentences = every_lock_sentence()
    assert len({str(s) for s in sentences}) == len(sentences), "a case is missing: two gave the same sentence"
    for sentence in sentences:
        assert isinstance(sentence, i18n.Said), sentence
        indonesian = i18n.say(sentence, "id")
        assert i18n.say(sentence, "en") == str(sentence) != indonesian
        assert not ENGLISH.search(indonesian), (indonesian, ENGLISH.search(indonesian))
        assert not LOCK_ENGLISH.search(indonesian), (indonesian, LOCK_ENGLISH.search(indonesian))
        assert "R-17" in indonesian and "/srv/x.lock" in indonesian


# The siak_server role's English words (steps 2 to 4) that ENGLISH does not hold.
SERVER_ENGLISH = re.compile(
    r"\b(by|within|answered|answers|refused|switched|did|does|could|its|give|wait|set|look|rerun|then|no answer"
    r"|no output|powered|asked|accepts|step|steps|start|started|down)\b",
    re.IGNORECASE,
)
SERVER_KEYS = [key for key in SENTENCES if key.startswith(("server_", "vm_"))] + ["no_answer", "nothing"]


def test_every_sentence_of_the_siak_server_role_is_said_in_bahasa_indonesia(run_in):
    assert len(SERVER_KEYS) > 50, "the role's sentences are keyed server_* and vm_*"
    for key in SERVER_KEYS:
        message = SENTENCES[key]
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(message) if name}
        run_in(None)
        indonesian = said(key, **values)
        assert indonesian != message.format(**values), key
        for english in (ENGLISH, SERVER_ENGLISH):
            assert not english.search(indonesian), (key, indonesian, english.search(indonesian))


def test_the_vm_filters_say_their_words_in_the_runs_language(run_in):
    """What vm.py builds around a hypervisor's answer (the command's own output stays as it was)."""
    from ansible_collections.dukcapil.siak.plugins.filter.vm_command import vm_command
    from ansible_collections.dukcapil.siak.plugins.filter.vm_state import vm_state
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import vm

    words = [
        vm.answer(None),
        vm.answer({"skipped": True}),
        vm.answer({"rc": 0}),
        vm.describe(None),
        vm.describe(vm.command("status", "proxmox", "SIAK")),
        vm.describe(vm.command("start", "vmware", "SIAK")),
    ]
    for sentence in words:
        indonesian = i18n.say(sentence, "id")
        assert i18n.say(sentence, "en") == str(sentence) != indonesian
        assert not SERVER_ENGLISH.search(indonesian), (indonesian, SERVER_ENGLISH.search(indonesian))
    assert (
        str(vm.answer({"rc": 1, "stdout": "error: failed to get domain"}))
        == "rc 1, 'error: failed to get domain'"
    )
    for lang, silent, asked in (
        (None, "rc 0, tanpa keluaran", "community.vmware.vmware_guest_powerstate (menyalakan 'SIAK')"),
        ("en", "rc 0, no output", "community.vmware.vmware_guest_powerstate (start 'SIAK')"),
    ):
        run_in(lang)
        assert vm_state({"rc": 0, "stdout": ""}, "libvirt")["answer"] == silent
        assert vm_command("SIAK", "start", "vmware")["display"] == asked
    run_in(None)
    with pytest.raises(AnsibleFilterError, match=r"vm_command: backend VM 'xen' tidak dikenal"):
        vm_command("SIAK", "start", "xen")


# Step 1's English words per host and per artifact (roles/upgrade_prepare) that ENGLISH does not hold.
PREPARE_ENGLISH = re.compile(
    r"\b(trial|health|answers|refused|step|down|off|missing|has|needed|given|waived|matches|says|checked|ready"
    r"|starts|switches|picks|will|stop|no answer|target|free)\b",
    re.IGNORECASE,
)


def test_every_sentence_of_step_1_per_host_is_said_in_bahasa_indonesia(run_in):
    keys = [k for k in SENTENCES if k.startswith(("prepare_", "trial_row"))]
    assert {"prepare_note_vm_off", "prepare_artifact_mismatch", "trial_row_why", "prepare_not_ready"} <= set(
        keys
    )
    run_in(None)
    for key in keys:
        message = SENTENCES[key]
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(message) if name}
        indonesian = said(key, **values)
        assert indonesian != message.format(**values), key
        for english in (ENGLISH, PREPARE_ENGLISH):
            assert not english.search(indonesian), (key, indonesian, english.search(indonesian))


def test_a_sentence_may_have_a_value_named_message():
    said = i18n.Said("{host}: {message}", host="siak-vm", message="no answer")
    assert str(said) == "siak-vm: no answer" and said.values == {"host": "siak-vm", "message": "no answer"}
