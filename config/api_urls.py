"""API v1: the public registry and the authenticated certification flow under one prefix."""

from django.urls import include, path

urlpatterns = [
    path("", include("registry.api.urls")),
    path("", include("certification.api.urls")),
]
