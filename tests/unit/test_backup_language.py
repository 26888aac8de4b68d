"""The backup SOP in the run's language: the export's verdict, the verified copy's reasons, retention, the drill
and the role's own sentences are catalogue messages, said in Bahasa Indonesia by default and in English on
request (SIAK_LANG), with no English left in the Indonesian (i18n.run_lang)."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import yaml
from ansible_collections.dukcapil.siak.plugins.filter.backup_retention import backup_retention
from ansible_collections.dukcapil.siak.plugins.filter.export_verdict import export_verdict, sqlfile_verdict
from ansible_collections.dukcapil.siak.plugins.filter.said import said
from ansible_collections.dukcapil.siak.plugins.module_utils import backup_copy, backup_io
from ansible_collections.dukcapil.siak.plugins.module_utils.release import Reason, reasons
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n, oracle_log
from ansible_collections.dukcapil.siak.plugins.plugin_utils.backup_plan import retention
from ansible_collections.dukcapil.siak.plugins.plugin_utils.release_remote import say_reasons
from ansible_collections.dukcapil.siak.plugins.plugin_utils.role_sentences import SENTENCES

ROOT = Path(__file__).resolve().parents[2]
LOGS = Path(__file__).parent / "data" / "oracle_logs"
# English words of these messages that an Indonesian sentence never holds (lower case: Oracle's own quoted
# lines such as 'Export terminated' stay as Oracle writes them; "backup" and "mount" are the office's own
# loanwords). The values are replaced by a placeholder first (skeleton): paths, names and Oracle's errors are
# quoted as they are, in either language.
ENGLISH = re.compile(
    r"\b(the|is|was|are|and|not|nothing|no|run|failed|has|does|of|with|copy|verified|kept|removed|"
    r"exit code|damaged|missing|exists|export|import|cut short|found|read|plug)\b"
)


def skeleton(said: i18n.Said) -> i18n.Said:
    """``said`` with every plain value (a path, an Oracle line, a number) replaced by X1: its words only."""
    return i18n.Said(
        said.message, **{k: skeleton(v) if isinstance(v, i18n.Said) else "X1" for k, v in said.values.items()}
    )


def assert_in_both_languages(said, seen: set) -> None:
    assert isinstance(said, i18n.Said), said
    assert str(said) not in seen, f"two cases gave the same reason: {said}"
    seen.add(str(said))
    english, indonesian = i18n.say(said, "en"), i18n.say(said, "id")
    assert english == str(said)
    assert indonesian != english, said
    words = i18n.say(skeleton(said), "id")
    assert not ENGLISH.search(words), (words, ENGLISH.search(words))


def log(name: str) -> str:
    return (LOGS / name).read_text()


def every_failed_verdict() -> list[oracle_log.Verdict]:
    v = oracle_log.verdict
    cut = log("impdp_verify_ok.log").replace("dump file set is consistent", "")
    many = "\n".join(f"ORA-{39000 + n:05d}: error {n}" for n in range(12))
    return [
        v("expdp", 5, log("expdp_ok.log")),  # completed, but exit code 5
        v("expdp", 0, log("expdp_ora_error.log")),  # errors in the log
        v("expdp", 1, log("expdp_killed.log")),  # cut short
        v("expdp", 0, log("expdp_no_space.log")),
        v(
            "expdp", 1, 'Job "S"."SYS_EXPORT_SCHEMA_01" stopped due to fatal error at Sun Dec 6\n'
        ),  # ended badly
        v("expdp", 5, many),  # more errors than a message quotes
        v("exp", 0, log("exp_warnings.log")),
        v("exp", 1, log("exp_failed.log")),
        v("exp", 3, log("exp_ok.log")),
        v("exp", 0, log("exp_killed.log")),
        v("exp", 0, "About to export specified users ...\nEXP-00056: ORACLE error 1017 encountered\n"),
        v("script", 0, ""),
        v("script", 2, "ORA-12541: TNS:no listener\n"),
        v("script", 2, "some other text\n"),
        oracle_log.verify_only_verdict(1, log("impdp_verify_damaged.log")),
        oracle_log.verify_only_verdict(3, "nothing\n"),
        oracle_log.verify_only_verdict(0, cut),
        oracle_log.sqlfile_verdict(5, log("impdp_sqlfile_ok.log")),
        oracle_log.sqlfile_verdict(0, "Import: Release 19.0.0.0.0 - Production\n"),
    ]


def test_every_reason_of_the_export_verdict_is_in_bahasa_indonesia_and_english():
    seen: set = set()
    verdicts = every_failed_verdict()
    for v in verdicts:
        assert not v.ok or v.status == "warning", v
        assert_in_both_languages(v.reason, seen)
    appended = oracle_log.verdict("expdp", 0, log("expdp_appended.log"))
    assert appended.ok and appended.history
    for line in appended.history:
        assert_in_both_languages(line, seen)
    consistent = oracle_log.verify_only_verdict(0, log("impdp_verify_ok.log"))
    assert consistent.ok
    assert_in_both_languages(consistent.reason, seen)


def test_a_successful_exports_reason_is_oracles_own_line_in_either_language(run_in):
    for lang in (None, "en"):
        run_in(lang)
        v = export_verdict(log("expdp_ok.log"), "expdp", 0)
        assert v["ok"] and v["reason"].startswith(
            'Job "SYSTEM"."SYS_EXPORT_SCHEMA_01" successfully completed at'
        )


def test_the_verdict_filters_say_the_reason_in_the_runs_language(run_in):
    run_in(None)
    v = export_verdict(log("expdp_ok.log"), "expdp", 5)
    assert not v["ok"] and type(v["reason"]) is str
    assert v["reason"] == ("expdp keluar dengan kode 5 (EX_SUCC_ERR), jadi ekspor tidak dihitung"), v[
        "reason"
    ]
    drill = sqlfile_verdict(log("impdp_sqlfile_ok.log"), 5)
    assert (
        drill["reason"].startswith("impdp keluar dengan kode 5") and "impor tidak dihitung" in drill["reason"]
    )
    appended = export_verdict(log("expdp_appended.log"), "expdp", 0)
    assert appended["history"][0].startswith("proses ke-1 dari 2 dalam log ini: log ekspor berisi galat")
    json.dumps(appended)  # plain data for Ansible
    run_in("en")
    v = export_verdict(log("expdp_ok.log"), "expdp", 5)
    assert v["reason"] == "expdp exited with code 5 (EX_SUCC_ERR), so the export does not count"


def every_retention_reason() -> list:
    names = ["01122026", "02122026", "03122026", "04122026"]
    return [
        retention(names, names, keep_daily=2, keep_monthly=1, new="04122026")["reason"],
        retention(names, names, keep_daily=2, keep_monthly=1, new="03122026")["reason"],
        retention(names, names[:1], keep_daily=3, keep_monthly=1, new="01122026")["reason"],
        retention(names, names[:1], keep_daily=3, keep_monthly=1, new="01122026", damaged=["02122026"])[
            "reason"
        ],
    ]


def test_every_retention_reason_is_in_bahasa_indonesia_and_english(run_in):
    seen: set = set()
    for reason in every_retention_reason():
        assert_in_both_languages(reason, seen)
    run_in(None)
    plan = backup_retention(["01122026", "02122026"], ["01122026", "02122026"], "02122026", 1, 0)
    assert (
        plan["reason"] == "cadangan yang baik dari 1 hari dan 0 bulan disimpan"
        and type(plan["reason"]) is str
    )


def test_every_reason_of_the_backup_modules_is_translated_without_english():
    """The verified_copy and backup_folder modules' reasons live in module_utils/backup_copy.py and backup_io.py
    (the catalogue reads them); each with words of its own is translated."""
    messages = i18n.extract([ROOT / "plugins" / "module_utils"])
    mine = [
        m
        for m, where in messages.items()
        if any(w[0].endswith(("backup_copy.py", "backup_io.py")) for w in where)
        and re.sub(r"\{[^}]*\}", "", m).strip(" :;.")
    ]
    assert len(mine) >= 30, mine
    for message in mine:
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(message) if name}
        sentence = i18n.Said(message, **values)
        indonesian = i18n.say(sentence, "id")
        assert indonesian != i18n.say(sentence, "en") == message.format(**values), message
        assert not ENGLISH.search(indonesian), (indonesian, ENGLISH.search(indonesian))


def test_a_damaged_backups_problems_cross_json_and_are_said_on_the_controller():
    problems = [
        Reason(backup_io.CHECKSUM_DIFFERS, name="master.dmp", manifest="aaaa", file="bbbb"),
        Reason(backup_io.FILE_MISSING, name="master.log"),
    ]
    msg = Reason(backup_io.FOLDER_PROBLEMS, path="/m/x", problems=backup_io.joined(problems))
    result = {
        "failed": True,
        "msg": msg,
        "problems": problems,
        "damaged": [{"name": "x", "problems": problems}],
    }
    sent = json.loads(json.dumps(reasons(result)))
    assert (
        sent["msg"]
        == "/m/x: master.dmp does not match its checksum (manifest aaaa..., file bbbb...); master.log is missing"
    )
    said_id = say_reasons(sent, "id")
    assert said_id["problems"] == [
        "master.dmp tidak cocok dengan checksum-nya (manifest aaaa..., berkas bbbb...)",
        "master.log hilang",
    ]
    assert said_id["damaged"][0]["problems"] == said_id["problems"]
    assert said_id["msg"] == "/m/x: " + "; ".join(said_id["problems"])
    said_en = say_reasons(sent, "en")
    assert said_en["msg"] == sent["msg"] and said_en["problems"] == sent["problems"]


def test_a_copys_reason_crosses_json_and_is_said_on_the_controller():
    why = Reason(
        backup_copy.COPY_FAILED_ON, src="/b/x", dest="/m/x", host="db", why="No space left on device"
    )
    sent = json.loads(json.dumps(reasons({"failed": True, "msg": why, "error": why})))
    assert sent["msg"] == str(why)
    said_id = say_reasons(sent, "id")
    assert said_id["msg"] == (
        "penyalinan /b/x ke /m/x di db gagal: No space left on device; salinan yang belum selesai sudah dihapus"
    )
    assert say_reasons(sent, "en")["msg"] == str(why)
    mount = backup_copy.NotMounted(
        Reason(
            "{path} on {host} is not mounted ({why}): plug in and mount the disk or flashdisk",
            path="/media/usb",
            host="db",
            why=Reason("it is a folder on {mount_point}", mount_point="/media"),
        )
    )
    nested = Reason(backup_copy.NOTHING_COPIED, why=mount.reason)
    said = say_reasons(json.loads(json.dumps(reasons({"error": nested}))), "id")["error"]
    assert (
        said
        == "/media/usb di db tidak ter-mount (itu hanya folder di /media): pasang dan mount disk kedua atau flashdisk; tidak ada yang disalin"
    )


def test_every_backup_sentence_is_in_bahasa_indonesia_without_english(run_in):
    keys = [k for k in SENTENCES if k.startswith(("backup_", "schedule_"))]
    assert len(keys) >= 40
    for key in keys:
        values = {name: "X1" for _, name, _, _ in string.Formatter().parse(SENTENCES[key]) if name}
        run_in(None)
        indonesian = said(key, **values)
        run_in("en")
        assert said(key, **values) == SENTENCES[key].format(**values) != indonesian, key
        assert not ENGLISH.search(indonesian), (key, indonesian, ENGLISH.search(indonesian))


def test_a_backup_is_said_good_only_when_verified():
    """'Verified' (diverifikasi) is said of a backup only by the sentences of a verified one."""
    for key in SENTENCES:
        if not key.startswith("backup_"):
            continue
        indonesian = i18n.say(
            i18n.Said(
                SENTENCES[key], **{n: "X1" for _, n, _, _ in string.Formatter().parse(SENTENCES[key]) if n}
            ),
            "id",
        )
        if "diverifikasi" in indonesian and "terverifikasi" not in indonesian:
            assert key in {"backup_ended_verified", "backup_verify_good", "backup_copies_failed"}, key


def every_message_of_the_backup_tasks():
    """(file, task, field, value) of every message the backup role's tasks say to an operator."""
    for path in sorted((ROOT / "roles" / "oracle_backup" / "tasks").glob("*.yml")):
        stack = list(yaml.safe_load(path.read_text()) or [])
        while stack:
            task = stack.pop()
            for section in ("block", "rescue", "always"):
                stack.extend(task.get(section) or [])
            for module in ("ansible.builtin.debug", "ansible.builtin.assert", "ansible.builtin.fail"):
                for field in ("msg", "fail_msg", "success_msg"):
                    value = (task.get(module) or {}).get(field)
                    if value is not None:
                        yield path.name, task.get("name"), field, str(value)


def test_every_message_of_the_backup_role_comes_from_the_catalogue():
    found = list(every_message_of_the_backup_tasks())
    assert len(found) >= 25, len(found)
    for name, task, field, value in found:
        assert "dukcapil.siak.said" in value or value.strip().startswith("{{ __"), (name, task, field, value)


def test_the_service_hours_window_is_named_in_the_runs_language(run_in):
    from ansible_collections.dukcapil.siak.plugins.filter.service_hours import service_hours

    windows = [{"days": "mon-thu", "start": "08:00", "end": "15:00"}]
    monday = "2026-11-23T10:00:00+07:00"
    run_in(None)
    assert service_hours(monday, windows)["window"] == "Senin–Kamis 08:00–15:00"
    run_in("en")
    assert service_hours(monday, windows)["window"] == "Mon–Thu 08:00–15:00"


def test_the_volume_is_measured_through_the_action_that_says_its_reasons(tmp_path):
    """backup_path_info runs through its action (release_remote's ReasonedModuleAction), which says a
    failure's reason in the run's language: a real run on this machine (local connection) still answers
    with the volume, for a folder that does not exist yet too."""
    ansible = Path(sys.executable).parent / "ansible"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    done = subprocess.run(
        [str(ansible), "localhost", "-c", "local", "-m", "dukcapil.siak.backup_path_info",
         "-a", f"path={tmp_path}/not-yet/dump", "-o"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    answer = json.loads(done.stdout.split("=>", 1)[1])
    assert answer["exists"] is False and answer["free_bytes"] > 0 and answer["mount_point"].startswith("/")
    assert i18n.say(i18n.Said(backup_io.CANNOT_MEASURE, path="/u01/dump", error="X1"), "id") == (
        "tidak dapat membaca di volume mana /u01/dump berada atau berapa ruang kosongnya: X1"
    )
