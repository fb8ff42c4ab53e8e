from django.urls import path

import config.converters  # noqa: F401  (<id:...>)
from registry import account_views, views

app_name = "registry"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<id:pk>/", views.product_detail, name="product_detail"),
    path("vendors/register/", views.vendor_register_view, name="vendor_register"),
    path("vendors/register/done/", views.vendor_register_done, name="vendor_register_done"),
    path("vendors/<id:pk>/", views.vendor_detail, name="vendor_detail"),
    path("verify/", views.certificate_lookup, name="certificate_lookup"),
    # Before the serial pattern, which would otherwise take "bulk" for a serial.
    path("verify/bulk/", views.certificate_bulk, name="certificate_bulk"),
    path("verify/pdf/", views.certificate_pdf_verify, name="certificate_pdf_verify"),
    path("verify/<str:serial>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:serial>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    # a person's own account pages, beside allauth's under /accounts/ (they write the audit log)
    path("accounts/tokens/", account_views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<id:pk>/revoke/", account_views.api_token_revoke_view, name="api_token_revoke"),
    path("accounts/personal-data/", account_views.personal_data, name="personal_data"),
    path("accounts/personal-data/download/", account_views.personal_data_download, name="personal_data_download"),
    path("accounts/delete/", account_views.account_delete, name="account_delete"),
]
