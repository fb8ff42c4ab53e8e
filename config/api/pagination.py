from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class FirstPagePaginator(Paginator):
    """Reads the first page before counting: when it is not full, its length is the count (most searches
    answer one short page), so the count query is only sent when there is more than one page."""

    def page(self, number):
        try:
            first = int(number) == 1 and not (isinstance(number, float) and not number.is_integer())
        except (TypeError, ValueError):
            first = False
        if not first or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # the cached_property, known without a query
            self.exact = True
        return self._get_page(rows, 1, self)


class CappedCountPaginator(FirstPagePaginator):
    """Counts at most `cap` + 1 rows; past the cap the count is the cap (the pages end there)."""

    def page(self, number):
        if self.per_page > settings.SEARCH_COUNT_CAP:  # a first page could hold more than the cap: count first
            return Paginator.page(self, number)
        return super().page(number)

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
        self.django_paginator_class = CappedCountPaginator if request.query_params.get("q") else FirstPagePaginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = getattr(self.page.paginator, "exact", True)
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {"type": "boolean", "description": "false when `count` is the cap"}
        return schema
