import json
import time

from django.core.management.base import BaseCommand, CommandError

from trust.services import audit_verify


class Command(BaseCommand):
    help = ("Verify the audit log: the hash chain, the transparency log's stored tree and signed heads, every "
            "certificate against its events, and with --head that the log still extends a head saved earlier. "
            "Exit 1 naming everything that is broken.")

    def add_arguments(self, parser):
        parser.add_argument("--head", metavar="FILE",
                            help="a signed tree head saved earlier (the JSON of transparency/head/)")

    def handle(self, *args, **options):
        head = None
        if options["head"]:
            try:
                with open(options["head"], encoding="utf-8") as fh:
                    head = json.load(fh)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the saved head {options['head']}: {exc}") from exc
            if not isinstance(head, dict):
                raise CommandError(f"{options['head']} is not a tree head (a JSON object).")
        started = time.monotonic()
        report = audit_verify(head=head)
        elapsed = time.monotonic() - started
        if report.ok:
            extended = (f" The log extends the saved head of size {head.get('tree_size')}." if head is not None
                        else "")
            self.stdout.write(self.style.SUCCESS(
                f"Audit chain intact: {report.checked} entries verified, tree root {report.root_hash}, "
                f"{report.heads_checked} signed head(s) checked, every certificate matches its events "
                f"({elapsed:.1f} s).{extended}"))
            return
        if report.broken_sequence is not None:
            self.stderr.write(f"Audit chain broken at entry #{report.broken_sequence}: {report.reason} "
                              f"({report.checked} entries verified before it).")
        for text in report.problems:
            self.stderr.write(f"- {text}")
        if head is not None and report.head_extended is False:
            self.stderr.write("The log does NOT extend the saved head: history was deleted or rewritten.")
        raise SystemExit(1)
