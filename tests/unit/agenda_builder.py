"""Write agenda records by hand, following docs/agenda-format.md (hash chain included), for edge cases.

The main fixtures in tests/fixtures/agendas/ are recorded in real lab runs; this builds the shapes a
lab run cannot easily produce (a disk-full callback, a run killed at a chosen line).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import load_sop

T0 = datetime.fromisoformat("2026-11-23T19:00:00+07:00")


def chain(records: list[dict[str, Any]]) -> list[str]:
    lines, prev = [], None
    for seq, record in enumerate(records):
        obj = {**record, "seq": seq, "prev_hash": prev}
        canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        obj["hash"] = hashlib.sha256(((prev or "") + canonical).encode()).hexdigest()
        prev = obj["hash"]
        lines.append(json.dumps(obj, ensure_ascii=False))
    return lines


def step_ref(sop_id: str, step_id: str) -> dict[str, Any]:
    step = load_sop(sop_id).step(step_id)
    return {
        "sop": sop_id,
        "id": step.id,
        "number": step.number,
        "kegiatan": step.kegiatan,
        "pelaksana": list(step.pelaksana),
    }


class Run:
    def __init__(
        self, sop_id: str = "sop_piak_15", playbook: str = "upgrade.yml", run_id: str = "r1"
    ) -> None:
        self.sop_id = sop_id
        self.records: list[dict[str, Any]] = [
            {
                "type": "run_start",
                "schema": 1,
                "run_id": run_id,
                "playbook": playbook,
                "inventory": ["inventories/lab"],
                "limit": None,
                "tags": [],
                "skip_tags": [],
                "user": "adb",
                "controller": "ctl",
                "collection_version": "0.1.0",
                "check_mode": False,
                "extra_var_names": [],
                "timezone": "Asia/Jakarta",
                "started": T0.isoformat(),
            },
            {"type": "play", "name": "play", "hosts": "all", "strategy": "linear", "serial": None},
        ]
        self.n = 0

    def task(
        self,
        step_id: str | None,
        host: str,
        at_s: float,
        dur_s: float,
        status: str = "ok",
        *,
        end: bool = True,
    ) -> Run:
        self.n += 1
        start = T0 + timedelta(seconds=at_s)
        base = {
            "host": host,
            "task": f"task {self.n}",
            "task_uuid": f"u{self.n}",
            "action": "ansible.builtin.command",
            "role": None,
            "step": step_ref(self.sop_id, step_id) if step_id else None,
            "start": start.isoformat(),
        }
        self.records.append({"type": "task_start", **base})
        if end:
            self.records.append(
                {
                    "type": "task",
                    **base,
                    "end": (start + timedelta(seconds=dur_s)).isoformat(),
                    "duration_s": dur_s,
                    "status": status,
                    "handler": False,
                    "summary": {},
                }
            )
        return self

    def end(self, status: str = "successful", complete: bool = True, results: dict | None = None) -> Run:
        last = max(
            (datetime.fromisoformat(r.get("end", r["start"])) for r in self.records[1:] if "start" in r),
            default=T0,
        )
        self.records.append(
            {
                "type": "run_end",
                "ended": last.isoformat(),
                "status": status,
                "complete": complete,
                "write_errors": 0 if complete else 3,
                "totals": {"steps": {}, "hosts": {}},
                "results": results or {},
            }
        )
        return self

    def lines(self) -> list[str]:
        return chain(self.records)
