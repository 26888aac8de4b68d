"""The language of a playbook run: what the roles and their plugins say (plans, refusals, outcomes, the YAML
sentences) is in $SIAK_LANG, Bahasa Indonesia by default, through the one catalogue (i18n.run_lang)."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
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


# The words of the client install's, the safe unpack's and the release modules' reasons (module_utils) that
# ENGLISH does not hold.
RELEASE_ENGLISH = re.compile(
    r"\b(member|link|points|outside|stopped|sending|answer|answered|package|unpack|unpacked|stays|active|"
    r"mismatch|expected|got|missing|could|cannot|probe|output|incomplete|device|special|truncated|needs|has|"
    r"none|held|going|old|short|bytes|wanted|holds|rebuilt|delete|move|rerun|changes|runs|stage|of|through|"
    r"leads|no|at|for|by|with|on|under|belongs|reached|given|plain|name|ends|early|free|space)\b",
    re.IGNORECASE,
)
# What this family says: its messages in module_utils (said on the controller from a module's Reason) and the
# controller's own words around them.
RELEASE_FILES = ("client_install.py", "client_release.py", "release_unpack.py")
RELEASE_WORDS = [
    "{module} changes the server; check mode runs nothing",  # plugin_utils/release_remote.py
    "run_lock state=attached needs Python on the host; Windows has none",  # plugin_utils/lock_sentences.py
    "Langkah 10 | Install the new client release: {why}",  # plugin_utils/client_rollout_report.py
    # module_utils/release.hold: a release module refused because this run no longer holds the lock.
    "the upgrade lock {path} cannot be read: {error}",
    "cannot read or repair the release root {root}: {error}",  # module_utils/release.py, said for release_state
    "this run no longer holds the upgrade lock {path} (another run took it over, or it was removed); nothing was "
    "changed by this step",
]
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rsa])?(?::[^{}]*)?\}")


def release_messages() -> list[str]:
    root = Path(i18n.MODULE_UTILS)
    found = [m for m, where in i18n.extract([root]).items() if any(w[0] in RELEASE_FILES for w in where)]
    return found + RELEASE_WORDS


def test_every_reason_of_the_client_install_and_the_unpack_is_in_bahasa_indonesia():
    """Why a release cannot be staged or a client PC updated reaches the Laporan: every such message has its
    Indonesian translation, with the same values and no English word left."""
    messages = release_messages()
    assert len(messages) >= 40, messages
    catalog = i18n.translations("id")
    for message in messages:
        translated = catalog.gettext(message)
        assert translated and translated != message, f"untranslated: {message!r}"
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(message)), message
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(message) if name}
        sentence = i18n.Said(message, **values)
        indonesian = i18n.say(sentence, "id")
        assert i18n.say(sentence, "en") == message.format(**values), message
        for english in (ENGLISH, RELEASE_ENGLISH):
            assert not english.search(indonesian), (message, indonesian, english.search(indonesian))


def _install_failure(tmp_path: Path, **given) -> dict:
    """The client_release module's answer for an install that fails, as it crosses JSON to the controller."""
    import json

    from ansible_collections.dukcapil.siak.plugins.module_utils import client_install as ci
    from ansible_collections.dukcapil.siak.plugins.module_utils import client_release as cr

    params = {name: spec.get("default") for name, spec in cr.ARGUMENT_SPEC.items()}
    params.update(
        root=str(tmp_path / "client"), version="2.0", process_name="siak-client-not-running", timeout=10
    )
    params.update(given)
    with pytest.raises(ci.InstallError) as raised:
        ci.install(params)
    assert isinstance(raised.value.reason, ci.Reason) and str(raised.value) == str(raised.value.reason)
    return json.loads(json.dumps(ci.failed_result(raised.value)))


def test_a_failed_client_install_comes_back_with_its_reason_said_in_the_runs_language(served, tmp_path):
    """A checksum mismatch, a cut fetch and an unsafe member: the module's reason crosses JSON with its catalogue
    message and values, and the controller says it in Bahasa Indonesia, or in English under SIAK_LANG=en."""
    import hashlib
    import io
    import tarfile

    from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

    www, base = served
    with tarfile.open(www / "pkg.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("bin/siak-client")
        body = os.urandom(1 << 20)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    (www / "cut-pkg.tar.gz").write_bytes((www / "pkg.tar.gz").read_bytes())
    with tarfile.open(www / "evil.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("../../etc/cron.d/evil")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"x\n"))
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in www.iterdir()}
    cases = [
        (
            {"url": f"{base}/pkg.tar.gz", "sha256": "f" * 64},
            f"checksum {base}/pkg.tar.gz tidak cocok: seharusnya {'f' * 64}, ternyata {sha['pkg.tar.gz']}. "
            "Bagian yang sudah dibongkar telah dihapus dan versi lama tetap aktif; periksa berkas di titik "
            "distribusi dan client_rollout_package_sha256",
            f"checksum mismatch for {base}/pkg.tar.gz: expected {'f' * 64}, got {sha['pkg.tar.gz']}. What was "
            "unpacked of it was removed and the old version stays active; check the file on the distribution "
            "point and client_rollout_package_sha256",
        ),
        (
            {"url": f"{base}/cut-pkg.tar.gz", "sha256": sha["cut-pkg.tar.gz"]},
            f"titik distribusi berhenti mengirim {base}/cut-pkg.tar.gz setelah ",
            f"the distribution point stopped sending {base}/cut-pkg.tar.gz after ",
        ),
        (
            {"url": f"{base}/evil.tar.gz", "sha256": sha["evil.tar.gz"]},
            f"paket {base}/evil.tar.gz tidak dapat dibongkar: entri arsip ../../etc/cron.d/evil akan tertulis di "
            "luar folder rilis",
            f"the package {base}/evil.tar.gz could not be unpacked: member ../../etc/cron.d/evil would land "
            "outside the release directory",
        ),
    ]
    for given, indonesian, english in cases:
        sent = _install_failure(tmp_path, **given)
        assert sent["msg"].startswith(english) and "_reasons" in sent
        said_id = say_reasons(sent, "id")
        assert said_id["msg"].startswith(indonesian) and "_reasons" not in said_id, said_id["msg"]
        assert not ENGLISH.search(said_id["msg"].replace(base, "X1")), said_id["msg"]
        assert say_reasons(sent, "en")["msg"] == sent["msg"]
        assert not (tmp_path / "client" / "current").exists()
        assert os.listdir(tmp_path / "client" / "releases") == []
    assert said_id["bytes_transferred"] > 0 and said_id["in_use"] == []  # the result so far, kept
    cut = say_reasons(_install_failure(tmp_path, url=f"{base}/cut-pkg.tar.gz", sha256="e" * 64), "id")
    assert cut["msg"].endswith(". Versi lama tetap aktif")


def test_a_pc_whose_install_failed_has_its_row_in_the_runs_language(run_in):
    """The PC's row in the Laporan: the step's own words around the module's reason, in one language."""
    from ansible_collections.dukcapil.siak.plugins.filter.client_rollout_rows import client_rollout_rows

    hosts = [
        {
            "inventory_hostname": "pc07",
            "group_names": ["workstations"],
            "__client_rollout_probe": {"status": "pending", "previous_version": "2.0", "in_use": []},
            "__client_rollout_install": {"failed": True, "msg": "checksum X1 tidak cocok"},
        },
        {
            "inventory_hostname": "pc08",
            "group_names": ["workstations"],
            "__client_rollout_probe": {"failed": True, "msg": ""},
        },
    ]
    run_in(None)
    rows = {r["host"]: r["message"] for r in client_rollout_rows(hosts, [["pc07", "pc08"]])}
    assert rows == {
        "pc07": "Langkah 10 | Pemasangan rilis klien baru: checksum X1 tidak cocok",
        "pc08": "Langkah 10 | Pembacaan versi klien: gagal",
    }
    run_in("en")
    rows = {r["host"]: r["message"] for r in client_rollout_rows(hosts, [["pc07", "pc08"]])}
    assert rows["pc08"] == "Langkah 10 | Read the client version: failed"


def test_a_windows_pcs_problem_is_said_in_the_runs_language(run_in):
    """A Windows PC is read by probe.ps1 and judged on the controller with the Linux PC's own reasons."""
    from ansible_collections.dukcapil.siak.plugins.filter.client_rollout_rows import client_windows_probe

    answer = {
        "result": {"root": "C:\\SIAK", "version": "2.0", "sha256": "a" * 64, "link_is_not_a_link": True}
    }
    run_in(None)
    problem = client_windows_probe(answer)["problem"]
    assert type(problem) is str and problem == (
        "C:\\SIAK\\current adalah folder atau berkas, bukan tautan; pindahkan ke C:\\SIAK\\releases\\<versinya> lalu "
        "jalankan ulang"
    )
    run_in("en")
    assert client_windows_probe(answer)["problem"].startswith(
        "C:\\SIAK\\current is a folder or file, not a link"
    )


def test_a_windows_pcs_refused_package_is_said_in_the_runs_language(run_in):
    """unpack.ps1 answers `refused` instead of throwing English; the controller says why, as for a Linux PC."""
    from ansible_collections.dukcapil.siak.plugins.filter.client_rollout_rows import (
        client_windows_unpack_refusal,
    )

    rebuilt = {"result": {"refused": "rebuilt", "target": "C:\\SIAK\\releases\\2.0", "found": "b" * 64}}
    no_entry = {"result": {"refused": "not_the_release", "entrypoint": "siak.exe"}}
    run_in(None)
    said = client_windows_unpack_refusal(rebuilt, "2.0", "a" * 64)
    assert said.startswith(f"C:\\SIAK\\releases\\2.0 berisi versi 2.0 dengan checksum lain ({'b' * 64}, "), (
        said
    )
    assert client_windows_unpack_refusal(no_entry, "2.0", "a" * 64) == (
        "artefak tidak memuat siak.exe: artefak ini bukan rilis dari yang diminta"
    )
    assert client_windows_unpack_refusal({"result": {"changed": True}}, "2.0", "a" * 64) == ""
    run_in("en")
    assert client_windows_unpack_refusal(rebuilt, "2.0", "a" * 64).startswith(
        f"C:\\SIAK\\releases\\2.0 holds version 2.0 with another checksum ({'b' * 64}, wanted {'a' * 64})"
    )
    assert client_windows_unpack_refusal(no_entry, "2.0", "a" * 64) == (
        "the artifact has no siak.exe: it is not a release of what was asked for"
    )


def test_the_server_unpacks_reason_is_composed_and_said_in_the_runs_language(tmp_path):
    """release_unpack's failure wraps the unpack's reason, which may wrap who did not answer."""
    import json

    from ansible_collections.dukcapil.siak.plugins.module_utils import release_unpack as ru
    from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

    root = tmp_path / "app"
    (root / "releases").mkdir(parents=True)
    url = "http://127.0.0.1:9/siak-app-2.0.tar.gz"
    with pytest.raises(ru.FetchError) as raised:
        ru.stage(str(root), "2.0", str(root / "releases" / ".2.0.partial-1"), ru.Fetch(url, "", timeout=2))
    why = Reason(ru.CANNOT_STAGE, name="2.0", source=url, why=raised.value.reason)
    sent = json.loads(json.dumps(reasons({"failed": True, "msg": why})))
    assert sent["msg"].startswith(
        f"cannot stage release 2.0 from {url}: the server did not answer at {url}: "
    )
    said = say_reasons(sent, "id")["msg"]
    assert said.startswith(f"rilis 2.0 tidak dapat disiapkan dari {url}: server tidak menjawab di {url}: ")
    assert said.endswith("; pembongkaran yang belum selesai sudah dihapus, tidak ada yang dialihkan")
    assert say_reasons(sent, "en")["msg"] == sent["msg"]


def test_an_artifact_refused_by_its_measure_is_said_in_the_runs_language(run_in, tmp_path):
    """Step 5's measure of an artifact (release_archive_info on the server, release_open's thread on the
    controller): its reason comes back and is said in the run's language."""
    import json

    from ansible_collections.dukcapil.siak.plugins.action.release_open import _Measure
    from ansible_collections.dukcapil.siak.plugins.module_utils import release_unpack as ru
    from ansible_collections.dukcapil.siak.plugins.module_utils.release import reasons
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons

    text = tmp_path / "siak-app-2.0.tar.gz"
    text.write_bytes(b"<html>404 Not Found</html>" * 20)
    with pytest.raises(ru.UnpackError) as raised:
        ru.measure(str(text))
    sent = json.loads(json.dumps(reasons({"failed": True, "msg": raised.value.reason})))
    # What the file starts with shows what it is: here a web server's error page saved under the artifact's name.
    assert sent["msg"] == (
        f"artifact {text}: not a readable tar.gz, tar or zip archive: it starts with <html>404 Not Found</html><html>404 Not"
    )
    assert say_reasons(sent, "id")["msg"] == (
        f"artefak {text}: bukan arsip tar.gz, tar atau zip yang dapat dibaca: isinya diawali "
        "<html>404 Not Found</html><html>404 Not"
    )
    for lang, start in ((None, f"artefak {text}: bukan arsip"), ("en", f"artifact {text}: not a readable")):
        run_in(lang)
        measuring = _Measure(str(text))
        measuring.run()
        assert measuring.info is None and measuring.error.startswith(start), (lang, measuring.error)


@pytest.mark.parametrize(
    ("args", "indonesian", "english"),
    [
        # mkdir cannot make a folder under /proc: the action's one shell command fails on the host.
        (
            "path=/proc/siak-notice/notice.txt content=x wall=false",
            "pemberitahuan tidak dapat ditulis di /proc/siak-notice/notice.txt: ",
            "could not leave the notice at /proc/siak-notice/notice.txt: ",
        ),
        (
            "path={tmp}/notice.txt content=x wall=false mode=abc",
            "mode 'abc' bukan mode oktal seperti 0600",
            "mode 'abc' is not an octal mode such as 0600",
        ),
    ],
)
def test_the_step_9_notice_fails_in_the_runs_language(args, indonesian, english, tmp_path):
    """client_notice's failures, from a real run of the action on this machine (local connection, POSIX shell),
    as an operator's step 9 row shows them."""
    ansible = Path(sys.executable).parent / "ansible"
    env = {k: v for k, v in os.environ.items() if k != "SIAK_LANG"}
    env.setdefault("ANSIBLE_CONFIG", str(Path(__file__).resolve().parents[2] / "ansible.cfg"))
    for lang, wanted in ((None, indonesian), ("en", english)):
        run_env = dict(env, **({"SIAK_LANG": lang} if lang else {}))
        done = subprocess.run(
            [str(ansible), "localhost", "-c", "local", "-m", "dukcapil.siak.client_notice",
             "-a", args.format(tmp=tmp_path)],
            env=run_env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert done.returncode != 0 and wanted in done.stdout, (
            lang,
            done.stdout[-2000:],
            done.stderr[-2000:],
        )
    assert not (tmp_path / "notice.txt").exists()


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (None, "localhost: kunci /proc/siak-lock/.siak-upgrade.lock tidak dapat diambil: No such file or directory. "
               "Periksa bahwa /proc/siak-lock ada di localhost dan login ini boleh menulis di sana"),
        ("en", "localhost: the lock /proc/siak-lock/.siak-upgrade.lock cannot be taken: No such file or directory. "
               "Check that /proc/siak-lock exists on localhost and that this login may write there"),
    ],
)  # fmt: skip
def test_a_lock_that_cannot_be_taken_is_named_with_its_fix_in_the_runs_language(lang, wanted, tmp_path):
    """The lock's folder cannot be made (under /proc): a real run of the action on this machine names the host,
    the lock and what to check, in the run's language, where the module had only the system's words."""
    env = {k: v for k, v in os.environ.items() if k != "SIAK_LANG"}
    env["ANSIBLE_CONFIG"] = str(Path(__file__).resolve().parents[2] / "ansible.cfg")
    if lang:
        env["SIAK_LANG"] = lang
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local", "-m", "dukcapil.siak.run_lock",
         "-a", "path=/proc/siak-lock/.siak-upgrade.lock"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and wanted in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
