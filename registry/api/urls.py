from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from registry.api import trust_views, views

app_name = "registry_api"
urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/<id:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<id:pk>/versions/", views.ProductVersionCreateView.as_view(), name="product_version_create"),
    path("vendors/", views.VendorListView.as_view(), name="vendor_list"),
    # before the id route, so "me" reads as the caller's own vendor even if ids ever become strings
    path("vendors/me/", views.VendorMeView.as_view(), name="vendor_me"),
    path("vendors/<id:pk>/", views.VendorDetailView.as_view(), name="vendor_detail"),
    path("certificates/", views.CertificateListView.as_view(), name="certificate_list"),
    # before the serial route: "status" is not a serial
    path("certificates/status/", views.CertificateStatusBulkView.as_view(), name="certificate_status"),
    path("certificates/<str:serial>/", views.CertificateDetailView.as_view(), name="certificate_detail"),
    path("certificates/<str:serial>/actions/", views.CertificateActionView.as_view(), name="certificate_actions"),
    path("revocations/", trust_views.RevocationsView.as_view(), name="revocations"),
    path("verify/pdf/", trust_views.PdfVerifyView.as_view(), name="verify_pdf"),
    path("schemes/", views.SchemeListView.as_view(), name="scheme_list"),
    path("schemes/<slug:code>/", views.SchemeDetailView.as_view(), name="scheme_detail"),
]
