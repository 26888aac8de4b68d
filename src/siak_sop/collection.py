"""The installed dukcapil.siak collection, where the wrapper's logic comes from.

The SOP tables, budgets, the agenda reader, the message catalogue and the report renderer live in the
collection (plugins/plugin_utils), once. siak-sop asks Ansible which collection `ansible-playbook` run
from this folder would use (`ansible-galaxy collection list`, its public interface to the collection
search path), starts ansible-core's collection loader with that collection's root first
(`ansible.plugins.loader.init_plugin_loader`, public since ansible-core 2.15), and only then imports
`ansible_collections.dukcapil.siak.plugins.plugin_utils`. So the wrapper always runs the logic of the
collection whose playbooks and plugins it starts: one version, never a mix.

Nothing here may import the collection: this module is what says it is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

COLLECTION = "dukcapil.siak"
# Seconds `ansible-galaxy collection list` may take before siak-sop gives up on it.
LIST_TIMEOUT = 120

# The one message said without the collection's catalogue, since the catalogue ships in the collection
# that is missing: in Bahasa Indonesia (the default) and English, as the catalogue has it.
MISSING = {
    "id": (
        "koleksi dukcapil.siak tidak terpasang di tempat Ansible mencari koleksi",
        "tanpa ansible.cfg",
        "Pasang dulu: ansible-galaxy collection install dukcapil-siak-<versi>.tar.gz (README, Install), atau "
        "jalankan siak-sop dari folder yang ansible.cfg-nya mengisi collections_path",
    ),
    "en": (
        "the dukcapil.siak collection is not installed where Ansible looks for collections",
        "no ansible.cfg",
        "Install it: ansible-galaxy collection install dukcapil-siak-<version>.tar.gz (README, Install), "
        "or run siak-sop from the folder whose ansible.cfg sets collections_path",
    ),
}

_state: dict[str, Path] = {}


class CollectionMissing(Exception):
    """No dukcapil.siak collection where Ansible looks for collections (exit code 2, bad input)."""

    exit_code = 2

    def __init__(self, config: Path | None) -> None:
        self.config = config
        super().__init__(self.line("en"))

    def line(self, lang: str) -> str:
        what, no_config, fix = MISSING.get(lang, MISSING["id"])
        return f"{self.config or no_config}: {what}. {fix}"


def lang_of(argv: Iterable[str]) -> str:
    """The language of a command line for this one message (`--lang`, else $SIAK_LANG, else Bahasa
    Indonesia): the catalogue's own reader (i18n.lang_from_argv) ships in the missing collection."""
    args = list(argv)
    chosen = os.environ.get("SIAK_LANG", "")
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            chosen = args[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1]
    return "en" if chosen.strip().lower()[:2] == "en" else "id"


def config_file() -> Path | None:
    """The ansible.cfg Ansible uses when started from the current folder: $ANSIBLE_CONFIG, ./ansible.cfg,
    ~/.ansible.cfg, /etc/ansible/ansible.cfg (Ansible's own search, not a copy of it)."""
    from ansible.config.manager import find_ini_config_file

    found = find_ini_config_file()
    return Path(found).resolve() if found else None


def ansible_tool(name: str) -> str:
    """An Ansible command from the same installation as this Python (a venv need not be on PATH)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name) or name


def find(config: Path | None) -> Path:
    """The installed dukcapil.siak collection ansible-playbook run from here would use.

    Ansible's own answer (`ansible-galaxy collection list`) with the configuration `config`: the first
    folder of the search path that holds the collection.
    """
    command = [ansible_tool("ansible-galaxy"), "collection", "list", COLLECTION, "--format", "json"]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1"}
    if config is not None:
        env["ANSIBLE_CONFIG"] = str(config)
    listed: Any = {}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=LIST_TIMEOUT, check=False
        )
        listed = json.loads(done.stdout or "{}") if done.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        listed = {}
    for root, found in listed.items() if isinstance(listed, dict) else ():
        folder = Path(root) / "dukcapil" / "siak"
        if isinstance(found, dict) and COLLECTION in found and (folder / "playbooks").is_dir():
            return folder
    raise CollectionMissing(config)


def loader_ready() -> bool:
    """Whether ansible-core's collection loader already runs in this process (a test session's conftest,
    or an earlier load())."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig

    return AnsibleCollectionConfig.collection_finder is not None


def load() -> Path | None:
    """Make the installed collection's plugin_utils importable; the collection's folder when this call
    found it. Where the loader already runs, its collections are used as they are."""
    if loader_ready():
        return _state.get("folder")
    folder = find(config_file())
    from ansible.plugins.loader import init_plugin_loader

    # The collection found first: ahead of every configured path, as the playbooks will see it.
    init_plugin_loader([str(folder.parents[2])])
    _state["folder"] = folder
    return folder


def folder(config: Path | None) -> Path:
    """The collection whose playbooks `siak-sop run` starts: the one load() imported the logic from, or,
    where the loader was started by someone else, Ansible's answer for `config`."""
    return _state.get("folder") or find(config)
