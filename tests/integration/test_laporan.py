"""The golden run: `siak-sop run upgrade` over the whole of SOP-PIAK-15 on a lab of real SSH hosts, the SIAK
VM off at the start, a client release for three PCs of which one is switched off and one has the client
open. The Laporan's PDF text (pdftotext) holds every host, every from → to version, the checksums, each
PC's outcome with the rerun command, and each step's verdict as the agenda gives it; the same run without
a client release shows steps 9 and 10 as not run, with the reason.

The module has its own lab: it powers the SIAK VM and a PC off.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import budgets, runlog
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import model
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

from client_rollout_kit import make_package
from labkit import BIN, REPO, lab_seed, make_lab, pdf_text

PCS = ("pc01", "pc02", "pc03")
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def glab(tmp_path_factory):
    """SIAK 1.0 and its proxy on the SIAK VM, client 7.0 on three PCs; then the VM off, pc03 off, pc02 in use."""
    if os.geteuid() != 0:
        pytest.fail("integration tests need root: the lab mounts namespaces and runs sshd")
    base = tmp_path_factory.mktemp("laporan")
    handle = make_lab(base, lab_seed(5), workstations=len(PCS))
    handle.env["SIAK_LAB_RELEASES"] = str(base / "releases")
    try:
        handle.up()
        handle.lab("release", "--demo", "--out", str(base / "releases"))
        handle.start("siak-vm")
        seeded = handle.playbook("playbooks/server_upgrade.yml", "-e", "siak_lab_release_version=1.0")
        assert seeded.returncode == 0, seeded.stdout[-3000:]
        old, old_sha = make_package(base / "dist", "7.0")
        installed = handle.playbook("playbooks/client_rollout.yml", *client_vars("7.0", old, old_sha))
        assert installed.returncode == 0, installed.stdout[-3000:]
        handle.stop("siak-vm")
        yield handle, base
    finally:
        handle.down()


def client_vars(version, package, sha):
    return [
        "-e",
        f"client_rollout_version={version}",
        "-e",
        f"client_rollout_package_sha256={sha}",
        "-e",
        f"client_rollout_package_path={package}",
        "-e",
        "client_rollout_transfer=push",
    ]


def siak_sop(lab, *args):
    env = {**lab.env, "SIAK_PROGRESS": "plain"}
    cmd = [str(BIN / "siak-sop"), *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=1200)


def run_id(result):
    found = re.search(r"jalan (\S+) \(upgrade\.yml\)", result.stdout)
    assert found, result.stdout + result.stderr
    return found.group(1)


def agenda_verdicts(lab, rid):
    """Each step's verdict recomputed from the agenda file alone, as the office's auditor would."""
    (path,) = (lab.out / "agenda").glob(f"*/{rid}.jsonl")
    run = runlog.read_agenda(path)
    sop = load_sop("upgrade")
    verdicts = budgets.verdicts(sop, runlog.step_runs(run))
    outcomes = model.step_outcomes(run, sop, verdicts, "id")
    return run, {step.id: o.word for step, o in zip(sop.steps, outcomes, strict=True)}


@pytest.fixture(scope="module")
def golden(glab):
    lab, base = glab
    new, sha = make_package(base / "dist", "7.1")
    started = lab.sh(
        "pc02",
        "setsid /opt/siak-client/current/bin/siak-client </dev/null >/dev/null 2>&1 & pid=$!; "
        "for _ in $(seq 100); do grep -qx siak-client /proc/$pid/comm 2>/dev/null && break; sleep 0.1; done; "
        "grep -qx siak-client /proc/$pid/comm && echo $pid",
    )
    assert started.stdout.strip(), f"the SIAK client stand-in did not start on pc02: {started.stderr}"
    lab.stop("pc03")
    try:
        result = siak_sop(lab, "run", "upgrade", "-i", str(lab.inventory), *client_vars("7.1", new, sha))
    finally:
        lab.start("pc03")
    return lab, result, sha


def test_the_golden_run_ends_with_one_laporan_and_the_day_page(golden):
    lab, result, _sha = golden
    assert result.returncode in (0, 4), result.stdout[-4000:] + result.stderr[-2000:]
    rid = run_id(result)
    folder = lab.out / "reports" / rid
    assert (folder / f"laporan-{rid}.pdf").is_file()
    assert f"Laporan: {folder / f'laporan-{rid}.pdf'}" in result.stdout
    assert "Buku Agenda hari ini:" in result.stdout
    assert "GAGAL" not in result.stderr, result.stderr
    # The documented start (the VM off) is an expected finding: never "Gagal" on screen or in plain lines.
    # The screen follows the agenda as it is written: it needs the agenda to record an ignored
    # unreachable host as "ignored", as Ansible counts it (issue 17's exact statuses).
    (path,) = (lab.out / "agenda").glob(f"*/{rid}.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    if any(r.get("status") == "unreachable" for r in records if (r.get("step") or {}).get("id") == "prepare"):
        pytest.xfail("the agenda records an ignored unreachable host as 'unreachable' (issue 17)")
    assert not re.search(r"Langkah 1 selesai .*Gagal", result.stdout), result.stdout


def test_the_pdf_holds_every_host_version_checksum_and_pc_outcome(golden):
    lab, result, sha = golden
    rid = run_id(result)
    text = pdf_text(lab.out / "reports" / rid / f"laporan-{rid}.pdf")
    flat = re.sub(r"\s+", " ", text)
    for host in ("siak-host", "siak-vm", *PCS):
        assert host in text, host
    assert "1.0 → 2.0" in flat  # the application and the proxy
    assert "7.0 → 7.1" in flat  # pc01
    (path,) = (lab.out / "agenda").glob(f"*/{rid}.jsonl")
    end = json.loads(path.read_text().splitlines()[-1])
    results = end["results"]["siak_results"]
    for role in ("siak_upgrade", "proxy_upgrade"):
        assert results[role]["siak-vm"]["sha256"][:40] in flat.replace(" ", ""), role
    assert sha[:40] in flat.replace(" ", "")
    outcomes = {pc: results["client_rollout"][pc]["result"] for pc in PCS}
    assert outcomes == {"pc01": "updated", "pc02": "in_use", "pc03": "offline"}, outcomes
    assert (
        "diperbarui" in flat
        and "aplikasi klien sedang dipakai" in flat
        and "offline (tidak terjangkau)" in flat
    )
    assert "siak-sop run rollout --limit pc02,pc03,localhost" in flat
    assert "{{" not in text and "root @" not in text
    leftover = [w for w in SNAKE.findall(text) if w not in ("siak_office",)]
    assert not leftover, leftover
    for word in (" updated", "in_use", "briefed", "bytes_transferred", "physical", " ok:"):
        assert word not in flat, word


def test_each_verdict_in_the_laporan_equals_the_agenda(golden):
    lab, result, _sha = golden
    rid = run_id(result)
    run, expected = agenda_verdicts(lab, rid)
    report = json.loads((lab.out / "reports" / rid / f"laporan-{rid}.json").read_text())
    assert report["verdicts"] == expected
    assert report["verdicts"]["prepare"] == "Sesuai"  # the VM off at step 1 is expected
    assert (
        report["verdicts"]["brief_operators"] == "Sesuai" and report["verdicts"]["update_clients"] == "Sesuai"
    )
    day = json.loads(next((lab.out / "buku-agenda").glob("buku-agenda-*.json")).read_text())
    (block,) = [b for b in day["runs"] if b["run_id"] == rid]
    assert {r["kegiatan"]: r["verdict"] for r in block["rows"]} == {
        s.kegiatan: expected[s.id] for s in load_sop("upgrade").steps
    }
    assert run.finished


def test_without_a_client_release_steps_9_and_10_are_not_run_with_the_reason(glab):
    lab, _base = glab
    result = siak_sop(lab, "run", "upgrade", "-i", str(lab.inventory))
    assert result.returncode in (0, 4), result.stdout[-4000:] + result.stderr[-2000:]
    rid = run_id(result)
    report = json.loads((lab.out / "reports" / rid / f"laporan-{rid}.json").read_text())
    rows = {r["id"]: r for r in report["rows"]}
    for step in ("brief_operators", "update_clients"):
        assert rows[step]["verdict"] == "Tidak dijalankan", rows[step]
        assert rows[step]["reason"].startswith("belum dikonfigurasi: rilis klien belum diatur"), rows[step]
    text = re.sub(r"\s+", " ", pdf_text(lab.out / "reports" / rid / f"laporan-{rid}.pdf"))
    assert "belum dikonfigurasi" in text
