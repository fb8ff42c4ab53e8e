from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CappedCountPaginator(Paginator):
    """Counts at most `cap` + 1 rows; past the cap the count is the cap (the pages end there)."""

    @cached_property
    def count(self) -> int:
        cap = settings.SEARCH_COUNT_CAP
        n = self.object_list.order_by()[: cap + 1].count()
        self.exact = n <= cap
        return min(n, cap)


class SearchPagination(StandardPagination):
    """A search counts its matches up to a cap (SEARCH_COUNT_CAP) and says whether the count is
    exact (`count_exact`); a list without `q` is counted whole."""

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = CappedCountPaginator if request.query_params.get("q") else Paginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = getattr(self.page.paginator, "exact", True)
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {"type": "boolean", "description": "false when `count` is the cap"}
        return schema
