"""The Laporan PDF's electronic signature (optional): PAdES with the office's certificate, by pyHanko.

In production the certificate is the office's BSrE TTE certificate. The key stays on the machine that
signs (the controller or the AWX execution node): its path and the file holding its passphrase come
from the inventory (`siak_office.signing`), never a command line. Nothing here calls a network: no
timestamp server and no revocation lookup unless the office adds them to its own signing step.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said


@dataclass(frozen=True)
class SignSettings:
    """Where the signing key and certificate are: PEM key and certificate, or one PKCS#12 (.p12/.pfx) file."""

    certificate: Path | None = None
    key: Path | None = None
    pkcs12: Path | None = None
    chain: tuple[Path, ...] = ()
    passphrase_file: Path | None = None
    reason: str = ""
    location: str = ""
    field_name: str = "TTE-Laporan"


def settings_from_office(office: dict[str, Any]) -> SignSettings | None:
    """`siak_office.signing` from the inventory, or None when the office does not sign its PDFs."""
    raw = office.get("signing")
    if not raw:
        return None
    if not isinstance(raw, dict):
        raise SiakError(
            Said(N_("siak_office.signing must be a mapping")),
            where="siak_office.signing",
            fix=Said(N_("See docs/laporan.md: certificate and key, or pkcs12, and passphrase_file")),
        )

    def path(name: str) -> Path | None:
        value = raw.get(name)
        return Path(str(value)).expanduser() if value else None

    settings = SignSettings(
        certificate=path("certificate"),
        key=path("key"),
        pkcs12=path("pkcs12"),
        chain=tuple(Path(str(p)).expanduser() for p in raw.get("chain") or []),
        passphrase_file=path("passphrase_file"),
        reason=str(raw.get("reason") or ""),
        location=str(raw.get("location") or office.get("place") or ""),
    )
    check(settings)
    return settings


def check(settings: SignSettings) -> None:
    """Every file the signature needs exists, before anything runs."""
    if settings.pkcs12 is None and (settings.certificate is None or settings.key is None):
        raise SiakError(
            Said(N_("the signing settings need certificate and key, or pkcs12")),
            where="siak_office.signing",
            fix=Said(N_("See docs/laporan.md")),
        )
    files = [settings.pkcs12, settings.certificate, settings.key, settings.passphrase_file, *settings.chain]
    for item in files:
        if item is not None and not item.is_file():
            raise SiakError(
                Said(N_("signing file not found")),
                where=str(item),
                fix=Said(N_("Check the path in siak_office.signing (a file on the machine that signs)")),
            )


def _passphrase(settings: SignSettings) -> bytes | None:
    if settings.passphrase_file is None:
        return None
    return settings.passphrase_file.read_bytes().rstrip(b"\r\n")


def sign_pdf(data: bytes, settings: SignSettings) -> bytes:
    """The PDF with a PAdES signature (an incremental update: the signed bytes are the rendered ones)."""
    check(settings)
    try:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
    except ImportError as exc:
        raise SiakError(
            Said(N_("cannot sign the PDF: pyHanko is not installed ({error})"), error=exc),
            fix=Said(N_("Run `make setup` (requirements.txt installs pyHanko)")),
        ) from None
    chain = [str(p) for p in settings.chain]
    passphrase = _passphrase(settings)
    if settings.pkcs12 is not None:
        signer = signers.SimpleSigner.load_pkcs12(
            str(settings.pkcs12), ca_chain_files=chain, passphrase=passphrase
        )
    else:
        signer = signers.SimpleSigner.load(
            str(settings.key), str(settings.certificate), ca_chain_files=chain, key_passphrase=passphrase
        )
    if signer is None:
        raise SiakError(
            Said(N_("cannot load the signing key and certificate")),
            where=str(settings.pkcs12 or settings.key),
            fix=Said(N_("Check the files and the passphrase file in siak_office.signing")),
        )
    meta = signers.PdfSignatureMetadata(
        field_name=settings.field_name,
        reason=settings.reason or None,
        location=settings.location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()
