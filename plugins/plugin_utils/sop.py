"""The SOP tables as data: load, validate, and look up steps.

This module is the single source of step names and time budgets (Mutu Baku, Waktu) for the
playbooks, the agenda callback and the reports. It does no I/O beyond reading the YAML files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said, os_reason

# What `siak-sop run NAME` runs, and which SOP table a run of each of the collection's playbooks follows:
# the playbook in the collection's playbooks/ and the SOP it follows.
PLAYBOOKS: dict[str, tuple[str, str]] = {
    "upgrade": ("upgrade.yml", "sop_piak_15"),
    "rollout": ("client_rollout.yml", "sop_piak_15"),
    "backup": ("backup.yml", "backup_db"),
    "rollback": ("rollback.yml", "sop_piak_15"),
    # The monthly restore drill serves the backup SOP without being one of its steps (the signed SOP has
    # no restore step): its report is the Laporan Uji Pemulihan (report/drill.py).
    "drill": ("restore_drill.yml", "backup_db"),
}

STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
SOP_FIELDS = {
    "id": str,
    "nomor": str,
    "nama": str,
    "name_en": str,
    "instansi": str,
    "tanggal_pembuatan": str,
    "tanggal_revisi": str,
    "tanggal_efektif": str,
    "disahkan_oleh": str,
    "dasar_hukum": list,
    "peralatan": list,
    "playbook": str,
    "pelaksana_columns": list,
    "pelaksana_inferred": bool,
    "kelengkapan_in_mutu_baku": bool,
    "signatures": list,
    "peringatan": list,
    "pencatatan": list,
    "steps": list,
}
STEP_FIELDS = {
    "id": str,
    "number": int,  # the printed "No."; not `no`, which YAML 1.1 reads as false
    "kegiatan": str,
    "kegiatan_en": str,
    "pelaksana": list,
    "kelengkapan": str,
    "waktu": (dict, type(None)),
    "output": str,
    "output_en": str,
    "keterangan": str,
    "automation": dict,
}
AUTOMATION_KINDS = ("role", "play", "callback", "tag")
# What a signer of the Laporan does, in the order the chain signs: carries the SOP out, receives the
# report, acknowledges it. The caption printed above each signature says so.
SIGNATURE_ROLES = ("performs", "receives", "acknowledges")
SIGNATURE_FIELDS = {"actor": str, "title": str, "role": str}


@dataclass(frozen=True)
class Signer:
    """One place in an SOP's signature chain: the Pelaksana column (`actor`), the office's title for it."""

    actor: str
    title: str
    role: str


@dataclass(frozen=True)
class Waktu:
    """A step's time standard. ``None`` bounds mean the SOP sets none ("–")."""

    min_minutes: int | None = None
    max_minutes: int | None = None
    after_service_hours: bool = False

    @property
    def has_budget(self) -> bool:
        return self.max_minutes is not None

    def label(self, lang: str = "id") -> str:
        if self.after_service_hours:
            return "Setelah jam pelayanan selesai" if lang == "id" else "After service hours"
        if self.max_minutes is None:
            return "–"
        unit = "menit" if lang == "id" else "min"
        if self.min_minutes == self.max_minutes:
            return f"{self.max_minutes} {unit}"
        return f"{self.min_minutes}–{self.max_minutes} {unit}"


@dataclass(frozen=True)
class Step:
    id: str
    number: int
    kegiatan: str
    kegiatan_en: str
    pelaksana: tuple[str, ...]
    kelengkapan: str
    waktu: Waktu
    output: str
    output_en: str
    keterangan: str
    automation: dict[str, str]

    def title(self, lang: str = "id") -> str:
        return self.kegiatan if lang == "id" else self.kegiatan_en


@dataclass(frozen=True)
class Sop:
    id: str
    nomor: str
    nama: str
    name_en: str
    instansi: str
    tanggal_pembuatan: str
    tanggal_revisi: str
    tanggal_efektif: str
    disahkan_oleh: str
    dasar_hukum: tuple[str, ...]
    peralatan: tuple[str, ...]
    playbook: str
    pelaksana_columns: tuple[str, ...]
    pelaksana_inferred: bool
    kelengkapan_in_mutu_baku: bool
    signatures: tuple[Signer, ...]
    peringatan: tuple[str, ...]
    pencatatan: tuple[str, ...]
    steps: tuple[Step, ...]
    source: str = ""
    _by_id: dict[str, Step] = field(default_factory=dict, repr=False, compare=False)

    def step(self, step_id: str) -> Step:
        try:
            return self._by_id[step_id]
        except KeyError:
            known = ", ".join(s.id for s in self.steps)
            raise SiakError(
                Said(N_("unknown step '{step}'"), step=step_id),
                where=self.id,
                fix=Said(N_("Use one of: {names}"), names=known),
            ) from None

    def step_for_tags(self, tags: list[str] | tuple[str, ...]) -> Step | None:
        """The step a task belongs to, from its (inherited) tags; None for untagged helpers."""
        for tag in tags:
            found = self._by_id.get(str(tag))
            if found is not None:
                return found
        return None


def _check_type(value: Any, expected: Any, where: str, name: str) -> None:
    # bool is an int in Python; a YAML `no: yes` must not pass as a step number.
    if expected is int and isinstance(value, bool):
        raise SiakError(
            Said(N_("field '{name}' must be a whole number, not {value!r}"), name=name, value=value),
            where=where,
        )
    if not isinstance(value, expected):
        kinds = expected if isinstance(expected, tuple) else (expected,)
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise SiakError(
            Said(
                N_("field '{name}' must be {kinds}, got {kind} {value!r}"),
                name=name,
                kinds=names,
                kind=type(value).__name__,
                value=value,
            ),
            where=where,
            fix=Said(N_("Correct the value in the SOP file")),
        )


def _check_fields(data: dict[str, Any], spec: dict[str, Any], where: str) -> None:
    for name, expected in spec.items():
        if name not in data:
            raise SiakError(
                Said(N_("missing field '{name}'"), name=name),
                where=where,
                fix=Said(N_("Add it (see docs/sop-tables.md)")),
            )
        _check_type(data[name], expected, where, name)
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise SiakError(
            Said(N_("unknown field(s) {names}"), names=", ".join(unknown)),
            where=where,
            fix=Said(N_("Remove them or correct the spelling")),
        )


def _parse_waktu(raw: dict[str, Any] | None, where: str) -> Waktu:
    if raw is None:
        return Waktu()
    if raw.get("after_service_hours") is True and set(raw) == {"after_service_hours"}:
        return Waktu(after_service_hours=True)
    if set(raw) != {"min", "max"}:
        raise SiakError(
            Said(
                N_(
                    "field 'waktu' must be {{min, max}} in minutes, {{after_service_hours: true}} or null, got {value!r}"
                ),
                value=raw,
            ),
            where=where,
        )
    low, high = raw["min"], raw["max"]
    for name, value in (("waktu.min", low), ("waktu.max", high)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SiakError(
                Said(
                    N_("field '{name}' must be a whole number of minutes >= 0, got {value!r}"),
                    name=name,
                    value=value,
                ),
                where=where,
            )
    if low > high:
        raise SiakError(
            Said(N_("field 'waktu': minimum {low} min exceeds maximum {high} min"), low=low, high=high),
            where=where,
            fix=Said(N_("Swap or correct the two values")),
        )
    return Waktu(min_minutes=low, max_minutes=high)


def _parse_signatures(raw: list[Any], columns: list[str], source: str) -> tuple[Signer, ...]:
    """The signature chain: each signer a Pelaksana column of the table, in the order they sign."""
    signers = []
    for index, item in enumerate(raw, start=1):
        where = Said(N_("{file}, signatures #{index}"), file=source, index=index)
        if not isinstance(item, dict):
            raise SiakError(Said(N_("a signer must be a mapping {{actor, title, role}}")), where=where)
        _check_fields(item, SIGNATURE_FIELDS, where)
        if item["actor"] not in columns:
            raise SiakError(
                Said(N_("field 'actor' {value!r} is not a Pelaksana column"), value=item["actor"]),
                where=where,
                fix=Said(N_("Use one of: {names}"), names=", ".join(columns)),
            )
        if item["role"] not in SIGNATURE_ROLES:
            raise SiakError(
                Said(
                    N_("field 'role' {value!r} is not one of {names}"),
                    value=item["role"],
                    names=", ".join(SIGNATURE_ROLES),
                ),
                where=where,
            )
        signers.append(Signer(actor=item["actor"], title=item["title"].strip(), role=item["role"]))
    if not signers:
        raise SiakError(
            Said(N_("field 'signatures' is empty")), where=source, fix=Said(N_("Name who signs the Laporan"))
        )
    return tuple(signers)


def parse_sop(data: Any, source: str) -> Sop:
    """Validate one SOP document (already parsed YAML) and build the typed table."""
    if not isinstance(data, dict):
        raise SiakError(Said(N_("the file is not a YAML mapping")), where=source)
    _check_fields(data, SOP_FIELDS, source)
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["steps"], start=1):
        label = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        where = Said(N_("{file}, step {step}"), file=source, step=label)
        if not isinstance(raw, dict):
            raise SiakError(Said(N_("a step must be a mapping")), where=where)
        _check_fields(raw, STEP_FIELDS, where)
        if not STEP_ID.match(raw["id"]):
            raise SiakError(
                Said(
                    N_("field 'id' {value!r} must be lower_snake_case (it is also an Ansible tag)"),
                    value=raw["id"],
                ),
                where=where,
            )
        if raw["id"] in seen:
            raise SiakError(
                Said(
                    N_("field 'id' {value!r} is used twice (also step #{index})"),
                    value=raw["id"],
                    index=seen[raw["id"]],
                ),
                where=where,
                fix=Said(N_("Give every step its own id; the printed 'number' may repeat")),
            )
        seen[raw["id"]] = index
        if raw["number"] < 1:
            raise SiakError(
                Said(N_("field 'number' must be 1 or more, got {value}"), value=raw["number"]), where=where
            )
        if not raw["kegiatan"].strip():
            raise SiakError(Said(N_("field 'kegiatan' is empty")), where=where)
        unknown_actors = [p for p in raw["pelaksana"] if p not in data["pelaksana_columns"]]
        if not raw["pelaksana"] or unknown_actors:
            raise SiakError(
                Said(
                    N_("field 'pelaksana' must name one or more of {names}, got {value}"),
                    names=data["pelaksana_columns"],
                    value=raw["pelaksana"],
                ),
                where=where,
            )
        automation = raw["automation"]
        if automation.get("kind") not in AUTOMATION_KINDS or not automation.get("ref"):
            raise SiakError(
                Said(
                    N_("field 'automation' needs kind (one of {names}) and ref, got {value!r}"),
                    names=", ".join(AUTOMATION_KINDS),
                    value=automation,
                ),
                where=where,
            )
        steps.append(
            Step(
                id=raw["id"],
                number=raw["number"],
                kegiatan=raw["kegiatan"].strip(),
                kegiatan_en=raw["kegiatan_en"].strip(),
                pelaksana=tuple(raw["pelaksana"]),
                kelengkapan=raw["kelengkapan"],
                waktu=_parse_waktu(raw["waktu"], where),
                output=raw["output"],
                output_en=raw["output_en"],
                keterangan=raw["keterangan"],
                automation={str(k): str(v).strip() for k, v in automation.items()},
            )
        )
    if not steps:
        raise SiakError(Said(N_("field 'steps' is empty")), where=source)
    signers = _parse_signatures(data["signatures"], data["pelaksana_columns"], source)
    return Sop(
        id=data["id"],
        nomor=data["nomor"],
        nama=data["nama"],
        name_en=data["name_en"],
        instansi=data["instansi"],
        tanggal_pembuatan=data["tanggal_pembuatan"],
        tanggal_revisi=data["tanggal_revisi"],
        tanggal_efektif=data["tanggal_efektif"],
        disahkan_oleh=data["disahkan_oleh"],
        dasar_hukum=tuple(str(p).strip() for p in data["dasar_hukum"]),
        peralatan=tuple(str(p).strip() for p in data["peralatan"]),
        playbook=data["playbook"],
        pelaksana_columns=tuple(data["pelaksana_columns"]),
        pelaksana_inferred=data["pelaksana_inferred"],
        kelengkapan_in_mutu_baku=data["kelengkapan_in_mutu_baku"],
        signatures=signers,
        peringatan=tuple(str(p).strip() for p in data["peringatan"]),
        pencatatan=tuple(str(p).strip() for p in data["pencatatan"]),
        steps=tuple(steps),
        source=source,
        _by_id={s.id: s for s in steps},
    )


def read_yaml_file(path: Path | str, what: Said) -> Any:
    """Parse a YAML file people edit; errors name the file and the line, never a traceback."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiakError(
            Said(N_("cannot read {what} ({reason})"), what=what, reason=os_reason(exc)), where=str(path)
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark:
            raise SiakError(
                Said(N_("not valid YAML at line {line}"), line=mark.line + 1), where=str(path)
            ) from None
        raise SiakError(Said(N_("not valid YAML")), where=str(path)) from None


def load_sop_file(path: Path | str) -> Sop:
    data = read_yaml_file(path, Said(N_("the SOP file")))
    try:
        return parse_sop(data, str(path))
    except SiakError as err:
        raise _with_line(err, Path(path)) from None


def _with_line(err: SiakError, path: Path) -> SiakError:
    """The error with the line of the step it names (``<file>, step <id>`` becomes ``<file> line N, ...``)."""
    where = err.where
    if not (
        isinstance(where, Said)
        and where.message == "{file}, step {step}"
        and where.values["file"] == str(path)
    ):
        return err
    label = str(where.values["step"])
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return err
    pattern = re.compile(rf"^\s*(-\s+)?id:\s*['\"]?{re.escape(label)}['\"]?\s*(#.*)?$")
    found = next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), None)
    if found is None:
        return err
    fix = err.fix or Said(
        N_("Correct the step in the SOP table, then check it with `siak-sop check-sop FILE`")
    )
    return SiakError(
        err.what,
        where=Said(N_("{file} line {line}, step {step}"), file=path, line=found, step=label),
        fix=fix,
    )


def sop_dir() -> Path:
    """The SOP tables: ``$SIAK_SOP_DIR`` when set (an office's own copy), else the ones the collection ships
    beside this module."""
    if os.environ.get("SIAK_SOP_DIR"):
        return Path(os.environ["SIAK_SOP_DIR"])
    return Path(__file__).resolve().parent / "sops"


def available_sops() -> list[str]:
    return sorted(p.stem for p in sop_dir().glob("*.yml"))


_CACHE: dict[str, Sop] = {}

# Names people type for each SOP, besides its id.
ALIASES = {
    "upgrade": "sop_piak_15",
    "piak15": "sop_piak_15",
    "sop-piak-15": "sop_piak_15",
    "backup": "backup_db",
}


def load_sop(name: str) -> Sop:
    """Load a bundled SOP by id or alias (``upgrade``, ``backup``)."""
    sop_id = ALIASES.get(name.lower(), name.lower())
    if sop_id not in _CACHE:
        path = sop_dir() / f"{sop_id}.yml"
        if not path.is_file():
            known = ", ".join(available_sops() + sorted(ALIASES))
            raise SiakError(
                Said(N_("unknown SOP '{name}'"), name=name), fix=Said(N_("Use one of: {names}"), names=known)
            )
        _CACHE[sop_id] = load_sop_file(path)
    return _CACHE[sop_id]
