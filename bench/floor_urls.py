"""Bare Django views answering what the benchmark asks, the simplest way: one or two queries, JSON."""

import json

from django.db.models import Exists, OuterRef
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from registry.models import Certificate, Product
from registry.search import products_search, serial_key, serial_key_expression

FIELDS = ("id", "name", "category", "vendor__legal_name")


def _public():
    return Product.objects.filter(listed=True)


def search(request):
    qs = _public()
    if request.GET.get("q"):
        qs = products_search(qs, request.GET["q"])
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
