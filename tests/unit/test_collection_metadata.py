"""The collection's Galaxy metadata says the truth about what it needs and what it is.

galaxy-importer (make importer) syntax-checks the playbooks with whatever collections its environment has;
this checks the declaration itself: every collection a shipped playbook, role or the AWX configuration
calls is declared in galaxy.yml, and nothing is declared that nothing calls.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SHIPPED_YAML = ("playbooks", "roles", "awx")
OWN = {"ansible.builtin", "dukcapil.siak"}
FQCN = r"([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*"
# A module or action as a task's key, a lookup or query by name, a filter or test after a pipe or `is`.
CALLS = (
    re.compile(rf"^\s*(?:-\s+)?{FQCN}:\s*(?:#.*)?$", re.M),
    re.compile(rf"^\s*(?:-\s+)?{FQCN}:\s", re.M),
    re.compile(rf"(?:lookup|query|q)\(\s*['\"]{FQCN}['\"]"),
    re.compile(rf"(?:\||\bis(?: not)?)\s*{FQCN}\b"),
    re.compile(rf"^\s*(?:-\s+)?(?:name|role):\s+{FQCN}\s*$", re.M),
)


def called_collections() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for top in SHIPPED_YAML:
        for path in sorted((REPO / top).rglob("*")):
            if path.suffix not in (".yml", ".yaml", ".j2") or not path.is_file():
                continue
            text = path.read_text()
            for pattern in CALLS:
                for match in pattern.finditer(text):
                    found.setdefault(match.group(1), set()).add(str(path.relative_to(REPO)))
    return found


def test_every_called_collection_is_declared():
    declared = set(yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"])
    called = called_collections()
    # The scan finds the collections it must (a scan that finds nothing proves nothing).
    assert {"ansible.builtin", "ansible.windows", "awx.awx", "community.general"} <= set(called)
    undeclared = {name: sorted(files) for name, files in called.items() if name not in declared | OWN}
    assert not undeclared, f"called but not in galaxy.yml dependencies: {undeclared}"
    unused = declared - set(called)
    assert not unused, f"declared in galaxy.yml but not called by any shipped playbook or role: {unused}"


def test_galaxy_metadata():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert "GNU GENERAL PUBLIC LICENSE" in (REPO / "LICENSE").read_text()[:200]
    assert "Version 3, 29 June 2007" in (REPO / "LICENSE").read_text()[:200]
    # No invented addresses: a link is a real one or absent.
    for key in ("repository", "documentation", "homepage", "issues"):
        assert "example" not in str(galaxy.get(key, "")), key
    for leftover in ("*.egg-info", "tests", "molecule", "bench", "requirements.txt"):
        assert leftover in galaxy["build_ignore"], leftover
    runtime = yaml.safe_load((REPO / "meta/runtime.yml").read_text())
    # Bounded to the ansible-core line the tests run (requirements-runtime.txt pins it).
    assert runtime["requires_ansible"] == ">=2.19.0,<2.20.0"
    assert "ansible-core==2.19." in (REPO / "requirements-runtime.txt").read_text()


def test_every_role_has_a_readme():
    roles = [p for p in (REPO / "roles").iterdir() if p.is_dir()]
    assert roles
    assert not [r.name for r in roles if not (r / "README.md").is_file()]


def test_the_collection_version_is_galaxy_ymls():
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.version import VERSION

    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
    assert galaxy["version"] == VERSION


def test_plugins_import_their_logic_from_the_collection_only():
    """No plugin edits sys.path or imports the siak-sop wrapper: AWX runs one version's plugins with
    that version's logic (plugins/plugin_utils), whatever else is installed."""
    for path in sorted((REPO / "plugins").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "sys.path" not in text, path
        assert not re.search(r"^\s*(from|import) siak_sop\b", text, re.M), path
