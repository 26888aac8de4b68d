#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: distribution_point
short_description: Checksums of the client packages, and the controller's own distribution point
version_added: 0.1.0
author: dukcapil.siak developers (@dukcapil)
description:
  - Computes the SHA-256 of packages on the controller.
  - With O(state=started), serves the folder of the package read-only over HTTP from the controller, detached,
    with a JSON access log (one line per request, naming the workstation from its User-Agent), until
    O(state=stopped) or O(max_seconds) pass.
  - An action plugin; it runs on the controller only and ships nothing to a managed host.
options:
  state:
    description: C(checked) only computes checksums, C(started) also starts the server, C(stopped) stops it.
    type: str
    choices: [checked, started, stopped]
    default: started
  packages:
    description: Package files on the controller to checksum; the folder of the first is served by default.
    type: list
    elements: path
    default: []
  expected_sha256:
    description: The SHA-256 each package must have, by path; a mismatch fails before anything is served.
    type: dict
    default: {}
  root:
    description: Folder to serve; defaults to the folder of the first package.
    type: path
  bind:
    description: Address to listen on; the workstations must reach it.
    type: str
    default: 127.0.0.1
  port:
    description: Port to listen on.
    type: int
    default: 8088
  log:
    description: Access log, one JSON object a line.
    type: path
  pidfile:
    description: Where the server's process id is kept between start and stop.
    type: path
    required: true
  max_seconds:
    description: The server ends itself after this many seconds, so a run that dies leaves nothing behind.
    type: int
    default: 14400
notes:
  - In check mode the checksums are computed and no server is started.
"""

EXAMPLES = r"""
- name: Serve the client package from the controller
  dukcapil.siak.distribution_point:
    packages: [/srv/siak/siak-client-2.1.0.zip]
    bind: 10.10.1.5
    port: 8088
    log: /var/log/siak/distpoint-access.log
    pidfile: /run/siak/distpoint.pid
  register: served
"""

RETURN = r"""
sha256:
  description: SHA-256 of each package, by path.
  returned: always
  type: dict
url:
  description: Base address of the started server, ending in C(/); empty when none was started.
  returned: always
  type: str
  sample: http://10.10.1.5:8088/
pid:
  description: Process id of the server started or stopped.
  returned: always
  type: int
"""
