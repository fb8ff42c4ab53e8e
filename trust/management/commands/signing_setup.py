from django.core.management.base import BaseCommand

from trust.keys import key_dir, signing_key_ensure
from trust.pdf_signing import pdf_signer_ensure


class Command(BaseCommand):
    help = ("Set up signing on this host (idempotent): the key directory (SIGNING_KEY_DIR, outside the repository), "
            "an Ed25519 signing key if none is active, and the PDF signing certificate (a certification-body CA "
            "and signer) unless PDF_SIGNING_KEY/PDF_SIGNING_CERT name a real one.")

    def handle(self, *args, **options):
        key = signing_key_ensure(actor="operator:signing_setup")
        self.stdout.write(f"Signing key {key.key_id} active (private key in {key_dir()}).")
        material = pdf_signer_ensure()
        self.stdout.write(f"PDF signing certificate: {material.cert_path} (subject {material.subject}).")
