from django.core.management.base import BaseCommand

from trust.keys import key_dir, signing_key_rotate


class Command(BaseCommand):
    help = ("Start a new Ed25519 signing key (private key file in SIGNING_KEY_DIR, public key published); the "
            "previous key stops signing and everything it signed keeps verifying.")

    def add_arguments(self, parser):
        parser.add_argument("--reason", default="scheduled rotation")

    def handle(self, *args, **options):
        key = signing_key_rotate(actor="operator:rotate_signing_key", reason=options["reason"])
        self.stdout.write(f"New signing key {key.key_id} (private key {key_dir() / (key.key_id + '.pem')}).")
        self.stdout.write(key.key_id)
