"""The lab's power peers: what the controller talks to when step 2 switches a physical server on.

One process per lab (``siak-lab up --power-peers`` starts it, ``siak-lab down`` ends it) answers, on the
lab's own loopback addresses, the three ways an office's server is powered on over the network:

- Wake-on-LAN: a UDP socket on each physical host's address (port 9), standing in for its network card.
  A magic packet for that host's MAC powers it on; a packet for any other MAC is logged and ignored.
- IPMI 2.0 (RMCP+): a BMC per physical host, pyghmi's BMC server class, on its own address (port 623),
  with the lab's BMC user and password. It reports and switches the host's power.
- Redfish: sushy-tools' emulator over HTTPS (the lab's own CA), with a systems driver whose systems are
  the physical hosts, behind HTTP basic authentication with the same user and password.

Each of them switches a host through ``siak-lab start/stop`` (the lab's power control), so a host that a
peer powered on is the same sshd host every playbook reaches. Power actions run in the background, one
at a time, as a real server keeps booting after its BMC answered.
"""

from __future__ import annotations

import argparse
import json
import logging
import selectors
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from siak_lab import plan

LOG = logging.getLogger("siak-lab-peers")
NAMESPACE = uuid.UUID("8a5d3c1e-62a4-4f0e-9d0b-5a1a6b4c0f18")


class LabPower:
    """Power state and power actions of lab hosts, through the lab's own CLI (no second power control)."""

    def __init__(self, lab_dir: Path) -> None:
        self.lab_dir = lab_dir
        self._lock = threading.Lock()  # one power action at a time
        self._busy_lock = threading.Lock()
        self._busy: set[str] = set()  # hosts being switched on now

    def is_on(self, name: str) -> bool:
        from siak_lab.runtime import Lab

        lab = Lab(self.lab_dir)
        return Lab.running(name, lab.load())

    def _run(self, verb: str, name: str) -> None:
        cmd = [sys.executable, "-m", "siak_lab.cli", "--lab-dir", str(self.lab_dir), verb, name]
        with self._lock:
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        with self._busy_lock:
            self._busy.discard(name)
        LOG.info("%s %s: exit %s %s", verb, name, result.returncode, result.stderr.strip())

    def switch(self, name: str, on: bool) -> None:
        """Start switching the host on or off and return at once (a BMC answers before the boot ends)."""
        with self._busy_lock:
            if on and (name in self._busy or self.is_on(name)):
                return
            self._busy.add(name)
        threading.Thread(target=self._run, args=("start" if on else "stop", name), daemon=True).start()


# ---- Wake-on-LAN -----------------------------------------------------------------------------------
def magic_packet_mac(data: bytes) -> str | None:
    """The MAC a Wake-on-LAN magic packet is for (aa:bb:cc:dd:ee:ff), or None when it is not one.

    A magic packet is six 0xFF bytes and the MAC sixteen times (a SecureOn password may follow).
    """
    if len(data) < 102 or data[:6] != b"\xff" * 6:
        return None
    mac = data[6:12]
    if data[6:102] != mac * 16:
        return None
    return ":".join(f"{b:02x}" for b in mac)


def bind_wol(hosts: list[dict]) -> dict:
    sockets = {}
    for host in hosts:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host["address"], host["wol_port"]))
        sockets[sock] = host
    return sockets


def serve_wol(sockets: dict, power: LabPower) -> None:
    sel = selectors.DefaultSelector()
    for sock in sockets:
        sel.register(sock, selectors.EVENT_READ)
    while True:
        for key, _events in sel.select():
            host = sockets[key.fileobj]
            data, sender = key.fileobj.recvfrom(2048)  # type: ignore[union-attr]
            mac = magic_packet_mac(data)
            if mac == host["mac"].lower():
                LOG.info("wol %s: magic packet from %s, powering on", host["name"], sender[0])
                power.switch(host["name"], True)
            else:
                LOG.info("wol %s: ignored a packet for MAC %s from %s", host["name"], mac, sender[0])


# ---- IPMI ------------------------------------------------------------------------------------------
# RMCP+ status code 0x11: no cipher suite matches the proposed security algorithms (IPMI 2.0, table 13-15).
NO_CIPHER_SUITE_MATCH = 0x11
HMAC_SHA1 = 1


def make_bmc_class():
    from pyghmi.ipmi import bmc
    from pyghmi.ipmi.private import serversession

    class LabServerSession(serversession.ServerSession):
        """pyghmi's server session, which speaks cipher suite 3 (HMAC-SHA1) only.

        pyghmi's own server answers any open-session request with suite 3 even when the console asked for
        SHA-256 (suite 17, which pyghmi's client and so ipmi_power ask for first); the console then fails
        on the shorter hash. A real suite-3-only BMC refuses the request instead, and the console retries
        with suite 3: that is what this does.
        """

        def create_open_session_response(self, request):
            auth, integrity = request[12], request[20]
            if (auth, integrity) != (HMAC_SHA1, HMAC_SHA1):
                return bytearray([request[0], NO_CIPHER_SUITE_MATCH, 0, 0]) + request[4:8] + bytearray(4)
            return super().create_open_session_response(request)

    class LabBmc(bmc.Bmc):
        """A BMC whose chassis is a lab host."""

        def sessionless_data(self, data, sockaddr):
            if len(data) >= 22 and data[4] == 6 and data[5] == 16:  # RMCP+ open session request
                LabServerSession(
                    self.authdata, self.kg, sockaddr, self.serversocket, data[16:], self.uuid, bmc=self
                )
                return
            super().sessionless_data(data, sockaddr)

        def __init__(self, authdata: dict, address: str, port: int, host: str, power: LabPower) -> None:
            super().__init__(authdata, port=port, address=address)
            self.host = host
            self.power = power

        def get_power_state(self):
            return "on" if self.power.is_on(self.host) else "off"

        def power_on(self):
            LOG.info("bmc %s: power on", self.host)
            self.power.switch(self.host, True)

        def power_off(self):
            LOG.info("bmc %s: power off", self.host)
            self.power.switch(self.host, False)

        power_shutdown = power_off

        def power_reset(self):
            self.power_off()
            self.power_on()

        power_cycle = power_reset

        def get_system_guid(self):
            return uuid.uuid5(NAMESPACE, self.host)

    return LabBmc


# ---- Redfish ---------------------------------------------------------------------------------------
def make_redfish_app(hosts: list[dict], power: LabPower, auth_file: Path):
    from sushy_tools import error
    from sushy_tools.emulator import main as emulator
    from sushy_tools.emulator.resources.systems.base import AbstractSystemsDriver

    names = [h["name"] for h in hosts]

    class LabSystemsDriver(AbstractSystemsDriver):
        """Redfish systems that are the lab's physical hosts, by name."""

        def _check(self, identity: str) -> str:
            if identity not in names:
                raise error.NotFound(f"no lab system {identity}")
            return identity

        @property
        def driver(self):
            return "<siak-lab>"

        @property
        def systems(self):
            return list(names)

        def uuid(self, identity):
            return str(uuid.uuid5(NAMESPACE, self._check(identity)))

        def name(self, identity):
            return self._check(identity)

        def get_power_state(self, identity):
            return "On" if power.is_on(self._check(identity)) else "Off"

        def set_power_state(self, identity, state):
            name = self._check(identity)
            LOG.info("redfish %s: reset %s", name, state)
            if state in ("On", "ForceOn", "PushPowerButton"):
                power.switch(name, True)
            elif state in ("ForceOff", "GracefulShutdown"):
                power.switch(name, False)
            else:
                raise error.NotSupportedError(f"reset type {state} is not supported by the lab")

        def get_boot_device(self, identity):
            self._check(identity)
            return "Hdd"

        def set_boot_device(self, identity, boot_source):
            raise error.NotSupportedError("the lab's systems boot from their disk only")

        def get_nics(self, identity):
            host = next(h for h in hosts if h["name"] == self._check(identity))
            return [{"id": host["mac"], "mac": host["mac"]}]

    driver = LabSystemsDriver()
    emulator.Application.systems = property(lambda self: driver)
    app = emulator.app
    app.configure(extra_config={"SUSHY_EMULATOR_AUTH_FILE": str(auth_file)})
    return app


def bind_redfish(app, address: str, port: int, cert: Path, key: Path):
    import ssl

    from werkzeug.serving import make_server

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return make_server(address, port, app, threaded=True, ssl_context=context)


# ---- the process -----------------------------------------------------------------------------------
def run(lab_dir: Path) -> None:
    lab_dir = lab_dir.resolve()
    state = json.loads((lab_dir / "lab.json").read_text())
    config = state["power_peers"]
    power_dir = lab_dir / plan.POWER_DIR
    secrets = json.loads((power_dir / "bmc.json").read_text())
    hosts = config["hosts"]
    power = LabPower(lab_dir)
    threading.Thread(target=serve_wol, args=(bind_wol(hosts), power), daemon=True).start()
    app = make_redfish_app(hosts, power, power_dir / "redfish.htpasswd")
    server = bind_redfish(
        app,
        config["redfish_address"],
        config["redfish_port"],
        power_dir / "redfish.pem",
        power_dir / "redfish.key",
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bmc_class = make_bmc_class()
    authdata = {secrets["user"]: secrets["password"]}
    for host in hosts:
        bmc_class(authdata, host["bmc_address"], host["bmc_port"], host["name"], power)
    # pyghmi's I/O thread started with the first BMC's socket and waits in select() on the sockets it had
    # then; a datagram too short to be IPMI (it skips those) wakes it, so the next select() has them all.
    if hosts:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as wake:
            wake.sendto(b"\x01", (hosts[0]["bmc_address"], hosts[0]["bmc_port"]))
    (power_dir / "ready").write_text("ready\n")
    LOG.info("power peers ready for %s", ", ".join(h["name"] for h in hosts))
    bmc_class.listen(timeout=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siak_lab.peers")
    parser.add_argument("--lab-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run(args.lab_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
