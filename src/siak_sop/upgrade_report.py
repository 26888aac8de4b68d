"""The upgrade report of SOP-PIAK-15 (the second steps 9 and 10): every host's result in one document.

Step 9 (report_from_adb): the ADB's report, received by the Sub Koordinator. Step 10
(report_from_subkoord): the same report passed on to the Kepala Bidang, with a signature block for all
three. Pure: the playbook gathers the per-host results and passes them in; this module decides the
verdicts and writes the Markdown. Bahasa Indonesia by default, English on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from siak_sop.errors import SiakError
from siak_sop.service_hours import DEFAULT_TIMEZONE, zone

AUDIENCES = ("sub_koordinator", "kepala_bidang")
LANGS = ("id", "en")

# Sections in SOP order: (results key, steps, Indonesian title, English title).
SECTIONS = (
    ("siak_server", "2-4", "Server fisik dan VM server SIAK", "Physical servers and the SIAK server VM"),
    ("siak_upgrade", "5-6", "Aplikasi SIAK pada server", "SIAK application on the server"),
    ("proxy_upgrade", "7-8", "Proxy SIAK pada server", "SIAK proxy on the server"),
    ("client_rollout", "9-10", "Aplikasi SIAK pada PC klien", "SIAK on the client PCs"),
)

# Result words, in both languages. Anything not listed is shown as given.
RESULTS = {
    "already_running": ("sudah berjalan", "already running"),
    "started": ("dinyalakan", "started"),
    "would_start": ("akan dinyalakan (uji coba)", "would be started (trial run)"),
    "installed": ("terpasang (instalasi pertama)", "installed (first install)"),
    "updated": ("berhasil diperbarui", "updated"),
    "unchanged": ("tidak berubah (versi sudah terpasang)", "unchanged (already at this version)"),
    "already_current": ("sudah versi terbaru", "already current"),
    "repaired": (
        "sudah terpasang, dinyalakan kembali dan sehat",
        "already installed, started again and healthy",
    ),
    "rolled_back": ("GAGAL, dikembalikan ke versi sebelumnya", "FAILED, rolled back to the previous version"),
    "unknown": (
        "TIDAK DIKETAHUI: koneksi terputus, periksa server",
        "UNKNOWN: the connection was lost, check the server",
    ),
    "failed": ("GAGAL", "FAILED"),
    "offline": ("tidak menyala (offline), belum diperbarui", "offline, not yet updated"),
    "in_use": ("sedang dipakai, belum diperbarui", "in use, not yet updated"),
    "skipped": ("dilewati", "skipped"),
}
# Words for the siak_server columns (kind, state before).
WORDS = {
    "physical": ("server fisik", "physical server"),
    "vm": ("VM", "VM"),
    "running": ("berjalan", "running"),
    "off": ("mati", "off"),
    "saved": ("tersimpan (saved)", "saved"),
    "paused": ("dijeda (paused)", "paused"),
    "starting": ("sedang menyala", "starting"),
}
BAD_RESULTS = {"failed", "rolled_back", "unknown"}
PENDING_RESULTS = {"offline", "in_use", "would_start"}

# Columns per section: (key, Indonesian header, English header).
COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "siak_server": (
        ("kind", "Jenis", "Kind"),
        ("state_before", "Keadaan awal", "State before"),
        ("how", "Cara", "How"),
        ("logged_in_as", "Masuk sebagai", "Logged in as"),
        ("answered_after_s", "Menjawab setelah (detik)", "Answered after (s)"),
        ("result", "Hasil", "Result"),
    ),
    "siak_upgrade": (
        ("from_version", "Versi lama", "From"),
        ("to_version", "Versi baru", "To"),
        ("sha256", "Checksum sha256", "sha256"),
        ("duration_s", "Durasi (detik)", "Duration (s)"),
        ("result", "Hasil", "Result"),
    ),
    "client_rollout": (
        ("from_version", "Versi lama", "From"),
        ("to_version", "Versi baru", "To"),
        ("duration_s", "Durasi (detik)", "Duration (s)"),
        ("result", "Hasil", "Result"),
    ),
}
COLUMNS["proxy_upgrade"] = COLUMNS["siak_upgrade"]

TEXT = {
    "title": ("Laporan Hasil Pemutakhiran Versi Aplikasi SIAK", "SIAK Version Upgrade Report"),
    "sop": ("SOP", "SOP"),
    "run": ("Run", "Run"),
    "date": ("Tanggal", "Date"),
    "mode": ("Mode", "Mode"),
    "trial": ("uji coba (check mode): tidak ada yang diubah", "trial run (check mode): nothing was changed"),
    "real": ("pemutakhiran", "upgrade"),
    "verdict": ("Kesimpulan", "Verdict"),
    "ok": ("BERHASIL: semua host yang dijalankan selesai", "SUCCESSFUL: every host that ran finished"),
    "pending": (
        "SELESAI SEBAGIAN: ada host yang belum diperbarui",
        "PARTLY DONE: some hosts are not yet updated",
    ),
    "bad": ("ADA KEGAGALAN: lihat baris bertanda GAGAL", "FAILURES: see the rows marked FAILED"),
    "empty": ("tidak ada hasil dalam run ini", "no results in this run"),
    "steps": ("Langkah", "Steps"),
    "host": ("Host", "Host"),
    "totals": ("Jumlah per status", "Totals per status"),
    "agenda": ("Waktu setiap langkah tercatat di Buku Agenda", "Each step's timing is in the agenda"),
    "pelaksana_note": (
        "Pelaksana tiap langkah disimpulkan dari uraian kegiatan SOP (kolom Pelaksana pada naskah tidak terbaca).",
        "Who performs each step is inferred from the SOP's wording (its Pelaksana columns did not survive).",
    ),
    "sign_title": ("Tanda tangan", "Signatures"),
    "made_by": ("Dibuat oleh", "Prepared by"),
    "received_by": ("Diterima oleh", "Received by"),
    "passed_by": ("Diteruskan oleh", "Passed on by"),
    "known_by": ("Mengetahui", "Acknowledged by"),
    "name_line": ("Nama / NIP", "Name / ID"),
}


def _t(key: str, lang: str) -> str:
    return TEXT[key][0 if lang == "id" else 1]


def _result_word(result: object, lang: str) -> str:
    words = RESULTS.get(str(result))
    return words[0 if lang == "id" else 1] if words else str(result)


def _cell(value: object) -> str:
    if value is None or value == "":
        return "-"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _row_for(section: str, host: str, data: Mapping[str, Any], lang: str) -> list[str]:
    cols = COLUMNS.get(section)
    if cols is None:
        return [host, "; ".join(f"{k}: {v}" for k, v in sorted(data.items()))]
    row = [host]
    for key in (c[0] for c in cols):
        if key == "how":
            value = data.get("backend") and f"{data['backend']} @ {data.get('hypervisor', '?')}"
            value = value or (
                data.get("power_method") if data.get("power_method") not in (None, "none") else ""
            )
        elif key == "result":
            value = _result_word(data.get("result", ""), lang)
        elif key in ("kind", "state_before") and str(data.get(key)) in WORDS:
            value = WORDS[str(data[key])][0 if lang == "id" else 1]
        elif key == "sha256" and data.get("sha256"):
            value = f"`{str(data['sha256'])[:16]}…`"
        else:
            value = data.get(key)
        row.append(_cell(value))
    return row


def _row(data: Mapping) -> dict:
    """One host's result; a role that calls its outcome ``status`` (client_rollout) is read the same way."""
    row = dict(data)
    if "result" not in row and "status" in row:
        row["result"] = row["status"]
    return row


def verdict(results: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """ok, pending (some hosts not yet done: offline, in use, trial) or bad (a failure anywhere); empty."""
    seen = [str(d.get("result", "")) for hosts in results.values() for d in hosts.values()]
    if not seen:
        return "empty"
    if any(r in BAD_RESULTS for r in seen):
        return "bad"
    if any(r in PENDING_RESULTS for r in seen):
        return "pending"
    return "ok"


def local_date(when: object, timezone: str = DEFAULT_TIMEZONE) -> str:
    """An ISO 8601 time (naive means UTC), shown as the office's local date and time (``2026-11-21 15:58 WIB``)."""
    if not when:
        return ""
    try:
        moment = datetime.fromisoformat(str(when))
    except ValueError:
        return str(when)
    if moment.tzinfo is None:  # Ansible's now(utc=true) is naive UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def build(results: Mapping, meta: Mapping) -> dict:
    """The report as data (written as JSON beside the Markdown).

    ``meta``: run_id, office, check_mode, and either ``date`` (shown as given) or ``time`` (ISO 8601 with
    an offset) with ``timezone`` (the office's, default Asia/Jakarta).
    """
    if not isinstance(results, Mapping):
        raise SiakError(f"results must be a mapping of role to hosts, got {type(results).__name__}")
    clean = {str(k): {str(h): _row(v) for h, v in dict(hosts or {}).items()} for k, hosts in results.items()}
    totals = {}
    for key, hosts in clean.items():
        counts: dict[str, int] = {}
        for data in hosts.values():
            counts[str(data.get("result", "?"))] = counts.get(str(data.get("result", "?")), 0) + 1
        totals[key] = counts
    return {
        "schema": 1,
        "sop": "SOP-PIAK-15",
        "run_id": meta.get("run_id", ""),
        "date": meta.get("date") or local_date(meta.get("time"), meta.get("timezone") or DEFAULT_TIMEZONE),
        "office": meta.get("office", ""),
        "check_mode": bool(meta.get("check_mode", False)),
        "verdict": verdict(clean),
        "results": clean,
        "totals": totals,
    }


def render_markdown(report: Mapping, audience: str = "sub_koordinator", lang: str = "id") -> str:
    if audience not in AUDIENCES:
        raise SiakError(f"unknown audience '{audience}'", fix=f"Use one of {', '.join(AUDIENCES)}")
    if lang not in LANGS:
        raise SiakError(f"unknown language '{lang}'", fix="Use id or en")
    i = 0 if lang == "id" else 1
    out = [f"# {_t('title', lang)}", ""]
    if report.get("office"):
        out += [str(report["office"]), ""]
    mode = _t("trial", lang) if report.get("check_mode") else _t("real", lang)
    out += [
        "| | |",
        "|---|---|",
        f"| {_t('sop', lang)} | SOP-PIAK-15, Pemutakhiran versi aplikasi SIAK |",
        f"| {_t('date', lang)} | {_cell(report.get('date'))} |",
        f"| {_t('run', lang)} | {_cell(report.get('run_id'))} |",
        f"| {_t('mode', lang)} | {mode} |",
        f"| {_t('verdict', lang)} | **{_t(report.get('verdict', 'empty'), lang)}** |",
        "",
    ]
    results = report.get("results", {})
    keys = [s[0] for s in SECTIONS] + sorted(k for k in results if k not in {s[0] for s in SECTIONS})
    titles = {s[0]: (s[1], s[2 + i]) for s in SECTIONS}
    for key in keys:
        steps, title = titles.get(key, ("", key))
        heading = f"## {title}" + (f" ({_t('steps', lang)} {steps})" if steps else "")
        out += [heading, ""]
        hosts = results.get(key) or {}
        if not hosts:
            out += [f"_{_t('empty', lang)}_", ""]
            continue
        cols = COLUMNS.get(key)
        header = [_t("host", lang)] + ([c[1 + i] for c in cols] if cols else ["-"])
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for host in sorted(hosts):
            out.append("| " + " | ".join(_row_for(key, host, hosts[host], lang)) + " |")
        counts = report.get("totals", {}).get(key, {})
        if len(hosts) > 1 and counts:
            summary = ", ".join(f"{_result_word(r, lang)}: {n}" for r, n in sorted(counts.items()))
            out += ["", f"{_t('totals', lang)}: {summary}"]
        out.append("")
    out += [f"{_t('agenda', lang)}. {_t('pelaksana_note', lang)}", ""]
    out += [f"## {_t('sign_title', lang)}", ""]
    if audience == "sub_koordinator":
        roles = [(_t("made_by", lang), "ADB"), (_t("received_by", lang), "Sub Koordinator")]
    else:
        roles = [
            (_t("made_by", lang), "ADB"),
            (_t("passed_by", lang), "Sub Koordinator"),
            (_t("received_by", lang), "Kepala Bidang"),
        ]
    out += ["| " + " | ".join(r[0] for r in roles) + " |", "|" + "---|" * len(roles)]
    out += ["| " + " | ".join(r[1] for r in roles) + " |"]
    out += ["| " + " | ".join(["<br><br><br>"] * len(roles)) + " |"]
    out += ["| " + " | ".join([f"{_t('name_line', lang)}: ____________"] * len(roles)) + " |", ""]
    return "\n".join(out)
