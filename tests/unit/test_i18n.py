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
