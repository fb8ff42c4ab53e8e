from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<id:pk>/", views.product_detail, name="product_detail"),
    path("vendors/register/", views.vendor_register_view, name="vendor_register"),
    path("vendors/<id:pk>/", views.vendor_detail, name="vendor_detail"),
    path("verify/", views.certificate_lookup, name="certificate_lookup"),
    # Before the serial pattern, which would otherwise take "bulk" for a serial.
    path("verify/bulk/", views.certificate_bulk, name="certificate_bulk"),
    path("verify/<str:serial>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:serial>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
