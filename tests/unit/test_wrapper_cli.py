"""siak-sop run/report: every bad input is one line on stderr, exit 2, nothing run, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from agenda_builder import Run
from ansible_collections.dukcapil.siak.plugins.plugin_utils import exitcodes

from siak_sop import cli

PLAYBOOK = "tests/playbooks/sop_steps.yml"
REPO = Path(__file__).resolve().parents[2]


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def out(tmp_path, monkeypatch):
    """The messages below are checked in English (SIAK_LANG=en); Bahasa Indonesia, the default, is
    checked in test_help_and_errors_in_bahasa_indonesia_by_default."""
    monkeypatch.setenv("SIAK_LANG", "en")
    monkeypatch.setenv("SIAK_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.delenv("SIAK_AGENDA_DIR", raising=False)
    return tmp_path / "out"


def test_unknown_sop(capsys, out):
    assert cli.main(["run", "upgrad"]) == exitcodes.BAD_INPUT
    assert (
        one_line(capsys)
        == "siak-sop: unknown SOP run 'upgrad'. Use one of: upgrade, rollout, backup, rollback, drill"
    )


def installed_collection(tmp_path, monkeypatch, playbooks=(), logic=True):
    """A collection installed in a collections path of its own, the only one Ansible is told of; with
    `logic`, its plugins are the checkout's (the SOP tables, the catalogue), the playbooks only those given."""
    root = tmp_path / "collections"
    collection = root / "ansible_collections" / "dukcapil" / "siak"
    (collection / "playbooks").mkdir(parents=True)
    (collection / "galaxy.yml").write_text("namespace: dukcapil\nname: siak\nversion: 0.1.0\n")
    if logic:
        (collection / "plugins").symlink_to(REPO / "plugins")
    for name in playbooks:
        (collection / "playbooks" / name).write_text("---\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", str(root))
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "False")
    return collection


def siak_sop(*args: str) -> subprocess.CompletedProcess:
    """siak-sop in a process of its own, as an office starts it: its collection loader is started by
    siak-sop from the environment and folder the test set, not by this test session's conftest."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from siak_sop.start import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_playbook_not_in_the_collection(out, tmp_path, monkeypatch):
    collection = installed_collection(tmp_path, monkeypatch)
    for name, playbook in (
        ("upgrade", "upgrade.yml"),
        ("rollout", "client_rollout.yml"),
        ("rollback", "rollback.yml"),
    ):
        done = siak_sop("run", name)
        assert done.returncode == exitcodes.BAD_INPUT, done.stderr
        assert "Traceback" not in done.stderr
        assert f"playbook playbooks/{playbook} for '{name}' is not in this collection ({collection})" in (
            done.stderr
        )


def test_the_installed_collection_is_found_through_ansible(out, tmp_path, monkeypatch):
    collection = installed_collection(tmp_path, monkeypatch, playbooks=("upgrade.yml",))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from siak_sop import collection as c; print(c.find(c.config_file()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(collection)


def test_collection_not_installed(out, tmp_path, monkeypatch):
    """No traceback: the line says the collection is missing and how to install it."""
    installed_collection(tmp_path, monkeypatch)
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", str(tmp_path / "nothing-here"))
    done = siak_sop("run", "backup")
    assert done.returncode == exitcodes.BAD_INPUT
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "siak-sop: no ansible.cfg: the dukcapil.siak collection is not installed where Ansible looks for "
        "collections. Install it: ansible-galaxy collection install dukcapil-siak-<version>.tar.gz (README, "
        "Install), or run siak-sop from the folder whose ansible.cfg sets collections_path"
    )


def test_a_collection_without_the_logic(out, tmp_path, monkeypatch):
    """A collection of another release, without plugin_utils: one line naming it, no traceback."""
    collection = installed_collection(tmp_path, monkeypatch, playbooks=("upgrade.yml",), logic=False)
    done = siak_sop("run", "upgrade")
    assert done.returncode == exitcodes.BAD_INPUT
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"siak-sop: {collection}: this dukcapil.siak collection lacks the logic")
    assert done.stderr.strip().endswith(
        "Install the collection and siak-sop from the same release (README, Install)"
    )


def test_a_given_playbook_that_does_not_exist(capsys, out):
    assert cli.main(["run", "upgrade", "--playbook", "nope.yml"]) == exitcodes.BAD_INPUT
    assert one_line(capsys) == "siak-sop: nope.yml: playbook not found. Check the path given to --playbook"


def test_inventory_that_does_not_exist(capsys, out):
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "-i", "/nowhere/hosts.yml"]) == 2
    assert one_line(capsys) == (
        "siak-sop: /nowhere/hosts.yml: inventory does not exist. Give an inventory file or folder with -i"
    )


def test_budget_file_that_fails_validation(capsys, out, tmp_path):
    bad = tmp_path / "budget.yml"
    bad.write_text("steps:\n  replace_ap: {hard_limit_minutes: 20}\n")
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "--budget-file", str(bad)]) == 2
    assert f"siak-sop: {bad}, steps.replace_ap: unknown step id. Use one of: prepare," in one_line(capsys)


def test_bad_hard_limit_and_extra_vars(capsys, out):
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "--hard-limit", "login=soon"]) == 2
    assert "'soon' is not a number of minutes" in one_line(capsys)
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "-e", "novalue"]) == 2
    assert "-e 'novalue' is not key=value" in one_line(capsys)
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "-e", "@/nowhere.yml"]) == 2
    assert "extra vars file does not exist" in one_line(capsys)


def test_vault_password_file_that_does_not_exist(capsys, out):
    assert cli.main(["run", "upgrade", "--playbook", PLAYBOOK, "--vault-password-file", "/nowhere"]) == 2
    assert "vault password file does not exist" in one_line(capsys)


def test_run_id_with_no_agenda(capsys, out):
    assert cli.main(["report", "20261123T190000-abcdef"]) == exitcodes.BAD_INPUT
    assert one_line(capsys) == (
        f"siak-sop: no agenda for run '20261123T190000-abcdef' in {out / 'agenda'}. "
        "Check the run id (the agenda's file name without .jsonl) or set SIAK_OUTPUT_DIR"
    )


def test_a_file_that_is_not_an_agenda(capsys, out, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"type": "task"}\n')
    assert cli.main(["report", str(path)]) == 2
    assert "not an agenda file" in one_line(capsys)


def test_an_agenda_of_no_sop_needs_one_named(capsys, out, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(Run(playbook="site.yml").end().lines()) + "\n")
    assert cli.main(["report", str(path), "--no-pdf"]) == 2
    assert "Choose the SOP table with --sop upgrade or --sop backup" in one_line(capsys)
    assert (
        cli.main(["report", str(path), "--no-pdf", "--sop", "upgrade", "--output", str(tmp_path / "r")]) == 0
    )


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: Run().task("prepare", "h", 0, 60).end(), exitcodes.OK),
        (lambda: Run().task("start_server", "h", 0, 301).end(), exitcodes.OVER_BUDGET),
        (lambda: Run().task("login", "h", 0, 1, "failed").end("failed"), exitcodes.FAILED),
        (lambda: Run().task("prepare", "h", 0, 1).end(complete=False), exitcodes.AGENDA_INCOMPLETE),
    ],
)
def test_report_exits_with_the_code_the_run_earned(capsys, out, tmp_path, build, code):
    path = tmp_path / "r1.jsonl"
    path.write_text("\n".join(build().lines()) + "\n")
    assert cli.main(["report", str(path), "--no-pdf", "--output", str(tmp_path / "rep")]) == code
    assert (tmp_path / "rep" / "report-r1.html").is_file() and (tmp_path / "rep" / "report-r1.json").is_file()
    assert f"exit code {code}" in capsys.readouterr().out


def test_help_lists_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = capsys.readouterr().out
    for code in exitcodes.MEANINGS:
        assert f"{code:>3}  " in text


def test_budgets_shows_the_hard_limits(capsys, tmp_path):
    assert cli.main(["budgets", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "Batas keras (membatalkan jalan), bawaan: 2 × waktu maksimum Mutu Baku" in out.replace("\n", " ")
    assert re.search(r"^6 +replace_app +20:00$", out, re.M) and re.search(
        r"^10 +update_clients +tidak ada$", out, re.M
    )
    budget = tmp_path / "b.yml"
    budget.write_text("steps: {run_export: {hard_limit_minutes: 120}}\n")
    assert cli.main(["budgets", "backup", "--lang", "en", "--budget-file", str(budget)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^2 +run_export +2:00:00$", out, re.M) and "Waktu maks." not in out


def test_budgets_wraps_to_the_terminal_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert cli.main(["budgets", "upgrade"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 72
    # Kegiatan is wrapped, never cut: every word of a long step is there, and columns keep a gap.
    text = "\n".join(lines)
    for word in ["Menerima", "laporan", "hasil", "pemutakhiran", "aplikasi", "SIAK", "dari", "Sub", "Koord"]:
        assert word in text
    head = next(line for line in lines if line.startswith("No."))
    assert re.match(r"No\.  Kegiatan +Pelaksana +Waktu +Output", head)


def test_budgets_into_a_closed_pipe_ends_quietly(tmp_path):
    """`siak-sop budgets upgrade | head -1`: no BrokenPipeError traceback."""
    import subprocess
    import sys

    proc = subprocess.run(
        f"{sys.executable} -m siak_sop.start budgets upgrade | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout.startswith("SOP-PIAK-15")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_help_and_errors_in_bahasa_indonesia_by_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "menjalankan SOP kantor SIAK" in out and "cetak tabel SOP" in out
    assert out.startswith("cara pakai: siak-sop") and "tampilkan bantuan ini lalu keluar" in out
    with pytest.raises(SystemExit):
        cli.main(["budgets"])
    assert "siak-sop budgets: galat: argumen berikut wajib diisi: sop" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["budgets", "--help", "--lang", "en"])
    assert "language of the table" in capsys.readouterr().out
    assert cli.main(["run", "upgrad"]) == exitcodes.BAD_INPUT
    assert one_line(capsys) == (
        "siak-sop: jalan SOP 'upgrad' tidak dikenal. Gunakan salah satu dari: upgrade, rollout, backup, rollback, drill"
    )


def test_without_the_collection_siak_sop_says_how_to_install_it_in_bahasa_indonesia(tmp_path):
    """The command itself (start.py), where nothing can load the catalogue: one line, exit 2."""
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "nowhere"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
    }
    for args, words in (
        ([], "koleksi dukcapil.siak tidak terpasang"),
        (["--lang", "en"], "is not installed"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "siak_sop.start", "budgets", "upgrade", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert words in proc.stderr and "ansible-galaxy collection install" in proc.stderr
