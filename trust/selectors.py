"""Reads of the outbox and the workers, for the staff desk, /readyz and the operators' command."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from .choices import OutboxStatus as S
from .models import OutboxMessage


def outbox_attention_list(*, now=None, limit: int = 50):
    """Messages staff should look at: failed ones (the dead letters) and ones overdue, oldest first."""
    now = now or timezone.now()
    overdue = now - timezone.timedelta(seconds=settings.OUTBOX_OVERDUE_SECONDS)
    return (OutboxMessage.objects.filter(Q(status=S.FAILED) | Q(status=S.PENDING, created_at__lt=overdue))
            .order_by("created_at", "pk")[:limit])


@dataclass(frozen=True)
class OutboxSummary:
    pending: int
    failed: int
    overdue: int
    oldest_pending_age: float | None  # seconds


def outbox_summary(*, now=None) -> OutboxSummary:
    """Counts for the staff desk and /readyz, in one query."""
    now = now or timezone.now()
    overdue = now - timezone.timedelta(seconds=settings.OUTBOX_OVERDUE_SECONDS)
    row = OutboxMessage.objects.filter(status__in=[S.PENDING, S.FAILED]).aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING)),
        failed=Count("pk", filter=Q(status=S.FAILED)),
        overdue=Count("pk", filter=Q(status=S.PENDING, created_at__lt=overdue)),
        oldest=Min("created_at", filter=Q(status=S.PENDING)),
    )
    age = (now - row["oldest"]).total_seconds() if row["oldest"] else None
    return OutboxSummary(pending=row["pending"], failed=row["failed"], overdue=row["overdue"],
                         oldest_pending_age=age)
