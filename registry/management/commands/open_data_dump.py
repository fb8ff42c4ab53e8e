"""manage.py open_data_dump — write the full public registry as gzip CSV and JSON with checksums now."""

from django.core.management.base import BaseCommand

from registry.exports import open_data_dump_create


class Command(BaseCommand):
    help = "Write the open-data dump of the public registry (CSV and JSON, gzip, SHA-256); beat runs it nightly."

    def handle(self, *args, **options):
        for dump in open_data_dump_create():
            self.stdout.write(f"{dump.file.name}: {dump.rows} products, {dump.size} bytes, sha256 {dump.sha256}")
