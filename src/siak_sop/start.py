"""The `siak-sop` command: load the installed collection's logic (collection.py), then the command line.

The command line (cli.py) imports the SOP tables, the message catalogue and the report renderer from the
collection, so it is imported only once the collection is found; without one, siak-sop says how to
install it and exits 2, in the language asked for.
"""

from __future__ import annotations

import sys

from siak_sop import collection


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        collection.load()
    except collection.CollectionMissing as err:
        print(f"siak-sop: {err.line(collection.lang_of(args))}", file=sys.stderr)
        if argv is None:
            sys.exit(err.exit_code)
        return err.exit_code
    try:
        from siak_sop import cli
    except ImportError as err:
        missing = collection.CollectionIncomplete(collection.folder_loaded(), err.name or str(err))
        print(f"siak-sop: {missing.line(collection.lang_of(args))}", file=sys.stderr)
        if argv is None:
            sys.exit(missing.exit_code)
        return missing.exit_code

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
