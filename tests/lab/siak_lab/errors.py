"""The lab's one error type: what is wrong, where, and what to do, printed by siak-lab as one line.

The lab is a development tool, not the product: its messages are English for the developer, and it does
not load the collection's message catalogue (plugins/plugin_utils/errors.py is the product's error).
"""

from __future__ import annotations

from typing import Any


class LabError(Exception):
    exit_code = 2

    def __init__(self, what: Any, *, where: Any = "", fix: Any = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else str(self.what)
        return f"{text}. {self.fix}" if self.fix else text
