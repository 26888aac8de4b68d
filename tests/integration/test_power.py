"""SOP-PIAK-15 steps 2 and 4 against real protocol peers: Wake-on-LAN, IPMI 2.0 (RMCP+) and Redfish over
HTTPS (siak-lab up --power-peers), and libvirt (virsh, and a real libvirtd for a VM that fails to start).

One lab for the module (no workstations). Every fault test checks the host's real power state, then that
a rerun without the fault converges.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from labkit import lab_seed, make_lab

PLAYBOOK = "playbooks/upgrade.yml"
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
FATAL = re.compile(r"^fatal: \[[^\]]+\]: FAILED! => (\{.*\})$", re.MULTILINE)


@pytest.fixture(scope="module")
def plab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("integration tests need root: the lab mounts namespaces and runs sshd")
    handle = make_lab(tmp_path_factory.mktemp("power"), lab_seed(18), workstations=0)
    try:
        handle.lab("up", "--workstations", "0", "--net", handle.net, "--power-peers")
        yield handle
    finally:
        handle.down()


def bmc_password(lab) -> str:
    return json.loads((lab.dir / "power" / "bmc.json").read_text())["password"]


def run(lab, *extra: str, lang: str = "id") -> subprocess.CompletedProcess:
    """The playbook, its words in ``lang`` (SIAK_LANG): Bahasa Indonesia, as an office runs it, unless asked."""
    lab.env["SIAK_RUN_ID"] = f"test-power-{time.time_ns()}"
    lab.env["SIAK_LANG"] = lang
    vault = ["--vault-password-file", str(lab.dir / "power" / "vault-pass")]
    return lab.playbook(PLAYBOOK, *vault, *extra)


def step2(lab, method: str, *extra: str, lang: str = "id") -> subprocess.CompletedProcess:
    return run(
        lab,
        "--tags",
        "start_server",
        "--limit",
        "siak-db",
        "-e",
        f"siak_server_power_method={method}",
        *extra,
        lang=lang,
    )


def changed(result: subprocess.CompletedProcess, host: str) -> int:
    return {m[0]: int(m[2]) for m in RECAP.findall(result.stdout)}[host]


def failure(result: subprocess.CompletedProcess) -> str:
    found = FATAL.findall(result.stdout)
    assert found, result.stdout[-3000:]
    return json.loads(found[-1])["msg"]


def assert_no_secret(lab, result: subprocess.CompletedProcess) -> None:
    assert bmc_password(lab) not in result.stdout + result.stderr


def assert_never_suggests_turning_validation_off(message: str) -> None:
    assert not re.search(
        r"(?i)validate_certs|verify\s*=\s*false|insecure|disable|turn(ing)? off|nonaktif|matikan", message
    ), message


def assert_rerun_converges(lab, method: str) -> None:
    """After a fault, the same run with the inventory's own settings switches the server on, and once more
    changes nothing."""
    first = step2(lab, method)
    assert first.returncode == 0, first.stdout[-3000:]
    assert lab.status()["siak-db"] is True
    again = step2(lab, method)
    assert again.returncode == 0, again.stdout[-3000:]
    assert changed(again, "siak-db") == 0


@pytest.mark.parametrize("method", ["wol", "ipmi", "redfish"])
def test_a_server_that_is_down_is_switched_on_by_its_peer(plab, method):
    plab.stop("siak-db")
    result = step2(plab, method)
    assert result.returncode == 0, result.stdout[-3000:]
    assert plab.status()["siak-db"] is True
    assert changed(result, "siak-db") == 1
    assert_no_secret(plab, result)
    log = (plab.dir / "power" / "peers.log").read_text()
    expected = {
        "wol": "wol siak-db: magic packet",
        "ipmi": "bmc siak-db: power on",
        "redfish": "redfish siak-db: reset On",
    }
    assert expected[method] in log
    # A server already running is left alone: nothing is sent to it.
    again = step2(plab, method)
    assert again.returncode == 0, again.stdout[-3000:]
    assert changed(again, "siak-db") == 0


def test_a_wrong_ipmi_password_names_the_host_and_the_bmc(plab):
    plab.stop("siak-db")
    result = step2(plab, "ipmi", "-e", "siak_server_ipmi_password=not-the-password")
    assert result.returncode == 2
    message = failure(result)
    assert message.startswith(
        f"siak-db: Langkah 2 (menjalankan server): BMC di {plab.net}.212:623 menolak login siak-bmc"
    ), message
    assert "siak_server_ipmi_password" in message
    assert "not-the-password" not in result.stdout
    assert plab.status()["siak-db"] is False
    assert_rerun_converges(plab, "ipmi")


def test_an_unreachable_bmc_is_named_without_suggesting_to_skip_checks(plab):
    plab.stop("siak-db")
    # In English (SIAK_LANG=en): the step's other messages are read in the Bahasa Indonesia default.
    result = step2(plab, "ipmi", "-e", f"siak_server_ipmi_address={plab.net}.213", lang="en")
    assert result.returncode == 2
    message = failure(result)
    assert message.startswith(
        f"siak-db: Langkah 2 (start the server): the BMC at {plab.net}.213:623 did not answer"
    ), message
    assert "reachable from the controller" in message
    assert_never_suggests_turning_validation_off(message)
    assert plab.status()["siak-db"] is False
    assert_rerun_converges(plab, "ipmi")


def test_an_untrusted_redfish_certificate_is_refused(plab, tmp_path):
    # A CA that did not sign the BMC's certificate: the controller must refuse the connection.
    from siak_lab.runtime import lab_certificates

    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_text(lab_certificates(f"{plab.net}.250")[0])
    plab.stop("siak-db")
    log = plab.dir / "power" / "peers.log"
    seen = len(log.read_text())
    result = step2(plab, "redfish", "-e", f"siak_server_redfish_ca_path={other_ca}")
    assert result.returncode == 2
    message = failure(result)
    assert message.startswith(
        f"siak-db: Langkah 2 (menjalankan server): layanan Redfish di https://{plab.net}.250:8443 "
        "menunjukkan sertifikat yang tidak dipercaya controller"
    ), message
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert "siak_server_redfish_ca_path" in message
    assert_never_suggests_turning_validation_off(message)
    assert "redfish siak-db" not in log.read_text()[seen:]
    assert plab.status()["siak-db"] is False
    assert_no_secret(plab, result)
    assert_rerun_converges(plab, "redfish")


def test_a_magic_packet_for_a_wrong_mac_leaves_the_server_off(plab):
    plab.stop("siak-db")
    result = step2(
        plab, "wol", "-e", "siak_server_wol_mac=52:54:00:5a:00:99", "-e", "siak_server_boot_timeout=3"
    )
    assert result.returncode == 2
    message = failure(result)
    assert message.startswith(
        "siak-db: Langkah 2 (menjalankan server): dinyalakan dengan wol (magic packet untuk 52:54:00:5a:00:99 ke "
        f"{plab.net}.12:9), tetapi tidak ada jawaban di {plab.net}.12:2222 lewat SSH dalam 3 detik."
    ), message
    assert "siak_server_wol_mac adalah MAC kartu jaringan server" in message
    assert plab.status()["siak-db"] is False
    assert (
        "wol siak-db: ignored a packet for MAC 52:54:00:5a:00:99"
        in (plab.dir / "power" / "peers.log").read_text()
    )
    assert_rerun_converges(plab, "wol")


# ---- step 4 with libvirt ----------------------------------------------------------------------------
def step4(lab, *extra: str) -> subprocess.CompletedProcess:
    return run(lab, "--tags", "start_vm", "--limit", "siak-vm,siak-host", *extra)


def test_a_vm_libvirt_reports_running_is_left_alone(plab):
    # virsh and libvirt's own test driver (an in-process hypervisor whose domain 'test' runs), run on the
    # hypervisor siak-host over SSH; the lab's siak-vm is what answers afterwards.
    plab.start("siak-vm")
    result = step4(
        plab,
        "-e",
        "siak_server_vm_backend=libvirt",
        "-e",
        "siak_server_libvirt_uri=test:///default",
        "-e",
        "siak_server_vm_name=test",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert changed(result, "siak-vm") == 0
    assert "virsh --connect test:///default start" not in result.stdout
    assert plab.status()["siak-vm"] is True


@pytest.fixture(scope="module")
def libvirtd(plab):
    """A real libvirtd (LXC driver) on the machine, its socket under /run where siak-host sees it too,
    with a domain 'siak-vm' defined and shut off."""
    daemon = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
    if not Path(daemon).exists():
        pytest.fail("libvirtd is missing: make setup installs libvirt-daemon-driver-lxc")
    run_dir = Path(f"/run/siak-lab-libvirt-{plab.net}")
    run_dir.mkdir(mode=0o700, exist_ok=True)
    config = run_dir / "libvirtd.conf"
    config.write_text(f'unix_sock_dir = "{run_dir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n')
    log = open(run_dir / "libvirtd.log", "ab")  # noqa: SIM115 - handed to the daemon
    proc = subprocess.Popen(
        [daemon, "-f", str(config), "-p", str(run_dir / "libvirtd.pid")],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    uri = f"lxc:///system?socket={run_dir}/libvirt-sock"
    try:
        deadline = time.monotonic() + 20
        while not (run_dir / "libvirt-sock").exists():
            assert proc.poll() is None and time.monotonic() < deadline, (run_dir / "libvirtd.log").read_text()
            time.sleep(0.1)
        domain = run_dir / "siak-vm.xml"
        domain.write_text(
            "<domain type='lxc'><name>siak-vm-lab</name><memory unit='MiB'>64</memory>"
            "<os><type>exe</type><init>/usr/sbin/sshd</init></os>"
            "<devices><console type='pty'/></devices></domain>"
        )
        subprocess.run(
            ["virsh", "--connect", uri, "undefine", "siak-vm-lab"], capture_output=True, check=False
        )
        subprocess.run(["virsh", "--connect", uri, "define", str(domain)], capture_output=True, check=True)
        yield uri
    finally:
        subprocess.run(
            ["virsh", "--connect", uri, "destroy", "siak-vm-lab"], capture_output=True, check=False
        )
        subprocess.run(
            ["virsh", "--connect", uri, "undefine", "siak-vm-lab"], capture_output=True, check=False
        )
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(run_dir, ignore_errors=True)


def domstate(uri: str) -> str:
    return subprocess.run(
        ["virsh", "--connect", uri, "domstate", "siak-vm-lab"], capture_output=True, text=True, check=False
    ).stdout.strip()


def test_a_vm_libvirt_cannot_start_fails_with_libvirts_message(plab, libvirtd):
    plab.stop("siak-vm")
    assert domstate(libvirtd) == "shut off"
    result = step4(
        plab,
        "-e",
        "siak_server_vm_backend=libvirt",
        "-e",
        f"siak_server_libvirt_uri={libvirtd}",
        "-e",
        "siak_server_vm_name=siak-vm-lab",
    )
    assert result.returncode == 2, result.stdout[-3000:]
    message = failure(result)
    assert message.startswith(
        f"siak-vm: Langkah 4 (menjalankan VM): libvirt di siak-host menjalankan virsh --connect '{libvirtd}' start "
        "siak-vm-lab"
    ), message
    # virsh's own words: libvirt refused to start the domain, and why.
    assert "error: Failed to start domain 'siak-vm-lab'" in message
    assert domstate(libvirtd) == "shut off"
    assert plab.status()["siak-vm"] is False
    # The rerun with the inventory's own backend starts the VM, and once more changes nothing.
    first = step4(plab)
    assert first.returncode == 0, first.stdout[-3000:]
    assert plab.status()["siak-vm"] is True
    again = step4(plab)
    assert again.returncode == 0, again.stdout[-3000:]
    assert changed(again, "siak-vm") == 0


def test_a_run_that_uses_no_bmc_needs_no_vault_password(plab):
    # The lab's own power method (command) with the power peers' vaulted password in the inventory.
    plab.stop("siak-db")
    plab.env["SIAK_RUN_ID"] = f"test-power-{time.time_ns()}"
    result = plab.playbook(PLAYBOOK, "--tags", "start_server", "--limit", "siak-db")
    assert result.returncode == 0, result.stdout[-3000:]
    assert plab.status()["siak-db"] is True
