"""inventories/example: a template of a real office whose secrets are vault-encrypted and decrypt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = REPO / "inventories" / "example"


def _env() -> dict:
    return {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}


def test_physical_hosts_and_vms_are_separate_groups():
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(EXAMPLE), "--list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=_env(),
    )
    data = json.loads(listed.stdout)
    physical = set(data["physical_servers"]["hosts"])
    virtual = set(data["virtual_machines"]["hosts"])
    assert physical and virtual and not physical & virtual
    assert set(data["hypervisors"]["hosts"]) <= physical
    # Secrets stay encrypted in the files: only a vault password reveals them.
    text = "".join(p.read_text() for p in (EXAMPLE / "group_vars").glob("*.yml"))
    assert "ganti-sandi" not in text and text.count("$ANSIBLE_VAULT;1.1;AES256") >= 4


def test_the_vaulted_secrets_decrypt_with_the_template_password(tmp_path):
    password_file = tmp_path / "vault-password"
    password_file.write_text("contoh-bukan-rahasia\n")
    password_file.chmod(0o600)
    shown = subprocess.run(
        [
            str(BIN / "ansible"),
            "-i",
            str(EXAMPLE),
            "srv-siak",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "msg={{ siak_server_power_method }}|{{ siak_server_ipmi_password }}|{{ ansible_password }}",
            "--vault-password-file",
            str(password_file),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=_env(),
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert '"msg": "ipmi|ganti-sandi-bmc|ganti-sandi-server"' in shown.stdout
