from django.core.management.base import BaseCommand

from trust.outbox import outbox_sweep


class Command(BaseCommand):
    help = ("Run the outbox sweeper once: take back the claims of dead workers and publish (or, in the "
            "embedded mode, deliver) every message that is due. Beat runs it every OUTBOX_SWEEP_SECONDS.")

    def handle(self, *args, **options):
        report = outbox_sweep()
        self.stdout.write(f"released {report.released}, dispatched {report.dispatched}, failed {report.failed}, "
                          f"purged {report.purged}")
