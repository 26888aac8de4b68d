"""Unit tests read messages in English, the language of the code, unless a test asks for Bahasa Indonesia
(the command line's default, `cli.main([...])` picks it up itself). A playbook run's language
(i18n.run_lang) is read afresh in every test: $SIAK_LANG unset, Bahasa Indonesia, as a run gets by default."""

from __future__ import annotations

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    monkeypatch.delenv("SIAK_LANG", raising=False)
    monkeypatch.setattr(i18n, "_current", {"lang": "en"})
    yield
    i18n.use("en")


@pytest.fixture
def run_in(monkeypatch):
    """Set a playbook run's language as ansible-playbook's environment would (None: unset), read afresh."""

    def use(lang: str | None) -> None:
        if lang is None:
            monkeypatch.delenv("SIAK_LANG", raising=False)
        else:
            monkeypatch.setenv("SIAK_LANG", lang)
        monkeypatch.setattr(i18n, "_current", {"lang": i18n.DEFAULT_LANG})

    return use
