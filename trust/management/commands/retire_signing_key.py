from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from trust.keys import signing_key_retire


class Command(BaseCommand):
    help = ("Retire a signing key: its signatures are no longer accepted and everything it signed (certificate "
            "records, the status list, the tree head) is signed again with the current key. --compromised marks "
            "it compromised (never accepted, whatever the date).")

    def add_arguments(self, parser):
        parser.add_argument("key_id")
        parser.add_argument("--compromised", action="store_true")
        parser.add_argument("--reason", default="")

    def handle(self, *args, **options):
        try:
            key = signing_key_retire(key_id=options["key_id"], actor="operator:retire_signing_key",
                                     compromised=options["compromised"], reason=options["reason"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Key {key.key_id} is now {key.status}; what it signed was signed again.")
