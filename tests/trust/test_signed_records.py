"""Signed certificate records: signed at issuance and at every change, published with the certificate,
verifiable offline (the command and the stand-alone script of the docs) and caught when anything changes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.services import certificate_issue, certificate_transition
from tests.factories import ProductVersionFactory, VendorFactory
from trust.keys import (
    keys_published,
    private_key_load,
    signing_key_current,
    signing_key_retire,
    signing_key_rotate,
)
from trust.signing import record_verify

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def certificate(scheme, certifier, commit):
    vendor = VendorFactory(legal_name="Công ty TNHH An ninh mạng Hà Nội", tax_code="0109876543")
    version = ProductVersionFactory(product__vendor=vendor, product__name="Hệ thống SIEM Sông Hồng", version="5.0")
    with commit():
        return certificate_issue(product_version=version, scheme=scheme, level="basic", actor=certifier,
                                 sbom_sha256="ab" * 32)


def _script(tmp_path, document, keys):
    (tmp_path / "cert.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
    return subprocess.run([sys.executable, str(DOCS / "verify_record.py"), str(tmp_path / "cert.json"),
                           str(tmp_path / "keys.json")], capture_output=True, text=True, timeout=60)


def test_signed_record_is_published_and_verifies_with_the_docs_script(api_client, certificate, tmp_path):
    document = api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial])).json()
    keys = api_client.get(reverse("trust_api:keys")).json()
    record, signature = document["record"], document["signature"]
    assert set(record) == {"serial", "product", "version", "versions", "vendor", "scheme", "level", "status",
                           "status_reason", "issued_at", "valid_until", "status_changed_at", "sbom_sha256", "key_id"}
    assert record["vendor"] == {"name": "Công ty TNHH An ninh mạng Hà Nội", "tax_code": "0109876543"}
    assert record["sbom_sha256"] == "ab" * 32 and record["status"] == "active"
    assert signature["alg"] == "Ed25519" and signature["key_id"] == record["key_id"] == keys["keys"][0]["key_id"]
    assert document["record_current"] is True and len(document["record_fingerprint"]) == 64
    assert len(keys["keys"][0]["public_key"]) == 43  # 32 raw bytes, base64url without padding
    result = _script(tmp_path, document, keys)
    assert result.returncode == 0 and result.stdout.startswith("VALID"), result.stdout + result.stderr
    assert document["record_fingerprint"] in result.stdout
    for field, value in [("status", "revoked"), ("valid_until", "2099-01-01T00:00:00Z"), ("version", "6.0"),
                         ("vendor", {"name": "Công ty khác", "tax_code": "0109876543"})]:
        forged = {**document, "record": {**record, field: value}}
        result = _script(tmp_path, forged, keys)
        assert result.returncode == 1 and result.stdout.startswith("INVALID: the signature does not match"), field
    unknown = {**document, "signature": {**signature, "key_id": "0000000000000000"}}
    assert "unknown key" in _script(tmp_path, unknown, keys).stdout


def test_signed_record_follows_every_status_change(certificate, staff, commit, api_client):
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng CVE-2026-1")
    records = list(certificate.records.order_by("version"))
    assert [r.record["status"] for r in records] == ["active", "suspended"]
    assert records[1].record["status_reason"] == "Lỗ hổng CVE-2026-1"
    document = api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial])).json()
    assert document["record"]["status"] == "suspended"
    assert [p["action"] for p in document["proofs"]] == ["certificate.issue", "certificate.suspend"]
    assert "transparency/proof/?leaf_index=" in document["proofs"][0]["proof_url"]


def test_signed_record_verify_certificate_command(certificate, tmp_path, capsys, api_client):
    call_command("verify_certificate", certificate.serial)
    assert capsys.readouterr().out.startswith("VALID")
    document = api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial])).json()
    (tmp_path / "cert.json").write_text(json.dumps(document))
    (tmp_path / "keys.json").write_text(json.dumps(api_client.get(reverse("trust_api:keys")).json()))
    call_command("verify_certificate", str(tmp_path / "cert.json"), "--keys", str(tmp_path / "keys.json"))
    assert "VALID" in capsys.readouterr().out
    document["record"]["level"] = "high"
    (tmp_path / "cert.json").write_text(json.dumps(document))
    with pytest.raises(SystemExit) as exc:
        call_command("verify_certificate", str(tmp_path / "cert.json"), "--keys", str(tmp_path / "keys.json"))
    assert exc.value.code == 1 and "INVALID (invalid)" in capsys.readouterr().err
    with pytest.raises(Exception, match="No certificate"):
        call_command("verify_certificate", "VN-CSP-1999-00000")


def test_signed_record_a_status_changed_by_sql_is_stale(certificate, capsys):
    """Someone sets the status by SQL: the signed record no longer states the certificate, and says so."""
    from registry.models import Certificate

    Certificate.objects.filter(pk=certificate.pk).update(status="revoked")
    with pytest.raises(SystemExit):
        call_command("verify_certificate", certificate.serial)
    assert "stale" in capsys.readouterr().err


def test_signed_record_rotation_keeps_old_records_valid(certificate, staff, commit):
    old = signing_key_current()
    new = signing_key_rotate(actor="operator:test")
    assert new.key_id != old.key_id and signing_key_current() == new
    old.refresh_from_db()
    assert old.status == "inactive" and old.not_after is not None
    signed = certificate.records.get()
    assert record_verify(signed.record, signed.signature, keys_published()).ok  # still valid
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Kiểm tra")
    assert certificate.records.order_by("-version").first().key_id == new.key_id


def test_signed_record_compromised_key_is_refused_and_everything_re_signed(certificate, api_client, tmp_path,
                                                                              commit):
    old = signing_key_current()
    signed = certificate.records.get()
    with commit():
        signing_key_retire(key_id=old.key_id, actor="operator:test", compromised=True, reason="HSM lost")
    verdict = record_verify(signed.record, signed.signature, keys_published())
    assert verdict.code == "compromised_key" and not verdict.ok
    latest = certificate.records.order_by("-version", "-id").first()
    assert latest.resigned_from == signed and latest.key_id != old.key_id
    assert record_verify(latest.record, latest.signature, keys_published()).ok
    document = api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial])).json()
    keys = api_client.get(reverse("trust_api:keys")).json()
    assert {k["key_id"]: k["status"] for k in keys["keys"]}[old.key_id] == "compromised"
    assert _script(tmp_path, document, keys).returncode == 0
    stale = {**document, "record": signed.record, "signature": signed.signature}
    result = _script(tmp_path, stale, keys)
    assert result.returncode == 1 and "compromised" in result.stdout
    head = api_client.get(reverse("trust_api:tree_head")).json()
    assert head["signature"]["key_id"] == latest.key_id  # re-signed with the new key
    revocations = api_client.get(reverse("registry_api:revocations")).json()
    assert revocations["signature"]["key_id"] == latest.key_id


def test_signed_record_retired_key_is_reported_as_retired(certificate, commit):
    old = signing_key_current()
    signed = certificate.records.get()
    with commit():
        call_command("retire_signing_key", old.key_id)
    assert record_verify(signed.record, signed.signature, keys_published()).code == "retired_key"
    with pytest.raises(Exception, match=f"{old.key_id}.*retired"):
        call_command("retire_signing_key", old.key_id)


def test_signed_record_web_process_without_the_private_key(certificate, settings, tmp_path, api_client, staff):
    """The web process reads records and keys from the database; only signing needs the key file."""
    from config.errors import ApplicationError
    from registry.signing import certificate_sign

    settings.SIGNING_KEY_DIR = str(tmp_path / "no-keys-here")
    settings.SIGNING_KEY_AUTO_CREATE = False
    response = api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial]))
    assert response.status_code == 200 and response.json()["record"] is not None
    assert api_client.get(reverse("registry:certificate_verify", args=[certificate.serial])).status_code == 200
    with pytest.raises(ApplicationError) as exc:
        private_key_load(signing_key_current().key_id)
    assert exc.value.code == "signing_unavailable"
    certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Kiểm tra")
    with pytest.raises(ApplicationError):
        certificate_sign(certificate_id=certificate.pk)


def test_signed_record_key_files_are_private(certificate, settings):
    path = Path(settings.SIGNING_KEY_DIR) / f"{signing_key_current().key_id}.pem"
    assert path.is_file() and path.stat().st_mode & 0o077 == 0
    from trust.models import SigningKey

    assert "PRIVATE" not in json.dumps(list(SigningKey.objects.values()), default=str)
