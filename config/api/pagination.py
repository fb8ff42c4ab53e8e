from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


TOTAL_FIELD = "search_total"  # a values_list column holding COUNT(*) OVER (): the count, read with the page


class FirstPagePaginator(Paginator):
    """Reads the first page before counting: when it is not full, its length is the count (most searches
    answer one short page), and when its rows carry the total (TOTAL_FIELD, for a query that reads every
    match anyway, such as one sorted by relevance) that is the count: the count query is then not sent."""

    def page(self, number):
        try:
            first = int(number) == 1 and not (isinstance(number, float) and not number.is_integer())
        except (TypeError, ValueError):
            first = False
        if not first or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        fields = getattr(self.object_list, "_fields", None) or ()
        if len(rows) < self.per_page:
            self._count_known(len(rows))
        elif TOTAL_FIELD in fields:
            self._count_known(rows[0][fields.index(TOTAL_FIELD)])
        return self._get_page(rows, 1, self)

    def _count_known(self, n: int) -> None:
        self.__dict__["count"] = n  # the cached_property, known without a query
        self.exact = True


class CappedCountPaginator(FirstPagePaginator):
    """Counts at most `cap` + 1 rows; past the cap the count is the cap (the pages end there)."""

    def page(self, number):
        if self.per_page > settings.SEARCH_COUNT_CAP:  # a first page could hold more than the cap: count first
            return Paginator.page(self, number)
        return super().page(number)

    def _count_known(self, n: int) -> None:
        cap = settings.SEARCH_COUNT_CAP
        self.__dict__["count"] = min(n, cap)
        self.exact = n <= cap

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
