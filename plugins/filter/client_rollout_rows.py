# Copyright: dukcapil.siak developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: client_rollout_rows
short_description: The client rollout's per-workstation outcome, from what each workstation's tasks registered
version_added: 0.2.0
description:
  - SOP-PIAK-15 step 10. Reads, per workstation, the probe (C(__client_rollout_probe)), the update
    (C(__client_rollout_install) on Linux, C(__client_rollout_result) on Windows or after a caught failure) and
    the notice (C(__client_rollout_notice)), so no task has to copy them into facts on every PC.
  - C(client_rollout_rows) gives one row per probed workstation (host, os, status, from_version, to_version,
    duration_s, bytes_transferred, wave, briefed, in_use, message, cleaned), sorted by name. Right after the
    probe, a row whose status is C(not_started) is a workstation waiting for the update.
  - C(cleaned) lists what a cut-off run had left on the PC (an unpack folder, a C(.part) download) and this run
    removed; the row's message says so too.
  - C(client_windows_probe) says what a Windows workstation's registered probe (C(probe.ps1)) means, with the
    same decision as on a Linux PC (action, status, previous_version, in_use, release_path, problem), taken on
    the controller by module_utils/client_release.probe_outcome. Its input is the registered result.
  - C(client_windows_unpack_refusal) says why a Windows workstation's C(unpack.ps1) refused the package (its
    version held with another checksum, or no client entry point in it), in the run's language; empty when it
    did not. Its input is the registered result, its arguments the version and sha256 asked for.
options:
  _input:
    description: The workstations' hostvars (C(groups.workstations | map('extract', hostvars))).
    type: list
    elements: dict
    required: true
  waves:
    description: The workstations of each wave so far, in order (the first is wave 1).
    type: list
    elements: list
    default: []
"""

EXAMPLES = r"""
- name: Langkah 10 | Gather every workstation's outcome
  ansible.builtin.set_fact:
    rows: "{{ groups.workstations | map('extract', hostvars) | dukcapil.siak.client_rollout_rows(waves) }}"
"""

RETURN = r"""
_value:
  description: One row per workstation that was probed in this run.
  type: list
  elements: dict
"""

from ansible_collections.dukcapil.siak.plugins.module_utils.client_release import (
    FAILED,
    rollout_state,
    windows_probe,
    windows_unpack_refusal,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.client_rollout_report import (
    CLEANED,
    INSTALL_FAILED,
)
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import Joined, Said, run_lang, say_all


def _get(hv, name, default=None):
    try:
        value = hv.get(name, default)
    except Exception:  # an undefined or broken variable of one PC must not hide the others
        return default
    return default if value is None else value


def _windows(hv) -> bool:
    return "windows_workstations" in (_get(hv, "group_names", []) or []) or _get(
        hv, "ansible_connection", "ssh"
    ) in ("winrm", "psrp")


def _probed(hosts):
    for hv in hosts:
        probe = _get(hv, "__client_rollout_probe")
        if probe and not probe.get("skipped"):
            yield hv, probe


def row(host: str, *, windows: bool, probe: dict, install, record, notice, wave) -> dict:
    """One workstation's row of the report (pure: the registered results are plain dictionaries)."""
    state = rollout_state(probe, windows)
    base = {
        "host": host,
        "os": "windows" if windows else "linux",
        "status": "not_started" if state["status"] == "pending" else state["status"],
        "from_version": state["current_version"],
        "to_version": state["current_version"],
        "duration_s": 0.0,
        "bytes_transferred": 0,
        "wave": wave,
        "in_use": state["in_use"],
        "message": state["message"],
    }
    if record:  # Windows, or a failure caught by update.yml's rescue
        base.update(
            status=record.get("status", "failed"),
            to_version=record.get("to_version", state["current_version"])
            if record.get("status") != "failed"
            else state["current_version"],
            duration_s=float(record.get("duration_s") or 0),
            bytes_transferred=int(record.get("bytes_transferred") or 0),
            message=record.get("message") or "",
        )
    elif install and not install.get("skipped"):
        if install.get("unreachable"):
            base.update(status="offline", message=install.get("msg", ""))
        elif install.get("failed"):
            base.update(
                status="failed",
                message=Said(INSTALL_FAILED, why=install.get("msg") or Said(FAILED)),
            )
        else:
            base.update(
                status=install.get("status", "updated"),
                to_version=install.get("version"),
                duration_s=float(install.get("duration_s") or 0),
                bytes_transferred=int(install.get("bytes_transferred") or 0),
            )
    # What a cut run had left on the PC (an unpack folder, a .part download), removed by this run's install:
    # client_release's answer on Linux, the recorded outcome (leftovers.ps1's answer) on Windows.
    cleaned = list((install or {}).get("cleaned") or (record or {}).get("cleaned") or [])
    base["cleaned"] = cleaned
    if cleaned:
        said = Said(CLEANED, detail=", ".join(cleaned))
        base["message"] = Joined([base["message"], said]) if base["message"] else said
    briefed = (
        bool(notice)
        and not notice.get("skipped")
        and not notice.get("failed")
        and not notice.get("unreachable")
    )
    base["briefed"] = briefed
    base["from_version"] = base["from_version"] or None
    base["to_version"] = base["to_version"] or None
    return base


def client_rollout_rows(hosts, waves=None) -> list[dict]:
    wave_of = {}
    for number, batch in enumerate(waves or [], start=1):
        for name in batch:
            wave_of.setdefault(name, number)
    rows = []
    for hv, probe in _probed(hosts):
        name = hv["inventory_hostname"]
        rows.append(
            row(
                name,
                windows=_windows(hv),
                probe=probe,
                install=_get(hv, "__client_rollout_install"),
                record=_get(hv, "__client_rollout_result"),
                notice=_get(hv, "__client_rollout_notice"),
                wave=wave_of.get(name),
            )
        )
    return say_all(sorted(rows, key=lambda r: r["host"]), run_lang())


def client_windows_probe(registered):
    """The meaning of a Windows PC's registered probe.ps1 answer (module_utils/client_release.windows_probe), its
    problem said in the run's language."""
    return say_all(windows_probe((registered or {}).get("result") or {}), run_lang())


def client_windows_unpack_refusal(registered, version, sha256):
    """Why a Windows PC's unpack.ps1 refused the package, said in the run's language; "" when it did not."""
    why = windows_unpack_refusal((registered or {}).get("result") or {}, str(version), str(sha256))
    return say_all(why, run_lang()) if why is not None else ""


class FilterModule:
    def filters(self):
        return {
            "client_rollout_rows": client_rollout_rows,
            "client_windows_probe": client_windows_probe,
            "client_windows_unpack_refusal": client_windows_unpack_refusal,
        }
