"""The release under faults, live against the lab's siak-vm: cuts at each point of a switch, two upgrades at once.

A cut is made at a known point with the service's own start command (/srv/faults/ctl.sh): told to, it
stops there and says so in a file the test watches, and the test then powers the VM off or kills the
controller's SSH processes. After every cut the test reads the server's real state (where current points,
whether the application answers, the switch journal, the lock, leftovers) and checks that what the cut run's
report said matches it; then it reruns and checks that the rerun converged to a healthy release and that its
report says what the server shows.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit import LabHandle, laporan, newest_run, run_results, vm_lab
from siak_lab.standins.builder import Release, build_release

APP_ONLY = "tests/playbooks/upgrade_app_only.yml"
CTL = r"""#!/bin/sh
# ctl.sh start|stop ROOT ADDR PORT: the SIAK standin, with a cut point the test may set in /srv/faults/plan
# ("<when>:<where current points>", when = before_start or after_start).
action=$1 root=$2 addr=$3 port=$4
run="/usr/bin/python3 $root/current/bin/siak_standin.py"
pidfile=$root/shared/run/app.pid
plan=$(cat /srv/faults/plan 2>/dev/null)
here=$(readlink "$root/current")
if [ "$action" = stop ]; then exec $run stop --pidfile "$pidfile"; fi
if [ "$plan" = "before_start:$here" ]; then : > /srv/faults/reached; sleep 300; fi
$run start --kind app --bind "$addr" --port "$port" --pidfile "$pidfile" || exit $?
if [ "$plan" = "after_start:$here" ]; then : > /srv/faults/reached; sleep 300; fi
exit 0
"""


@pytest.fixture(scope="module")
def vm(tmp_path_factory) -> Iterator[LabHandle]:
    with vm_lab(tmp_path_factory.mktemp("faults"), 7) as handle:
        install_ctl(handle)
        yield handle


def install_ctl(vm: LabHandle) -> None:
    vm.sh(
        "siak-vm",
        f"mkdir -p /srv/faults && cat > /srv/faults/ctl.sh <<'EOF'\n{CTL}EOF\nchmod 0755 /srv/faults/ctl.sh",
    )


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Release]:
    out = tmp_path_factory.mktemp("releases")
    return {
        "1.0": build_release("app", "1.0", out),
        "2.0": build_release("app", "2.0", out),
        "2.0-broken": build_release("app", "2.0", out, broken=True),
    }


def settings(vm: LabHandle, root: str, port: int, rel: Release, **extra) -> dict:
    ctl = f"/bin/sh /srv/faults/ctl.sh {{}} {root} {vm.address('siak-vm')} {port}"
    values = {
        "siak_upgrade_version": rel.version,
        "siak_upgrade_artifact": rel.path,
        "siak_upgrade_sha256": rel.sha256,
        "siak_upgrade_root": root,
        "siak_upgrade_service": {
            "manager": "command",
            "start_command": ctl.format("start"),
            "stop_command": ctl.format("stop"),
        },
        "siak_upgrade_health": {
            "kind": "http",
            "url": f"http://{vm.address('siak-vm')}:{port}/health",
            "body_contains": "OK",
            "retries": 30,
            "delay_s": 1,
        },
        "siak_upgrade_reconnect_timeout_s": 5,
    }
    values.update({f"siak_upgrade_{k}": v for k, v in extra.items()})
    return values


def upgrade(vm: LabHandle, root: str, port: int, rel: Release, *extra: str, **options):
    varfile = vm.out / f"vars-{time.monotonic_ns()}.json"
    varfile.write_text(json.dumps(settings(vm, root, port, rel, **options)))
    return vm.playbook(APP_ONLY, "-e", f"@{varfile}", *extra)


def report(vm: LabHandle) -> dict:
    """siak-vm's step 6 result of the newest run, as published (the agenda's run_end, which the Laporan shows)."""
    return run_results(vm, newest_run(vm))["siak_upgrade"]["siak-vm"]


def answer(vm: LabHandle, port: int) -> str | None:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{vm.address('siak-vm')}:{port}/version", timeout=2) as resp:
            return resp.read().decode().strip()
    except OSError:
        return None


def server(vm: LabHandle, root: str, port: int) -> dict:
    """The server's real state, read over SSH and HTTP, not from any report."""
    out = vm.sh(
        "siak-vm",
        f"readlink {root}/current; echo @; readlink {root}/previous; echo @; test -e {root}/.siak-switch.json && echo j;"
        f" echo @; test -e {root}/.siak-upgrade.lock && echo l; echo @; ls -A {root}/releases | grep '^\\.' ;"
        f" ls -A {root}/.incoming 2>/dev/null; echo @",
    ).stdout.split("@")
    current, previous, journal, lock, leftovers = (part.strip() for part in out[:5])
    return {
        "current": current.removeprefix("releases/") or None,
        "previous": previous.removeprefix("releases/") or None,
        "answers": answer(vm, port),
        "journal": bool(journal),
        "lock": bool(lock),
        "leftovers": leftovers.split(),
    }


def text(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def assert_report_matches(vm: LabHandle, root: str, port: int, result) -> dict:
    """What the run's report and output said is what the server shows."""
    said, real = report(vm), server(vm, root, port)
    words = text(result)
    assert "Traceback" not in words
    assert "Nothing was switched" not in words or real["current"] == said["from_version"]
    if said["result"] == "unknown":
        assert said["to_version"] is None and f"readlink {root}/current" in said["message"]
        # The Laporan gives the office the command that finds out what is live.
        (app,) = [s for s in laporan(vm, newest_run(vm))[0]["outputs"] if s["step"] == "replace_app"]
        row = dict(zip(app["columns"], app["rows"][0]["cells"], strict=True))
        assert (
            row["Hasil"].startswith("TIDAK DIKETAHUI") and f"readlink {root}/current" in row["Alasan / galat"]
        )
    elif said["result"] in ("updated", "installed", "unchanged", "repaired"):
        assert real["current"] == said["to_version"] == said["target_version"]
        assert real["answers"] == said["to_version"], (said, real)
    else:
        assert said["to_version"] == real["current"], (said, real)
        healthy = said["live"]["healthy"]
        assert (real["answers"] == real["current"]) is bool(healthy), (said, real)
    return real


def assert_converged(vm: LabHandle, root: str, port: int, version: str) -> None:
    real = server(vm, root, port)
    assert real["current"] == version and real["answers"] == version, real
    assert not real["journal"] and not real["lock"] and real["leftovers"] == [], real


def reached(vm: LabHandle) -> Path:
    """Where the VM's /srv/faults/reached appears on the controller (the VM's overlay upper folder), read only."""
    return vm.dir / "hosts" / "siak-vm" / "upper" / "srv" / "faults" / "reached"


def clear_reached(vm: LabHandle) -> None:
    """Remove the cut-point marker inside the VM: a file removed from under a mounted overlay (its upper folder)
    stays in the overlay's cache, and the next cut point would write into that removed file unseen."""
    vm.sh("siak-vm", "rm -f /srv/faults/reached")


def cut(vm: LabHandle, how: str) -> None:
    if how == "vm_off":
        vm.stop("siak-vm")
    else:
        vm.kill_controller_ssh("siak-vm")


def run_and_cut(vm, root, port, rel, *, how, plan, **options):
    """Start an upgrade, wait until it reaches the cut point, cut, and return the cut run's result."""
    clear_reached(vm)
    vm.sh("siak-vm", f"echo {plan} > /srv/faults/plan")
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("r", upgrade(vm, root, port, rel, **options)))
    thread.start()
    # No deadline of its own: the run's own timeouts end it, and a loaded machine only makes it slower.
    while not reached(vm).exists():
        if not thread.is_alive():
            said = text(box["r"])[-3000:] if "r" in box else "(no result)"
            pytest.fail(f"the run ended without reaching the cut point: {said}")
        time.sleep(0.05)
    cut(vm, how)
    thread.join(timeout=900)
    assert not thread.is_alive()
    if how == "vm_off":
        vm.start("siak-vm")
        install_ctl(vm)  # the overlay keeps it; rewriting it keeps the test independent of that
    vm.sh("siak-vm", "rm -f /srv/faults/plan")
    return box["r"]


SWITCHED = re.compile(
    r"switch current to the new release, start it and check its health\] \**\s*changed: \[siak-vm\]"
)
CUTS = [
    ("before_start", "releases/2.0", "2.0"),  # after the switch, before the start
    ("after_start", "releases/2.0", "2.0"),  # after the start, before the health check
]


@pytest.mark.parametrize("how", ["vm_off", "ssh_killed"])
@pytest.mark.parametrize("cut_at", CUTS, ids=[c[0] for c in CUTS])
def test_a_cut_switch_is_reported_as_the_server_shows_it_and_a_rerun_converges(vm, releases, how, cut_at):
    when, where, version = cut_at
    root, port = f"/srv/f-{when}-{how}/app", 18200 + len(when) + (0 if how == "vm_off" else 50)
    first = upgrade(vm, root, port, releases["1.0"])
    assert first.returncode == 0, text(first)[-3000:]
    cut_run = run_and_cut(vm, root, port, releases["2.0"], how=how, plan=f"{when}:{where}")
    assert cut_run.returncode != 0
    assert_report_matches(vm, root, port, cut_run)
    if how == "vm_off":
        assert report(vm)["result"] == "unknown"
    rerun = upgrade(vm, root, port, releases["2.0"])
    assert rerun.returncode == 0, text(rerun)[-3000:]
    assert_report_matches(vm, root, port, rerun)
    assert_converged(vm, root, port, version)
    assert server(vm, root, port)["previous"] == "1.0"
    again = upgrade(vm, root, port, releases["2.0"])
    assert again.returncode == 0 and "sudah pada versi 2.0, berjalan dan sehat" in text(again)


@pytest.mark.parametrize("how", ["vm_off", "ssh_killed"])
def test_a_restore_cut_off_is_finished_by_the_rerun(vm, releases, how):
    root, port = f"/srv/f-restore-{how}/app", 18300 + (0 if how == "vm_off" else 1)
    assert upgrade(vm, root, port, releases["1.0"]).returncode == 0
    # The broken 2.0 fails its health check; the restore's start of 1.0 is where the cut comes.
    cut_run = run_and_cut(vm, root, port, releases["2.0-broken"], how=how, plan="before_start:releases/1.0")
    assert cut_run.returncode != 0
    assert_report_matches(vm, root, port, cut_run)
    rerun = upgrade(vm, root, port, releases["2.0-broken"])
    # The rerun puts 1.0 back, tries 2.0 again, finds it broken again and rolls back: 1.0 stays live.
    assert rerun.returncode != 0
    assert_report_matches(vm, root, port, rerun)
    assert report(vm)["result"] == "rolled_back"
    assert_converged(vm, root, port, "1.0")


def test_a_cut_between_the_unpack_and_the_switch_leaves_the_old_release_and_a_rerun_completes(
    vm, releases, tmp_path
):
    root, port = "/srv/f-unpacked/app", 18310
    assert upgrade(vm, root, port, releases["1.0"]).returncode == 0
    hook = tmp_path / "hold.yml"
    hook.write_text(
        "- name: Test hook | Say the unpack is done, then wait\n"
        "  ansible.builtin.shell: ': > /srv/faults/reached; sleep 300'\n  changed_when: false\n"
    )
    clear_reached(vm)
    box: dict = {}
    thread = threading.Thread(
        target=lambda: box.setdefault(
            "r", upgrade(vm, root, port, releases["2.0"], before_switch_tasks=str(hook))
        )
    )
    thread.start()
    while not reached(vm).exists():
        assert thread.is_alive(), "the run ended without reaching the cut point"
        time.sleep(0.05)
    cut(vm, "ssh_killed")
    thread.join(timeout=900)
    assert server(vm, root, port)["current"] == "1.0" and answer(vm, port) == "1.0"
    assert_report_matches(vm, root, port, box["r"])
    rerun = upgrade(vm, root, port, releases["2.0"])
    assert rerun.returncode == 0, text(rerun)[-3000:]
    assert_converged(vm, root, port, "2.0")


def test_two_upgrades_started_together_switch_once(vm, releases):
    """20 races behind a barrier: exactly one run switches, previous stays 1.0, rollback reaches it."""
    for attempt in range(20):
        root, port = f"/srv/f-race-{attempt}/app", 18400 + attempt
        assert upgrade(vm, root, port, releases["1.0"]).returncode == 0
        barrier = threading.Barrier(2)
        results: list = [None, None]

        for i in (0, 1):
            (vm.out / f"race-{attempt}-{i}.json").write_text(
                json.dumps(settings(vm, root, port, releases["2.0"]))
            )

        def go(i: int, barrier=barrier, results=results, attempt=attempt) -> None:
            varfile = vm.out / f"race-{attempt}-{i}.json"
            barrier.wait()
            results[i] = vm.playbook(APP_ONLY, "-e", f"@{varfile}")

        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outputs = [text(r) for r in results]
        switched = [o for o in outputs if SWITCHED.search(o)]
        assert all("Traceback" not in o for o in outputs)
        real = server(vm, root, port)
        assert real["current"] == "2.0" and real["previous"] == "1.0" and real["answers"] == "2.0", (
            attempt,
            real,
        )
        assert not real["lock"] and not real["journal"]
        # The other run either found the lock held (and changed nothing) or found 2.0 current under the lock.
        for r, o in zip(results, outputs, strict=True):
            assert r.returncode == 0 or "dipegang oleh jalan yang masih berlangsung" in o, o[-2000:]
        assert len(switched) == 1, attempt
        rollback = vm.playbook(
            "playbooks/rollback.yml",
            "-e",
            f"@{vm.out / f'race-{attempt}-0.json'}",
        )
        assert rollback.returncode == 0, text(rollback)[-2000:]
        assert server(vm, root, port)["current"] == "1.0" and answer(vm, port) == "1.0"
