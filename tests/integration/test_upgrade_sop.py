"""playbooks/upgrade.yml, SOP-PIAK-15 end to end, against a lab of real SSH hosts.

The module has its own small lab (one workstation): it powers siak-host and siak-vm off and on, which
the session's shared lab should not see.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from client_rollout_kit import make_package
from labkit import REPO, laporan, run_results, siak_1_0_lab

PLAYBOOK = "playbooks/upgrade.yml"
RECAP = re.compile(
    r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
    r"\s+rescued=(\d+)\s+ignored=(\d+)",
    re.MULTILINE,
)
STEP_OF_TASK = re.compile(r"^TASK \[(?:[\w.]+ : )?Langkah (\d+)", re.MULTILINE)


@pytest.fixture(scope="module")
def ulab(tmp_path_factory):
    """The office before the upgrade: SIAK 1.0 and its proxy on the SIAK VM, the VM powered off."""
    with siak_1_0_lab(tmp_path_factory.mktemp("upgrade"), 4) as handle:
        handle.stop("siak-vm")
        yield handle


def served(lab, port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{lab.net}.11:{port}/version", timeout=3) as resp:
            return resp.read().decode().strip()
    except OSError:
        return None


def recap(result: subprocess.CompletedProcess) -> dict[str, dict[str, int]]:
    names = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
    return {m[0]: dict(zip(names, map(int, m[1:]), strict=True)) for m in RECAP.findall(result.stdout)}


def latest_report(lab) -> Path:
    runs = sorted((lab.out / "reports").glob("upgrade-*"), key=lambda p: p.stat().st_mtime)
    assert runs, "no report folder was written"
    return runs[-1]


def run(lab, *extra: str, run_id: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    added = {"SIAK_RUN_ID": run_id or f"test-{time.time_ns()}", **(env or {})}
    lab.env.update(added)
    try:
        return lab.playbook(PLAYBOOK, *extra)
    finally:
        for key in added:
            lab.env.pop(key, None)


def test_upgrade_from_vm_off_to_upgraded(ulab):
    assert ulab.status()["siak-vm"] is False
    result = run(ulab, run_id="first")
    assert result.returncode == 0, result.stdout[-4000:]
    assert ulab.status()["siak-vm"] is True
    assert ulab.sh("siak-vm", "hostname").stdout.strip() == "siak-vm"
    # Steps 1 to 4, 9 and 10 (the reports) and 11 ran, in the SOP's order.
    steps = [int(n) for n in STEP_OF_TASK.findall(result.stdout)]
    firsts = list(dict.fromkeys(steps))
    assert firsts[:4] == [1, 2, 3, 4], firsts
    assert firsts[-1] == 11
    assert (served(ulab, 8080), served(ulab, 8081)) == ("2.0", "2.0")
    results = run_results(ulab, "first")
    servers = results["siak_server"]
    assert servers["siak-vm"]["result"] == "started"
    assert servers["siak-vm"]["state_before"] == "off"
    assert servers["siak-vm"]["backend"] == "command"
    assert servers["siak-host"]["result"] == "already_running"
    assert servers["siak-host"]["logged_in_as"] == "root"
    for role in ("siak_upgrade", "proxy_upgrade"):
        row = results[role]["siak-vm"]
        assert (row["from_version"], row["to_version"], row["result"]) == ("1.0", "2.0", "updated")
    # Step 1's Jadwal uji coba, through the results channel: the VM off is a finding, not a failure.
    vm = results["upgrade_prepare"]["siak-vm"]
    assert vm["answers"] is False and vm["finding"] == "off_step_4_starts_it"
    assert vm["notes"] == ["mati: langkah 4 menyalakannya (command di siak-host)"]
    # The one Laporan, rendered from the agenda: every output, the SOP's signature chain, in Bahasa Indonesia.
    report, md = laporan(ulab, "first")
    assert report["verdicts"]["prepare"] == "Sesuai" and report["verdicts"]["replace_app"] == "Sesuai"
    assert [s["step"] for s in report["outputs"]][:4] == [
        "prepare",
        "start_vm",
        "replace_app",
        "replace_proxy",
    ]
    started = next(s for s in report["outputs"] if s["step"] == "start_vm")
    vm_row = dict(
        zip(
            started["columns"],
            next(r["cells"] for r in started["rows"] if r["host"] == "siak-vm"),
            strict=True,
        )
    )
    assert (
        vm_row["Keadaan sebelumnya"] == "mati"
        and vm_row["Hasil"] == "dinyalakan"
        and vm_row["Dinyalakan melalui"] == "siak-host"
    )
    assert re.search(r"Menjawab setelah\b", " ".join(started["columns"]))
    host_row = next(r["cells"] for r in started["rows"] if r["host"] == "siak-host")
    assert dict(zip(started["columns"], host_row, strict=True))["Masuk sebagai"] == "root"  # step 3's login
    assert "| siak-vm | 1.0 → 2.0 |" in md
    assert "mati: langkah 4 menyalakannya" in md and "off: step 4" not in md
    assert [s["title"] for s in report["signatures"]] == [
        "Administrator Database",
        "Sub Koordinator",
        "Kepala Bidang",
    ]
    # Steps 1, 9 and 10 render nothing of their own: their report is the Laporan.
    written = {p.name for p in (ulab.out / "reports").rglob("*")}
    assert not written & {
        "persiapan.md",
        "persiapan.json",
        "laporan-sub-koordinator.md",
        "laporan-kepala-bidang.md",
    }


def test_a_rerun_changes_nothing(ulab):
    ulab.start("siak-vm")
    result = run(ulab, run_id="rerun")
    assert result.returncode == 0, result.stdout[-4000:]
    counts = recap(result)
    assert counts and all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts
    results = run_results(ulab, "rerun")
    assert results["siak_server"]["siak-vm"]["result"] == "already_running"
    assert results["siak_upgrade"]["siak-vm"]["result"] == "unchanged"
    report, _md = laporan(ulab, "rerun")
    upgraded = next(s for s in report["outputs"] if s["step"] == "replace_app")
    assert [r["cells"][-1] for r in upgraded["rows"]] == ["sudah pada versi ini"]


def test_a_full_upgrade_with_a_client_release_records_every_host_in_run_end(ulab, tmp_path):
    """The results channel end to end: every role's per-host result reaches the agenda, the PCs included."""
    ulab.start("siak-vm")
    package, sha = make_package(tmp_path / "dist", "7.1")
    client = [
        "-e",
        "client_rollout_version=7.1",
        "-e",
        f"client_rollout_package_sha256={sha}",
        "-e",
        f"client_rollout_package_path={package}",
        "-e",
        "client_rollout_transfer=push",
    ]
    result = run(ulab, *client, run_id="with-clients")
    assert result.returncode == 0, result.stdout[-4000:]
    (path,) = list((ulab.out / "agenda").glob("*/with-clients.jsonl"))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records[0]["run_id"] == "with-clients"
    end = records[-1]
    assert end["type"] == "run_end" and end["status"] == "successful"
    assert "results_problems" not in end, end.get("results_problems")
    results = end["results"]["siak_results"]
    assert results["siak_server"]["siak-vm"]["result"] == "already_running"
    for role in ("siak_upgrade", "proxy_upgrade"):
        row = results[role]["siak-vm"]
        assert (row["from_version"], row["to_version"], row["result"]) == ("2.0", "2.0", "unchanged")
        assert len(row["sha256"]) == 64 and row["finished"][-6] in "+-"  # a time with its offset
    workstations = sorted(h for h in ulab.status() if h.startswith("pc"))
    assert workstations and sorted(results["client_rollout"]) == workstations
    for pc in workstations:
        row = results["client_rollout"][pc]
        assert (row["to_version"], row["sha256"], row["result"]) == ("7.1", sha, "updated"), row
    # The Laporan has a row for every host that published, from the same agenda.
    report, md = laporan(ulab, "with-clients")
    rows = {s["step"]: sorted(r["host"] for r in s["rows"]) for s in report["outputs"]}
    assert rows["start_vm"] == sorted(results["siak_server"])
    assert rows["replace_app"] == sorted(results["siak_upgrade"])
    assert rows["replace_proxy"] == sorted(results["proxy_upgrade"])
    assert rows["update_clients"] == workstations
    assert "7.1" in md and "diperbarui" in md


def test_check_mode_changes_nothing(ulab):
    ulab.stop("siak-vm")
    result = run(ulab, "--check", "--diff", run_id="rehearsal")
    assert result.returncode == 0, result.stdout[-4000:]
    assert ulab.status()["siak-vm"] is False, "the rehearsal started the VM"
    assert "Uji coba (check mode): siak-vm dalam keadaan off" in result.stdout
    results = run_results(ulab, "rehearsal")
    assert results["upgrade_prepare_plan"]["localhost"]["check_mode"] is True
    assert results["upgrade_prepare"]["siak-vm"]["finding"] == "off_step_4_starts_it"
    # The trial run's Jadwal uji coba is step 1's output of its Laporan, which says what it rehearsed.
    report, md = laporan(ulab, "rehearsal")
    assert report["check_mode"] is True and report["outputs"][0]["step"] == "prepare"
    assert "Uji coba (check mode)" in report["status"]
    assert "Jadwal uji coba pemutakhiran SIAK" in md
    # Steps 5 to 8 were not rehearsed on the VM that is off, and the Laporan says why.
    reasons = {r["id"]: r["reason"] for r in report["rows"]}
    for step in ("open_app_folder", "replace_app", "open_proxy_folder", "replace_proxy"):
        assert (
            reasons[step]
            == "tidak dapat diuji coba dalam uji coba: VM SIAK mati, dan uji coba tidak menyalakannya"
        )


def test_one_step_alone_with_tags(ulab):
    ulab.stop("siak-vm")
    result = run(ulab, "--tags", "start_vm")
    assert result.returncode == 0, result.stdout[-4000:]
    # Step 4's tasks ran; another step shows only a precondition tagged always (client_rollout's), skipped.
    assert "4" in STEP_OF_TASK.findall(result.stdout)
    for block in result.stdout.split("TASK [")[1:]:
        found = STEP_OF_TASK.match("TASK [" + block)
        if found and found.group(1) != "4":
            assert "ok:" not in block and "changed:" not in block, block[:500]
    assert ulab.status()["siak-vm"] is True
    # Only the role's argument checks (tagged always by ansible-core) run elsewhere; they change nothing.
    counts = recap(result)
    assert counts["siak-vm"]["changed"] == 1
    assert all(c["changed"] == 0 for host, c in counts.items() if host != "siak-vm"), counts


def test_a_server_that_is_down_is_switched_on_by_its_power_method(ulab):
    ulab.stop("siak-host")
    try:
        result = run(ulab, "--tags", "start_server")
        assert result.returncode == 0, result.stdout[-4000:]
        assert ulab.status()["siak-host"] is True
        assert recap(result)["siak-host"]["changed"] == 1
    finally:
        ulab.start("siak-host")


def test_a_server_that_is_down_without_a_power_method_is_named(ulab):
    ulab.stop("siak-db")
    try:
        result = run(ulab, "--tags", "start_server", "-e", "siak_server_power_method=none")
    finally:
        ulab.start("siak-db")
    assert result.returncode == 2
    assert (
        "siak-db: Langkah 2 (menjalankan server): server mati (tidak ada jawaban di "
        f"{ulab.net}.12:2222 dalam 2 detik) dan tidak punya cara menyalakan."
    ) in result.stdout


def _password_inventory(lab, tmp_path: Path, password: str) -> Path:
    extra = tmp_path / "password.yml"
    extra.write_text(
        "all:\n  hosts:\n    siak-host:\n"
        "      ansible_user: adb\n"
        f"      ansible_password: {json.dumps(password)}\n"
        # The lab's sshd accepts its key for every user: make this login a password login.
        "      ansible_ssh_extra_args: -o PubkeyAuthentication=no\n"
    )
    extra.chmod(0o600)
    return extra


@pytest.fixture(scope="module")
def adb_user(ulab):
    """A user 'adb' with a password on siak-host only (its own /etc)."""
    hashed = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"], input="Benar-123\n", capture_output=True, text=True, check=True
    ).stdout.strip()
    made = ulab.sh("siak-host", f"id adb >/dev/null 2>&1 || useradd -m -s /bin/sh -p '{hashed}' adb")
    assert made.returncode == 0, made.stderr
    return "adb"


def test_a_password_login_works(ulab, adb_user, tmp_path):
    extra = _password_inventory(ulab, tmp_path, "Benar-123")
    # Its own SSH control sockets: a connection kept open from another run would skip the password.
    result = run(
        ulab, "--tags", "login", "-i", str(extra), env={"ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Benar-123" not in result.stdout + result.stderr


def test_a_wrong_password_fails_at_step_3_naming_the_host(ulab, adb_user, tmp_path):
    ulab.stop("siak-vm")
    extra = _password_inventory(ulab, tmp_path, "Salah-999")
    result = run(ulab, "-i", str(extra), env={"ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stdout[-3000:]
    assert "siak-host: Langkah 3 (login): server menolak login sebagai adb" in result.stdout
    assert "Periksa ansible_user beserta kuncinya atau kata sandinya di vault" in result.stdout
    assert "Salah-999" not in result.stdout + result.stderr
    # The run stopped at step 3: step 4 never ran and the VM is still off, untouched.
    assert "4" not in STEP_OF_TASK.findall(result.stdout)
    assert ulab.status()["siak-vm"] is False


def test_a_vm_that_never_answers_fails_after_the_wait(ulab):
    ulab.stop("siak-vm")
    result = run(
        ulab,
        "--tags",
        "start_vm",
        "-e",
        "siak_server_vm_start_command=true",
        "-e",
        "siak_server_vm_wait_timeout=4",
    )
    assert result.returncode == 2, result.stdout[-3000:]
    assert "siak-vm: Langkah 4 (menjalankan VM): VM tidak menjawab lewat SSH dalam 4 detik." in result.stdout
    assert "Backend command di siak-host menyebut VM dalam keadaan 'off'" in result.stdout
    assert "true sudah dijalankan dan jawabannya rc 0, tanpa keluaran" in result.stdout
    assert "tidak menerima koneksi" in result.stdout
    assert ulab.status()["siak-vm"] is False


def test_a_hypervisor_that_cannot_start_the_vm_is_quoted(ulab):
    ulab.stop("siak-vm")
    result = run(
        ulab,
        "--tags",
        "start_vm",
        "-e",
        "siak_server_vm_start_command='sh -c \"echo no such domain >&2; exit 3\"'",
        # In English (SIAK_LANG=en): step 4's other messages are read in the Bahasa Indonesia default.
        env={"SIAK_LANG": "en"},
    )
    assert result.returncode == 2, result.stdout[-3000:]
    assert "siak-vm: Langkah 4 (start the VM): command on siak-host ran sh -c" in result.stdout
    assert "rc 3, 'no such domain" in result.stdout


def test_a_malformed_sop_table_stops_the_run_before_any_host_is_touched(ulab, tmp_path):
    tables = tmp_path / "sops"
    shutil.copytree(REPO / "plugins" / "plugin_utils" / "sops", tables)
    broken = tables / "sop_piak_15.yml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("    number: 6\n", "    number: 0\n", 1), encoding="utf-8")
    line = text[: text.index("    number: 6\n")].count("\n")  # the step's "- id:" line, 1-based
    before = (ulab.status(), served(ulab, 8080), served(ulab, 8081))
    result = run(ulab, run_id="bad-table", env={"SIAK_SOP_DIR": str(tables)})
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert f"{broken} line {line}, step replace_app" in said and "siak-sop check-sop" in said, said[-3000:]
    # nothing ran after the check: no step's task, no host touched
    assert not STEP_OF_TASK.findall(result.stdout)
    assert (ulab.status(), served(ulab, 8080), served(ulab, 8081)) == before
    (path,) = list((ulab.out / "agenda").glob("*/bad-table.jsonl"))
    tasks = [json.loads(x) for x in path.read_text().splitlines() if '"type":"task"' in x]
    assert tasks and all(t["action"] == "dukcapil.siak.sop_check" for t in tasks)
