"""Sealing an agenda: the run's head signed with an SSH key, and chained into the day's head.

docs/agenda-format.md ("Seal and day chain") is the contract; docs/agenda.md says how an ADB checks them.

- **The run's seal**: ``<run_id>.seal.json`` beside ``<run_id>.jsonl``. It holds the run id, the number of
  lines, the head (the last line's hash) and an SSH signature (``ssh-keygen -Y sign``, namespace
  :data:`NAMESPACE`) of :func:`head_message`. The message names the run id, so a file copied or renamed
  under another run's name does not verify, and it names the head, so a file whose chain was recomputed
  after an edit does not either.
- **The day's chain**: ``<date>/buku-agenda.jsonl``, one line per run that ended, in the order they ended:
  ``{seq, run_id, file, lines, head, ending, prev_hash, hash}`` hashed as the agenda's lines are, each line
  signed when a key is set. A run removed from the folder, or replaced, no longer matches its line.

Signing runs ``ssh-keygen`` with the message on standard input; the key's path is on its command line,
never a secret (an encrypted key needs an agent or no passphrase). Checking writes the signature to a
0600 file in a 0700 folder, removed on every path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said

NAMESPACE = "agenda@dukcapil.siak"
DAY_FILE = "buku-agenda.chain"
SEAL_SUFFIX = ".seal.json"
SIGNED, UNSIGNED, BAD = "signed", "unsigned", "bad_signature"
TIMEOUT_S = 30


def seal_path(agenda_file: str | Path) -> Path:
    path = Path(agenda_file)
    name = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(name + SEAL_SUFFIX)


def head_message(run_id: str, lines: int, head: str) -> bytes:
    """What a run's signature signs."""
    return f"dukcapil.siak agenda\nrun_id: {run_id}\nlines: {lines}\nhead: {head}\n".encode()


def day_message(date: str, seq: int, head: str) -> bytes:
    """What a day line's signature signs: the day's head after that line."""
    return f"dukcapil.siak buku agenda\ndate: {date}\nseq: {seq}\nhead: {head}\n".encode()


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise SiakError(Said(N_("ssh-keygen is not installed")), fix=Said(N_("Install openssh-client")))
    return found


def sign(message: bytes, key_path: str | Path) -> str:
    """An armored SSH signature of ``message`` by the private key at ``key_path``."""
    key = Path(key_path).expanduser()
    if not key.is_file():
        raise SiakError(
            Said(N_("the agenda signing key does not exist")),
            where=str(key),
            fix=Said(N_("Set siak_agenda_signing_key")),
        )
    proc = subprocess.run(
        [_ssh_keygen(), "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE],
        input=message,
        capture_output=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    text = proc.stdout.decode("ascii", "replace")
    if proc.returncode != 0 or "BEGIN SSH SIGNATURE" not in text:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SiakError(
            Said(
                N_("ssh-keygen could not sign the agenda's head: {error}"),
                error=said[-1] if said else f"rc {proc.returncode}",
            ),
            where=str(key),
            fix=Said(
                N_("Use an unencrypted key readable by the user that runs the playbook (or one in ssh-agent)")
            ),
        )
    return text


@dataclass
class Signature:
    state: str  # signed, unsigned, bad_signature
    signer: str | None = None
    detail: str = ""


def check(message: bytes, signature: str | None, allowed_signers: str | Path | None) -> Signature:
    """Whether ``signature`` is a good signature of ``message`` by a key in ``allowed_signers``."""
    if not signature:
        return Signature(UNSIGNED, detail="no signature")
    if not allowed_signers or not Path(allowed_signers).is_file():
        raise SiakError(
            Said(N_("no allowed_signers file to check the signature against")),
            where=str(allowed_signers or ""),
            fix=Said(N_("Give --allowed-signers FILE or set SIAK_AGENDA_ALLOWED_SIGNERS (docs/agenda.md)")),
        )
    tool = _ssh_keygen()
    folder = tempfile.mkdtemp(prefix="siak-sig-")
    try:
        os.chmod(folder, 0o700)
        sig = Path(folder) / "head.sig"
        fd = os.open(sig, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(signature)
        found = subprocess.run(
            [tool, "-Y", "find-principals", "-s", str(sig), "-f", str(allowed_signers)],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        principals = found.stdout.decode("utf-8", "replace").split()
        if found.returncode != 0 or not principals:
            return Signature(BAD, detail="not signed by a key in the allowed_signers file")
        for principal in principals:
            proc = subprocess.run(
                [
                    tool,
                    "-Y",
                    "verify",
                    "-f",
                    str(allowed_signers),
                    "-I",
                    principal,
                    "-n",
                    NAMESPACE,
                    "-s",
                    str(sig),
                ],
                input=message,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
            if proc.returncode == 0:
                return Signature(SIGNED, signer=principal)
        return Signature(BAD, signer=principals[0], detail="the signature does not match this agenda's head")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the day's chain ------------------------------------------------------------------------------


def _canonical(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def day_line_hash(obj: Mapping[str, Any]) -> str:
    import hashlib

    body = {k: v for k, v in obj.items() if k not in ("hash", "signature")}
    return hashlib.sha256(((obj.get("prev_hash") or "") + _canonical(body)).encode("utf-8")).hexdigest()


def append_day(day_dir: str | Path, entry: Mapping[str, Any], key_path: str | Path | None) -> dict[str, Any]:
    """Chain one ended run into the day's chain (under a lock: runs end side by side)."""
    path = Path(day_dir) / DAY_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o640)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            last = None
            for raw in fh.read().splitlines():
                with contextlib.suppress(ValueError):
                    last = json.loads(raw)
            obj = dict(entry)
            obj["seq"] = int(last["seq"]) + 1 if isinstance(last, dict) and "seq" in last else 0
            obj["prev_hash"] = last.get("hash") if isinstance(last, dict) else None
            obj["hash"] = day_line_hash(obj)
            if key_path:
                obj["signature"] = sign(day_message(Path(day_dir).name, obj["seq"], obj["hash"]), key_path)
            fh.seek(0, os.SEEK_END)
            fh.write(_canonical(obj) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return obj


@dataclass
class DayVerdict:
    folder: str
    ok: bool
    lines: int
    problems: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    signature: Signature | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "ok": self.ok,
            "lines": self.lines,
            "problems": self.problems,
            "runs": self.runs,
            "signature": None
            if self.signature is None
            else {
                "state": self.signature.state,
                "signer": self.signature.signer,
                "detail": self.signature.detail,
            },
        }


# --- checking a run and a day ---------------------------------------------------------------------


def name_matches(path: str | Path, run_id: str | None) -> bool:
    """``<run_id>.jsonl``, or ``<run_id>.<n>.jsonl`` for a run whose id was already taken."""
    name = Path(path).name
    if not run_id or not name.endswith(".jsonl"):
        return False
    stem = name[: -len(".jsonl")]
    if stem == run_id:
        return True
    base, dot, n = stem.rpartition(".")
    return bool(dot) and base == run_id and n.isdigit()


def read_seal(agenda_file: str | Path) -> dict[str, Any] | None:
    path = seal_path(agenda_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"broken": True}
    return data if isinstance(data, dict) else {"broken": True}


def check_run(
    run_id: str | None,
    lines: int,
    head: str | None,
    seal: Mapping[str, Any] | None,
    allowed_signers: str | Path | None,
) -> Signature:
    """The run's signature against what its file holds now."""
    if not seal or not seal.get("signature"):
        return Signature(UNSIGNED, detail="the run was not signed (no seal or no signing key)")
    if seal.get("broken"):
        return Signature(BAD, detail="the seal file is not readable JSON")
    found = check(head_message(str(run_id), lines, str(head)), str(seal["signature"]), allowed_signers)
    if found.state == BAD and (seal.get("run_id"), seal.get("lines"), seal.get("head")) != (
        run_id,
        lines,
        head,
    ):
        found.detail = (
            f"the signed head is run {seal.get('run_id')} with {seal.get('lines')} lines ending {str(seal.get('head'))[:12]}, "
            f"the file holds run {run_id} with {lines} lines ending {str(head)[:12]}"
        )
    return found


def read_day(folder: str | Path) -> list[dict[str, Any]]:
    path = Path(folder) / DAY_FILE
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in raw:
        try:
            obj = json.loads(line)
        except ValueError:
            obj = {"unreadable": line[:80]}
        out.append(obj if isinstance(obj, dict) else {"unreadable": line[:80]})
    return out


def day_problems(
    folder: str | Path, entries: list[dict[str, Any]], heads: Mapping[str, tuple[str | None, int, str]]
) -> list[str]:
    """What is wrong between the day's chain and the run files in its folder.

    ``heads``: for each run file in the folder, its name -> (run id, lines, head) as its chain reads now.
    """
    problems: list[str] = []
    prev = None
    listed: dict[str, dict[str, Any]] = {}
    for number, obj in enumerate(entries, start=1):
        if "unreadable" in obj or not {"seq", "hash", "prev_hash", "file", "head"} <= set(obj):
            problems.append(
                Said(
                    N_("{file} line {number} is not a day record: it was changed"),
                    file=DAY_FILE,
                    number=number,
                )
            )
            break
        if obj["seq"] != number - 1 or obj["prev_hash"] != prev or day_line_hash(obj) != obj["hash"]:
            problems.append(
                Said(
                    N_("{file} line {number} was changed, added or a line before it was removed"),
                    file=DAY_FILE,
                    number=number,
                )
            )
            break
        prev = obj["hash"]
        listed[str(obj["file"])] = obj
    for name, obj in listed.items():
        if name not in heads:
            problems.append(
                Said(
                    N_("run {run_id} ({file}) is in the day's chain but its file was removed"),
                    run_id=obj.get("run_id"),
                    file=name,
                )
            )
            continue
        run_id, lines, head = heads[name]
        if (run_id, lines, head) != (obj.get("run_id"), obj.get("lines"), obj.get("head")):
            problems.append(
                Said(
                    N_("run {run_id} ({file}) was replaced or changed after it was chained into the day"),
                    run_id=obj.get("run_id"),
                    file=name,
                )
            )
    return problems


@dataclass
class RunCheck:
    """``siak-sop agenda verify`` on one file: the chain, the name, the seal and its signature."""

    path: str
    chain: Any  # agenda.Verdict
    signature: Signature
    problems: list[str] = field(default_factory=list)
    checked_signature: bool = True
    stamp: Any = None  # Timestamp

    @property
    def state(self) -> str:
        return "broken" if self.problems else self.chain.state

    @property
    def exit_code(self) -> int:
        if self.problems or self.chain.state == "broken" or self.signature.state == BAD:
            return 2
        if self.stamp is not None and self.stamp.state == "bad_timestamp":
            return 2
        code = self.chain.exit_code
        if self.signature.state == UNSIGNED and self.checked_signature:
            code = max(code, 1)
        if self.signature.state == SIGNED and not self.checked_signature:
            code = max(code, 1)
        return code

    def line(self) -> str:
        sig = {
            SIGNED: f"SIGNED by {self.signature.signer}"
            if self.checked_signature
            else "SIGNED (not checked)",
            UNSIGNED: "UNSIGNED",
            BAD: "BAD SIGNATURE",
        }[self.signature.state]
        detail = "; ".join([*self.problems, self.chain.message] if self.problems else [self.chain.message])
        extra = f" ({self.signature.detail})" if self.signature.state == BAD and self.signature.detail else ""
        if self.signature.state == SIGNED and not self.checked_signature:
            extra = " (give --allowed-signers to check it)"
        stamp = ""
        if self.stamp is not None and self.stamp.state == "timestamped":
            stamp = f", TIMESTAMPED {self.stamp.time}"
        elif self.stamp is not None and self.stamp.state == "bad_timestamp":
            stamp = f", BAD TIMESTAMP ({self.stamp.detail})"
        elif self.stamp is not None and self.stamp.state == "not_checked":
            stamp = ", timestamp not checked (give --tsa-ca)"
        return f"{self.path}: {self.state.upper()}: {detail} [{sig}{extra}{stamp}]"

    def as_dict(self) -> dict[str, Any]:
        out = self.chain.as_dict()
        out.update(
            state=self.state,
            intact=not self.problems and self.chain.intact,
            problems=self.problems,
            signature=self.signature.state,
            signer=self.signature.signer,
            signature_detail=self.signature.detail,
            timestamp=None if self.stamp is None else self.stamp.state,
            timestamp_time=None if self.stamp is None else self.stamp.time,
        )
        return out


def verify_run(
    path: str | Path, allowed_signers: str | Path | None, tsa_ca: str | Path | None = None
) -> RunCheck:
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda import verify_file  # pylint: disable=import-outside-toplevel

    chain = verify_file(path)
    problems: list[str] = []
    records = chain.records
    run_id = chain.run_id
    if chain.state != "broken" and not name_matches(path, run_id):
        problems.append(
            Said(
                N_(
                    "the file's name does not match its run id {run_id}: it was renamed or copied from another run"
                ),
                run_id=run_id,
            )
        )
    seal = read_seal(path)
    lines = len(records)
    head = records[-1]["hash"] if records else None
    if seal and not seal.get("broken"):
        if isinstance(seal.get("lines"), int) and seal["lines"] > lines and chain.state != "broken":
            problems.append(
                Said(
                    N_(
                        "the seal records {sealed} lines, the file holds {lines}: its last lines were removed"
                    ),
                    sealed=seal["lines"],
                    lines=lines,
                )
            )
        if seal.get("run_id") not in (None, run_id):
            problems.append(Said(N_("the seal beside it is run {run_id}'s"), run_id=seal.get("run_id")))
    stamp = None
    if seal and seal.get("timestamp"):
        stamp = check_timestamp(head_message(str(run_id), lines, str(head)), str(seal["timestamp"]), tsa_ca)
    if not seal or not seal.get("signature"):
        signature = Signature(UNSIGNED, detail="no signature")
    elif allowed_signers is None:
        signature = Signature(SIGNED)
        return RunCheck(str(path), chain, signature, problems, checked_signature=False, stamp=stamp)
    else:
        signature = check_run(run_id, lines, head, seal, allowed_signers)
    return RunCheck(
        str(path), chain, signature, problems, checked_signature=allowed_signers is not None, stamp=stamp
    )


def verify_day(folder: str | Path, allowed_signers: str | Path | None) -> DayVerdict:
    """The day's chain against the run files in its folder, and the day head's signature."""
    from ansible_collections.dukcapil.siak.plugins.plugin_utils.agenda import verify_file  # pylint: disable=import-outside-toplevel

    folder = Path(folder)
    entries = read_day(folder)
    heads: dict[str, tuple[str | None, int, str]] = {}
    runs = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.name == DAY_FILE:
            continue
        verdict = verify_file(path)
        head = verdict.records[-1]["hash"] if verdict.records else ""
        heads[path.name] = (verdict.run_id, len(verdict.records), head)
        runs.append({"file": path.name, "run_id": verdict.run_id, "state": verdict.state})
    problems = day_problems(folder, entries, heads)
    chained = {str(e.get("file")) for e in entries}
    for run in runs:
        if run["file"] not in chained:
            if run["state"] == "prefix":
                run["note"] = Said(N_("killed before its end: never chained into the day"))
            else:
                problems.append(
                    Said(
                        N_(
                            "run {run_id} ({file}) is not in the day's chain: added or the chain was rewritten"
                        ),
                        run_id=run["run_id"],
                        file=run["file"],
                    )
                )
    signature = None
    if entries and "hash" in entries[-1]:
        last = entries[-1]
        if not last.get("signature"):
            signature = Signature(UNSIGNED, detail="the day's head is not signed")
        elif allowed_signers is None:
            signature = Signature(SIGNED, detail="not checked")
        else:
            signature = check(
                day_message(folder.name, int(last["seq"]), str(last["hash"])),
                str(last["signature"]),
                allowed_signers,
            )
    bad = bool(problems) or (signature is not None and signature.state == BAD)
    return DayVerdict(str(folder), not bad, len(entries), problems, runs, signature)


# --- RFC 3161 timestamps (optional) ---------------------------------------------------------------


def _openssl() -> str:
    found = shutil.which("openssl")
    if not found:
        raise SiakError(
            Said(N_("openssl is not installed")), fix=Said(N_("Install openssl, or unset the TSA URL"))
        )
    return found


def timestamp(message: bytes, url: str, timeout_s: float = 15.0) -> str:
    """An RFC 3161 timestamp token of ``message`` (its SHA-256) from the TSA at ``url``, base64 DER."""
    import base64
    import hashlib
    from ansible.module_utils.urls import ConnectionError as UrlError
    from ansible.module_utils.urls import open_url

    digest = hashlib.sha256(message).hexdigest()
    query = subprocess.run(
        [_openssl(), "ts", "-query", "-digest", digest, "-sha256", "-cert"],
        capture_output=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if query.returncode != 0 or not query.stdout:
        raise SiakError(
            Said(N_("openssl could not build the timestamp query")),
            fix=Said(N_("Check the openssl installation")),
        )
    try:
        # The office's own TSA URL, through ansible-core's HTTP client (certificates validated).
        with open_url(
            url,
            data=query.stdout,
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
            timeout=timeout_s,
        ) as resp:
            body = resp.read()
    except (OSError, UrlError) as exc:
        raise SiakError(
            Said(N_("the TSA did not answer ({error})"), error=exc),
            where=url,
            fix=Said(N_("Check the TSA URL or unset it")),
        ) from None
    return base64.b64encode(body).decode("ascii")


@dataclass
class Timestamp:
    state: str  # timestamped, none, bad_timestamp, not_checked
    time: str | None = None
    detail: str = ""


def check_timestamp(message: bytes, token_b64: str | None, ca_file: str | Path | None) -> Timestamp:
    """Whether ``token_b64`` is a TSA response over ``message`` signed by a TSA the CA file trusts."""
    import base64
    import hashlib

    if not token_b64:
        return Timestamp("none")
    if not ca_file:
        return Timestamp("not_checked", detail="give --tsa-ca to check the timestamp")
    folder = tempfile.mkdtemp(prefix="siak-tsr-")
    try:
        os.chmod(folder, 0o700)
        tsr = Path(folder) / "head.tsr"
        tsr.write_bytes(base64.b64decode(token_b64))
        digest = hashlib.sha256(message).hexdigest()
        proc = subprocess.run(
            [_openssl(), "ts", "-verify", "-digest", digest, "-in", str(tsr), "-CAfile", str(ca_file)],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        if proc.returncode != 0:
            return Timestamp(
                "bad_timestamp", detail="the timestamp does not match this head or its TSA is not trusted"
            )
        text = subprocess.run(
            [_openssl(), "ts", "-reply", "-in", str(tsr), "-text"],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        ).stdout.decode("utf-8", "replace")
        when = next(
            (line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Time stamp:")),
            None,
        )
        return Timestamp("timestamped", time=when)
    except (OSError, ValueError) as exc:
        return Timestamp("bad_timestamp", detail=str(exc))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
