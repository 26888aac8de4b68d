"""execution-environment.yml: ansible-builder accepts it and writes a build context with what AWX needs.

No container engine builds images on these machines (and the base image's registry is not reachable),
so this stops at `ansible-builder create`: the definition validates against the version 3 schema and
the Containerfile installs the runtime pins and this collection. That the runtime pins resolve
and import in a clean venv is tested with the offline bundle (tests/bundle/test_bundle.sh), which
installs the same file from wheels.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_builder_creates_the_context(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    for name in ("execution-environment.yml", "requirements-runtime.txt", "requirements.yml"):
        shutil.copy(REPO / name, work / name)
    (work / "awx" / "ee").mkdir(parents=True)
    shutil.copy(REPO / "awx/ee/bindep.txt", work / "awx/ee/bindep.txt")
    # What `make ee` puts in build/ee: the built collection.
    (work / "build/ee/collection").mkdir(parents=True)
    (work / "build/ee/collection/dukcapil-siak.tar.gz").write_bytes(b"stand-in")

    subprocess.run(
        [
            str(BIN / "ansible-builder"),
            "create",
            "-f",
            "execution-environment.yml",
            "--context",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    context = work / "context"
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==2.19.14 ansible-runner==2.4.3"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    # The plugins carry their logic in the collection: the image holds no siak-sop wrapper.
    assert "siak_sop" not in containerfile
    assert "/build/collection/dukcapil-siak.tar.gz" in containerfile
    assert "-r requirements.yml" in containerfile
    # The final stage installs what it copies itself, after the stage that provides ansible-galaxy.
    final = containerfile.split("FROM base AS final", 1)[1]
    assert final.index("COPY _build/collection") < final.index("ansible-galaxy collection install")
    assert (context / "_build/requirements.txt").read_text() == (
        REPO / "requirements-runtime.txt"
    ).read_text()
    bindep = (context / "_build/bindep.txt").read_text()
    for package in ("openssh-clients", "sshpass", "pango", "dejavu-sans-fonts"):
        assert f"{package} [platform:rpm" in bindep


def pins(name: str) -> dict[str, str]:
    return {
        line.split("==")[0].lower(): line.split("==")[1].strip()
        for line in (REPO / name).read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }


def test_the_image_gets_the_runtime_pins_only():
    runtime = pins("requirements-runtime.txt")
    assert {"ansible-core", "ansible-runner", "pywinrm", "pyghmi", "weasyprint"} <= set(runtime)
    development = pins("requirements.txt")
    assert "-r requirements-runtime.txt" in (REPO / "requirements.txt").read_text().splitlines()
    # No test or lint tool in the runtime file, and no runtime pin repeated (or changed) in the development one.
    assert not {"pytest", "molecule", "ansible-lint", "ruff", "ansible-builder", "ansible"} & set(runtime)
    assert not set(runtime) & set(development)
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert ee["dependencies"]["python"] == "requirements-runtime.txt"
    assert not ee["images"]["base_image"]["name"].endswith(":latest")
    assert ":" in ee["images"]["base_image"]["name"].rsplit("/", 1)[1]


def test_collection_pins_are_the_tested_versions():
    """requirements.yml pins each collection to the version in the tested `ansible` package, inside galaxy.yml's range."""
    from ansible.galaxy.dependency_resolution.versioning import meets_requirements

    site = Path(yaml.__file__).resolve().parents[1]
    declared = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    pinned = {
        c["name"]: c["version"]
        for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]
    }
    info = {
        name: yaml.safe_load(
            (site / "ansible_collections" / name.replace(".", "/") / "MANIFEST.json").read_text()
        )["collection_info"]
        for name in pinned
    }
    # Besides the declared collections, requirements.yml pins what they depend on themselves (the
    # offline bundle installs without Galaxy), inside the range the depending collection asks for.
    needed_by = {dep: (name, spec) for name in declared for dep, spec in info[name]["dependencies"].items()}
    assert set(declared) <= set(pinned)
    assert set(pinned) - set(declared) <= set(needed_by)
    for name, version in pinned.items():
        tested = info[name]["version"]
        assert version == f"=={tested}", name
        assert meets_requirements(tested, declared[name] if name in declared else needed_by[name][1]), name


def test_pins_carry_what_the_jobs_need():
    pins_runtime = pins("requirements-runtime.txt")
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    assert (
        ee["dependencies"]["ansible_core"]["package_pip"] == f"ansible-core=={pins_runtime['ansible-core']}"
    )
    assert (
        ee["dependencies"]["ansible_runner"]["package_pip"]
        == f"ansible-runner=={pins_runtime['ansible-runner']}"
    )
    assert ee["dependencies"]["python"] == "requirements-runtime.txt"
    assert ee["dependencies"]["galaxy"] == "requirements.yml"


def test_the_collection_build_ships_what_awx_runs(tmp_path):
    """The collection the EE installs carries the config playbook, the filters and the logic they import
    (plugins/plugin_utils, with the SOP tables, the catalogue and the report templates); no wrapper source."""
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = tmp_path.glob("dukcapil-siak-*.tar.gz")
    with tarfile.open(built) as tar:
        names = tar.getnames()
    for needed in (
        "plugins/filter/backup_schedule.py",
        "plugins/filter/backup_cron_time.py",
        "plugins/filter/awx_controller_plan.py",
        "plugins/plugin_utils/schedule.py",
        "plugins/plugin_utils/sops/sop_piak_15.yml",
        "plugins/plugin_utils/locale/id/LC_MESSAGES/siak_sop.po",
        "plugins/plugin_utils/report/templates/laporan.html.j2",
        "awx/configure_controller.yml",
        "playbooks/schedule_backup.yml",
        "playbooks/templates/siak-backup.timer.j2",
    ):
        assert needed in names
    assert not [name for name in names if name == "src" or name.startswith("src/")]
