"""The Laporan Uji Pemulihan (restore drill report): the second kind of report the one report module makes.

A restore drill (playbooks/restore_drill.yml) proves that the newest backup restores: it reads every copy
back against its manifest, decrypts an encrypted copy with the test key and lets Data Pump read the dump.
It serves the backup SOP but is not one of its steps: the signed SOP (the seed) has no restore step, and
the SOP data is a transcription of that signed text, so no step is added to it. A drill run's tasks
therefore carry no SOP step; its agenda's `run_end` holds the drill's results (`oracle_restore_drill`,
per host) instead. This report is made from those results alone, under the backup SOP's letterhead, its
number named as the SOP the drill serves, and its signature chain (from the SOP data).

Pure (no files, no clock): `build()` returns the dict every output renders (HTML and PDF, Markdown, JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils import exitcodes
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, gettext_for
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import model
from ansible_collections.dukcapil.siak.plugins.plugin_utils.runlog import FAILED_STATUSES, RunRecord
from ansible_collections.dukcapil.siak.plugins.plugin_utils.sop import Sop

KIND = "restore_drill"
# Where the drill's results sit in the agenda's run_end (roles/oracle_backup/tasks/drill.yml).
RESULTS_KEY = "oracle_restore_drill"
PLAYBOOK = "restore_drill.yml"
# The SOP the drill serves: its header, number and signature chain head the report.
SOP_NAME = "backup"
TEMPLATE_HTML = "uji_pemulihan.html.j2"
TEMPLATE_MD = "uji_pemulihan.md.j2"
PASSED = "passed"
FAILED = "failed"
VERDICT_WORDS = {PASSED: N_("PASSED: the backup can be restored"), FAILED: N_("FAILED")}


def is_drill(run: RunRecord) -> bool:
    """A run whose agenda names no SOP step and that is a restore drill: it published the drill's results,
    or it is the drill's playbook (a drill stopped before it published anything is still a drill)."""
    if run.sop_ids():
        return False
    found = run.results.get(RESULTS_KEY)
    if isinstance(found, dict) and found:
        return True
    return Path(str(run.run_start.get("playbook", ""))).name == PLAYBOOK


def _failed_task(run: RunRecord, host: str, tr: Any) -> str:
    """The first failed task on the host: which task, and Ansible's message."""
    for task in run.tasks:
        if task.get("host") != host or task.get("status") not in FAILED_STATUSES:
            continue
        msg = str((task.get("summary") or {}).get("msg") or "").strip()
        return tr("task '{task}': {msg}").format(task=task.get("task", "?"), msg=msg or task.get("status"))
    return ""


def _mode(parse: dict[str, Any], tr: Any) -> str:
    """How Data Pump read the dump: a parse only (SQLFILE) or an import into a scratch schema."""
    mode = str(parse.get("mode") or "sqlfile")
    schema = str(parse.get("schema") or "")
    if mode == "import" or mode.startswith("import into "):
        schema = schema or mode.removeprefix("import into ").strip()
        return tr("import into the scratch schema {schema}").format(schema=schema)
    return tr("SQLFILE (read only, nothing imported)")


def _yes(flag: Any, tr: Any) -> str:
    return tr("yes") if flag else tr("NO")


def host_drill(host: str, data: dict[str, Any], run: RunRecord, lang: str) -> dict[str, Any]:
    """One database server's drill: each copy read back, the restore, Data Pump's reading, the verdict."""
    tr = gettext_for(lang)
    places_raw = [p for p in data.get("places") or [] if isinstance(p, dict)]
    restore = data.get("restore") if isinstance(data.get("restore"), dict) else {}
    parse = data.get("parse") if isinstance(data.get("parse"), dict) else {}
    places = [
        {
            "name": str(p.get("name") or "?"),
            "path": str(p.get("path") or ""),
            "encrypted": tr("yes (age)") if p.get("encrypted") else tr("no"),
            "verified": _yes(p.get("verified"), tr),
            "ok": bool(p.get("verified")),
            "problems": "; ".join(str(x) for x in p.get("problems") or []),
        }
        for p in places_raw
    ]
    damaged = [p["name"] for p in places if not p["ok"]]
    reasons = [
        f"{p['name']}: {p['problems'] or tr('does not match its manifest')}" for p in places if not p["ok"]
    ]
    if data.get("message"):
        reasons.append(str(data["message"]))
    restored = bool(restore.get("ok"))
    if places_raw and not restored:
        why = tr("the restored dump does not match its manifest")
        reasons.append(f"{why}: {restore['error']}" if restore.get("error") else why)
    parsed = bool(parse.get("ok"))
    if not parsed and (places_raw or parse):
        reasons.append(tr("Data Pump: {reason}").format(reason=parse.get("reason") or tr("not run")))
    verdict = PASSED if str(data.get("verdict")) == PASSED and not reasons else FAILED
    if verdict == FAILED and not reasons:
        reasons.append(_failed_task(run, host, tr) or tr("the drill published no result for this server"))
    source = str(restore.get("source") or "")
    return {
        "host": model.host_name(host, lang),
        "folder": str(data.get("folder") or "-"),
        "verdict": verdict,
        "word": tr(VERDICT_WORDS[verdict]),
        "reasons": reasons,
        "damaged": damaged,
        "places": places,
        "restore": {
            "source": (
                tr("{name} (decrypted with the test key)").format(name=source)
                if restore.get("decrypted")
                else source or "-"
            ),
            "sha256": str(restore.get("sha256") or "-"),
            "expected": str(restore.get("expected") or "-"),
            "match": _yes(restored, tr),
            "ok": restored,
        },
        "parse": {
            "mode": _mode(parse, tr),
            "result": tr("succeeded") if parsed else tr("FAILED"),
            "reason": str(parse.get("reason") or tr("not run")),
            "ok": parsed,
        },
    }


def drills(run: RunRecord, lang: str) -> list[dict[str, Any]]:
    """Each database server's drill, by host name; a server that published nothing (the drill stopped on
    it before its end) is a failed drill with the task that stopped it."""
    found = run.results.get(RESULTS_KEY)
    per_host = {str(h): v for h, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}
    stopped = {str(t.get("host")) for t in run.tasks if t.get("status") in FAILED_STATUSES}
    for host in stopped - set(per_host):
        per_host[host] = {"verdict": FAILED}
    return [host_drill(host, per_host[host], run, lang) for host in sorted(per_host)]


def exit_code(run: RunRecord, found: list[dict[str, Any]], intact: bool = True) -> int:
    """The exit code the drill earned, on siak-sop run's scale: a drill that did not pass is a failure."""
    return exitcodes.decide(
        exitcodes.Outcome(
            cancelled=False,
            interrupted=False,
            failed=run.failed or not found or any(d["verdict"] != PASSED for d in found),
            agenda_complete=run.complete and intact,
        )
    )


def run_status(run: RunRecord, found: list[dict[str, Any]], lang: str) -> tuple[str, str]:
    """The drill's verdict line and a CSS class: passed only when every server's backup restores."""
    tr = gettext_for(lang)
    if not run.finished:
        return tr("Broken off: the record has no closing line"), "bad"
    if run.run_start.get("check_mode"):
        return tr("Trial run (check mode): the drill was not carried out"), "check"
    if not found:
        return tr("FAILED: the drill published no result"), "bad"
    failed = [d["host"] for d in found if d["verdict"] != PASSED]
    if failed:
        return tr("FAILED on {hosts}").format(hosts=", ".join(failed)), "bad"
    return tr(VERDICT_WORDS[PASSED]), "ok"


def build(
    run: RunRecord,
    sop: Sop,
    *,
    lang: str = "id",
    office: dict[str, Any] | None = None,
    version: str = "",
    chain: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The restore drill report's data. `sop` is the backup SOP the drill serves (its header and
    signature chain); `chain` is `siak-sop agenda verify`'s finding, when checked."""
    tr = gettext_for(lang)
    office = office or {}
    start = run.started
    found = drills(run, lang)
    status, status_class = run_status(run, found, lang)
    sop_name = sop.nama if lang == "id" else sop.name_en
    return {
        "kind": KIND,
        "lang": lang,
        "kop": model.kop(office, lang),
        "title": tr("Restore drill report"),
        "nomor_surat": model.nomor_surat(office, run),
        "sop": {
            "nomor": sop.nomor,
            "nama": sop_name,
            "tanggal_pembuatan": model.sop_date(sop.tanggal_pembuatan, lang),
            "tanggal_revisi": model.sop_date(sop.tanggal_revisi, lang),
            "tanggal_efektif": model.sop_date(sop.tanggal_efektif, lang),
            "disahkan_oleh": sop.disahkan_oleh,
            "dasar_hukum": list(sop.dasar_hukum),
            "peralatan": list(sop.peralatan),
        },
        "serves": tr(
            "A restore drill of the backups that {sop} ({nomor}) makes: proof that the newest backup can be "
            "restored. It is not a step of that SOP."
        ).format(sop=sop_name, nomor=sop.nomor),
        "date": model.local_date(start, lang),
        "started": f"{model.clock(start)} {model.zone_name(start)}".strip(),
        "ended": (
            f"{model.clock(run.last_time)} {model.zone_name(run.last_time)}".strip() if run.finished else ""
        ),
        "run_id": run.run_id,
        "check_mode": bool(run.run_start.get("check_mode")),
        "hosts": [d["host"] for d in found],
        "status": status,
        "status_class": status_class,
        "drills": found,
        **model.record_proof(run, sop, office, lang=lang, version=version, chain=chain, start=start),
        "verdicts": {d["host"]: d["word"] for d in found},
    }
