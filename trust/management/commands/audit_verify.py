from django.core.management.base import BaseCommand

from trust.services import audit_verify


class Command(BaseCommand):
    help = "Verify the hash-chained audit log; exit 1 naming the first broken entry."

    def handle(self, *args, **options):
        report = audit_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified."))
            return
        self.stderr.write(
            f"Audit chain broken at entry #{report.broken_sequence}: {report.reason} "
            f"({report.checked} entries verified before it)."
        )
        raise SystemExit(1)
