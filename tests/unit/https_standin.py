"""An HTTPS stand-in of a hypervisor's API on 127.0.0.1, with a certificate of a CA the test makes.

Shared by the Proxmox and VMware request tests: the role's real modules talk to it, and the inventory
trusts the CA through siak_server_hypervisor_ca_path.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from siak_lab.runtime import lab_certificates


@contextlib.contextmanager
def serve_https(handler: type[BaseHTTPRequestHandler], folder: Path) -> Iterator[tuple[int, Path]]:
    """Serve handler over HTTPS on a free loopback port; yield (port, the CA's PEM file)."""
    ca, cert, key = lab_certificates("127.0.0.1")
    (folder / "ca.pem").write_text(ca)
    (folder / "cert.pem").write_text(cert)
    (folder / "key.pem").write_text(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], folder / "ca.pem"
    finally:
        server.shutdown()
