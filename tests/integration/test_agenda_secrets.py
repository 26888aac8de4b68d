"""No vault value reaches the agenda, the Laporan or the Buku Agenda, whatever file or form it came from.

On the controller alone: whole-file vaults (group_vars, host_vars, vars_files, include_vars, role vars,
-e @file) and inline !vault values (play vars, task vars, an include_vars file), shown through msg, stdout,
task names, loop items and published results. Every plaintext is grepped for in everything written.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from labkit import BIN, REPO

SECRETS = {
    "group_vars_whole": "GvWhole-7f3a91",
    "host_vars_whole": "HvWhole-2b8c44",
    "vars_file_whole": "VfWhole-9d1e07",
    "include_vars_whole": "IvWhole-5c6b32",
    "role_vars_whole": "RvWhole-8a4f19",
    "extra_file_whole": "EfWhole-3e7d58",
    "play_inline": "PlInline-6b2c90",
    "task_inline": "TkInline-1f9a73",
    "include_inline": "IiInline-4d8e26",
}
PASSWORD = "lab-vault-password"


def vault(tmp: Path, path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(tmp / "vault-pass"), str(path)],
        check=True,
        capture_output=True,
    )


def inline(tmp: Path, name: str, value: str) -> str:
    out = subprocess.run(
        [
            str(BIN / "ansible-vault"),
            "encrypt_string",
            "--vault-password-file",
            str(tmp / "vault-pass"),
            "--stdin-name",
            name,
        ],
        input=value,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out


def project(tmp: Path) -> Path:
    root = tmp / "project"
    (tmp / "vault-pass").write_text(PASSWORD, encoding="utf-8")
    (tmp / "vault-pass").chmod(0o600)
    root.mkdir()
    (root / "inventory.ini").write_text(
        f"[office]\nh1\n[office:vars]\nansible_connection=local\nansible_python_interpreter={BIN / 'python'}\n",
        encoding="utf-8",
    )
    vault(
        tmp, root / "group_vars" / "all" / "vault.yml", f"group_vars_whole: {SECRETS['group_vars_whole']}\n"
    )
    vault(tmp, root / "host_vars" / "h1.yml", f"host_vars_whole: {SECRETS['host_vars_whole']}\n")
    vault(tmp, root / "vars" / "whole.yml", f"vars_file_whole: {SECRETS['vars_file_whole']}\n")
    vault(tmp, root / "vars" / "included.yml", f"include_vars_whole: {SECRETS['include_vars_whole']}\n")
    vault(
        tmp,
        root / "roles" / "secretive" / "vars" / "main.yml",
        f"role_vars_whole: {SECRETS['role_vars_whole']}\n",
    )
    (root / "roles" / "secretive" / "tasks").mkdir(parents=True)
    (root / "roles" / "secretive" / "tasks" / "main.yml").write_text(
        "- name: Role says {{ role_vars_whole }}\n  ansible.builtin.debug:\n    msg: '{{ role_vars_whole }}'\n",
        encoding="utf-8",
    )
    vault(tmp, tmp / "extra.yml", f"extra_file_whole: {SECRETS['extra_file_whole']}\n")
    (root / "vars" / "inline.yml").write_text(
        inline(tmp, "include_inline", SECRETS["include_inline"]), encoding="utf-8"
    )
    play_inline = inline(tmp, "play_inline", SECRETS["play_inline"]).replace("\n", "\n    ")
    task_inline = inline(tmp, "task_inline", SECRETS["task_inline"]).replace("\n", "\n        ")
    names = ", ".join(f"{k}={{{{ {k} }}}}" for k in SECRETS if k not in ("role_vars_whole",))
    (root / "site.yml").write_text(
        f"""- name: Secrets everywhere
  hosts: office
  gather_facts: false
  vars:
    {play_inline}
  vars_files:
    - vars/whole.yml
  tasks:
    - name: Load more
      ansible.builtin.include_vars:
        file: vars/included.yml
    - name: Load inline
      ansible.builtin.include_vars:
        file: vars/inline.yml
    - name: "Name {names}"
      ansible.builtin.debug:
        msg: "{names}"
      vars:
        {task_inline}
    - name: Print them
      ansible.builtin.command: "echo {names}"
      changed_when: false
      vars:
        {task_inline}
    - name: Loop over them {{{{ item }}}}
      ansible.builtin.debug:
        msg: "{{{{ item }}}}"
      loop: "{{{{ [group_vars_whole, host_vars_whole, vars_file_whole, include_vars_whole, extra_file_whole] }}}}"
    - name: Fail showing them
      ansible.builtin.fail:
        msg: "{names}"
      ignore_errors: true
      vars:
        {task_inline}
    - name: Publish them
      dukcapil.siak.publish_results:
        role: secrets
        result:
          all: "{names}"
      vars:
        {task_inline}
    - name: Set stats with them
      ansible.builtin.set_stats:
        data:
          other: "{names}"
      vars:
        {task_inline}
    - name: A role
      ansible.builtin.import_role:
        name: secretive
""",
        encoding="utf-8",
    )
    return root


def test_no_vault_value_is_written_anywhere(tmp_path):
    root = project(tmp_path)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIAK_", "ANSIBLE_", "JOB_ID"))}
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_ROLES_PATH=str(root / "roles"),
        SIAK_OUTPUT_DIR=str(out),
        SIAK_AGENDA_DIR=str(out / "agenda"),
    )
    proc = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(root / "inventory.ini"),
            "--vault-password-file",
            str(tmp_path / "vault-pass"),
            "-e",
            f"@{tmp_path / 'extra.yml'}",
            str(root / "site.yml"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # the run did show them (so a clean agenda is not a run that never saw them)
    for value in SECRETS.values():
        assert value in proc.stdout, value
    (agenda,) = [p for p in (out / "agenda").glob("*/*.jsonl") if p.name != "buku-agenda.chain"]
    book = subprocess.run(
        [
            str(BIN / "siak-sop"),
            "agenda",
            "book",
            "--agenda-dir",
            str(out / "agenda"),
            "--out",
            str(out / "book"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert book.returncode == 0, book.stdout + book.stderr
    subprocess.run(
        [
            str(BIN / "siak-sop"),
            "report",
            str(agenda),
            "--sop",
            "upgrade",
            "--no-pdf",
            "--output",
            str(out / "report"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.parent.name == "report" for p in written) and any(p.parent.name == "book" for p in written)
    assert "********" in agenda.read_text(encoding="utf-8")
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        leaked = [name for name, value in SECRETS.items() if value in text]
        assert not leaked, f"{path} holds {leaked}"
