"""What the Laporan shows, as plain data: built from the agenda record, the SOP table and the verdicts.

Pure (no files, no clock): `build()` returns a dict the HTML template renders. Bahasa Indonesia by
default, English with lang="en".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from siak_sop.budgets import Verdict
from siak_sop.progress import fmt_elapsed
from siak_sop.runlog import RunRecord
from siak_sop.sop import Sop

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Laporan Pelaksanaan SOP",
        "office_unknown": "(kantor tidak tercantum di inventaris)",
        "sop": "SOP",
        "date": "Tanggal",
        "ran_by": "Dilaksanakan oleh",
        "playbook": "Playbook",
        "run_id": "Nomor jalan (run id)",
        "mode": "Mode",
        "mode_check": "Uji coba (check mode): tidak ada yang diubah",
        "mode_real": "Pelaksanaan",
        "status": "Status",
        "limit": "Batas host",
        "tags": "Langkah yang dipilih (tags)",
        "all": "semua",
        "no": "No.",
        "kegiatan": "Kegiatan",
        "pelaksana": "Pelaksana",
        "mutu_baku": "Mutu Baku",
        "kelengkapan": "Kelengkapan",
        "waktu": "Waktu",
        "output": "Output",
        "actual": "Pelaksanaan",
        "start": "Mulai",
        "end": "Selesai",
        "duration": "Durasi",
        "verdict": "Penilaian",
        "keterangan": "Keterangan",
        "explain": "Penjelasan penyimpangan (wajib diisi pelaksana):",
        "hard_limit": "batas keras",
        "summary_ok": "Semua langkah yang dijalankan sesuai Mutu Baku.",
        "summary_dev": "{n} langkah menyimpang dari Mutu Baku dan wajib dipertanggungjawabkan (baris bertanda).",
        "results": "Hasil",
        "no_results": "Playbook tidak menerbitkan hasil (set_stats) untuk laporan ini.",
        "totals": "Jumlah per status",
        "offline": "PC offline (belum diperbarui; jalankan ulang untuk PC ini)",
        "host": "Host",
        "peringatan": "Peringatan SOP",
        "inferred": "Kolom Pelaksana disimpulkan dari uraian kegiatan: tanda pada naskah SOP tidak terbaca.",
        "agenda": "Sumber: agenda",
        "agenda_ok": "lengkap",
        "agenda_bad": "TIDAK LENGKAP: sebagian catatan tidak tertulis",
        "agenda_killed": "TANPA catatan penutup: jalan dihentikan sebelum selesai",
        "chain_ok": "rantai hash utuh (siak-sop agenda verify)",
        "chain_broken": "RANTAI HASH RUSAK: {message}",
        "signatures": "Pengesahan",
        "sig_adb": "Yang melaksanakan,\nAdministrator Database",
        "sig_subkoord": "Menerima laporan,\nSub Koordinator",
        "sig_kabid": "Mengetahui,\nKepala Bidang",
        "sig_name": "Nama",
        "sig_nip": "NIP",
        "generated": "Dibuat oleh siak-sop {version} dari agenda {run_id}",
        "page": "Halaman",
        "st_successful": "Berhasil",
        "st_failed": "Gagal",
        "st_cancelled": "Dibatalkan pada batas keras langkah {step}",
        "st_timeout": "Dihentikan: batas waktu seluruh jalan terlampaui",
        "st_interrupted": "Dihentikan oleh operator",
        "st_killed": "Terputus (tanpa catatan penutup)",
    },
    "en": {
        "title": "SOP Execution Report",
        "office_unknown": "(office not set in the inventory)",
        "sop": "SOP",
        "date": "Date",
        "ran_by": "Run by",
        "playbook": "Playbook",
        "run_id": "Run id",
        "mode": "Mode",
        "mode_check": "Trial run (check mode): nothing was changed",
        "mode_real": "Real run",
        "status": "Status",
        "limit": "Host limit",
        "tags": "Steps selected (tags)",
        "all": "all",
        "no": "No.",
        "kegiatan": "Step",
        "pelaksana": "Performed by",
        "mutu_baku": "Standard (Mutu Baku)",
        "kelengkapan": "Equipment",
        "waktu": "Time",
        "output": "Output",
        "actual": "This run",
        "start": "Start",
        "end": "End",
        "duration": "Duration",
        "verdict": "Verdict",
        "keterangan": "Remarks",
        "explain": "Explanation of the deviation (to be filled in by the performer):",
        "hard_limit": "hard limit",
        "summary_ok": "Every step that ran met its time standard.",
        "summary_dev": "{n} step(s) deviated from the time standard and must be accounted for (marked rows).",
        "results": "Results",
        "no_results": "The playbook published no results (set_stats) for this report.",
        "totals": "Totals per status",
        "offline": "Offline PCs (not yet updated; rerun for these)",
        "host": "Host",
        "peringatan": "SOP warning",
        "inferred": "The Performed-by columns are inferred from each step's wording: the SOP text lost its marks.",
        "agenda": "Source: agenda",
        "agenda_ok": "complete",
        "agenda_bad": "INCOMPLETE: some records could not be written",
        "agenda_killed": "NO closing record: the run was stopped before it ended",
        "chain_ok": "hash chain intact (siak-sop agenda verify)",
        "chain_broken": "HASH CHAIN BROKEN: {message}",
        "signatures": "Signatures",
        "sig_adb": "Performed by,\nDatabase Administrator (ADB)",
        "sig_subkoord": "Report received by,\nSub Koordinator",
        "sig_kabid": "Acknowledged by,\nKepala Bidang",
        "sig_name": "Name",
        "sig_nip": "NIP",
        "generated": "Made by siak-sop {version} from agenda {run_id}",
        "page": "Page",
        "st_successful": "Successful",
        "st_failed": "Failed",
        "st_cancelled": "Cancelled at the hard limit of step {step}",
        "st_timeout": "Stopped: the whole-run limit passed",
        "st_interrupted": "Stopped by the operator",
        "st_killed": "Interrupted (no closing record)",
    },
}

# Column names for known result keys; other keys show as they are.
RESULT_LABELS = {
    "id": {
        "from_version": "Versi lama",
        "to_version": "Versi baru",
        "previous_version": "Versi lama",
        "version": "Versi",
        "sha256": "SHA-256",
        "checksum": "Checksum",
        "duration_s": "Durasi",
        "result": "Hasil",
        "verdict": "Hasil",
        "status": "Status",
        "file": "Berkas",
        "files": "Semua berkas",
        "path": "Lokasi",
        "folder": "Folder",
        "size_bytes": "Ukuran",
        "size": "Ukuran",
        "destinations": "Salinan",
        "destinations_verified": "Tujuan terverifikasi",
        "verified": "Terverifikasi",
        "message": "Pesan",
    },
    "en": {
        "duration_s": "Duration",
        "size_bytes": "Size",
        "destinations": "Copies",
        "destinations_verified": "Verified at",
    },
}


MAX_RESULT_COLUMNS = 7
FIRST_KEYS = (
    "from_version",
    "previous_version",
    "to_version",
    "version",
    "result",
    "status",
    "verdict",
    "file",
    "size",
    "sha256",
    "folder",
    "destinations_verified",
)


def local_date(when: datetime | None, lang: str) -> str:
    if when is None:
        return "-"
    if lang == "id":
        return f"{when.day} {MONTHS_ID[when.month - 1]} {when.year}"
    return when.strftime("%d %B %Y")


def hhmm(when: datetime | None) -> str:
    return when.strftime("%H:%M:%S") if when else ""


def human_size(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit} ({int(value):,} B)"
        size /= 1024
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def show_value(key: str, value: Any, lang: str = "id", depth: int = 0) -> str:
    """One cell: sizes and durations for people, lists and mappings compact, the rest as it is.

    Inside a mapping (a destination, a file) a further list of mappings is counted, not spelled out:
    the report lists the files once, not once per copy.
    """
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return ("ya" if value else "tidak") if lang == "id" else ("yes" if value else "no")
    if key.endswith("_s") and isinstance(value, int | float):
        return fmt_elapsed(float(value))
    if key.endswith("_bytes") or key.startswith("bytes") or key.endswith("size"):
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(number, int | float) and not isinstance(number, bool):
            return human_size(number)
    if isinstance(value, dict):
        return "; ".join(
            f"{k}: {show_value(str(k), v, lang, depth + 1)}" for k, v in value.items() if not _empty(v)
        )
    if isinstance(value, list):
        if depth >= 1 and any(isinstance(v, dict) for v in value):
            return f"{len(value)} {'entri' if lang == 'id' else 'entries'}"
        return "\n".join(show_value(key, v, lang, depth) for v in value)
    return str(value)


def result_sections(results: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One table per role from run_end.results: a row per host, plus totals per status when there is one."""
    labels = RESULT_LABELS.get(lang, {})
    sections = []
    for role, per_host in results.items():
        if not isinstance(per_host, dict):
            continue
        rows_raw = {str(h): v if isinstance(v, dict) else {"result": v} for h, v in per_host.items()}
        keys: list[str] = []
        for data in rows_raw.values():
            keys += [str(k) for k in data if str(k) not in keys]
        # What a reader looks for first (the agenda stores keys sorted); the rest keep their order.
        keys.sort(key=lambda k: FIRST_KEYS.index(k) if k in FIRST_KEYS else len(FIRST_KEYS))
        rows = [
            {"host": h, "cells": [show_value(k, d.get(k), lang) for k in keys]}
            for h, d in sorted(rows_raw.items())
        ]
        totals: dict[str, int] = {}
        offline = []
        status_key = next((k for k in ("status", "result", "verdict") if k in keys), None)
        if status_key:
            for host, data in sorted(rows_raw.items()):
                status = str(data.get(status_key))
                totals[status] = totals.get(status, 0) + 1
                if status == "offline":
                    offline.append(host)
        mono = [k in ("sha256", "checksum") or k.endswith("sha256") for k in keys]
        sections.append(
            {
                "role": str(role),
                "columns": [labels.get(k, k) for k in keys],
                "mono": mono,
                "rows": rows,
                # Many fields (a backup's files, copies, durations) read better one host at a time, down the page.
                "vertical": len(keys) > MAX_RESULT_COLUMNS,
                "totals": totals if len(rows_raw) > 1 or offline else {},
                "offline": offline,
            }
        )
    return sections


def run_status(run: RunRecord, outcome: dict[str, Any], lang: str) -> tuple[str, str]:
    """The run's status line and a CSS class."""
    t = TEXT[lang]
    if outcome.get("cancelled_step"):
        return t["st_cancelled"].format(step=outcome.get("cancelled_label", outcome["cancelled_step"])), "bad"
    if outcome.get("status") == "timeout":
        return t["st_timeout"], "bad"
    if outcome.get("interrupted"):
        return t["st_interrupted"], "bad"
    if not run.finished:
        return t["st_killed"], "bad"
    if run.failed:
        return t["st_failed"], "bad"
    return t["st_successful"], "ok"


def build(
    run: RunRecord,
    sop: Sop,
    verdicts: list[Verdict],
    *,
    lang: str = "id",
    office: dict[str, Any] | None = None,
    outcome: dict[str, Any] | None = None,
    version: str = "",
    chain: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's data. `chain` is `siak-sop agenda verify`'s finding ({state, message}), when checked."""
    t = TEXT[lang]
    outcome = outcome or {}
    start = run.started
    header = run.run_start
    rows = []
    for v in verdicts:
        step = v.step
        r = v.run
        rows.append(
            {
                "number": step.number,
                "id": step.id,
                "kegiatan": step.title(lang),
                "marks": [actor in step.pelaksana for actor in sop.pelaksana_columns],
                "kelengkapan": step.kelengkapan,
                "waktu": step.waktu.label(lang),
                "output": step.output if lang == "id" else step.output_en,
                "start": hhmm(r.start) if r else "",
                "end": hhmm(r.end) if r else "",
                "duration": fmt_elapsed(r.duration_s) if r and r.duration_s is not None else "",
                "verdict": v.label(lang),
                "kind": v.kind,
                "deviation": v.deviation,
                "keterangan": step.keterangan,
                "hard_limit": fmt_elapsed(v.hard_limit_s) if v.deviation and v.hard_limit_s else "",
                "hosts": ", ".join(r.hosts) if r else "",
            }
        )
    deviations = sum(1 for v in verdicts if v.deviation)
    status, status_class = run_status(run, outcome, lang)
    office = office or {}
    complete_text = (
        t["agenda_ok"] if run.complete else (t["agenda_bad"] if run.finished else t["agenda_killed"])
    )
    return {
        "lang": lang,
        "t": t,
        "office_name": office.get("name") or t["office_unknown"],
        "office_short": office.get("short_name", ""),
        "sop_nomor": sop.nomor,
        "sop_nama": sop.nama if lang == "id" else sop.name_en,
        "sop_instansi": sop.instansi,
        "date": local_date(start, lang),
        "started": start.isoformat(timespec="seconds") if start else "",
        "ran_by": f"{header.get('user', '?')} @ {header.get('controller', '?')}",
        "playbook": header.get("playbook", ""),
        "run_id": run.run_id,
        "check_mode": bool(header.get("check_mode")),
        "limit": header.get("limit") or t["all"],
        "tags": ", ".join(tag for tag in header.get("tags") or [] if tag != "all") or t["all"],
        "status": status,
        "status_class": status_class,
        "pelaksana_columns": list(sop.pelaksana_columns),
        "pelaksana_inferred": sop.pelaksana_inferred,
        "rows": rows,
        "deviations": deviations,
        "summary": t["summary_dev"].format(n=deviations) if deviations else t["summary_ok"],
        "results": result_sections(run.results, lang),
        "peringatan": list(sop.peringatan),
        "agenda_file": run.source,
        "agenda_state": complete_text,
        "chain_state": (
            ""
            if chain is None
            else t["chain_broken"].format(message=chain.get("message", ""))
            if chain.get("state") == "broken"
            else t["chain_ok"]
        ),
        "chain_broken": bool(chain and chain.get("state") == "broken"),
        "agenda_complete": run.complete,
        "generated": t["generated"].format(version=version, run_id=run.run_id),
    }
