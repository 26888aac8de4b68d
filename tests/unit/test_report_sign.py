"""The Laporan PDF signed PAdES with a certificate the test makes under a CA the test makes, then verified."""

from __future__ import annotations

import datetime
import io

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report import render
from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.sign import (
    SignSettings,
    settings_from_office,
    sign_pdf,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

pytest.importorskip("pyhanko")


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Disdukcapil Kabupaten Contoh"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_pki(folder):
    """A CA and an office certificate signed by it (RSA 2048), written as PEM; the key under a passphrase."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test CA"))
        .issuer_name(_name("Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Administrator Database"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "office.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "office.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"rahasia-kantor"),
        )
    )
    (folder / "passphrase").write_bytes(b"rahasia-kantor\n")
    return ca


def validate(data: bytes, ca):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    return validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(trust_roots=[root]))


PAGE = "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>Laporan uji</p></body></html>"


def test_signed_pdf_verifies_against_the_test_ca(tmp_path):
    ca = make_pki(tmp_path)
    office = {
        "place": "Ungaran",
        "signing": {
            "certificate": str(tmp_path / "office.pem"),
            "key": str(tmp_path / "office.key"),
            "passphrase_file": str(tmp_path / "passphrase"),
            "reason": "Laporan pemutakhiran SIAK",
        },
    }
    settings = settings_from_office(office)
    assert settings is not None and settings.location == "Ungaran"
    pdf = render.render_pdf(PAGE, tmp_path)
    signed = sign_pdf(pdf, settings)
    assert signed.startswith(pdf)  # an incremental update: the rendered bytes are what is signed
    status = validate(signed, ca)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Administrator Database"


def test_a_changed_byte_breaks_the_signature(tmp_path):
    ca = make_pki(tmp_path)
    settings = SignSettings(
        certificate=tmp_path / "office.pem",
        key=tmp_path / "office.key",
        passphrase_file=tmp_path / "passphrase",
    )
    signed = sign_pdf(render.render_pdf(PAGE, tmp_path), settings)
    at = signed.index(b"Laporan") if b"Laporan" in signed else 200
    tampered = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]
    status = validate(tampered, ca)
    assert not status.intact


def test_an_untrusted_root_is_not_trusted(tmp_path):
    make_pki(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    other_ca = make_pki(other)
    settings = SignSettings(
        certificate=tmp_path / "office.pem",
        key=tmp_path / "office.key",
        passphrase_file=tmp_path / "passphrase",
    )
    status = validate(sign_pdf(render.render_pdf(PAGE, tmp_path), settings), other_ca)
    assert status.intact and not status.trusted


def test_missing_files_are_one_clear_error(tmp_path):
    with pytest.raises(SiakError, match=r"siak_office\.signing"):
        settings_from_office({"signing": {"certificate": str(tmp_path / "office.pem")}})
    with pytest.raises(SiakError) as err:
        settings_from_office({"signing": {"pkcs12": str(tmp_path / "absent.p12")}})
    assert "absent.p12" in err.value.line()
    assert settings_from_office({}) is None
