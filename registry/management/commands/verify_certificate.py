import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trust.canonical import canonical_json
from trust.signing import keys_from_document, record_verify


class Command(BaseCommand):
    help = ("Check a certificate's signed record offline: SERIAL (the record this registry holds) or FILE (the "
            "JSON of certificates/{serial}/, or any JSON with 'record' and 'signature'), against the published "
            "keys (this registry's, or --keys FILE: the JSON of keys/). Exit 0 when the signature is valid and, for "
            "a serial, the record states the certificate as it stands; 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="SERIAL|FILE")
        parser.add_argument("--keys", metavar="FILE", help="the JSON of keys/ (default: this registry's keys)")

    def _json(self, path: str, what: str):
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {what} {path}: {exc}") from exc

    def handle(self, *args, target: str, keys: str | None, **options):
        from trust.keys import keys_published

        published = keys_from_document(self._json(keys, "the keys")) if keys else keys_published()
        live = None
        if Path(target).is_file():
            document = self._json(target, "the certificate")
            if not isinstance(document, dict):
                raise CommandError(f"{target} is not a JSON object.")
            record, signature = document.get("record"), document.get("signature")
        else:
            from config.errors import NotFoundError
            from registry.selectors import certificate_get
            from registry.verification import certificate_record_check

            try:
                certificate = certificate_get(serial=target)
            except NotFoundError as exc:
                raise CommandError(f"No certificate {target} (and no such file).") from exc
            check = certificate_record_check(certificate=certificate)
            if check.signed is None:
                self.stderr.write(f"INVALID: certificate {certificate.serial} has no signed record yet.")
                raise SystemExit(1)
            record, signature, live = check.signed.record, check.signed.signature, check.current
        verdict = record_verify(record, signature, published)
        if not verdict.ok:
            self.stderr.write(f"INVALID ({verdict.code}): {verdict.message}")
            raise SystemExit(1)
        import hashlib

        fingerprint = hashlib.sha256(canonical_json(record)).hexdigest()
        self.stdout.write(f"VALID: {record.get('serial')} is {record.get('status')} per its record signed with key "
                          f"{verdict.key_id} (fingerprint {fingerprint}).")
        if live is False:
            self.stderr.write("INVALID (stale): the certificate changed since this record was signed; the new record "
                              "is not signed yet.")
            raise SystemExit(1)
