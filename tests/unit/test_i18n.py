"""The one message catalogue: every message of the code and the templates has its Bahasa Indonesia
translation, the Python code and Jinja read the same catalogue, and the language is chosen once."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from siak_sop import i18n
from siak_sop.report import render


def test_every_message_is_translated_and_every_entry_is_used():
    assert i18n.problems("id") == []


def test_placeholders_survive_translation():
    with open(i18n.catalogue_path("id"), "rb") as fh:
        catalog = read_po(fh, locale="id")
    for message in catalog:
        if not message.id:
            continue
        wanted = sorted(re.findall(r"\{[a-z_]*\}", message.id))
        assert sorted(re.findall(r"\{[a-z_]*\}", message.string)) == wanted, message.id


def test_python_and_jinja_read_the_same_catalogue():
    env = render.template_env("id", html=False)
    assert env.from_string("{{ _('Within standard') }}").render() == "Sesuai"
    assert i18n.gettext_for("id")("Within standard") == "Sesuai"
    assert render.template_env("en", html=False).from_string("{{ _('Within standard') }}").render() == (
        "Within standard"
    )


def test_bahasa_indonesia_is_the_default_and_english_the_alternative(monkeypatch):
    monkeypatch.delenv("SIAK_LANG", raising=False)
    assert i18n.lang_from_argv(["budgets", "upgrade"]) == "id"
    assert i18n.lang_from_argv(["budgets", "upgrade", "--lang", "en"]) == "en"
    assert i18n.lang_from_argv(["--lang=en"]) == "en"
    monkeypatch.setenv("SIAK_LANG", "en")
    assert i18n.lang_from_argv([]) == "en"
    assert i18n.check_lang("fr") == "id"


def test_no_english_value_word_is_translated_as_itself():
    """The words the review found in Indonesian reports, each with an Indonesian translation."""
    from siak_sop.report import values

    tr = i18n.gettext_for("id")
    for word in ("updated", "in_use", "physical", "off", "ok", "verified", "offline", "already_running"):
        shown = values.word(word, tr)
        assert shown != word and shown.lower() != word.replace("_", " "), word
    assert values.label("bytes_transferred", tr) == "bytes_transferred"  # never a column of the report
    assert "bytes_transferred" not in values.LABELS and "briefed" in values.LABELS


def test_the_agenda_verifiers_findings_are_said_in_bahasa_indonesia(monkeypatch):
    """`siak-sop agenda verify-day` and the verifier's further findings: no English line in Indonesian."""
    from siak_sop import agenda_cli, agenda_seal

    listed = {"seq": 0, "prev_hash": None, "file": "r1.jsonl", "head": "h1", "run_id": "r1", "lines": 3}
    listed["hash"] = agenda_seal.day_line_hash(listed)
    problems = agenda_seal.day_problems("/agenda/2026-12-06", [listed], {})
    problems += agenda_seal.day_problems("/agenda/2026-12-06", [{"unreadable": "x"}], {})
    day = agenda_seal.DayVerdict(
        "/agenda/2026-12-06", False, 1, problems, [], agenda_seal.Signature(agenda_seal.UNSIGNED)
    )
    monkeypatch.setattr(i18n, "_current", {"lang": "id"})
    said = [agenda_cli.verify_day_line("/agenda/2026-12-06", day), *(i18n.say(p) for p in day.problems)]
    assert said == [
        "/agenda/2026-12-06: RUSAK, 1 jalan terangkai, TIDAK DITANDATANGANI",
        "jalan r1 (r1.jsonl) ada di rantai hari itu, tetapi berkasnya dihapus",
        "buku-agenda.chain baris 1 bukan catatan hari: telah diubah",
    ], said
    for english in ("chained", "BROKEN", "UNSIGNED", "removed", "day record", "run r1"):
        assert not any(english in line for line in said), english
    # The JSON copy and English keep the verifier's own words.
    assert problems[0] == "run r1 (r1.jsonl) is in the day's chain but its file was removed"
    monkeypatch.setattr(i18n, "_current", {"lang": "en"})
    assert agenda_cli.verify_day_line("/agenda/2026-12-06", day) == (
        "/agenda/2026-12-06: BROKEN, 1 run(s) chained, UNSIGNED"
    )
