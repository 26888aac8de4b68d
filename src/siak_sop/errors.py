"""One error type for everything a person can fix: what is wrong, where, and what to do."""

from __future__ import annotations


class SiakError(Exception):
    """An error meant for a person, printed as one line without a traceback.

    ``where`` names the file, host or step; ``fix`` says what to do next.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str = "", fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """The error in the current language: a message made with `i18n.Said` is translated, other text
        is as written."""
        from siak_sop.i18n import say  # pylint: disable=import-outside-toplevel

        what, fix = say(self.what), say(self.fix)
        text = f"{self.where}: {what}" if self.where else what
        return f"{text}. {fix}" if fix else text
