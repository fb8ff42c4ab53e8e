from django.core.management.base import BaseCommand, CommandError

from certification.schemes.loader import SCHEMES_DIR, schemes_load_files
from config.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Load versioned scheme files (JSON) into the database; idempotent. Without arguments, loads every file in "
        f"{SCHEMES_DIR}. A published version never changes: changed content needs a new version number."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="scheme files or folders of them")

    def handle(self, *args, **options):
        try:
            results = schemes_load_files(paths=options["paths"] or None)
        except ApplicationError as exc:
            lines = [str(exc.message), *exc.details.get("errors", [])]
            raise CommandError("\n".join(lines)) from exc
        for result in results:
            scheme = result.scheme
            state = "loaded" if result.created else "unchanged"
            current = " (current)" if scheme.is_current else ""
            self.stdout.write(f"{scheme.code} {scheme.version}: {state}{current} [{result.path.name}]")
        created = sum(r.created for r in results)
        self.stdout.write(self.style.SUCCESS(
            f"{len(results)} scheme files: {created} loaded, {len(results) - created} unchanged."
        ))
