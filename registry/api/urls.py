from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from registry.api import trust_views, views
from registry.caching import public_page

app_name = "registry_api"
urlpatterns = [
    # Public reads are served from the cache when anonymous, with ETag, Last-Modified and 304 (registry.caching).
    path("products/", public_page(views.ProductListView.as_view()), name="product_list"),
    path("products/export/", views.ProductExportView.as_view(), name="product_export"),
    path("products/<id:pk>/", public_page(views.ProductDetailView.as_view()), name="product_detail"),
    path("products/<id:pk>/versions/", views.ProductVersionCreateView.as_view(), name="product_version_create"),
    path("vendors/", public_page(views.VendorListView.as_view()), name="vendor_list"),
    # before the id route, so "me" reads as the caller's own vendor even if ids ever become strings
    path("vendors/me/", views.VendorMeView.as_view(), name="vendor_me"),
    path("vendors/<id:pk>/", public_page(views.VendorDetailView.as_view()), name="vendor_detail"),
    path("certificates/", public_page(views.CertificateListView.as_view()), name="certificate_list"),
    # before the serial route: "status" is not a serial
    path("certificates/status/", views.CertificateStatusBulkView.as_view(), name="certificate_status"),
    path("certificates/status/attestation/", views.CertificateStatusAttestationView.as_view(),
         name="certificate_status_attestation"),
    path("certificates/<str:serial>/", public_page(views.CertificateDetailView.as_view(), status=True),
         name="certificate_detail"),
    path("certificates/<str:serial>/actions/", views.CertificateActionView.as_view(), name="certificate_actions"),
    path("revocations/", trust_views.RevocationsView.as_view(), name="revocations"),
    path("verify/pdf/", trust_views.PdfVerifyView.as_view(), name="verify_pdf"),
    path("watchlists/", views.WatchlistListView.as_view(), name="watchlist_list"),
    path("watchlists/<id:pk>/", views.WatchlistDetailView.as_view(), name="watchlist_detail"),
    path("schemes/", public_page(views.SchemeListView.as_view()), name="scheme_list"),
    path("schemes/<slug:code>/", public_page(views.SchemeDetailView.as_view()), name="scheme_detail"),
]
