"""AWX parity: the same playbook as an AWX job (ansible-runner over AWX's private data directory, with the
job's own environment: JOB_ID, the EE's collection, the project's ansible.cfg) and through `siak-sop run`
gives the same verdicts, the same exit status and the same Laporan, and both keep the agenda.

No AWX controller runs here (docs/awx.md): the job runs exactly as AWX's task runner starts it. The playbook
is the small SOP stand-in (tests/playbooks/sop_steps.yml) so each case takes seconds.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from test_awx_runner import BIN, REPO, private_data_dir, run_job

from labkit import lab_seed, running_lab

PLAYBOOK = "tests/playbooks/sop_steps.yml"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("awxparity"), lab_seed(6), workstations=2) as handle:
        yield handle


def wrapper_run(lab, out, *extra):
    env = {**lab.env, "SIAK_PROGRESS": "plain", "SIAK_OUTPUT_DIR": str(out)}
    cmd = [str(BIN / "siak-sop"), "run", "upgrade", "--playbook", PLAYBOOK, "-i", str(lab.inventory), *extra]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    (agenda,) = (out / "agenda").glob("*/*.jsonl")
    rid = agenda.stem
    report = json.loads((out / "reports" / rid / f"laporan-{rid}.json").read_text())
    return result.returncode, report


def awx_job(lab, base, out, job_id, extravars):
    pdd = private_data_dir(base, lab, extravars, out, job_id=job_id)
    job = run_job(pdd, PLAYBOOK, job_id)
    rid = f"awx-{job_id}"
    status = (pdd / "artifacts" / job_id / "status").read_text().strip()
    rc = int((pdd / "artifacts" / job_id / "rc").read_text().strip())
    report = json.loads((out / "reports" / rid / f"laporan-{rid}.json").read_text())
    return job, pdd, status, rc, report


@pytest.mark.parametrize(
    ("extravars", "code", "status"),
    [({}, 0, "successful"), ({"siak_test_fail_step": "login"}, 3, "failed")],
    ids=["within", "failed"],
)
def test_an_awx_job_gives_what_siak_sop_run_gives(lab, tmp_path, extravars, code, status):
    extra = [item for key, value in extravars.items() for item in ("-e", f"{key}={value}")]
    wrapper_code, wrapper_report = wrapper_run(lab, tmp_path / "wrapper", *extra)
    assert wrapper_code == code
    job_id = "4712" if code else "4711"
    job, pdd, job_status, rc, report = awx_job(lab, tmp_path / "awx", tmp_path / "awx-out", job_id, extravars)
    assert (rc, job_status) == (code, status), job.stdout[-3000:] + job.stderr[-2000:]
    # The same verdict for every step, the same run status line, the same outputs.
    assert report["verdicts"] == wrapper_report["verdicts"]
    assert report["status"] == wrapper_report["status"]
    assert [s["title"] for s in report["outputs"]] == [s["title"] for s in wrapper_report["outputs"]]
    assert [r["host"] for s in report["outputs"] for r in s["rows"]] == [
        r["host"] for s in wrapper_report["outputs"] for r in s["rows"]
    ]
    assert report["run_id"] == f"awx-{job_id}"
    # Where the office finds them: the job's artifacts and the configured folder, and the day's page.
    rid = f"awx-{job_id}"
    kept = {p.name for p in (pdd / "artifacts" / job_id / "siak").iterdir()}
    assert {f"laporan-{rid}.pdf", f"laporan-{rid}.html", f"laporan-{rid}.json"} <= kept
    assert any(name.startswith("buku-agenda-") and name.endswith(".pdf") for name in kept)
    assert (tmp_path / "awx-out" / "reports" / rid / f"laporan-{rid}.pdf").is_file()
    (agenda,) = (tmp_path / "awx-out" / "agenda").glob(f"*/{rid}.jsonl")
    verify = subprocess.run(
        [str(BIN / "siak-sop"), "agenda", "verify", str(agenda)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    text = (pdd / "artifacts" / job_id / "stdout").read_text()
    assert f"laporan-{rid}.pdf" in text  # the job's output says where the Laporan is
