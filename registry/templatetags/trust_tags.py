"""The certificate history shown on the product page (one query for all of a product's certificates)."""

from django import template

from registry.models import CertificateEvent

register = template.Library()


@register.inclusion_tag("registry/includes/certificate_histories.html")
def certificate_histories(certificates):
    """Every event of the given certificates, grouped per certificate, oldest first."""
    certificates = list(certificates)
    events: dict[int, list] = {c.pk: [] for c in certificates}
    for event in (CertificateEvent.objects.filter(certificate_id__in=events.keys()).order_by("created_at", "id")
                  .values("certificate_id", "action", "to_status", "reason", "created_at", "data")):
        events[event["certificate_id"]].append(event)
    return {"histories": [(c, events[c.pk]) for c in certificates]}
