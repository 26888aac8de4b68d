"""`python -m siak_sop.catalogue check|update`: the one message catalogue against the code that uses it.

The catalogue ships in the collection (plugins/plugin_utils/locale); its messages come from the
collection's plugin_utils and from this wrapper, so both folders are read. A development tool, run in
the checkout (the unit tests run the same check).
"""

from __future__ import annotations

import sys
from pathlib import Path

from siak_sop import collection


def folders() -> list[Path]:
    """The folders whose code and templates the catalogue translates: the collection's and the wrapper's."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n

    return [i18n.HERE, i18n.MODULE_UTILS, Path(__file__).resolve().parent]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] not in (["check"], ["update"]):
        print("usage: python -m siak_sop.catalogue check|update", file=sys.stderr)
        return 2
    collection.load()
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n

    if args[0] == "update":
        for text in i18n.update(folders=folders()):
            print(f"untranslated: {text!r}")
        return 0
    found = i18n.problems(folders=folders())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
