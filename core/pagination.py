"""Deferred-join pagination: page over a narrow query of ids, then fetch only the page's rows.

A page deep into a long list (offset 4,975 of 5,000) otherwise makes PostgreSQL build, sort and skip
every wide row before it, computing each row's annotations (a summed subquery, joined tables) on the
way. Here the offset runs over `SELECT id ... ORDER BY <sort keys>` (an annotation stays in that query
only when the order uses it), and the page's rows come from a second query `... WHERE id IN (<page>)`
with their joins, annotations and prefetches, put back into the narrow query's order. A page costs
one query more than plain slicing, the same number for any page length.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

from core.api import Pagination


class DeferredJoinPaginator(Paginator):
    """Django's Paginator for a queryset (anything else is sliced as usual)."""

    @cached_property
    def _ids(self) -> QuerySet | None:
        if not isinstance(self.object_list, QuerySet):
            return None
        # values_list drops select_related and every annotation the ORDER BY does not name.
        return self.object_list.values_list("pk", flat=True)

    @cached_property
    def count(self) -> int:
        return super().count if self._ids is None else self._ids.count()

    def page(self, number):
        if self._ids is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self._ids[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class DeferredJoinPagination(Pagination):
    """The API's page-number pagination (`core.api.Pagination`) with the deferred join."""

    django_paginator_class = DeferredJoinPaginator
