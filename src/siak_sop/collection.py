"""The installed dukcapil.siak collection, where the wrapper's logic comes from.

The SOP tables, budgets, the agenda reader, the message catalogue and the report renderer live in the
collection (plugins/plugin_utils), once. siak-sop starts ansible-core's collection loader with the
configured search path (`ansible.plugins.loader.init_plugin_loader`, public since ansible-core 2.15), the
same loader and path `ansible-playbook` run from this folder uses, and only then imports
`ansible_collections.dukcapil.siak.plugins.plugin_utils`. So the wrapper always runs the logic of the
collection whose playbooks and plugins it starts: one version, never a mix.

Nothing here may import the collection: this module is what says it is missing.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

COLLECTION = "dukcapil.siak"
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

# A collection found but without the logic this siak-sop imports (another version, or a damaged install).
INCOMPLETE = {
    "id": (
        "koleksi dukcapil.siak ini tidak memuat logika yang dibutuhkan siak-sop ini ({missing})",
        "Pasang koleksi dan siak-sop dari rilis yang sama (README, Install)",
    ),
    "en": (
        "this dukcapil.siak collection lacks the logic this siak-sop needs ({missing})",
        "Install the collection and siak-sop from the same release (README, Install)",
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


class CollectionIncomplete(Exception):
    """The collection found cannot give this siak-sop its logic (exit code 2, bad input)."""

    exit_code = 2

    def __init__(self, folder: Path | None, missing: str) -> None:
        self.folder, self.missing = folder, missing
        super().__init__(self.line("en"))

    def line(self, lang: str) -> str:
        what, fix = INCOMPLETE.get(lang, INCOMPLETE["id"])
        return f"{self.folder or COLLECTION}: {what.format(missing=self.missing)}. {fix}"


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


def find(config: Path | None) -> Path:
    """The installed dukcapil.siak collection ansible-playbook run from here would use.

    Ansible's own answer: ansible-core's collection loader, started with the configured search path (the
    ansible.cfg found from this folder, $ANSIBLE_COLLECTIONS_PATH), resolves the collection's package; its
    folder is the first one of the search path that holds it. `config` names the configuration in the
    message when there is none.
    """
    if not loader_ready():
        from ansible.plugins.loader import init_plugin_loader

        init_plugin_loader()
    try:
        spec = importlib.util.find_spec("ansible_collections.dukcapil.siak")
    except ImportError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(location)
        if (folder / "playbooks").is_dir():
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
    _state["folder"] = folder
    return folder


def folder_loaded() -> Path | None:
    """The collection load() found in this process, if it found one."""
    return _state.get("folder")


def folder(config: Path | None) -> Path:
    """The collection whose playbooks `siak-sop run` starts: the one load() imported the logic from, or,
    where the loader was started by someone else, Ansible's answer for `config`."""
    return _state.get("folder") or find(config)
