"""Start, stop and tear down lab hosts: the I/O half of the lab.

A host is ``unshare --mount --uts`` running a small shell that mounts the host's own overlays and
directories over the machine's paths, sets its hostname and execs sshd on the host's loopback
address. "Power off" kills every process in that mount namespace, so the host is unreachable and
its files stay on disk for the next power-on. Nothing is written to the machine's own ~/.ssh.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import yaml

from siak_lab import plan
from siak_lab.errors import LabError

SSHD = "/usr/sbin/sshd"
STATE_FILE = "lab.json"
START_TIMEOUT_S = 30.0  # generous for a loaded machine; a quiet one starts 20 hosts in under 1 s
# An empty directory on the machine where each host, inside its own namespace only, binds its state.
STAGING = "/run/siak-lab-stage"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def mnt_ns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def pids_in_ns(ns: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and mnt_ns(int(entry)) == ns:
            found.append(int(entry))
    return found


def listener_inode(address: str, port: int) -> str | None:
    """The socket inode listening on address:port (IPv4), from /proc/net/tcp, or None."""
    wanted = f"{socket.inet_aton(address)[::-1].hex().upper()}:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as fh:
        for line in fh.readlines()[1:]:
            fields = line.split()
            if fields[1] == wanted and fields[3] == "0A":  # 0A = LISTEN
                return fields[9]
    return None


def holds_socket(pid: int, inode: str) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                return True
        except OSError:
            continue
    return False


def mounts_below(path: Path) -> list[str]:
    """Mount points in this namespace at or below ``path``, deepest first."""
    prefix = str(path.resolve())
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(point)
    return sorted(points, key=len, reverse=True)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class _InventoryDumper(yaml.SafeDumper):
    """YAML for the lab inventory: plain data, and vaulted secrets as !vault blocks."""


_InventoryDumper.add_representer(
    plan.VaultText, lambda dumper, data: dumper.represent_scalar("!vault", str(data), style="|")
)


def lab_certificates(address: str) -> tuple[str, str, str]:
    """A CA of the lab's own and a server certificate for ``address`` signed by it (PEM: CA, cert, key)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "siak-lab power CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem).decode(), cert.public_bytes(pem).decode(), key_pem.decode()


class Lab:
    """One lab, all of whose state lives in ``lab_dir``."""

    def __init__(self, lab_dir: Path, inventory_dir: Path | None = None) -> None:
        self.dir = lab_dir.resolve()
        self._children: dict[str, subprocess.Popen] = {}
        self.inventory_dir = inventory_dir.resolve() if inventory_dir else None

    # ---- state -------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.dir / STATE_FILE

    def load(self) -> dict:
        if not self.state_path.is_file():
            raise LabError(
                "no lab has been set up here",
                where=str(self.dir),
                fix="Run 'siak-lab up' first (or pass --lab-dir)",
            )
        return json.loads(self.state_path.read_text())

    def save(self, state: dict) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_path)

    def host_dir(self, name: str) -> Path:
        return self.dir / "hosts" / name

    # ---- bring-up ----------------------------------------------------------------------
    def up(
        self,
        *,
        workstations: int,
        net: str,
        port: int,
        flashdisk_mib: int,
        inventory_source: Path | None,
        power_peers: bool = False,
    ) -> dict:
        hosts = plan.plan_hosts(net, workstations)
        if any(str(self.dir).startswith(f"/{p}/") for p in plan.PRIVATE_PATHS):
            raise LabError(
                "the lab directory cannot live under /media or /mnt (each host has its own)",
                where=str(self.dir),
                fix="Pass --lab-dir elsewhere",
            )
        if not Path(SSHD).exists():
            raise LabError(
                f"{SSHD} is missing",
                fix="Install it with 'apt-get install openssh-server' (make does this for you)",
            )
        if self.state_path.is_file():
            old = self.load()
            if (old["net"], old["port"]) != (net, port) or old["workstations"] != workstations:
                raise LabError(
                    f"a lab with net {old['net']}, port {old['port']} and {old['workstations']} "
                    "workstations is already set up here",
                    where=str(self.dir),
                    fix="Run 'siak-lab down' first to change its shape",
                )
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
        Path(STAGING).mkdir(mode=0o700, exist_ok=True)
        self._client_key()
        state = {
            "net": net,
            "port": port,
            "workstations": workstations,
            "flashdisk_mib": flashdisk_mib,
            "root_mnt_ns": mnt_ns(os.getpid()),
            "hosts": {h.name: asdict(h) for h in hosts},
        }
        if self.state_path.is_file():
            # A second `up` keeps what is running: its pid and namespace are how stop finds it.
            old = self.load()
            for name, record in old["hosts"].items():
                if name in state["hosts"] and self.running(name, old):
                    state["hosts"][name].update(pid=record["pid"], mnt_ns=record["mnt_ns"])
            if "power_peers" in old:
                state["power_peers"] = old["power_peers"]
        for host in hosts:
            self._prepare_host(host, port, flashdisk_mib)
        self._write_known_hosts(hosts, port)
        if power_peers:
            self._power_files(plan.power_peers(hosts, net))
            state["power_peers"] = plan.power_peers(hosts, net) | {
                "pid": state.get("power_peers", {}).get("pid")
            }
        self.save(state)
        self.write_inventory(state, inventory_source)
        to_start = [h.name for h in hosts if not h.starts_powered_off]
        self.start(to_start, state=state)
        if power_peers:
            self._start_peers(state)
        return state

    # ---- power peers (Wake-on-LAN, BMCs, Redfish: tests/lab/siak_lab/peers.py) ---------------
    @property
    def power_dir(self) -> Path:
        return self.dir / plan.POWER_DIR

    def _power_files(self, peers: dict) -> None:
        """The BMC user's password, the lab's vault password, and the Redfish service's CA and certificate.

        Made once per lab; every secret is a 0600 file in the 0700 power directory.
        """
        import secrets

        import bcrypt

        pdir = self.power_dir
        pdir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(pdir, 0o700)

        def secret_file(name: str, text: str) -> None:
            path = pdir / name
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(text)

        secret_file("vault-pass", secrets.token_urlsafe(24) + "\n")
        secret_file("bmc.json", json.dumps({"user": plan.BMC_USER, "password": secrets.token_urlsafe(12)}))
        creds = json.loads((pdir / "bmc.json").read_text())
        digest = bcrypt.hashpw(creds["password"].encode(), bcrypt.gensalt(rounds=4)).decode()
        secret_file("redfish.htpasswd", f"{creds['user']}:{digest}\n")
        if not (pdir / "ca.pem").exists():
            ca_pem, cert_pem, key_pem = lab_certificates(peers["redfish_address"])
            secret_file("redfish.key", key_pem)
            (pdir / "redfish.pem").write_text(cert_pem)
            (pdir / "ca.pem").write_text(ca_pem)

    def _start_peers(self, state: dict) -> None:
        record = state["power_peers"]
        pid = record.get("pid")
        if pid and _cmdline(pid).find("siak_lab.peers") >= 0:
            return
        ready = self.power_dir / "ready"
        ready.unlink(missing_ok=True)
        log = open(self.power_dir / "peers.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            [sys.executable, "-m", "siak_lab.peers", "--lab-dir", str(self.dir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                tail = (self.power_dir / "peers.log").read_text(errors="replace").strip().splitlines()[-3:]
                raise LabError(
                    f"the power peers did not start: {' | '.join(tail) or 'no output'}",
                    where=str(self.dir),
                    fix=f"Read {self.power_dir}/peers.log (is port {plan.BMC_PORT} or "
                    f"{plan.REDFISH_PORT} taken on this --net?)",
                )
            time.sleep(0.05)
        state = self.load()
        state["power_peers"]["pid"] = proc.pid
        self.save(state)

    def _stop_peers(self, state: dict) -> None:
        pid = state.get("power_peers", {}).get("pid")
        if pid and "siak_lab.peers" in _cmdline(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and "siak_lab.peers" in _cmdline(pid):
                time.sleep(0.02)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _client_key(self) -> None:
        key = self.dir / "id_ed25519"
        if not key.exists():
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "siak-lab", "-f", str(key)])
        auth = self.dir / "authorized_keys"
        auth.write_text((self.dir / "id_ed25519.pub").read_text())
        auth.chmod(0o600)

    def _prepare_host(self, host: plan.LabHost, port: int, flashdisk_mib: int) -> None:
        hdir = self.host_dir(host.name)
        for sub in plan.OVERLAY_PATHS:
            (hdir / "upper" / sub).mkdir(parents=True, exist_ok=True)
            (hdir / "work" / sub).mkdir(parents=True, exist_ok=True)
        for sub in plan.PRIVATE_PATHS:
            (hdir / sub).mkdir(parents=True, exist_ok=True)
        (hdir / "upper" / "etc" / "hostname").write_text(host.name + "\n")
        # root's shell start-up files are Debian's stock ones, not this machine's: bash reads ~/.bashrc
        # for every command sshd runs, and a developer's own (pyenv, cargo) costs ~0.1 CPU-s per SSH
        # command in every test and benchmark, which no office server's root does.
        for name in (".bashrc", ".profile"):
            stock, upper = Path("/usr/share/base-files/dot" + name), hdir / "upper" / "root" / name
            if not upper.exists():
                upper.write_bytes(stock.read_bytes() if stock.is_file() else b"")
        key = hdir / "ssh_host_ed25519_key"
        if not key.exists():
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
        if host.server:
            (hdir / plan.SECOND_DISK).mkdir(parents=True, exist_ok=True)
            flash = hdir / plan.FLASHDISK
            flash.mkdir(parents=True, exist_ok=True)
            if not os.path.ismount(flash):
                _run(
                    [
                        "mount",
                        "-t",
                        "tmpfs",
                        "-o",
                        f"size={flashdisk_mib}m,mode=0755",
                        "siak-lab-flashdisk",
                        str(flash),
                    ]
                )
        # StrictModes is off because a lab under a world-writable /tmp (pytest's tmp_path)
        # would otherwise refuse every key; this sshd only ever listens on loopback.
        config = f"""\
ListenAddress {host.address}:{port}
HostKey {key}
PidFile none
AuthorizedKeysFile {self.dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 64
MaxStartups 100:30:200
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
"""
        (hdir / "sshd_config").write_text(config)

    def _write_known_hosts(self, hosts: list[plan.LabHost], port: int) -> None:
        lines = []
        for host in hosts:
            pub = (self.host_dir(host.name) / "ssh_host_ed25519_key.pub").read_text().split()
            lines.append(f"[{host.address}]:{port} {pub[0]} {pub[1]}")
        (self.dir / "known_hosts").write_text("\n".join(lines) + "\n")

    def write_inventory(self, state: dict, inventory_source: Path | None) -> Path | None:
        if self.inventory_dir is None:
            return None
        fields = plan.LabHost.__dataclass_fields__
        hosts = [
            plan.LabHost(**{k: v for k, v in h.items() if k in fields} | {"groups": tuple(h["groups"])})
            for h in state["hosts"].values()
        ]
        lab_cli = shutil.which("siak-lab") or f"{sys.executable} -m siak_lab.cli"
        data = plan.inventory(
            hosts,
            port=state["port"],
            lab_dir=str(self.dir),
            lab_cli=lab_cli,
            bmc_password=self._vaulted_bmc_password() if "power_peers" in state else None,
        )
        self.inventory_dir.mkdir(parents=True, exist_ok=True)
        # A lab inventory outside inventories/lab (a test's own lab) borrows its group_vars.
        if inventory_source and inventory_source.resolve() != self.inventory_dir:
            for sub in ("group_vars", "host_vars"):
                src, dst = inventory_source / sub, self.inventory_dir / sub
                if src.is_dir() and not dst.exists():
                    dst.symlink_to(src.resolve())
        out = self.inventory_dir / "hosts.yml"
        header = "---\n# Written by siak-lab up; rewritten on every bring-up. Do not edit.\n"
        out.write_text(
            header + yaml.dump(data, Dumper=_InventoryDumper, sort_keys=False, default_flow_style=False)
        )
        return out

    def _vaulted_bmc_password(self) -> plan.VaultText:
        """The BMC password encrypted with the lab's vault password (power/vault-pass)."""
        from ansible.constants import DEFAULT_VAULT_ID_MATCH
        from ansible.parsing.vault import VaultLib, VaultSecret

        secret = (self.power_dir / "vault-pass").read_text().strip().encode()
        password = json.loads((self.power_dir / "bmc.json").read_text())["password"]
        vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(secret))])
        return plan.VaultText(vault.encrypt(password).decode())

    # ---- power -------------------------------------------------------------------------
    @staticmethod
    def running(name: str, state: dict) -> bool:
        record = state["hosts"][name]
        ns, pid = record.get("mnt_ns"), record.get("pid")
        return ns is not None and pid is not None and mnt_ns(pid) == ns

    def start(self, names: list[str], state: dict | None = None) -> list[str]:
        state = state or self.load()
        plan.check_host_names(names, list(state["hosts"]))
        if mnt_ns(os.getpid()) != state["root_mnt_ns"]:
            return self._start_from_outside(names, state)
        started = []
        for name in names:
            if self.running(name, state):
                continue
            address = state["hosts"][name]["address"]
            if listener_inode(address, state["port"]) is not None:
                raise LabError(
                    f"{address}:{state['port']} is already taken (another lab, or a stray sshd)",
                    where=name,
                    fix="Pass another --net, or stop what listens there",
                )
            self._spawn(name, state)
            started.append(name)
        deadline = time.monotonic() + START_TIMEOUT_S
        for name in started:
            self._wait_listening(name, state, deadline)
        self.save(state)
        return started

    def _start_from_outside(self, names: list[str], state: dict) -> list[str]:
        """Called inside a lab host (the hypervisor's power control): re-run in the lab's own
        namespace, so a VM started from siak-host does not inherit siak-host's files."""
        anchor = next((p for p in pids_in_ns(state["root_mnt_ns"])), None)
        if anchor is None:
            raise LabError("the lab's own namespace has no process left", where=str(self.dir))
        cmd = [
            "nsenter",
            f"--target={anchor}",
            "--mount",
            "--uts",
            "--",
            sys.executable,
            "-m",
            "siak_lab.cli",
            "--lab-dir",
            str(self.dir),
            "start",
            *names,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LabError(result.stderr.strip() or "power-on failed", where=", ".join(names))
        return names

    def _spawn(self, name: str, state: dict) -> None:
        hdir = self.host_dir(name)
        # Every layer is taken from STAGING, where the host's directory is bound first: once /root or
        # /tmp is an overlay, an upper dir under it would sit on overlayfs, which the kernel refuses.
        stage = STAGING
        script = [f"hostname {shlex.quote(name)}", f"mount --rbind {hdir} {stage}"]
        for sub in plan.PRIVATE_PATHS:
            script.append(f"mount --rbind {stage}/{sub} /{sub}")
        if state["hosts"][name]["server"]:
            script.append(f"mount --bind {stage}/{plan.SECOND_DISK} /{plan.SECOND_DISK}")
        for sub in plan.OVERLAY_PATHS:
            script.append(
                f"mount -t overlay siak-lab -o lowerdir=/{sub},upperdir={stage}/upper/{sub},"
                f"workdir={stage}/work/{sub} /{sub}"
            )
        script.append(f"exec {SSHD} -D -e -f {hdir}/sshd_config")
        log = open(hdir / "sshd.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-ec", "\n".join(script)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
        )
        log.close()
        self._children[name] = proc
        # The child's namespace is recorded only once its mounts are done (sshd wrote its pid).
        state["hosts"][name]["pid"] = proc.pid
        state["hosts"][name]["mnt_ns"] = None

    def _wait_listening(self, name: str, state: dict, deadline: float) -> None:
        record = state["hosts"][name]
        hdir = self.host_dir(name)
        proc = self._children.get(name)
        while time.monotonic() < deadline:
            # An sshd that exited (its address taken by another lab, a bad mount) must not be
            # mistaken for ready because something else answers on that address.
            if proc is not None and proc.poll() is not None:
                tail = (hdir / "sshd.log").read_text(errors="replace").strip().splitlines()[-2:]
                raise LabError(
                    f"sshd exited with code {proc.returncode}: {' | '.join(tail) or 'no output'}",
                    where=name,
                    fix=f"If {record['address']}:{state['port']} is taken by another lab, pass --net; "
                    f"else read {hdir}/sshd.log",
                )
            # Ready means this host's own sshd (the spawned pid: sshd execs in place of the shell)
            # holds the listening socket, not merely that something answers on the address.
            inode = listener_inode(record["address"], state["port"])
            ns = mnt_ns(record["pid"])
            if inode and holds_socket(record["pid"], inode) and ns and ns != state["root_mnt_ns"]:
                record["mnt_ns"] = ns
                return
            time.sleep(0.02)
        tail = (hdir / "sshd.log").read_text(errors="replace").strip().splitlines()[-3:]
        raise LabError(
            f"sshd did not start within {START_TIMEOUT_S:.0f} s: {' | '.join(tail) or 'no output'}",
            where=name,
            fix=f"Read {hdir}/sshd.log",
        )

    def stop(self, names: list[str], state: dict | None = None) -> list[str]:
        state = state or self.load()
        plan.check_host_names(names, list(state["hosts"]))
        stopped = []
        for name in names:
            ns = state["hosts"][name].get("mnt_ns")
            if ns and self._kill_ns(ns):
                stopped.append(name)
            state["hosts"][name]["mnt_ns"] = None
        self.save(state)
        return stopped

    @staticmethod
    def _kill_ns(ns: str) -> bool:
        victims = pids_in_ns(ns)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and pids_in_ns(ns):
                time.sleep(0.02)
            victims = pids_in_ns(ns)
            if not victims:
                break
        return True

    # ---- faults ------------------------------------------------------------------------
    def fill(self, name: str, leave_kib: int) -> int:
        """Fill the host's flashdisk tmpfs until only ``leave_kib`` KiB are free."""
        state = self.load()
        plan.check_host_names([name], list(state["hosts"]))
        if not state["hosts"][name]["server"]:
            raise LabError("only server hosts have a flashdisk", where=name)
        flash = self.host_dir(name) / plan.FLASHDISK
        stat = os.statvfs(flash)
        free = stat.f_bavail * stat.f_frsize
        size = max(0, free - leave_kib * 1024)
        with open(flash / ".lab-fill", "ab") as fh:
            chunk = b"\0" * (1 << 20)
            while size > 0:
                n = min(size, len(chunk))
                fh.write(chunk[:n])
                size -= n
        return size

    def unfill(self, name: str) -> None:
        (self.host_dir(name) / plan.FLASHDISK / ".lab-fill").unlink(missing_ok=True)

    def exec(self, name: str, command: list[str]) -> int:
        """Run a command inside a running host's namespaces (for tests and the curious)."""
        state = self.load()
        plan.check_host_names([name], list(state["hosts"]))
        if not self.running(name, state):
            raise LabError("host is powered off", where=name, fix=f"Run 'siak-lab start {name}'")
        pid = state["hosts"][name]["pid"]
        return subprocess.call(["nsenter", f"--target={pid}", "--mount", "--uts", "--", *command])

    # ---- teardown ----------------------------------------------------------------------
    def down(self, keep_files: bool = False) -> None:
        if not self.dir.exists():
            return

        if self.state_path.is_file():
            state = self.load()
            self._stop_peers(state)
            for record in state["hosts"].values():
                if record.get("mnt_ns"):
                    self._kill_ns(record["mnt_ns"])
        # Also a host whose state was never saved (a crash mid-start): find sshds by config path.
        self._kill_strays()
        for point in mounts_below(self.dir):
            subprocess.run(["umount", "-l", point], check=False, capture_output=True)
        if self.inventory_dir is not None:
            (self.inventory_dir / "hosts.yml").unlink(missing_ok=True)
        if not keep_files:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_strays(self) -> None:
        marker = str(self.dir / "hosts") + "/"
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and ("sshd" in cmdline or "unshare" in cmdline):
                ns = mnt_ns(int(entry))
                if ns and ns != mnt_ns(os.getpid()):
                    self._kill_ns(ns)

    def status(self) -> list[dict]:
        state = self.load()
        return [
            {"name": n, "address": r["address"], "running": self.running(n, state), "groups": r["groups"]}
            for n, r in state["hosts"].items()
        ]
