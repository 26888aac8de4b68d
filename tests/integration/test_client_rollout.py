"""playbooks/client_rollout.yml against a lab of 20 Linux workstations (SOP-PIAK-15 steps 9 and 10).

One module-scoped lab; the tests run in order and each starts from the state the previous one left:
1.0 everywhere, then 2.0 with three PCs offline, then 3.0 faults. The distribution point is the role's
own server; its access log (which names the workstation of every download) proves what was transferred.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from client_rollout_kit import DistPoint, free_port, make_package
from labkit import lab_seed, laporan, make_lab, newest_run, run_results

PCS = [f"pc{i:02d}" for i in range(1, 21)]
OFFLINE = ["pc05", "pc11", "pc17"]


@pytest.fixture(scope="module")
def rollout(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("integration tests need root: the lab mounts namespaces and runs sshd")
    base = tmp_path_factory.mktemp("client_rollout")
    lab = make_lab(base, lab_seed(5), workstations=len(PCS))
    packages = {v: make_package(base / "dist", v) for v in ("1.0", "2.0", "3.0")}
    lab.up()
    dist = DistPoint(base / "dist", f"{lab.net}.1", base / "distpoint-access.log")
    try:
        yield lab, dist, packages
    finally:
        dist.stop()
        lab.down()


def run(lab, version, packages, *extra, url=None, inventory=None):
    _path, sha = packages[version]
    args = ["-e", f"client_rollout_version={version}", "-e", f"client_rollout_package_sha256={sha}"]
    if url is not None:
        args += ["-e", f"client_rollout_package_url={url}"]
    return lab.playbook("playbooks/client_rollout.yml", *args, *extra, inventory=inventory)


def latest_report(lab) -> dict[str, dict]:
    """Each workstation's outcome as the newest run published it (its agenda's run_end, which the Laporan shows)."""
    return run_results(lab, newest_run(lab))["client_rollout"]


def statuses(report) -> dict[str, str]:
    return {host: row["result"] for host, row in report.items()}


def current(lab) -> dict[str, str]:
    """Where /opt/siak-client/current points on every running workstation (one ad-hoc run over SSH)."""
    result = lab.ansible("workstations", "ansible.builtin.command", "readlink /opt/siak-client/current")
    found = {}
    for line in result.stdout.splitlines():
        m = re.match(r"^(pc\d+) \| (?:CHANGED|SUCCESS) \| rc=0 \| \(stdout\) (\S+)", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def recap(stdout: str) -> dict[str, dict[str, int]]:
    rows = {}
    for m in re.finditer(
        r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout, re.M
    ):
        rows[m.group(1)] = {
            "changed": int(m.group(3)),
            "unreachable": int(m.group(4)),
            "failed": int(m.group(5)),
        }
    return rows


def test_first_rollout_updates_all_20_from_the_controllers_distribution_point(rollout):
    lab, _dist, packages = rollout
    port = free_port(f"{lab.net}.1")
    serve = [
        "-e",
        f"client_rollout_package_path={packages['1.0'][0]}",
        "-e",
        "client_rollout_serve=true",
        "-e",
        f"client_rollout_serve_address={lab.net}.1",
        "-e",
        f"client_rollout_serve_port={port}",
        "-e",
        "client_rollout_release_notes='Perbaikan cetak KK.'",
    ]
    result = run(lab, "1.0", packages, *serve)
    assert result.returncode == 0, result.stdout[-3000:]
    report = latest_report(lab)
    assert statuses(report) == dict.fromkeys(PCS, "updated")
    assert {row["from_version"] for row in report.values()} == {None}
    assert [host for host, row in report.items() if row["wave"] == 1] == ["pc01"]  # the canary, alone
    assert set(current(lab).values()) == {"releases/1.0"} and len(current(lab)) == 20
    log = lab.out / "client_rollout" / "distpoint-access.log"
    gets = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(g["host"] for g in gets) == PCS and all(g["status"] == 200 for g in gets)
    notice = lab.sh("pc07", "cat /etc/siak-client/pemberitahuan-update-siak.txt").stdout
    assert (
        "PEMBERITAHUAN UPDATE APLIKASI SIAK" in notice
        and "versi 1.0" in notice
        and "Perbaikan cetak KK." in notice
    )
    # The Laporan update aplikasi SIAK pada klien is the run's Laporan's section for step 10.
    data, md = laporan(lab, newest_run(lab))
    (clients,) = [s for s in data["outputs"] if s["step"] == "update_clients"]
    assert clients["title"] == "Laporan update aplikasi SIAK pada klien" and clients["totals"] == {
        "diperbarui": 20
    }
    assert "Laporan update aplikasi SIAK pada klien" in md and not clients["rerun"]
    # The agenda books the probe and the brief under step 9, the waves and the report under step 10: step 9 ends
    # before step 10 begins.
    agenda = [
        json.loads(line) for line in next((lab.out / "agenda").glob(f"*/{newest_run(lab)}.jsonl")).open()
    ]
    spans: dict[str, list[str]] = {}
    for record in agenda:
        if record.get("type") == "task" and record.get("step"):
            spans.setdefault(record["step"]["id"], []).extend([record["start"], record["end"]])
    assert max(spans["brief_operators"]) <= min(spans["update_clients"]), spans

    # A rerun with nothing to do: no task changes anything, and nothing is downloaded.
    again = run(lab, "1.0", packages, *serve)
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(r["changed"] == 0 for r in recap(again.stdout).values()), again.stdout[-2500:]
    assert statuses(latest_report(lab)) == dict.fromkeys(PCS, "already_current")
    assert len(log.read_text().splitlines()) == len(gets)


def test_offline_pcs_are_reported_and_a_rerun_picks_up_exactly_them(rollout):
    lab, dist, packages = rollout
    url = dist.url("siak-client-2.0.tar.gz")
    lab.stop(*OFFLINE)
    result = run(lab, "2.0", packages, url=url)
    assert result.returncode == 0, result.stdout[-3000:]
    report = latest_report(lab)
    expected = {pc: ("offline" if pc in OFFLINE else "updated") for pc in PCS}
    assert statuses(report) == expected
    pending = (lab.out / "client-rollout-pending.txt").read_text().split()
    assert pending == [*OFFLINE, "localhost"]
    # The Laporan names the offline PCs and the command that picks them up.
    (clients,) = [s for s in laporan(lab, newest_run(lab))[0]["outputs"] if s["step"] == "update_clients"]
    assert clients["rerun_hosts"] == OFFLINE
    assert clients["rerun"] == f"siak-sop run rollout --limit {','.join(OFFLINE)},localhost"
    assert sorted(r["host"] for r in dist.records()) == sorted(set(PCS) - set(OFFLINE))
    assert "releases/1.0" in lab.sh("pc01", "ls -d /opt/siak-client/releases/*").stdout.replace(
        "/opt/siak-client/", ""
    )
    assert lab.sh("pc05", "true").returncode != 0  # really offline

    lab.start(*OFFLINE)
    before = len(dist.records())
    rerun = run(lab, "2.0", packages, url=url)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    report = latest_report(lab)
    assert statuses(report) == {pc: ("updated" if pc in OFFLINE else "already_current") for pc in PCS}
    assert sorted(r["host"] for r in dist.records()[before:]) == OFFLINE
    assert set(current(lab).values()) == {"releases/2.0"}
    assert not (lab.out / "client-rollout-pending.txt").exists()


def test_a_package_url_that_does_not_answer_fails_the_canary_and_touches_nothing_else(rollout):
    lab, dist, packages = rollout
    dead = f"http://{lab.net}.1:{free_port(lab.net + '.1')}/siak-client-3.0.tar.gz"
    before = len(dist.records())
    result = run(lab, "3.0", packages, url=dead)
    assert result.returncode == 2
    # The run's language: Bahasa Indonesia by default, on the terminal and in the published results alike.
    assert "pembaruan dihentikan setelah gelombang 1 (1 dari 1 gagal" in result.stdout
    report = latest_report(lab)
    failed = [host for host, row in report.items() if row["result"] == "failed"]
    # The PC's reason, found by the module on the PC, is said on the controller in the run's language.
    assert failed == ["pc01"] and report["pc01"]["message"].startswith(
        f"Langkah 10 | Pemasangan rilis klien baru: titik distribusi tidak menjawab di {dead}: "
    )
    assert report["pc01"]["message"].endswith(". Versi lama tetap aktif")
    assert report["pc02"]["message"].startswith("pembaruan dihentikan setelah gelombang 1 (1 dari 1 gagal")
    assert statuses(report) == {pc: ("failed" if pc == "pc01" else "not_started") for pc in PCS}
    assert set(current(lab).values()) == {"releases/2.0"} and len(current(lab)) == 20
    leftovers = lab.ansible(
        "workstations", "ansible.builtin.shell", "ls -A /opt/siak-client/.incoming /opt/siak-client/releases"
    )
    assert (
        "partial" not in leftovers.stdout
        and ".part" not in leftovers.stdout
        and "3.0" not in leftovers.stdout
    )
    assert len(dist.records()) == before
    assert "Traceback" not in result.stdout + result.stderr
    # In English on request (SIAK_LANG=en), the same reason as the module wrote it.
    lab.env["SIAK_LANG"] = "en"
    try:
        english = run(lab, "3.0", packages, url=dead)
    finally:
        lab.env.pop("SIAK_LANG")
    assert english.returncode == 2
    message = latest_report(lab)["pc01"]["message"]
    assert message.startswith(
        f"Langkah 10 | Install the new client release: the distribution point did not answer at {dead}: "
    ) and message.endswith(". The old version stays active"), message
    assert set(current(lab).values()) == {"releases/2.0"}


def test_a_checksum_mismatch_fails_one_pc_and_a_pc_in_use_is_left_running(rollout, tmp_path):
    lab, _dist, packages = rollout
    corrupting = DistPoint(
        packages["3.0"][0].parent, f"{lab.net}.1", tmp_path / "corrupt-access.log", corrupt_for=["pc07"]
    )
    # The client must be running before the rollout looks at pc02: on a loaded machine the background
    # start can lag behind the SSH session that launched it, so wait until the process is there.
    started = lab.sh(
        "pc02",
        "setsid /opt/siak-client/current/bin/siak-client </dev/null >/dev/null 2>&1 & pid=$!; "
        "for _ in $(seq 100); do grep -qx siak-client /proc/$pid/comm 2>/dev/null && break; sleep 0.1; done; "
        "grep -qx siak-client /proc/$pid/comm && echo $pid",
    )
    client_pid = started.stdout.strip()
    assert client_pid, f"the SIAK client stand-in did not start on pc02: {started.stderr}"
    try:
        result = run(lab, "3.0", packages, url=corrupting.url("siak-client-3.0.tar.gz"))
    finally:
        corrupting.stop()
    try:
        assert result.returncode == 2, result.stdout[-3000:]
        report = latest_report(lab)
        expected = {pc: "updated" for pc in PCS} | {"pc07": "failed", "pc02": "in_use"}
        assert statuses(report) == expected
        row = report["pc07"]
        _path, sha = packages["3.0"]
        assert row["to_version"] == "2.0"
        assert (
            f"Langkah 10 | Pemasangan rilis klien baru: checksum {corrupting.url('siak-client-3.0.tar.gz')} tidak "
            f"cocok: seharusnya {sha}, ternyata "
        ) in row["message"]
        assert "versi lama tetap aktif" in row["message"]
        links = current(lab)
        assert (
            links["pc07"] == "releases/2.0"
            and links["pc02"] == "releases/2.0"
            and links["pc03"] == "releases/3.0"
        )
        assert lab.sh("pc07", "ls /opt/siak-client/releases").stdout.split() == ["1.0", "2.0"]
        assert lab.sh("pc02", f"kill -0 {client_pid}").returncode == 0  # never closed by force
        # Current and previous are kept, older ones pruned.
        assert lab.sh("pc03", "ls /opt/siak-client/releases").stdout.split() == ["2.0", "3.0"]
    finally:
        lab.sh("pc02", f"kill {client_pid}")


def test_check_mode_changes_nothing(rollout):
    lab, dist, packages = rollout
    before = len(dist.records())
    pending = lab.out / "client-rollout-pending.txt"
    result = run(
        lab,
        "3.0",
        packages,
        "--check",
        "--diff",
        "--limit",
        f"@{pending}",
        url=dist.url("siak-client-3.0.tar.gz"),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "current -> 3.0" in result.stdout
    links = current(lab)
    assert links["pc07"] == "releases/2.0" and links["pc02"] == "releases/2.0"
    assert len(dist.records()) == before


def test_the_rerun_list_limits_a_rerun_to_the_pcs_not_yet_updated(rollout):
    lab, dist, packages = rollout
    pending = lab.out / "client-rollout-pending.txt"
    assert pending.read_text().split() == ["pc02", "pc07", "localhost"]
    before = len(dist.records())
    result = run(lab, "3.0", packages, "--limit", f"@{pending}", url=dist.url("siak-client-3.0.tar.gz"))
    assert result.returncode == 0, result.stdout[-3000:]
    # pc02 unpacked 3.0 while its client ran: now it only switches, so only pc07 downloads.
    assert [r["host"] for r in dist.records()[before:]] == ["pc07"]
    assert set(current(lab).values()) == {"releases/3.0"}
    assert statuses(latest_report(lab)) == {"pc02": "updated", "pc07": "updated"}
    assert set(recap(result.stdout)) == {"localhost", "pc02", "pc07"}


@pytest.mark.parametrize(
    ("inventory", "message"),
    [
        (
            "all:\n  children:\n    siak_servers:\n      hosts:\n        siak-vm: {}\n",
            "missing group(s) workstations",
        ),
        (
            "all:\n  children:\n    workstations:\n      children:\n        windows_workstations: {}\n",
            "group(s) workstations have no hosts",
        ),
    ],
)
def test_a_missing_or_empty_workstation_group_is_named(rollout, tmp_path, inventory, message):
    lab, _dist, packages = rollout
    office = tmp_path / "office.yml"
    office.write_text(inventory)
    result = run(lab, "3.0", packages, url="http://127.0.0.1:9/x", inventory=office)
    assert result.returncode == 2
    assert f"Inventory {office}: {message}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
