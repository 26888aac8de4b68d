"""SOP-PIAK-15 step 4 on VMware: the SOAP calls the role's vmware_guest_info and vmware_guest_powerstate send.

No ESXi or vCenter runs here. The role's own tasks (tests/playbooks/start_vm_only.yml) run the real
community.vmware modules and pyVmomi against a recording HTTPS server on 127.0.0.1 that answers the vSphere
API's SOAP calls at /sdk with small hand-written envelopes (version discovery, RetrieveServiceContent,
Login, CreateContainerView, RetrievePropertiesEx, the property reads pyVmomi sends as Fetch, PowerOnVM_Task
and the task's info), with a certificate of its own CA that the inventory names
(siak_server_hypervisor_ca_path). So the test checks the calls, the login, the certificate check and the
state handling, not what a real vSphere does with them. The VM "host" is the controller itself
(ansible_connection local) because only the API side is under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

import pytest
from https_standin import serve_https

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "vSphere-pass-never-shown-7c1e"
USER = "siak-ops@vsphere.local"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
VIM = "urn:vim25"
API_VERSION = "8.0.2.0"
VERSIONS_XML = f"""<?xml version="1.0" encoding="UTF-8" ?>
<namespaces version="1.0">
  <namespace>
    <name>urn:vim25</name>
    <version>{API_VERSION}</version>
    <priorVersions><version>7.0.3.0</version><version>6.7.3</version></priorVersions>
  </namespace>
</namespaces>
"""


def moref(tag: str, kind: str, moid: str) -> str:
    return f'<{tag} type="{kind}">{moid}</{tag}>'


class VSphereStandIn(BaseHTTPRequestHandler):
    """Answers the vSphere SOAP calls the two modules make, and records every call as (method, object, args)."""

    calls: ClassVar[list[tuple[str, str, dict[str, str]]]] = []
    power_state = "poweredOff"
    tasks_started = 0
    accepted_password = SECRET

    def log_message(self, *args):
        pass

    def _send(self, body: str, code: int = 200, content_type: str = "text/xml; charset=utf-8"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _envelope(self, inner: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"
        )

    def _answer(self, method: str, returnval: str = ""):
        self._send(self._envelope(f'<{method}Response xmlns="{VIM}">{returnval}</{method}Response>'))

    def _fault(self, text: str, fault: str = "InvalidRequest"):
        self._send(
            self._envelope(
                f"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{escape(text)}</faultstring>"
                f'<detail><{fault}Fault xmlns="urn:vim25" xsi:type="{fault}"/></detail></soapenv:Fault>'
            ),
            code=500,
        )

    def do_GET(self):
        type(self).calls.append(("GET", self.path, {}))
        if self.path == "/sdk/vimServiceVersions.xml":
            return self._send(VERSIONS_XML)
        return self._send("not found", code=404, content_type="text/plain")

    def _property(self, obj: str, prop: str) -> str | None:
        """The value of one property of one managed object, as the returnval element pyVmomi reads."""
        vm_state = type(self).power_state
        values = {
            ("vm-101", "name"): '<returnval xsi:type="xsd:string">SIAK-SERVER</returnval>',
            ("vm-101", "config"): (
                '<returnval xsi:type="VirtualMachineConfigInfo"><changeVersion>1</changeVersion>'
                "<modified>2026-12-01T00:00:00Z</modified><name>SIAK-SERVER</name><guestFullName>Oracle Linux 8"
                "</guestFullName><version>vmx-19</version><uuid>4211aaaa-bbbb-cccc-dddd-eeeeffff0001</uuid>"
                "<instanceUuid>5011aaaa-bbbb-cccc-dddd-eeeeffff0001</instanceUuid><template>false</template>"
                "<guestId>oracleLinux8_64Guest</guestId><annotation></annotation>"
                "<files><vmPathName>[datastore1] SIAK-SERVER/SIAK-SERVER.vmx</vmPathName>"
                "<logDirectory>[datastore1] SIAK-SERVER</logDirectory></files>"
                "<hardware><numCPU>4</numCPU><numCoresPerSocket>2</numCoresPerSocket><memoryMB>16384</memoryMB>"
                "</hardware></returnval>"
            ),
            ("vm-101", "summary"): (
                '<returnval xsi:type="VirtualMachineSummary">'
                f'<vm type="VirtualMachine">vm-101</vm><runtime><connectionState>connected</connectionState>'
                f"<powerState>{vm_state}</powerState><consolidationNeeded>false</consolidationNeeded></runtime>"
                "<guest><guestId>oracleLinux8_64Guest</guestId><guestFullName>Oracle Linux 8</guestFullName>"
                "</guest><config><name>SIAK-SERVER</name><template>false</template></config>"
                "<quickStats></quickStats><overallStatus>green</overallStatus></returnval>"
            ),
            ("vm-101", "runtime"): (
                '<returnval xsi:type="VirtualMachineRuntimeInfo"><connectionState>connected</connectionState>'
                f"<powerState>{vm_state}</powerState></returnval>"
            ),
            ("vm-101", "guest"): (
                '<returnval xsi:type="GuestInfo"><toolsRunningStatus>guestToolsNotRunning</toolsRunningStatus>'
                "<guestState>notRunning</guestState></returnval>"
            ),
            ("vm-101", "layout"): '<returnval xsi:type="VirtualMachineFileLayout"></returnval>',
            ("vm-101", "parent"): moref("returnval", "Folder", "group-v3"),
            ("group-v3", "name"): '<returnval xsi:type="xsd:string">vm</returnval>',
            ("group-v3", "parent"): moref("returnval", "Datacenter", "datacenter-2"),
            ("datacenter-2", "name"): '<returnval xsi:type="xsd:string">Disdukcapil</returnval>',
            ("datacenter-2", "parent"): moref("returnval", "Folder", "group-d1"),
            ("group-d1", "name"): '<returnval xsi:type="xsd:string">Datacenters</returnval>',
            ("task-1", "info"): (
                '<returnval xsi:type="TaskInfo"><key>task-1</key>'
                + moref("task", "Task", "task-1")
                + "<name>PowerOnVM_Task</name><descriptionId>VirtualMachine.powerOn</descriptionId>"
                + moref("entity", "VirtualMachine", "vm-101")
                + "<entityName>SIAK-SERVER</entityName><state>success</state><cancelled>false</cancelled>"
                '<cancelable>false</cancelable><reason xsi:type="TaskReasonUser"><userName>'
                f"{USER}</userName></reason><queueTime>2026-12-06T08:00:00Z</queueTime><eventChainId>1"
                "</eventChainId></returnval>"
            ),
        }
        # Properties that are unset on this VM (no datastores listed, no snapshots, no extra config) are answered
        # with no returnval, as vSphere does for an unset property.
        if (obj, prop) in {("vm-101", p) for p in ("datastore", "snapshot")} | {("group-d1", "parent")}:
            return ""
        return values.get((obj, prop))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        call = ET.fromstring(body).find(f"{{{SOAP_ENV}}}Body")[0]
        method = call.tag.split("}")[-1]
        this = call.find(f"{{{VIM}}}_this")
        obj = this.text if this is not None else ""
        args = {
            child.tag.split("}")[-1]: (child.text or "")
            for child in call
            if child.tag.split("}")[-1] != "_this"
        }
        type(self).calls.append((method, obj, args))
        if method == "RetrieveServiceContent":
            return self._answer(
                method,
                '<returnval xsi:type="ServiceContent">'
                + moref("rootFolder", "Folder", "group-d1")
                + moref("propertyCollector", "PropertyCollector", "propertyCollector")
                + moref("viewManager", "ViewManager", "ViewManager")
                + "<about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 8.0.2</fullName>"
                "<vendor>VMware, Inc.</vendor><version>8.0.2</version><build>22385739</build>"
                "<osType>linux-x64</osType><productLineId>vpx</productLineId><apiType>VirtualCenter</apiType>"
                f"<apiVersion>{API_VERSION}</apiVersion><instanceUuid>1d6f0000-0000-0000-0000-000000000001"
                "</instanceUuid></about>"
                + moref("sessionManager", "SessionManager", "SessionManager")
                + moref("searchIndex", "SearchIndex", "SearchIndex")
                + "</returnval>",
            )
        if method == "Login":
            if args.get("userName") != USER or args.get("password") != type(self).accepted_password:
                return self._fault(
                    "Cannot complete login due to an incorrect user name or password.", "InvalidLogin"
                )
            return self._answer(
                method,
                '<returnval xsi:type="UserSession"><key>52b1-session</key>'
                f"<userName>{USER}</userName><fullName>SIAK</fullName><loginTime>2026-12-06T08:00:00Z</loginTime>"
                "<lastActiveTime>2026-12-06T08:00:00Z</lastActiveTime><locale>en</locale>"
                "<messageLocale>en</messageLocale><extensionSession>false</extensionSession></returnval>",
            )
        if method == "Logout":
            return self._answer(method)
        if method == "CreateContainerView":
            return self._answer(method, moref("returnval", "ContainerView", "session[52b1]view-1"))
        if method == "DestroyView":
            return self._answer(method)
        if method in ("RetrieveProperties", "RetrievePropertiesEx"):
            # The one VM's name, as an ObjectContent (a RetrieveResult's objects for the Ex form).
            content = (
                moref("obj", "VirtualMachine", "vm-101")
                + '<propSet><name>name</name><val xsi:type="xsd:string">SIAK-SERVER</val></propSet>'
            )
            if method == "RetrieveProperties":
                return self._answer(method, f'<returnval xsi:type="ObjectContent">{content}</returnval>')
            return self._answer(
                method, f'<returnval xsi:type="RetrieveResult"><objects>{content}</objects></returnval>'
            )
        if method == "Fetch":
            value = self._property(obj, args.get("prop", ""))
            if value is None:
                return self._fault(f"the stand-in does not know property {args.get('prop')} of {obj}")
            return self._answer(method, value)
        if method == "PowerOnVM_Task" and obj == "vm-101":
            type(self).tasks_started += 1
            type(self).power_state = "poweredOn"
            return self._answer(method, moref("returnval", "Task", "task-1"))
        return self._fault(f"the stand-in does not answer {method}")


@pytest.fixture
def vsphere(tmp_path):
    VSphereStandIn.calls = []
    VSphereStandIn.power_state = "poweredOff"
    VSphereStandIn.tasks_started = 0
    VSphereStandIn.accepted_password = SECRET
    with serve_https(VSphereStandIn, tmp_path) as served:
        yield served


def step4(tmp_path: Path, port: int, ca_path: Path | str, lang: str = "id") -> subprocess.CompletedProcess:
    """Step 4 alone, its words in ``lang`` (SIAK_LANG)."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        f"""
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {sys.executable}
  children:
    hypervisors:
      hosts:
        vcenter1:
    virtual_machines:
      hosts:
        siak-vm:
          siak_server_hypervisor: vcenter1
          siak_server_vm_backend: vmware
          siak_server_vm_name: SIAK-SERVER
          siak_server_vmware_hostname: 127.0.0.1
          siak_server_vmware_port: {port}
          siak_server_vmware_username: {USER}
          siak_server_vmware_password: {SECRET}
          siak_server_vmware_datacenter: Disdukcapil
          siak_server_hypervisor_ca_path: "{ca_path}"
          siak_server_vm_wait_timeout: 120
"""
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", SIAK_LANG=lang)
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "VMWARE_HOST", "VMWARE_USER", "VMWARE_PASSWORD"):
        env.pop(name, None)
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), "tests/playbooks/start_vm_only.yml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def soap_methods() -> list[str]:
    return [method for method, _obj, _args in VSphereStandIn.calls if method != "GET"]


def test_a_powered_off_vm_gets_exactly_one_power_on_task(vsphere, tmp_path):
    port, ca = vsphere
    result = step4(tmp_path, port, ca)
    assert result.returncode == 0, result.stdout[-3000:]
    assert VSphereStandIn.tasks_started == 1
    assert [(m, o) for m, o, _a in VSphereStandIn.calls if m.endswith("_Task")] == [
        ("PowerOnVM_Task", "vm-101")
    ]
    # Each module logs in once with the vaulted user: the state query, then the power-on.
    logins = [args for method, _obj, args in VSphereStandIn.calls if method == "Login"]
    assert [login["userName"] for login in logins] == [USER, USER]
    # The VM is found by its name through a container view of VMs and the property collector.
    assert (
        "CreateContainerView",
        "ViewManager",
        {"container": "group-d1", "type": "VirtualMachine", "recursive": "true"},
    ) in (VSphereStandIn.calls)
    assert "RetrieveProperties" in soap_methods()
    # The password goes in the Login calls only.
    assert [m for m, _o, args in VSphereStandIn.calls if SECRET in args.values()] == ["Login", "Login"]
    assert ("Fetch", "task-1", {"prop": "info"}) in VSphereStandIn.calls
    assert SECRET not in result.stdout + result.stderr


def test_a_powered_on_vm_gets_no_power_on_task(vsphere, tmp_path):
    port, ca = vsphere
    VSphereStandIn.power_state = "poweredOn"
    result = step4(tmp_path, port, ca)
    assert result.returncode == 0, result.stdout[-3000:]
    assert VSphereStandIn.tasks_started == 0
    assert not [m for m in soap_methods() if m.endswith("_Task")]
    assert "changed=0" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_an_untrusted_api_certificate_is_refused_before_any_soap_call(vsphere, tmp_path):
    port = vsphere[0]
    # The controller's own CA store does not hold the stand-in's CA.
    # In English (SIAK_LANG=en); the Proxmox VE twin of this test reads the Bahasa Indonesia default.
    result = step4(tmp_path, port, "", lang="en")
    assert result.returncode == 2, result.stdout[-3000:]
    assert (
        "siak-vm: Langkah 4 (start the VM): vmware on vcenter1 was asked about VM 'SIAK-SERVER'"
        in result.stdout
    )
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout
    assert "give the CA that signed it in siak_server_hypervisor_ca_path" in result.stdout
    assert "validate_certs" not in result.stdout.split("fatal:")[-1]
    assert not VSphereStandIn.calls
    assert SECRET not in result.stdout + result.stderr


def test_a_refused_login_stops_the_step_naming_the_user_and_never_the_password(vsphere, tmp_path):
    port, ca = vsphere
    VSphereStandIn.accepted_password = "the-password-vsphere-holds"
    result = step4(tmp_path, port, ca)
    assert result.returncode == 2, result.stdout[-3000:]
    assert (
        "siak-vm: Langkah 4 (menjalankan VM): vmware di vcenter1 ditanya tentang VM 'SIAK-SERVER'"
        in result.stdout
    )
    assert (
        f"jawabannya 'Unable to log on to vCenter or ESXi API at 127.0.0.1:{port} as {USER}: Cannot complete login"
        in result.stdout
    )
    # Refused at Login: nothing else is asked, nothing is started.
    assert soap_methods() == ["RetrieveServiceContent", "Login"]
    assert SECRET not in result.stdout + result.stderr
