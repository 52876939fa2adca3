"""Pagination for long lists whose rows show related objects."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window

MAX_PAGE = 1_000_000  # past this the offset would overflow a database integer; never a real page


class SliceThenJoinPaginator(Paginator):
    """Pages a filtered, sorted queryset in two queries, joining the rows of one page only.

    ``object_list`` is filtered and sorted on its own table; ``rows`` adds what a page shows
    (``select_related``, ``only``). The first query reads the page's keys together with the
    number of matches (``COUNT(*) OVER ()``), so the filter — a free-text search can be most of
    the cost — is evaluated once for both; the second reads the page's rows by key with their
    joins. The database thus sorts and slices the bare table and joins fifty rows, instead of
    joining every match (tens of thousands of researchers) before sorting. A page past the end
    falls back to a count, as :class:`~django.core.paginator.Paginator` does.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *,
                 rows: Callable[[QuerySet], QuerySet], **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows

    def get_page(self, number) -> Page:
        """As :meth:`Paginator.get_page` (a wrong number gives the first page, one past the end
        the last), without counting first."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number > MAX_PAGE:
            self.validate_number(number)  # counts: a number past any list is past this one
        qs = self.object_list
        bottom = (number - 1) * self.per_page
        keyed = list(qs.annotate(_matches=Window(Count("*"))).values_list("pk", "_matches")
                     [bottom:bottom + self.per_page])
        if keyed:
            self.__dict__["count"] = keyed[0][1]  # Paginator.count is a cached_property
        elif number > 1:
            self.validate_number(number)  # counts, and raises EmptyPage past the end
        else:
            self.__dict__["count"] = 0
        ordering = qs.query.order_by or qs.model._meta.ordering
        by_key = self.rows(qs.model._base_manager.filter(pk__in=[pk for pk, _n in keyed]))
        return self._get_page(list(by_key.order_by(*ordering)), number, self)
