"""The one message catalogue: gettext through Babel, shared by the Python code and the Jinja templates.

Messages are written in English in the code (`tr("...")`) and in the templates (`{% trans %}`, `_()`);
the Bahasa Indonesia catalogue `locale/id/LC_MESSAGES/siak_sop.po` translates them. Bahasa Indonesia
is the default language; English (`--lang en`, `SIAK_LANG=en`) shows the messages as written.
The catalogue ships in the collection beside this module and holds the words of the collection's
plugins and of the siak-sop wrapper alike (the wrapper imports this module from the installed
collection). After changing messages, `python -m siak_sop.catalogue update` (in the checkout) adds the new
ones to the catalogue for translation and drops the unused ones.

The catalogue is read with Babel and compiled in memory on first use, so the `.po` file people edit
is the only copy: no compiled `.mo` can go stale. `python -m siak_sop.catalogue check` lists messages of
the code and templates that the catalogue lacks or leaves untranslated (the unit tests run the same check).

The language of a playbook run. What the roles and their plugins say at run time (a release's plan and
outcome, a refusal, a rollout's stop reason) is rendered once, when it is said, in the run's language:
`SIAK_LANG` (Bahasa Indonesia when unset), read by `run_lang()` and by nothing else. Every plugin that puts
words into a task's message or a published result (actions, filters, the `said` filter of the YAML
sentences) renders through `say(..., run_lang())`; the `dukcapil.siak.laporan` callback's `lang` option reads
the same variable, and `siak-sop run --lang` passes it to the ansible-playbook it starts. So the agenda and the
Laporan of one run are in one language. Why not keep the message and its values in the results and render
them only when a Laporan is made: the agenda is the signed record of what the run said, and what it said to
the operator on the terminal must be the words the agenda keeps; a rebuilt `siak-sop report --lang en` of an
Indonesian run translates the Laporan's own words, and shows the hosts' reasons as the run recorded them.
The language is read from the environment rather than a variable of the play because it belongs to the
reader, not the inventory, and the controller's forked workers all inherit it. Modules that run on a
managed host know no language: where their words reach an office verbatim, they return values and the
sentence is built on the controller.
"""

from __future__ import annotations

import errno
import gettext as _gettext
import io
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DOMAIN = "siak_sop"
LANGS = ("id", "en")
DEFAULT_LANG = "id"
# Where messages are found, as Babel's extraction method map: the Python code and its templates.
METHOD_MAP = [("**.py", "python"), ("**/templates/**.j2", "jinja2")]
EXTRACT_OPTIONS = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
# `tr` in Python (ansible-test's pylint refuses the name `_`), `_` in the Jinja templates.
KEYWORDS = {"tr": None, "_": None, "gettext": None, "ngettext": (1, 2), "N_": None}

# The collection's plugin_utils folder: the catalogue beside this module, and the messages of its code.
HERE = Path(__file__).resolve().parent
# The module_utils whose reasons reach an office (module_utils/release.Reason): their messages are marked with
# N_ there, read into this catalogue, and said on the controller.
MODULE_UTILS = HERE.parent / "module_utils"

_lock = threading.Lock()
_cache: dict[str, _gettext.NullTranslations] = {}
_current: dict[str, Any] = {"lang": DEFAULT_LANG}


def catalogue_path(lang: str = "id") -> Path:
    return HERE / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_lang(lang: str | None) -> str:
    """A supported language code; anything else falls back to the default (Bahasa Indonesia)."""
    lang = (lang or "").strip().lower()[:2]
    return lang if lang in LANGS else DEFAULT_LANG


def translations(lang: str) -> _gettext.NullTranslations:
    """The gettext translations of `lang` (English: the messages as written)."""
    lang = check_lang(lang)
    with _lock:
        if lang not in _cache:
            _cache[lang] = _load(lang)
        return _cache[lang]


def _load(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(catalogue_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def use(lang: str | None) -> str:
    """Make `lang` the language of `tr()` for this process; returns the code in use."""
    _current["lang"] = check_lang(lang)
    return _current["lang"]


def current() -> str:
    return str(_current["lang"])


RUN_LANG_ENV = "SIAK_LANG"


def run_lang() -> str:
    """The language of a playbook run's words (module docstring): $SIAK_LANG, else Bahasa Indonesia. Read
    once per process; the one place a plugin learns the run's language."""
    with _lock:
        if "run" not in _current:
            _current["run"] = check_lang(os.environ.get(RUN_LANG_ENV))
        return str(_current["run"])


def tr(message: str) -> str:
    """The message in the current language."""
    return translations(_current["lang"]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current["lang"]).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it yet (module-level tables)."""
    return message


# argparse's own words (usage, its section titles, its errors): argparse looks them up through its module's
# `_` when it formats help and errors, so the CLI's help and errors are in one language throughout.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


def install_argparse() -> None:
    """Let argparse speak the language in use (its module-level `_` is gettext's, read when it runs)."""
    import argparse

    argparse._ = tr  # type: ignore[attr-defined]  # pylint: disable=protected-access


def gettext_for(lang: str) -> Any:
    """A `tr()` bound to one language, for code that renders in a language other than the process's."""
    return translations(lang).gettext


class Said(str):
    """A sentence in English (what `str()` and a JSON copy give) that keeps its message and its values, so
    `say()` can give it in the reader's language. For code that speaks before anyone chose a language
    (the agenda's verifier), and whose words an office reads all the same."""

    message: str
    values: dict[str, Any]

    def __new__(cls, message: str, /, **values: Any) -> Said:
        self = super().__new__(cls, message.format(**values))
        self.message = message
        self.values = values
        return self

    @classmethod
    def from_dict(cls, said: dict[str, Any]) -> Said:
        """A `Said` from a module's reason as JSON gives it ({message, values}, module_utils/release.Reason)."""

        def value(item: Any) -> Any:
            return (
                cls.from_dict(item) if isinstance(item, dict) and set(item) == {"message", "values"} else item
            )

        return cls(str(said["message"]), **{k: value(v) for k, v in (said.get("values") or {}).items()})


class Joined(Said):
    """Several sentences (or `Said` pieces) said one after the other, `sep` between them, each in the reader's
    language: a list of problems, a sentence with an optional second one."""

    def __new__(cls, parts: Iterable[Any], sep: str = "; ") -> Joined:
        values = {f"part{index}": part for index, part in enumerate(parts)}
        return super().__new__(cls, sep.join("{%s}" % name for name in values), **values)


# The reasons a file cannot be read that a person meets, said in the reader's language (the C library's
# own words, `OSError.strerror`, are English whatever the language).
OS_REASONS = {
    errno.ENOENT: N_("no such file or folder"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
}


def os_reason(exc: OSError) -> Said | str:
    """Why a file operation failed, as a `Said` when the catalogue has the reason, else the system's words."""
    known = OS_REASONS.get(exc.errno or 0)
    return Said(known) if known else str(exc.strerror or exc)


def as_said(text: Any) -> Said | None:
    """`text` as a `Said`: a `Said` itself, or a module's reason (module_utils/release.Reason, the `Said` of
    code that also runs on a managed host: the same message and values, and `as_dict()`), else None. The
    Reason is recognised by its shape, so the wrapper's start does not import the module side's library."""
    if isinstance(text, Said):
        return text
    if isinstance(text, str) and hasattr(text, "message") and callable(getattr(text, "as_dict", None)):
        return Said.from_dict(text.as_dict())
    return None


def say(text: Any, lang: str | None = None) -> str:
    """`text` in `lang` (default: the current language): a `Said` or a module's `Reason` through the catalogue
    (one among its values too), anything else as it is."""
    said = as_said(text)
    if said is not None:
        translate = gettext_for(lang) if lang else tr
        values = {
            name: say(value, lang) if as_said(value) is not None else value
            for name, value in said.values.items()
        }
        return translate(said.message).format(**values)
    return str(text)


def say_all(value: Any, lang: str | None = None) -> Any:
    """`value` with every `Said` and module `Reason` in it (in a mapping or a list, at any depth) said in
    `lang`: what a plugin hands to Ansible, which keeps plain strings."""
    if as_said(value) is not None:
        return say(value, lang)
    if isinstance(value, dict):
        return {key: say_all(item, lang) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [say_all(item, lang) for item in value]
    return value


def lang_from_argv(argv: Iterable[str]) -> str:
    """The language a command line asks for (`--lang xx`, `--lang=xx`), else $SIAK_LANG, else Bahasa Indonesia.

    Read before argparse runs so the help text itself is in that language.
    """
    args = list(argv)
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return check_lang(args[index + 1])
        if arg.startswith("--lang="):
            return check_lang(arg.split("=", 1)[1])
    return check_lang(os.environ.get("SIAK_LANG"))


def jinja_env(lang: str, loader: Any, **options: Any) -> Any:
    """A Jinja environment with the i18n extension on this catalogue (`{% trans %}`, `tr()`)."""
    from jinja2 import Environment

    env = Environment(loader=loader, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def extract(folders: Iterable[Path] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Every message in the code and templates of `folders` (default: the collection's plugin_utils), with
    where it is used."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[tuple[str, int]]] = {}
    for base in folders if folders is not None else [HERE, MODULE_UTILS]:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(base), METHOD_MAP, EXTRACT_OPTIONS, KEYWORDS
        ):
            messages = message if isinstance(message, tuple) else (message,)
            for text in messages:
                if text:
                    found.setdefault(text, []).append((filename, lineno))
    return found


def problems(lang: str = "id", folders: Iterable[Path] | None = None) -> list[str]:
    """Messages the code of `folders` uses that the catalogue lacks or leaves untranslated, and entries no
    code there uses."""
    from babel.messages.pofile import read_po

    with open(catalogue_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    used = extract(folders)
    found = []
    for text, where in sorted(used.items()):
        entry = catalog.get(text)
        if entry is None:
            found.append(f"missing: {text!r} ({where[0][0]}:{where[0][1]})")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            found.append(f"untranslated: {text!r} ({where[0][0]}:{where[0][1]})")
    for entry in catalog:
        if entry.id and (entry.id[0] if isinstance(entry.id, tuple) else entry.id) not in used:
            found.append(f"unused: {entry.id!r}")
    return found


def update(lang: str = "id", folders: Iterable[Path] | None = None) -> list[str]:
    """Rewrite the catalogue from the code of `folders`: new messages added untranslated, translations
    kept, unused entries dropped. Returns the messages that still need a translation (fill their msgstr
    by hand)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = catalogue_path(lang)
    with open(path, "rb") as fh:
        old = read_po(fh, locale=lang, domain=DOMAIN)
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        project=old.project,
        version=old.version,
        charset="utf-8",
        fuzzy=False,
        last_translator=old.last_translator,
        language_team=old.language_team,
    )
    catalog.header_comment = old.header_comment
    todo = []
    for text, where in sorted(extract(folders).items()):
        entry = old.get(text)
        string = entry.string if entry is not None else ""
        if not string:
            todo.append(text)
        catalog.add(text, string, locations=[(name, 0) for name, _line in where[:1]])
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=110, sort_output=True, include_lineno=False)
    return todo
