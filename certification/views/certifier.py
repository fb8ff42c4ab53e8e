"""The certifier's desk."""

from django.shortcuts import render

from accounts.choices import Role
from certification.choices import ApplicationStatus as S
from certification.process.selectors import (
    application_list,
)
from certification.views.common import role_required

# Certifier -------------------------------------------------------------------------------------

@role_required(Role.CERTIFIER)
def certifier_queue(request):
    base = application_list(user=request.user).select_related("product_version__product", "vendor", "scheme")
    return render(request, "certification/certifier_queue.html", {
        "waiting": base.filter(status__in=[S.EVALUATED, S.APPEALED]).order_by("completed_at", "pk"),
        "decided": base.filter(status__in=[S.CERTIFIED, S.REJECTED]).order_by("-decided_at", "-pk")[:20],
    })


