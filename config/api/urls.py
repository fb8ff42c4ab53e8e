"""API v1: the public registry and the authenticated certification flow under one prefix."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from config.api.errors import api_not_found
from config.api.schema import ApiDocsView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("schema/docs/", ApiDocsView.as_view(), name="api_docs"),
    path("", include("registry.api.urls")),
    path("", include("certification.api.urls")),
    path("", include("trust.api.urls")),
    # last: any other path under /api/v1/ is a 404 in the API's error format, not an HTML page
    re_path(r"^", api_not_found, name="api_not_found"),
]
