"""siak_upgrade and proxy_upgrade are one mechanism with two settings: their options are the release role's one
spec, renamed by prefix; every option is documented and has a default where the role has one, and each is
passed to the release role."""

from __future__ import annotations

from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
RELEASE_ONLY = {"kind", "label", "results_key", "steps"}


def options(role: str, entry: str) -> dict:
    spec = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    return spec["argument_specs"][entry]["options"]


def public(prefix: str) -> dict:
    """The release role's options as the public role sees them (what its first task validates)."""
    return {
        prefix + k[len("release_") :]: v
        for k, v in options("release", "replace").items()
        if k[len("release_") :] not in RELEASE_ONLY
    }


def test_the_open_and_replace_steps_share_one_option_set():
    assert options("release", "open") == options("release", "replace")


def test_the_public_roles_carry_no_second_copy_of_the_spec():
    for role in ("siak_upgrade", "proxy_upgrade"):
        assert options(role, "main") == {}
        tasks = (ROLES / role / "tasks" / "main.yml").read_text()
        assert "ansible.builtin.validate_argument_spec" in tasks
        assert (
            "roles/release/meta/argument_specs.yml"
            in (ROLES / role / "meta" / "argument_specs.yml").read_text()
        )


def test_every_option_is_described_and_every_default_is_in_defaults_main():
    for role in ("siak_upgrade", "proxy_upgrade"):
        spec = public(role + "_")
        defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())
        for name, opt in spec.items():
            assert opt.get("description"), name
            if not opt.get("required"):
                assert name in defaults, f"{role}: {name} has no default in defaults/main.yml"
        assert set(defaults) <= set(spec), set(defaults) - set(spec)


def test_the_public_roles_map_every_option_into_the_release_role():
    for role in ("siak_upgrade", "proxy_upgrade"):
        tasks = (ROLES / role / "tasks" / "main.yml").read_text()
        for name in public(role + "_"):
            assert "{{ " + name + " }}" in tasks, f"{role}: {name} is not passed to the release role"
