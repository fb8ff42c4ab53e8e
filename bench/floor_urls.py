"""Bare Django views answering what the benchmark asks, the simplest way: one or two queries, JSON.

The floor's search is the plain one a developer would write first, independent of the application's own
(registry.search): every folded word of the query as a whole word, the last as a prefix, LIKE over the
stored search text (PostgreSQL answers it from the trigram GIN index of migration 0003)."""

import json

from django.db.models import Exists, OuterRef
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from registry.models import Certificate, Product
from registry.search import serial_key, serial_key_expression, words

FIELDS = ("id", "name", "category", "vendor__legal_name")


def _public():
    return Product.objects.filter(listed=True)


def search(request):
    qs = _public()
    terms = words(request.GET.get("q", ""))
    for n, term in enumerate(terms):
        qs = qs.filter(search_document__contains=f" {term}" if n == len(terms) - 1 else f" {term} ")
    for name in ("category",):
        if request.GET.get(name):
            qs = qs.filter(**{name: request.GET[name]})
    if request.GET.get("certificate_status"):
        qs = qs.filter(Exists(Certificate.objects.filter(product=OuterRef("pk"),
                                                         status=request.GET["certificate_status"])))
    return JsonResponse({"count": qs.count(), "results": list(qs.order_by("name", "pk").values(*FIELDS)[:20])})


def product(request, pk):
    row = Product.objects.filter(pk=pk).values(*FIELDS).first()
    row["certificates"] = list(Certificate.objects.filter(product_id=pk).values("serial", "status", "valid_until"))
    return JsonResponse(row)


def certificate(request, serial):
    return JsonResponse(Certificate.objects.annotate(key=serial_key_expression()).filter(key=serial_key(serial))
                        .values("serial", "status", "valid_until", "product__name", "vendor_legal_name").first())


@csrf_exempt
def bulk(request):
    serials = json.loads(request.body)["serials"]
    keys = {serial_key(s) for s in serials}
    found = {r[0]: r for r in Certificate.objects.annotate(key=serial_key_expression()).filter(key__in=keys)
             .values_list("key", "serial", "status", "valid_until")}
    results = [{"serial": s, "status": found[k][2] if (k := serial_key(s)) in found else "not_found"}
               for s in serials]
    return JsonResponse({"results": results})


urlpatterns = [
    path("search/", search),
    path("products/<int:pk>/", product),
    path("certificates/<str:serial>/", certificate),
    path("bulk/", bulk),
]
