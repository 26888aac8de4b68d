"""The one message catalogue: every message of the code and the templates has its Bahasa Indonesia
translation, the Python code and Jinja read the same catalogue, and the language is chosen once."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import render
from babel.messages.pofile import read_po

from siak_sop import catalogue


def test_every_message_is_translated_and_every_entry_is_used():
    assert i18n.problems("id", folders=catalogue.folders()) == []


# A value in a message: {name}, with its conversion ({value!r}) and format ({at:%H:%M}).
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rsa])?(?::[^{}]*)?\}")


def test_placeholders_survive_translation():
    with open(i18n.catalogue_path("id"), "rb") as fh:
        catalog = read_po(fh, locale="id")
    for message in catalog:
        if not message.id:
            continue
        wanted = sorted(PLACEHOLDER.findall(message.id))
        assert sorted(PLACEHOLDER.findall(message.string)) == wanted, message.id


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
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import values

    tr = i18n.gettext_for("id")
    for word in ("updated", "in_use", "physical", "off", "ok", "verified", "offline", "already_running"):
        shown = values.word(word, tr)
        assert shown != word and shown.lower() != word.replace("_", " "), word
    assert values.label("bytes_transferred", tr) == "bytes_transferred"  # never a column of the report
    assert "bytes_transferred" not in values.LABELS and "briefed" in values.LABELS


def test_the_agenda_verifiers_findings_are_said_in_bahasa_indonesia(monkeypatch):
    """`siak-sop agenda verify-day` and the verifier's further findings: no English line in Indonesian."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils import agenda_seal

    from siak_sop import agenda_cli

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


# --- Errors: every SiakError speaks through the catalogue ------------------------------------------------

PACKAGE = Path(i18n.__file__).parent
PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
# siak-lab builds the test bench; no office runs it, and its errors stay English (docs/siak-sop.md).
NOT_FOR_THE_OFFICE = PACKAGE / "lab"
# Two English words in a row: a sentence, where a place should be a path, a host or a setting's name.
SENTENCE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _is_message(node: ast.expr) -> bool:
    """`Said(N_("..."), ...)`, `Said(a name marked with N_)`, or a message passed on (a name, `err.what`)."""
    if isinstance(node, ast.Call) and _name(node.func) == "Said" and node.args:
        first = node.args[0]
        marked = isinstance(first, ast.Call) and _name(first.func) == "N_"
        return (marked and isinstance(first.args[0], ast.Constant)) or isinstance(first, ast.Name)
    return isinstance(node, ast.Name | ast.Attribute)


def _words_of(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return []


def siak_error_problems(tree: ast.AST, where: str) -> list[str]:
    """Each SiakError whose message or fix is not a catalogue message, or whose place is a sentence."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) == "SiakError"):
            continue
        given = {kw.arg: kw.value for kw in node.keywords}
        here = f"{where}:{node.lineno}"
        if node.args and not _is_message(node.args[0]):
            found.append(f"{here}: the message is not an i18n.Said of the catalogue")
        if "fix" in given and not _is_message(given["fix"]):
            found.append(f"{here}: the fix is not an i18n.Said of the catalogue")
        if "where" in given and any(SENTENCE.search(w) for w in _words_of(given["where"])):
            found.append(f"{here}: the place holds English words; make it an i18n.Said")
    return found


def test_the_checker_finds_an_untranslated_error():
    bad = ast.parse('SiakError(f"bad {x}", where="office hours", fix=tr("Do this"))')
    assert len(siak_error_problems(bad, "x.py")) == 3
    good = ast.parse('SiakError(Said(N_("bad {x}"), x=x), where=str(path), fix=Said(N_("Do this")))')
    assert siak_error_problems(good, "x.py") == []


def test_every_siak_error_is_a_catalogue_message():
    """What the ADB reads from siak-sop (message, place, fix) is a message of the catalogue; the
    catalogue test above then requires its Bahasa Indonesia translation."""
    problems, calls = [], 0
    for path in sorted([*PACKAGE.rglob("*.py"), *PLUGINS.rglob("*.py")]):
        if path.is_relative_to(NOT_FOR_THE_OFFICE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls += sum(isinstance(n, ast.Call) and _name(n.func) == "SiakError" for n in ast.walk(tree))
        problems += siak_error_problems(tree, str(path))
    assert calls > 100  # the scan reached the package
    assert problems == []


def test_a_siak_error_says_its_place_and_fix_in_the_readers_language():
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError

    place = i18n.Said(i18n.N_("{file}, step {step}"), file="sop.yml", step="start_server")
    err = SiakError(
        i18n.Said(i18n.N_("missing field '{name}'"), name="kegiatan"),
        where=place,
        fix=i18n.Said(i18n.N_("Add it (see docs/sop-tables.md)")),
    )
    assert (
        err.line("id")
        == "sop.yml, langkah start_server: kolom 'kegiatan' tidak ada. Tambahkan (lihat docs/sop-tables.md)"
    )
    assert (
        str(err)
        == err.line("en")
        == ("sop.yml, step start_server: missing field 'kegiatan'. Add it (see docs/sop-tables.md)")
    )


# Words no Indonesian error line holds; paths, quoted values, `commands`, options and setting names are
# taken out before looking.
ENGLISH_WORDS = re.compile(
    r"\b(the|is|are|not|no|must|unknown|cannot|does|exist|use|give|check|found|write|or|and|of|to|for|"
    r"with|file|such|missing|run|read|set|example)\b",
    re.IGNORECASE,
)
NOT_WORDS = re.compile(r"'[^']*'|`[^`]*`|\S*[/_=.]\S*|--?\w[\w-]*|siak-sop:")


def english_left(line: str) -> list[str]:
    return ENGLISH_WORDS.findall(NOT_WORDS.sub(" ", line))


def test_english_left_finds_english():
    assert english_left("siak-sop: /x/nope.yml: cannot read the budget file (no such file)") != []
    assert (
        english_left("siak-sop: /x/nope.yml: berkas anggaran waktu tidak dapat dibaca (berkas tidak ada)")
        == []
    )


@pytest.fixture
def bad_inputs(tmp_path):
    """Real bad input for siak-sop, each with what its Bahasa Indonesia line says and its English line."""
    budget = tmp_path / "budget.yml"
    budget.write_text("hard_limit_factr: 2\n", encoding="utf-8")
    lines = (PACKAGE / "sops" / "sop_piak_15.yml").read_text(encoding="utf-8").splitlines(keepends=True)
    kegiatan = [n for n, line in enumerate(lines) if line.lstrip().startswith("kegiatan:")]
    del lines[kegiatan[1]]  # step 2 loses its Kegiatan
    step_line = next(n for n, line in enumerate(lines, start=1) if line.strip() == "- id: start_server")
    sop = tmp_path / "sop.yml"
    sop.write_text("".join(lines), encoding="utf-8")
    (tmp_path / "out" / "agenda" / "2026-12-06").mkdir(parents=True)
    (tmp_path / "out" / "agenda" / "2026-12-06" / "r1.jsonl").write_text("", encoding="utf-8")
    return [
        (
            ["budgets", "upgrade", "--budget-file", str(budget)],
            "pengaturan tidak dikenal: hard_limit_factr. Gunakan hanya",
            "unknown setting(s) hard_limit_factr. Use only",
        ),
        (
            ["budgets", "upgrade", "--budget-file", str(tmp_path / "nope.yml")],
            "nope.yml: berkas anggaran waktu tidak dapat dibaca (berkas atau folder tidak ada)",
            "nope.yml: cannot read the budget file (no such file or folder)",
        ),
        (
            ["check-sop", str(sop)],
            f"sop.yml baris {step_line}, langkah start_server: kolom 'kegiatan' tidak ada. Tambahkan",
            f"sop.yml line {step_line}, step start_server: missing field 'kegiatan'. Add it",
        ),
        (
            ["run", "upgrade", "--hard-limit", "replace_app"],
            "--hard-limit 'replace_app' tidak berbentuk LANGKAH=MENIT",
            "--hard-limit 'replace_app' is not STEP=MINUTES",
        ),
        (
            ["report", "no-such-run"],
            "tidak ada agenda untuk jalan 'no-such-run'",
            "no agenda for run 'no-such-run'",
        ),
        (
            ["agenda", "book", "--day", "2026-13-45"],
            "'2026-13-45' bukan tanggal",
            "'2026-13-45' is not a date",
        ),
        (
            ["agenda", "verify", str(tmp_path / "nope.jsonl")],
            "berkas agenda tidak dapat dibaca (berkas atau folder tidak ada)",
            "cannot read the agenda file (no such file or folder)",
        ),
    ]


def test_siak_sops_errors_are_in_bahasa_indonesia_by_default_and_english_on_request(bad_inputs, tmp_path):
    """The console script itself, as the ADB runs it: one line, exit 2, no English sentence left."""
    script = Path(sys.executable).parent / "siak-sop"
    env = {k: v for k, v in os.environ.items() if k != "SIAK_LANG"}
    env["SIAK_OUTPUT_DIR"] = str(tmp_path / "out")
    # The collection is found as an ADB's install finds it: through an ansible.cfg, here the repository's
    # (`make unit` exports it; a bare pytest from another shell does not).
    env.setdefault("ANSIBLE_CONFIG", str(Path(__file__).resolve().parents[2] / "ansible.cfg"))
    for argv, indonesian, english in bad_inputs:
        for lang, wanted in ((None, indonesian), ("en", english)):
            done = subprocess.run(
                [str(script), *argv, *(["--lang", lang] if lang else [])],
                check=False,
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert done.returncode == 2 and len(lines) == 1 and not done.stdout, (argv, lang, done.stderr)
            assert lines[0].startswith("siak-sop: ") and wanted in lines[0], (argv, lang, lines[0])
            if lang is None:
                assert english_left(lines[0]) == [], lines[0]
            else:
                assert english_left(lines[0]), lines[0]
