"""SOP-PIAK-15 step 4 on Proxmox VE: the HTTP requests the role's proxmox_kvm tasks send.

No Proxmox VE runs here. The role's own tasks (tests/playbooks/start_vm_only.yml) run the real
community.proxmox.proxmox_kvm module, proxmoxer and requests against a recording HTTPS server on
127.0.0.1 that answers like the Proxmox VE API (/api2/json), with a certificate of its own CA that the
inventory names (siak_server_hypervisor_ca_path): so the test checks the requests, the token header, the
certificate check and the state handling, not what a real Proxmox does with them. The VM "host" is the
controller itself (ansible_connection local) because only the API side is under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest
from https_standin import serve_https

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "0b5e-token-secret-never-shown"
UPID = "UPID:pve1:00001234:0000ABCD:65000000:qmstart:101:adb@pve!siak:"


class ProxmoxStandIn(BaseHTTPRequestHandler):
    """Answers the Proxmox VE API calls proxmox_kvm makes, and records every request."""

    requests: ClassVar[list[tuple[str, str, str]]] = []
    vm_status = "stopped"

    def log_message(self, *args):
        pass

    def _answer(self, data, code=200):
        body = json.dumps({"data": data}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path = urlsplit(self.path).path
        type(self).requests.append((method, self.path, self.headers.get("Authorization", "")))
        vm = {
            "vmid": 101,
            "name": "SIAK-SERVER",
            "node": "pve1",
            "type": "qemu",
            "status": type(self).vm_status,
        }
        if method == "GET" and path == "/api2/json/version":
            return self._answer({"version": "8.2.4", "release": "8.2", "repoid": "faa83925"})
        if method == "GET" and path == "/api2/json/cluster/resources":
            return self._answer([vm])
        if method == "GET" and path == "/api2/json/nodes/pve1/qemu/101/status/current":
            return self._answer({"status": type(self).vm_status, "vmid": 101, "name": "SIAK-SERVER"})
        if method == "POST" and path == "/api2/json/nodes/pve1/qemu/101/status/start":
            type(self).vm_status = "running"
            return self._answer(UPID)
        if method == "GET" and path.startswith("/api2/json/nodes/pve1/tasks/") and path.endswith("/status"):
            return self._answer({"status": "stopped", "exitstatus": "OK", "upid": UPID})
        if method == "GET" and path == "/api2/json/nodes":
            return self._answer([{"node": "pve1", "status": "online"}])
        del body
        return self._answer(None, code=501)

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")


@pytest.fixture
def proxmox(tmp_path):
    ProxmoxStandIn.requests = []
    ProxmoxStandIn.vm_status = "stopped"
    with serve_https(ProxmoxStandIn, tmp_path) as served:
        yield served


def step4(tmp_path: Path, port: int, ca_path: Path | str, lang: str = "id") -> subprocess.CompletedProcess:
    """Step 4 alone, its words in ``lang`` (SIAK_LANG)."""
    inventory = tmp_path / "inventory.yml"
    python = sys.executable
    inventory.write_text(
        f"""
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {python}
  children:
    hypervisors:
      hosts:
        pve1:
    virtual_machines:
      hosts:
        siak-vm:
          siak_server_vm_backend: proxmox
          siak_server_vm_name: SIAK-SERVER
          siak_server_proxmox_api_host: 127.0.0.1
          siak_server_proxmox_api_port: {port}
          siak_server_proxmox_api_user: adb@pve
          siak_server_proxmox_api_token_id: siak
          siak_server_proxmox_api_token_secret: {SECRET}
          siak_server_proxmox_node: pve1
          siak_server_hypervisor_ca_path: "{ca_path}"
          siak_server_vm_wait_timeout: 120
"""
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", SIAK_LANG=lang)
    env.pop("REQUESTS_CA_BUNDLE", None)
    env.pop("SSL_CERT_FILE", None)
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), "tests/playbooks/start_vm_only.yml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_stopped_vm_is_started_with_one_start_request(proxmox, tmp_path):
    port, ca = proxmox
    result = step4(tmp_path, port, ca)
    assert result.returncode == 0, result.stdout[-3000:]
    calls = [(m, urlsplit(p).path) for m, p, _auth in ProxmoxStandIn.requests]
    assert ("GET", "/api2/json/nodes/pve1/qemu/101/status/current") in calls
    assert calls.count(("POST", "/api2/json/nodes/pve1/qemu/101/status/start")) == 1
    # Every request carries the API token, never a password or a ticket.
    assert {auth for _m, _p, auth in ProxmoxStandIn.requests} == {f"PVEAPIToken=adb@pve!siak={SECRET}"}
    assert SECRET not in result.stdout + result.stderr


def test_a_running_vm_gets_no_start_request(proxmox, tmp_path):
    port, ca = proxmox
    ProxmoxStandIn.vm_status = "running"
    result = step4(tmp_path, port, ca)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not [p for m, p, _auth in ProxmoxStandIn.requests if m == "POST"]
    assert "changed=0" in result.stdout


def test_an_untrusted_api_certificate_is_refused_before_any_request(proxmox, tmp_path):
    port = proxmox[0]
    # The controller's own CA store does not hold the stand-in's CA.
    result = step4(tmp_path, port, "")
    assert result.returncode == 2, result.stdout[-3000:]
    assert (
        "siak-vm: Langkah 4 (menjalankan VM): proxmox di pve1 ditanya tentang VM 'SIAK-SERVER'"
        in result.stdout
    )
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout
    assert "berikan CA yang menandatanganinya di siak_server_hypervisor_ca_path" in result.stdout
    assert "validate_certs" not in result.stdout.split("fatal:")[-1]
    assert not ProxmoxStandIn.requests
    assert SECRET not in result.stdout + result.stderr
