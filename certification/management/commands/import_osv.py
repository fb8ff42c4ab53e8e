"""manage.py import_osv PATH... — import OSV advisories from JSON files, folders or zip archives."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certification.vulndb.osv import osv_import


class Command(BaseCommand):
    help = ("Import OSV vulnerability records from JSON files, folders of them (recursive) or OSV zip "
            "archives. Idempotent: a record is rewritten only when its 'modified' time is newer. "
            "Malformed records are reported and skipped.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--no-rematch", action="store_true",
                            help="Do not match certified products again after the import.")

    def handle(self, *args, **options):
        missing = [p for p in options["paths"] if not Path(p).exists()]
        if missing:
            # Checked before anything is written, so a typo imports nothing.
            raise CommandError("Path does not exist: " + ", ".join(missing))
        report = osv_import(options["paths"], rematch=not options["no_rematch"])
        for line in report.lines():
            self.stdout.write(line)
