"""The lab is made of real, separate hosts reached over SSH, and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from labkit import REPO, lab_mounts, lab_processes, lab_seed, make_lab


def test_hosts_are_reached_over_real_ssh(lab):
    result = lab.ansible("all:!siak-vm", "ansible.builtin.command", "hostname")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("siak-host", "siak-db", "pc01", "pc04"):
        assert f"{name} | CHANGED | rc=0 | (stdout) {name}" in result.stdout
    assert "ansible_connection" not in (lab.inventory / "hosts.yml").read_text()


def test_a_file_on_one_host_is_invisible_on_another(lab):
    for path in ("/opt", "/srv", "/etc/siak", "/var/lib/siak", "/media", "/tmp", "/root"):
        assert lab.sh("pc01", f"mkdir -p {path} && echo pc01 > {path}/only-here").returncode == 0
        assert lab.sh("pc01", f"cat {path}/only-here").stdout.strip() == "pc01"
        other = lab.sh("pc02", f"cat {path}/only-here")
        assert other.returncode != 0, f"{path}/only-here leaked to pc02"
    assert not os.path.exists("/opt/only-here"), "a lab host wrote to the machine's own /opt"


def test_siak_vm_starts_powered_off_and_powers_on_from_the_hypervisor(lab):
    lab.stop("siak-vm")
    assert lab.status()["siak-vm"] is False
    assert lab.sh("siak-vm", "true").returncode == 255
    # The power control is driven from the physical server, as a hypervisor would be.
    cmd = f"{lab.env['PATH'].split(':')[0]}/siak-lab --lab-dir {lab.dir} start siak-vm"
    started = lab.sh("siak-host", cmd)
    assert started.returncode == 0, started.stderr
    assert lab.sh("siak-vm", "hostname").stdout.strip() == "siak-vm"
    # The VM did not inherit the physical server's files.
    lab.sh("siak-host", "echo host > /opt/host-only")
    assert lab.sh("siak-vm", "test -e /opt/host-only").returncode == 1


def test_a_stopped_host_is_unreachable_and_comes_back_with_its_files(lab):
    assert lab.sh("pc03", "echo kept > /srv/kept").returncode == 0
    lab.stop("pc03")
    down = lab.ansible("pc03", "ansible.builtin.ping")
    assert "UNREACHABLE" in down.stdout
    lab.start("pc03")
    assert lab.ansible("pc03", "ansible.builtin.ping").returncode == 0
    assert lab.sh("pc03", "cat /srv/kept").stdout.strip() == "kept"


def test_a_filled_flashdisk_gives_a_real_enospc(lab):
    lab.lab("fill", "siak-db", "--leave-kib", "64")
    try:
        result = lab.sh("siak-db", "dd if=/dev/zero of=/media/flashdisk/big bs=1M count=1 2>&1")
        assert result.returncode != 0
        assert "No space left on device" in result.stdout
        assert lab.sh("siak-db", "mountpoint -q /media/flashdisk").returncode == 0
    finally:
        lab.lab("unfill", "siak-db")
        lab.sh("siak-db", "rm -f /media/flashdisk/big")


def test_bad_input_gets_one_clear_line(lab):
    for args, expected in (
        (["start", "pc99"], "no lab host named pc99. Lab hosts are: siak-host"),
        (["stop", "siak-web"], "no lab host named siak-web"),
        (["up", "--workstations", "100"], "workstation count 100 is out of range"),
        (["up", "--workstations", "-1"], "workstation count -1 is out of range"),
        (["up", "--net", "10.0.0"], "is not on loopback"),
        (["up", "--net", "127.0"], "is not three octets"),
    ):
        result = lab.lab(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_twenty_hosts_come_up_and_go_down_cleanly(tmp_path):
    big = make_lab(tmp_path, lab_seed(1), workstations=17)
    try:
        began = time.monotonic()
        big.up()
        print(f"20 lab hosts up in {time.monotonic() - began:.2f} s")  # a figure, not an assertion
        running = big.status()
        assert sum(running.values()) == 19 and running["siak-vm"] is False
        big.start("siak-vm")
        assert all(big.status().values())
        pong = big.ansible("all", "ansible.builtin.ping")
        assert pong.stdout.count("SUCCESS") == 20, pong.stdout
    finally:
        big.down()
    assert not lab_processes(big.dir)
    assert not lab_mounts(big.dir)
    assert not big.dir.exists()


def inner_pytest(tmp_path, test_file) -> list[str]:
    """A pytest run of its own, for the tests that watch what a failed or killed run leaves behind."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(tmp_path),
        "--basetemp",
        str(tmp_path / "base"),
        str(test_file),
    ]


def test_teardown_after_a_failing_test_leaves_no_process_or_mount(tmp_path):
    test_file = tmp_path / "test_fails.py"
    test_file.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO / "tests")!r})
        sys.path.insert(0, {str(REPO / "tests" / "integration")!r})
        from conftest import lab  # noqa: F401  the real fixture

        def test_that_fails(lab):
            assert lab.sh("pc01", "true").returncode == 0
            (open({str(tmp_path / "labdir")!r}, "w")).write(str(lab.dir))
            assert False, "this test fails on purpose"
    """)
    )
    result = subprocess.run(
        inner_pytest(tmp_path, test_file),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "this test fails on purpose" in result.stdout
    lab_dir = (tmp_path / "labdir").read_text()
    assert not lab_processes(lab_dir), "sshd processes survived the failing test"
    assert not lab_mounts(lab_dir), "mounts survived the failing test"


def test_sigterm_mid_test_still_tears_the_lab_down(tmp_path):
    marker = tmp_path / "labdir"
    real_conftest = REPO / "tests" / "integration" / "conftest.py"
    # The real conftest, loaded as a conftest: pytest only calls hooks (the SIGTERM handler) from there.
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
        f"exec(compile(open({str(real_conftest)!r}).read(), {str(real_conftest)!r}, 'exec'))\n"
    )
    test_file = tmp_path / "test_killed.py"
    test_file.write_text(
        textwrap.dedent(f"""
        import time

        def test_runs_until_killed(lab):
            open({str(marker)!r}, "w").write(str(lab.dir))
            time.sleep(120)
    """)
    )
    proc = subprocess.Popen(
        inner_pytest(tmp_path, test_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), proc.communicate()[0]
    proc.terminate()
    out = proc.communicate(timeout=120)[0]
    lab_dir = marker.read_text()
    assert not lab_processes(lab_dir), f"sshd processes survived SIGTERM: {out[-2000:]}"
    assert not lab_mounts(lab_dir), "mounts survived SIGTERM"
