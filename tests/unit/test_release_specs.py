"""siak_upgrade and proxy_upgrade are one mechanism with two settings: their argument specs and the release
role's must not drift apart, and every option is documented and has a default where the role has one."""

from __future__ import annotations

from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
RELEASE_ONLY = {"kind", "label", "results_key", "steps", "output_dir"}


def options(role: str, entry: str = "main") -> dict:
    spec = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    return spec["argument_specs"][entry]["options"]


def strip(opts: dict, prefix: str) -> dict:
    assert all(k.startswith(prefix) for k in opts), [k for k in opts if not k.startswith(prefix)]
    return {k[len(prefix) :]: v for k, v in opts.items()}


def shape(spec: dict) -> dict:
    """Names, types, choices and sub-options: what must match (descriptions and defaults may differ)."""
    return {
        name: (o["type"], tuple(o.get("choices", ())), shape(o.get("options", {})))
        for name, o in spec.items()
    }


def test_the_two_public_roles_have_the_same_options():
    app = strip(options("siak_upgrade"), "siak_upgrade_")
    proxy = strip(options("proxy_upgrade"), "proxy_upgrade_")
    assert shape(app) == shape(proxy)


def test_the_release_role_takes_every_public_option():
    app = strip(options("siak_upgrade"), "siak_upgrade_")
    for entry in ("open", "replace"):
        rel = strip(options("release", entry), "release_")
        assert shape({k: v for k, v in rel.items() if k not in RELEASE_ONLY}) == shape(app)


def test_every_option_is_described_and_every_default_is_in_defaults_main():
    for role, prefix in (("siak_upgrade", "siak_upgrade_"), ("proxy_upgrade", "proxy_upgrade_")):
        defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())
        for name, opt in options(role).items():
            assert opt.get("description"), name
            if not opt.get("required"):
                assert name in defaults, f"{role}: {name} has no default in defaults/main.yml"
        assert set(defaults) <= set(options(role)), set(defaults) - set(options(role))
        assert all(k.startswith(prefix) for k in defaults)


def test_the_public_roles_map_every_option_into_the_release_role():
    for role in ("siak_upgrade", "proxy_upgrade"):
        tasks = (ROLES / role / "tasks" / "main.yml").read_text()
        for name in options(role):
            assert "{{ " + name + " }}" in tasks, f"{role}: {name} is not passed to the release role"
