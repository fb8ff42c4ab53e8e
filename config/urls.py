from django.contrib import admin
from django.urls import include, path

from trust.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("work/", include("certification.urls")),
    path("", include("registry.urls")),
]
