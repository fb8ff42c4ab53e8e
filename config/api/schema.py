"""What every API view shares in its OpenAPI description: the error format and its answers, and
the self-hosted, server-rendered documentation page."""

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny


@extend_schema_field(OpenApiTypes.OBJECT)
class ErrorDetailsField(serializers.DictField):
    pass


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = ErrorDetailsField()


class ErrorSerializer(serializers.Serializer):
    """The one error format of the API."""

    error = ErrorBodySerializer()


ERRORS_400 = {400: OpenApiResponse(ErrorSerializer, description=_("The request is not valid."))}
ERRORS_AUTH = {
    401: OpenApiResponse(ErrorSerializer, description=_("No valid token or session.")),
    403: OpenApiResponse(ErrorSerializer, description=_("Your role may not do this.")),
}
ERROR_404 = {404: OpenApiResponse(ErrorSerializer, description=_("Not found, or not yours."))}
ERROR_413 = {413: OpenApiResponse(ErrorSerializer, description=_("The request or file is larger than the limit."))}
ERROR_415 = {415: OpenApiResponse(ErrorSerializer, description=_("This type of file is not accepted here."))}
ERROR_409 = {409: OpenApiResponse(ErrorSerializer, description=_("Not possible in the current status."))}
ERROR_429 = {429: OpenApiResponse(ErrorSerializer, description=_("Too many requests; the Retry-After header says "
                                                                 "when to try again."))}
ERROR_404_PAGE = {404: OpenApiResponse(ErrorSerializer, description=_("Not found, or not yours; or no such page of "
                                                                      "the list."))}


class AutoSchema(SpectacularAutoSchema):
    """Documents the error answers that come from the API's shared machinery rather than from one view, so
    the OpenAPI document says every status a client can meet: 401 for a wrong token and 429 everywhere,
    403 where an account is needed, 400 where there is input, 404 where there is an id or a page, and 413
    and 415 where there is a body. A view's own descriptions of these statuses win."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not responses:
            return responses
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        has_query = bool(getattr(self.view, "filterset_class", None)) or bool(self._get_paginator()) and \
            self._is_list_view()
        paginated = bool(self._get_paginator()) and self._is_list_view()
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        shared = {**ERRORS_AUTH, **ERROR_429}
        if public:
            shared.pop(403)
        if has_body or has_query:
            shared.update(ERRORS_400)
        if "{" in self.path:
            shared.update(ERROR_404)
        if paginated:
            shared.update(ERROR_404_PAGE)
        if has_body:
            shared.update({**ERROR_413, **ERROR_415})
        for code, response in shared.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses


# Documentation ---------------------------------------------------------------------------------

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_schema_cache: dict[str, dict] = {}


def api_schema(language: str) -> dict:
    """The generated OpenAPI document in one language; the code does not change while a process runs."""
    if language not in _schema_cache:
        _schema_cache[language] = SchemaGenerator().get_schema(request=None, public=True)
    return _schema_cache[language]


class ApiDocsView(TemplateView):
    """A self-hosted, server-rendered list of the endpoints: no scripts, nothing from outside."""

    template_name = "api/docs.html"

    def get_context_data(self, **kwargs):
        schema = api_schema(get_language() or settings.LANGUAGE_CODE)
        operations = []
        for path, item in schema.get("paths", {}).items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                public = {} in op.get("security", [{}])
                operations.append({
                    "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                    "description": op.get("description", ""), "public": public,
                    "tag": (op.get("tags") or ["api"])[0],
                    "parameters": [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"],
                    "responses": sorted(op.get("responses", {})),
                })
        groups: dict[str, list] = {}
        for op in operations:
            groups.setdefault(op["tag"], []).append(op)
        # public reads first, then the workflow in the order people meet it
        tag_labels = {"registry": _("Public registry"), "vendor": _("Vendors"), "applications": _("Applications"),
                      "workbench": _("Evaluator's workbench"), "staff": _("Certification body")}
        order = list(tag_labels)
        tags = sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))
        return {
            **super().get_context_data(**kwargs),
            "info": schema.get("info", {}),
            "openapi": schema.get("openapi", ""),
            "groups": [(tag_labels.get(tag, tag), groups[tag]) for tag in tags],
        }
