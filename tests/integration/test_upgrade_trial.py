"""SOP-PIAK-15 step 1's trial on the Server cadangan (playbooks/upgrade.yml), against a lab of real SSH hosts.

The lab's workstation pc01 stands in as the Server cadangan (group siak_trial_servers, added by a second
inventory file): it runs the same stand-in application and proxy as the SIAK VM, on its own address, so the
trial's health checks are real. The SIAK VM starts at 1.0, running.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from labkit import laporan, run_results, siak_1_0_lab

PLAYBOOK = "playbooks/upgrade.yml"
# The run's language is Bahasa Indonesia by default (SIAK_LANG); the dry rehearsal below runs in English.
GATE = "Langkah 1 (uji coba): uji coba di Server cadangan gagal"
GATE_EN = "Langkah 1 (uji coba): the trial on the Server cadangan failed"


@pytest.fixture(scope="module")
def tlab(tmp_path_factory):
    with siak_1_0_lab(tmp_path_factory.mktemp("trial"), 5) as handle:
        yield handle


def trial_inventory(tmp_path: Path, health_port: int = 8080) -> Path:
    """pc01 as the Server cadangan; its application health check on `health_port` (nothing answers on 8099)."""
    path = tmp_path / "trial.yml"
    path.write_text(
        "all:\n  children:\n    siak_trial_servers:\n      hosts:\n        pc01:\n"
        "          siak_upgrade_health:\n"
        "            kind: http\n"
        f"            url: 'http://{{{{ ansible_host }}}}:{health_port}/health'\n"
        "            status: 200\n            body_contains: OK\n            retries: 2\n            delay_s: 1\n"
    )
    return path


def run(lab, inventory: Path, *extra: str, run_id: str):
    lab.env["SIAK_RUN_ID"] = run_id
    try:
        return lab.playbook(PLAYBOOK, "-i", str(inventory), *extra)
    finally:
        lab.env.pop("SIAK_RUN_ID", None)


def served(address: str, port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/version", timeout=3) as resp:
            return resp.read().decode().strip()
    except OSError:
        return None


def production_state(lab) -> dict[str, str]:
    """Where the SIAK VM's current and previous links point, read on the server itself."""
    out = lab.sh(
        "siak-vm",
        "for r in /opt/siak/app /opt/siak/proxy; do for l in current previous; do "
        'printf "%s/%s=%s\\n" "$r" "$l" "$(readlink "$r/$l")"; done; done',
    )
    assert out.returncode == 0, out.stderr
    return dict(line.split("=", 1) for line in out.stdout.splitlines())


def trial_row(report: dict) -> dict[str, str]:
    section = next(s for s in report["outputs"] if s["step"] == "prepare_trial")
    (row,) = section["rows"]
    assert row["host"] == "pc01"
    return dict(zip(section["columns"], row["cells"], strict=True))


def test_a_trial_that_fails_its_health_check_stops_the_upgrade_before_production(tlab, tmp_path):
    before = production_state(tlab)
    assert "1.0" in before["/opt/siak/app/current"], before
    result = run(tlab, trial_inventory(tmp_path, health_port=8099), run_id="trial-fails")
    assert result.returncode != 0, result.stdout[-4000:]
    assert GATE in result.stdout, result.stdout[-4000:]
    # Nothing of steps 2 to 8 ran on production: the SIAK VM's links and what it serves are as they were.
    assert "Langkah 2 |" not in result.stdout.split(GATE, 1)[1]
    assert production_state(tlab) == before
    vm = f"{tlab.net}.11"
    assert (served(vm, 8080), served(vm, 8081)) == ("1.0", "1.0")
    results = run_results(tlab, "trial-fails")
    trial = results["upgrade_prepare_trial"]["pc01"]
    assert trial["result"] == "failed" and trial["message"], trial
    assert trial["components"][0]["component"] == "app" and trial["components"][0]["target_version"] == "2.0"
    assert "siak-vm" not in results.get("siak_upgrade", {}) and "pc01" not in results.get("siak_upgrade", {})
    report, md = laporan(tlab, "trial-fails")
    cells = trial_row(report)
    assert cells["Hasil"] == "gagal" and cells["Alasan / galat"] not in ("", "-")
    assert "uji coba di Server cadangan" in md


# The trial's before-switch hook: an ordinary Ansible task that says it was reached and then waits, so the test
# can cut the Server cadangan's connection exactly there (before the switch, after the staging).
CUT_HOOK = """\
- name: Uji coba | Say the cut point was reached, and wait there
  ansible.builtin.shell: ": > /srv/trial-cut/reached && sleep 300"
  changed_when: false
"""


def test_a_server_cadangan_that_goes_away_mid_trial_fails_the_trial_with_a_row_saying_so(tlab, tmp_path):
    hook = tmp_path / "cut-hook.yml"
    hook.write_text(CUT_HOOK)
    inventory = trial_inventory(tmp_path)
    inventory.write_text(
        inventory.read_text()
        + f"          siak_upgrade_before_switch_tasks: {hook}\n"
        + "          siak_upgrade_reconnect_timeout_s: 4\n"
    )
    # Where pc01's marker appears on the controller: its overlay's upper folder (read only from here).
    reached = tlab.dir / "hosts" / "pc01" / "upper" / "srv" / "trial-cut" / "reached"
    assert tlab.sh("pc01", "rm -rf /srv/trial-cut && mkdir -p /srv/trial-cut").returncode == 0
    before = production_state(tlab)
    vm = f"{tlab.net}.11"
    serving = (served(vm, 8080), served(vm, 8081))
    box: dict = {}
    args = ("-e", "siak_upgrade_trial_connect_timeout_s=4")
    thread = threading.Thread(
        target=lambda: box.setdefault("r", run(tlab, inventory, *args, run_id="trial-cut"))
    )
    thread.start()
    try:
        # No deadline of its own: the run's own timeouts end it, and a loaded machine only makes it slower.
        while not reached.exists():
            if not thread.is_alive():
                pytest.fail(f"the trial ended before its cut point: {box['r'].stdout[-3000:]}")
            time.sleep(0.05)
        # The Server cadangan goes away mid-task: its sshd and every process on it stop.
        tlab.stop("pc01")
        thread.join(timeout=900)
        assert not thread.is_alive()
    finally:
        if not tlab.status().get("pc01", True):
            tlab.start("pc01")
    result = box["r"]
    assert result.returncode != 0, result.stdout[-4000:]
    assert GATE in result.stdout and "terputus selama uji coba" in result.stdout, result.stdout[-4000:]
    assert "Langkah 2 |" not in result.stdout.split(GATE, 1)[1]
    # Production's real state: the links and what the SIAK VM serves are as they were.
    assert production_state(tlab) == before
    assert (served(vm, 8080), served(vm, 8081)) == serving == ("1.0", "1.0")
    results = run_results(tlab, "trial-cut")
    trial = results["upgrade_prepare_trial"]["pc01"]
    assert (trial["result"], trial["health"]) == ("failed", "connection_lost"), trial
    assert trial["message"].startswith(
        "pc01: koneksi ke Server cadangan terputus selama uji coba; kini ia tidak menjawab"
    ), trial
    # The application's own row says what the release role could read after the loss: nothing, so unknown.
    assert results["siak_upgrade_trial"]["pc01"]["result"] == "unknown"
    assert "siak-vm" not in {**results.get("siak_upgrade", {}), **results.get("proxy_upgrade", {})}
    report, md = laporan(tlab, "trial-cut")
    cells = trial_row(report)
    assert cells["Hasil"] == "gagal"
    assert cells["Pemeriksaan kesehatan"] == "koneksi terputus: uji coba tidak selesai"
    assert "terputus selama uji coba" in cells["Alasan / galat"]
    assert "koneksi terputus" in md
    # The Server cadangan is back: a rerun of the trial converges there (the passing trial below runs on it).
    tlab.sh("pc01", "rm -rf /srv/trial-cut")


# A before-switch hook whose one task meets a connection that cannot be made (nothing listens on port 9 of the
# Server cadangan), as a network drop just as the task starts would: Ansible passes the task over under the
# trial's ignore_unreachable, and the next task connects again as usual.
DROP_HOOK = """\
- name: Uji coba | The office's before-switch check, on a connection that cannot be made
  ansible.builtin.command: "true"
  vars:
    ansible_port: 9
  changed_when: false
"""


def test_a_connection_lost_for_one_hook_task_fails_the_trial_naming_the_task(tlab, tmp_path):
    """The trial goes on to a healthy end without the hook's task; the agenda recorded the lost connection, and
    the judge fails the trial with it: production is not touched."""
    hook = tmp_path / "drop-hook.yml"
    hook.write_text(DROP_HOOK)
    inventory = trial_inventory(tmp_path)
    inventory.write_text(inventory.read_text() + f"          siak_upgrade_before_switch_tasks: {hook}\n")
    before = production_state(tlab)
    vm, cadangan = f"{tlab.net}.11", f"{tlab.net}.101"
    serving = (served(vm, 8080), served(vm, 8081))
    result = run(tlab, inventory, run_id="trial-drop")
    assert result.returncode != 0, result.stdout[-4000:]
    assert GATE in result.stdout and "terputus selama uji coba" in result.stdout, result.stdout[-4000:]
    assert "Langkah 2 |" not in result.stdout.split(GATE, 1)[1]
    # The trial did go on without the hook's task: the Server cadangan serves the new release.
    assert (served(cadangan, 8080), served(cadangan, 8081)) == ("2.0", "2.0")
    # Production's real state: the links and what the SIAK VM serves are as they were.
    assert production_state(tlab) == before
    assert (served(vm, 8080), served(vm, 8081)) == serving == ("1.0", "1.0")
    results = run_results(tlab, "trial-drop")
    trial = results["upgrade_prepare_trial"]["pc01"]
    assert (trial["result"], trial["health"]) == ("failed", "connection_lost"), trial
    assert "terputus selama uji coba" in trial["message"], trial
    assert "on a connection that cannot be made" in trial["message"], trial  # the task's name, as written
    assert "tugas itu tidak berjalan, dan uji coba berlanjut tanpanya" in trial["message"], trial
    agenda = [json.loads(line) for line in next((tlab.out / "agenda").glob("*/trial-drop.jsonl")).open()]
    (passed_over,) = [r for r in agenda if r.get("type") == "task" and r.get("unreachable")]
    assert (passed_over["host"], passed_over["status"]) == ("pc01", "ignored")
    cells = trial_row(laporan(tlab, "trial-drop")[0])
    assert cells["Hasil"] == "gagal"
    assert cells["Pemeriksaan kesehatan"] == "koneksi terputus: uji coba tidak selesai"


def test_a_server_cadangan_that_does_not_answer_fails_the_trial_with_a_row_saying_so(tlab, tmp_path):
    # A Server cadangan on a port of the lab's own network where nothing listens: every connection is refused.
    inventory = tmp_path / "unreachable.yml"
    inventory.write_text(
        "all:\n  children:\n    siak_trial_servers:\n      hosts:\n        cadangan-mati:\n"
        f"          ansible_host: {tlab.net}.250\n          ansible_port: 9\n"
        "          siak_upgrade_health: {kind: http, url: 'http://127.0.0.1:8080/health'}\n"
    )
    before = production_state(tlab)
    vm = f"{tlab.net}.11"
    serving = (served(vm, 8080), served(vm, 8081))
    result = run(tlab, inventory, "-e", "siak_upgrade_trial_connect_timeout_s=4", run_id="trial-unreachable")
    assert result.returncode != 0, result.stdout[-4000:]
    assert GATE in result.stdout and "tidak menjawab" in result.stdout, result.stdout[-4000:]
    assert "Langkah 2 |" not in result.stdout.split(GATE, 1)[1]
    # Production's real state: the links and what the SIAK VM serves are as they were.
    assert production_state(tlab) == before
    assert (served(vm, 8080), served(vm, 8081)) == serving and None not in serving
    results = run_results(tlab, "trial-unreachable")
    trial = results["upgrade_prepare_trial"]["cadangan-mati"]
    assert (trial["result"], trial["health"]) == ("failed", "unreachable"), trial
    assert trial["message"].startswith("cadangan-mati: Server cadangan tidak menjawab"), trial
    assert "siak-vm" not in {**results.get("siak_upgrade", {}), **results.get("proxy_upgrade", {})}
    report, md = laporan(tlab, "trial-unreachable")
    section = next(s for s in report["outputs"] if s["step"] == "prepare_trial")
    (row,) = section["rows"]
    cells = dict(zip(section["columns"], row["cells"], strict=True))
    assert row["host"] == "cadangan-mati" and row["problem"]
    assert cells["Hasil"] == "gagal"
    assert cells["Pemeriksaan kesehatan"] == "tidak terjangkau: uji coba tidak berjalan"
    assert "tidak menjawab" in cells["Alasan / galat"]
    assert "tidak terjangkau" in md
    # The dry rehearsal meets it the same way: the trial fails with the same row, and nothing goes ahead. In
    # English (SIAK_LANG=en), the gate and the row say it in English.
    tlab.env["SIAK_LANG"] = "en"
    try:
        rehearsal = run(
            tlab,
            inventory,
            "--check",
            "-e",
            "siak_upgrade_trial_connect_timeout_s=4",
            run_id="trial-unreachable-check",
        )
    finally:
        tlab.env.pop("SIAK_LANG")
    assert rehearsal.returncode != 0 and GATE_EN in rehearsal.stdout, rehearsal.stdout[-4000:]
    assert "cadangan-mati: the Server cadangan did not answer" in rehearsal.stdout
    row = run_results(tlab, "trial-unreachable-check")["upgrade_prepare_trial"]["cadangan-mati"]
    assert (row["result"], row["health"]) == ("failed", "unreachable"), row
    assert production_state(tlab) == before


def test_a_trial_that_passes_lets_the_upgrade_go_ahead(tlab, tmp_path):
    result = run(tlab, trial_inventory(tmp_path), run_id="trial-passes")
    assert result.returncode == 0, result.stdout[-4000:]
    vm, cadangan = f"{tlab.net}.11", f"{tlab.net}.101"
    assert (served(cadangan, 8080), served(cadangan, 8081)) == ("2.0", "2.0")
    assert (served(vm, 8080), served(vm, 8081)) == ("2.0", "2.0")
    after = production_state(tlab)
    assert "2.0" in after["/opt/siak/app/current"] and "1.0" in after["/opt/siak/app/previous"], after
    results = run_results(tlab, "trial-passes")
    trial = results["upgrade_prepare_trial"]["pc01"]
    assert (trial["result"], trial["health"]) == ("passed", "healthy")
    assert [(c["component"], c["to_version"]) for c in trial["components"]] == [
        ("app", "2.0"),
        ("proxy", "2.0"),
    ]
    # The trial server's results stay out of the production steps' tables.
    assert set(results["siak_upgrade"]) == {"siak-vm"} and set(results["proxy_upgrade"]) == {"siak-vm"}
    assert results["siak_upgrade"]["siak-vm"]["result"] == "updated"
    report, _md = laporan(tlab, "trial-passes")
    cells = trial_row(report)
    assert cells["Hasil"] == "lulus: pemutakhiran sebenarnya boleh dilanjutkan"
    assert cells["Pemeriksaan kesehatan"] == "sehat"
    assert cells["Versi di Server cadangan (dari → ke)"].splitlines()[1].startswith("proxy ")
    assert cells["Versi di Server cadangan (dari → ke)"].endswith("→ 2.0")
    # The trial's time is step 1's, not steps 5 to 8's: the agenda booked the release tasks on pc01 under prepare.
    agenda = next((tlab.out / "agenda").glob("*/trial-passes.jsonl")).read_text().splitlines()
    records = [json.loads(line) for line in agenda]
    release_roles = {"dukcapil.siak.release", "dukcapil.siak.siak_upgrade", "dukcapil.siak.proxy_upgrade"}
    on_trial = [
        r
        for r in records
        if r.get("type") == "task" and r.get("host") == "pc01" and r.get("role") in release_roles
    ]
    assert on_trial and {(r.get("step") or {}).get("id") for r in on_trial} == {"prepare"}


def test_a_skip_without_a_reason_is_refused_and_one_with_a_reason_is_recorded(tlab, tmp_path):
    inventory = trial_inventory(tmp_path, health_port=8099)
    refused = run(tlab, inventory, "-e", "siak_upgrade_skip_trial_reason=' '", run_id="trial-skip-blank")
    assert refused.returncode != 0
    assert "siak_upgrade_skip_trial_reason diisi tetapi tidak memberi alasan" in refused.stdout, (
        refused.stdout[-3000:]
    )
    skipped = run(
        tlab,
        inventory,
        "-e",
        "siak_upgrade_skip_trial_reason='Server cadangan sedang diperbaiki'",
        run_id="trial-skipped",
    )
    assert skipped.returncode == 0, skipped.stdout[-4000:]
    # The run went ahead although the trial server's health check would fail: the trial did not run.
    trial = run_results(tlab, "trial-skipped")["upgrade_prepare_trial"]["pc01"]
    assert trial["result"] == "skipped"
    assert trial["message"] == "dilewati oleh ADB: Server cadangan sedang diperbaiki"
    report, _md = laporan(tlab, "trial-skipped")
    prepare = next(s for s in report["outputs"] if s["step"] == "prepare")
    notes = {n["label"]: n["value"] for n in prepare["notes"]}
    assert (
        notes["Uji coba di Server cadangan"]
        == "dilewati atas keputusan ADB: Server cadangan sedang diperbaiki"
    )
