"""A backup job as AWX runs it: ansible-runner over the private data directory AWX writes.

No AWX controller runs on these machines. What AWX does for a job is: check the project out, write
the inventory, extra variables (survey answers), settings and environment into a private data
directory, and run `ansible-runner` there inside the execution environment, where the collection is
installed and the project's ansible.cfg is the one in force. This test does exactly that, against
the lab over SSH: project/ is the repository's files as a clone has them (no build/, no venv link),
the collection is installed from its built tarball into a collections folder as the EE has it, and
ANSIBLE_CONFIG is unset so the project's ansible.cfg (which enables the agenda callback) is found
the way AWX finds it. It then checks what an office reads after the job: the agenda, the Laporan,
and the job's artifacts (set_stats, as AWX shows them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from labkit import lab_seed, running_lab

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tracked_files() -> list[str]:
    """The files a clone of the repository has (tracked, plus new files not yet committed)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (REPO / name).is_file()]


def install_collection(into: Path, work: Path) -> None:
    """As the execution environment has it: the built collection under ansible_collections."""
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work), str(REPO)],
        check=True,
        capture_output=True,
    )
    (tarball,) = work.glob("dukcapil-siak-*.tar.gz")
    subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "--force",
            "-p",
            str(into),
            str(tarball),
        ],
        check=True,
        capture_output=True,
    )


def private_data_dir(
    base: Path, lab, extravars: dict, output: Path, job_id: str = "4711", *, envvars: dict | None = None
) -> Path:
    pdd = base / "pdd"
    for name in tracked_files():
        dest = pdd / "project" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest)
    # AWX writes the inventory it holds for the job; here the lab's, as written by siak-lab.
    shutil.copytree(lab.inventory, pdd / "inventory", symlinks=True)
    collections = base / "ee" / "collections"
    install_collection(collections, base / "ee")
    env = pdd / "env"
    env.mkdir(parents=True)
    (env / "extravars").write_text(yaml.safe_dump(extravars))
    (env / "settings").write_text(yaml.safe_dump({"idle_timeout": 600, "job_timeout": 1800}))
    (env / "envvars").write_text(
        yaml.safe_dump(
            {
                # What the EE and AWX's job settings (AWX_TASK_ENV) provide.
                "ANSIBLE_COLLECTIONS_PATH": str(collections),
                "SIAK_OUTPUT_DIR": str(output),
                # AWX sets the job's id in every job's environment; it is the run id (docs/agenda-format.md).
                "JOB_ID": job_id,
                **(envvars or {}),
            }
        )
    )
    return pdd


def run_job(pdd: Path, playbook: str, ident: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "SIAK_"))}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / "ansible-runner"), "run", str(pdd), "-p", playbook, "--ident", ident],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def job_events(pdd: Path, ident: str) -> list[dict]:
    folder = pdd / "artifacts" / ident / "job_events"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def artifacts(pdd: Path, ident: str) -> dict:
    """What AWX shows as the job's artifacts: the stats event's artifact_data (set_stats)."""
    (stats,) = [e for e in job_events(pdd, ident) if e.get("event") == "playbook_on_stats"]
    return stats["event_data"].get("artifact_data", {})


# Sunday evening in Jakarta: after service hours whenever the test runs (the backup role's clock input).
SUNDAY = "2026-11-22T20:00:00+07:00"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab of its own: the real backup.yml leaves backups on siak-db that other tests must not see."""
    with running_lab(tmp_path_factory.mktemp("awxlab"), lab_seed(3), workstations=0) as handle:
        yield handle


def subject() -> str:
    """The playbook the job runs: the real backup.yml (it publishes the Laporan's path with its results)."""
    return "playbooks/backup.yml"


def test_backup_job_as_awx_runs_it_leaves_agenda_report_and_artifacts(lab, tmp_path):
    playbook = subject()
    if playbook == "playbooks/backup.yml":
        # The export stand-in learns the account the AWX credential injects into the job; from a
        # file, so not even a lab password stands on a command line.
        account = tmp_path / "account.json"
        account.write_text(
            json.dumps(
                {
                    "vault_oracle_backup_db_user": "siak_backup",
                    "vault_oracle_backup_db_password": "lab-only-awx-secret",
                }
            )
        )
        account.chmod(0o600)
        standin = lab.playbook("tests/lab/oracle_standin.yml", "-e", f"@{account}")
        assert standin.returncode == 0, standin.stdout[-3000:]
    output = tmp_path / "job-output"  # the lasting folder AWX_TASK_ENV points SIAK_OUTPUT_DIR at
    extravars = {
        "oracle_backup_now": SUNDAY,
        "oracle_backup_poll_s": 1,
        "standin_now": SUNDAY,
        # What the "SIAK Oracle export account" credential type injects (awx/vars/controller.yml).
        "vault_oracle_backup_db_user": "siak_backup",
        "vault_oracle_backup_db_password": "lab-only-awx-secret",
    }
    # The test fixes the backup role's clock (oracle_backup_now), not the machine's: the Laporan's
    # service-hours verdict reads the real start, so this job keeps ansible-playbook's exit code
    # (test_awx_parity.py checks the verdict's exit code).
    pdd = private_data_dir(tmp_path, lab, extravars, output, envvars={"SIAK_LAPORAN_EXIT": "false"})
    assert not (pdd / "project/build").exists()  # no checkout link: the EE's collection is the one used

    job = run_job(pdd, playbook, "4711")
    status = (pdd / "artifacts/4711/status").read_text().strip()
    stdout = (pdd / "artifacts/4711/stdout").read_text()
    assert job.returncode == 0 and status == "successful", stdout[-4000:] + job.stderr[-2000:]
    assert (pdd / "artifacts/4711/rc").read_text().strip() == "0"

    # The job's artifacts, as AWX shows them: the verdict and the file.
    results = artifacts(pdd, "4711")["siak_results"]["oracle_backup"]["siak-db"]
    assert results["verdict"] == "verified"
    assert results["sha256"] and int(results["size"]) > 0
    # The Laporan, made from the job's agenda by the dukcapil.siak.laporan callback, named by the run id.
    report = output / "reports" / "awx-4711" / "laporan-awx-4711.md"
    assert report.is_file(), stdout[-3000:]
    assert "siak-db" in report.read_text()

    # The agenda: written through the project's ansible.cfg (ANSIBLE_CONFIG was unset), complete.
    agendas = list((output / "agenda").glob("*/*.jsonl"))
    assert len(agendas) == 1
    assert agendas[0].name == "awx-4711.jsonl"  # one run id: the job's
    lines = [json.loads(line) for line in agendas[0].read_text().splitlines()]
    assert lines[0]["type"] == "run_start"
    assert lines[0]["run_id"] == "awx-4711"
    assert lines[0]["playbook"].endswith(Path(playbook).name)
    assert "vault_oracle_backup_db_password" in lines[0]["extra_var_names"]
    assert lines[-1]["type"] == "run_end"
    assert lines[-1]["status"] == "successful"
    assert lines[-1]["complete"] is True
    assert lines[-1]["results"]["siak_results"]["oracle_backup"]["siak-db"]["verdict"] == "verified"
    steps = {line["step"]["id"] for line in lines if line["type"] == "task" and line.get("step")}
    assert len(steps) >= 5  # the backup SOP's steps, timed
    verify = subprocess.run(
        [str(BIN / "siak-sop"), "agenda", "verify", str(agendas[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # The secret reached the job only as an extra variable: never the agenda, the report or the job's output.
    for text in (agendas[0].read_text(), report.read_text(), stdout):
        assert "lab-only-awx-secret" not in text
