from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from registry import account_views, views, watch_views
from registry.caching import public_page

app_name = "registry"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<id:pk>/", views.product_detail, name="product_detail"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("schemes/", views.scheme_list_page, name="scheme_list"),
    path("schemes/<slug:code>/", views.scheme_detail_page, name="scheme_detail"),
    path("recent/", views.recent_changes, name="recent_changes"),
    path("feeds/certificates.atom", views.feed_certificates, name="feed_certificates"),
    path("feeds/vendors/<id:pk>/certificates.atom", views.feed_vendor_certificates, name="feed_vendor_certificates"),
    path("feeds/categories/<slug:category>/certificates.atom", views.feed_category_certificates,
         name="feed_category_certificates"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<id:pk>/download/", views.open_data_download, name="open_data_download"),
    path("vendors/register/", views.vendor_register_view, name="vendor_register"),
    path("vendors/register/done/", views.vendor_register_done, name="vendor_register_done"),
    path("vendors/<id:pk>/", public_page(views.vendor_detail), name="vendor_detail"),
    path("verify/", views.certificate_lookup, name="certificate_lookup"),
    # Before the serial pattern, which would otherwise take "bulk" for a serial.
    path("verify/bulk/", views.certificate_bulk, name="certificate_bulk"),
    path("verify/pdf/", views.certificate_pdf_verify, name="certificate_pdf_verify"),
    path("verify/bulk/attestations/<uuid:pk>/", views.attestation_detail, name="attestation_detail"),
    path("verify/bulk/attestations/<uuid:pk>/json/", views.attestation_json, name="attestation_json"),
    path("verify/bulk/attestations/<uuid:pk>/pdf/", views.attestation_pdf_view, name="attestation_pdf"),
    path("verify/<str:serial>/", public_page(views.certificate_verify, status=True), name="certificate_verify"),
    path("certificates/<str:serial>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("watchlists/", watch_views.watchlist_index, name="watchlist_list"),
    path("watchlists/<id:pk>/", watch_views.watchlist_detail, name="watchlist_detail"),
    # a person's own account pages, beside allauth's under /accounts/ (they write the audit log)
    path("accounts/tokens/", account_views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<id:pk>/revoke/", account_views.api_token_revoke_view, name="api_token_revoke"),
    path("accounts/personal-data/", account_views.personal_data, name="personal_data"),
    path("accounts/personal-data/download/", account_views.personal_data_download, name="personal_data_download"),
    path("accounts/delete/", account_views.account_delete, name="account_delete"),
]
