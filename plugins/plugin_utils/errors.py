"""One error type for everything a person can fix: what is wrong, where, and what to do."""

from __future__ import annotations

from typing import Any


class SiakError(Exception):
    """An error meant for a person, printed as one line without a traceback.

    ``where`` names the file, host or step; ``fix`` says what to do next. Each of the three is an
    `i18n.Said` (a catalogue message with its values) or a plain value with no words to translate (a
    path, a host name, a setting's name), so `line()` gives the error in the reader's language.
    `str()` of the error is English, like a `Said`: what a log or a JSON copy keeps.
    """

    exit_code = 2

    def __init__(self, what: Any, *, where: Any = "", fix: Any = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.line("en"))

    def line(self, lang: str | None = None) -> str:
        """The error in `lang` (default: the current language)."""
        from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import say  # pylint: disable=import-outside-toplevel

        what, where, fix = say(self.what, lang), say(self.where, lang), say(self.fix, lang)
        text = f"{where}: {what}" if where else what
        return f"{text}. {fix}" if fix else text
