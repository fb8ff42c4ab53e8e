import json

from django.core.management.base import BaseCommand
from django.db.models import Count

from trust.models import OutboxMessage
from trust.selectors import outbox_attention_list, outbox_summary
from trust.workers import live_workers


class Command(BaseCommand):
    help = ("The outbox at a glance: messages by kind and status, the oldest undelivered one, the failed and "
            "overdue ones, and the live workers. Exit 1 when something is failed or overdue (for monitoring).")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **options):
        summary = outbox_summary()
        counts = list(OutboxMessage.objects.values("kind", "status").annotate(n=Count("pk")).order_by("kind", "status"))
        attention = [{"id": m.pk, "kind": m.kind, "status": m.status, "summary": m.summary, "attempts": m.attempts,
                      "created_at": m.created_at.isoformat(), "last_error": m.last_error[:200]}
                     for m in outbox_attention_list(limit=50)]
        workers = [{"name": w.name, "queues": w.queues, "processes": w.processes, "seen_at": w.seen_at.isoformat()}
                   for w in live_workers()]
        if options["json"]:
            self.stdout.write(json.dumps({"summary": summary.__dict__, "counts": counts, "attention": attention,
                                          "workers": workers}, indent=2, default=str))
        else:
            age = summary.oldest_pending_age
            self.stdout.write(f"pending {summary.pending} (overdue {summary.overdue}), failed {summary.failed}, "
                              f"oldest pending {'-' if age is None else f'{age:.0f} s'}")
            for row in counts:
                self.stdout.write(f"  {row['kind']:<28} {row['status']:<8} {row['n']}")
            for item in attention:
                self.stdout.write(f"  ! #{item['id']} {item['kind']} {item['status']} {item['summary']} "
                                  f"attempts={item['attempts']} {item['last_error']}")
            self.stdout.write(f"live workers: {len(workers)}")
            for worker in workers:
                self.stdout.write(f"  {worker['name']} queues={','.join(worker['queues'])} "
                                  f"processes={len(worker['processes'])} seen {worker['seen_at']}")
        if summary.failed or summary.overdue:
            raise SystemExit(1)
