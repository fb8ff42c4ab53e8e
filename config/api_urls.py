"""API v1: the public registry and the authenticated certification flow under one prefix."""

from django.urls import include, path, re_path

from registry.api.errors import api_not_found

urlpatterns = [
    path("", include("registry.api.urls")),
    path("", include("certification.api.urls")),
    # last: any other path under /api/v1/ is a 404 in the API's error format, not an HTML page
    re_path(r"^", api_not_found, name="api_not_found"),
]
