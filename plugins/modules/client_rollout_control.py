#!/usr/bin/python
# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_rollout_control
short_description: The client rollout's controller steps (plan, queue, report), each in one task
version_added: 0.3.0
author: dukcapil.siak developers (@dukcapil)
description:
  - SOP-PIAK-15 step 10, on the controller. Used by the role C(dukcapil.siak.client_rollout); an action plugin that
    runs on the controller only and ships nothing to a managed host.
  - With O(phase=plan), checks that the inputs hang together (a version that can name a release folder, the
    package's SHA-256 or its path, where workstations get it), computes the SHA-256 of the packages on the
    controller (a mismatch with a given checksum fails before any workstation is touched), and returns the plan
    decided once for every workstation, with step 9's notice rendered from O(notice_template).
  - With O(phase=queue), lists the workstations waiting for the update per OS, idle ones first (so the canary is
    one nobody uses), and starts the controller's distribution point when O(serve) is true and one of them will
    pull the package. A run with nothing to do starts nothing.
  - With O(phase=report), publishes C(siak_results.client_rollout) per workstation through the results channel,
    as M(dukcapil.siak.publish_results) does (see docs/agenda-format.md); the run's Laporan shows them as the
    Laporan update aplikasi SIAK pada klien. It writes or removes the rerun list O(rerun_list) and stops the
    distribution point when O(stop_distribution_point) is true. It never fails for the rollout's outcome; it
    returns the verdict for the next task.
options:
  phase:
    description: Which step to run.
    type: str
    choices: [plan, queue, report]
    required: true
  rows:
    description: One row per workstation probed in this run (the filter C(dukcapil.siak.client_rollout_rows)).
    type: list
    elements: dict
    default: []
  version:
    description: With O(phase=plan), the client version to roll out.
    type: str
    default: ""
  package_sha256:
    description: With O(phase=plan), the package's SHA-256 (optional C(sha256:) prefix).
    type: str
    default: ""
  package_url:
    description: With O(phase=plan), where workstations pull the package when the controller does not serve it.
    type: str
    default: ""
  package_path:
    description: With O(phase=plan), the package on the controller (served or pushed).
    type: str
    default: ""
  windows_package_sha256:
    description: With O(phase=plan), the Windows package's SHA-256; empty means O(package_sha256).
    type: str
    default: ""
  windows_package_url:
    description: With O(phase=plan), the Windows package's address; empty means O(package_url).
    type: str
    default: ""
  windows_package_path:
    description: With O(phase=plan), the Windows package on the controller; empty means O(package_path).
    type: str
    default: ""
  transfer:
    description: With O(phase=plan), C(pull) from the distribution point or C(push) from the controller.
    type: str
    choices: [pull, push]
    default: pull
  waves:
    description: With O(phase=plan), the waves (Ansible C(serial)), carried in the plan.
    type: raw
    default: [1, "25%", "100%"]
  max_fail_percentage:
    description: With O(phase=plan), the failure threshold of a wave, carried in the plan.
    type: raw
    default: 20
  notice_template:
    description: With O(phase=plan), the template of step 9's notice, rendered once into the plan's C(notice).
    type: str
    default: ""
  plan:
    description: The plan decided once for every workstation (version, sha256, started, waves).
    type: dict
    default: {}
  serve:
    description: >-
      With O(phase=queue), start the distribution point when a workstation waits for the package; with
      O(phase=plan), the workstations' address is the controller's (O(bind), O(port)).
    type: bool
    default: false
  root:
    description: Folder the distribution point serves (the package's folder).
    type: path
  bind:
    description: Address the distribution point listens on.
    type: str
    default: 127.0.0.1
  port:
    description: Port of the distribution point.
    type: int
    default: 8088
  log:
    description: Access log of the distribution point (one JSON line per request).
    type: path
  pidfile:
    description: Pid file of the distribution point.
    type: path
  stop:
    description: The wave check's decision (C(stop), C(wave), C(size), C(failed), C(threshold)).
    type: dict
    default: {}
  rerun_list:
    description: File listing the workstations a rerun picks up (with C(--limit @file)), removed when none is left;
      required with O(phase=report).
    type: path
  stop_distribution_point:
    description: With O(phase=report), stop the distribution point named by O(pidfile) (this run started it).
    type: bool
    default: false
notes:
  - Check mode publishes the results (a rehearsal's outcome) and leaves the rerun list alone.
"""

EXAMPLES = r"""
- name: Langkah 10 | Queue the workstations and start the distribution point when one needs it
  dukcapil.siak.client_rollout_control:
    phase: queue
    rows: "{{ rows }}"
    serve: true
    root: /srv/siak-client
    bind: 10.10.1.5
    log: out/client_rollout/distpoint-access.log
    pidfile: out/client_rollout/distpoint.pid
  register: queued

- name: Langkah 10 | Publish the outcome per workstation and write the rerun list
  dukcapil.siak.client_rollout_control:
    phase: report
    rows: "{{ rows }}"
    plan: "{{ plan }}"
    rerun_list: out/client-rollout-pending.txt
    pidfile: out/client_rollout/distpoint.pid
    stop_distribution_point: "{{ queued.started }}"
  register: report
"""

RETURN = r"""
version:
  description: With O(phase=plan), the plan's version; the plan's other keys (C(sha256), C(url), C(windows_sha256),
    C(windows_url), C(transfer), C(package_path), C(windows_package_path), C(served), C(pidfile), C(serve_root),
    C(waves), C(max_fail_percentage), C(started), C(notice)) are returned beside it.
  returned: phase is plan
  type: str
all:
  description: With O(phase=queue), every workstation waiting for the update, idle ones first.
  returned: phase is queue
  type: list
  elements: str
linux:
  description: With O(phase=queue), the Linux workstations of RV(all), in the same order.
  returned: phase is queue
  type: list
  elements: str
windows:
  description: With O(phase=queue), the Windows workstations of RV(all), in the same order.
  returned: phase is queue
  type: list
  elements: str
started:
  description: With O(phase=queue), whether the distribution point was started.
  returned: phase is queue
  type: bool
url:
  description: Base address of the started distribution point; empty when none was started.
  returned: phase is queue
  type: str
msg:
  description: With O(phase=report), one line on how the rollout went and how to read it in the Laporan.
  returned: phase is report
  type: str
verdict:
  description: With O(phase=report), why the run must fail (a stopped rollout or a failed workstation), or empty.
  returned: phase is report
  type: str
totals:
  description: With O(phase=report), the number of workstations per status.
  returned: phase is report
  type: dict
pending:
  description: With O(phase=report), the workstations a rerun picks up.
  returned: phase is report
  type: list
  elements: str
paths:
  description: With O(phase=report), the rerun list when it was written or removed.
  returned: phase is report
  type: list
  elements: str
"""
