"""Paging for every list page: a fixed number of rows per page, whatever the number of rows.

``page_of`` gives a Django ``Page`` that also knows its query-string parameter and the rest of the
query string (search and filters), so that ``templates/_pagination.html`` links keep them."""
from django.core.paginator import Page, Paginator
from django.db.models import Count, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.http import urlencode

PAGE_SIZE = 25
MAX_SEARCH = 100


def search_text(request, name: str = "q") -> str:
    """A visitor's search words, trimmed and bounded."""
    return request.GET.get(name, "").strip()[:MAX_SEARCH]


def page_of(request, queryset, *, size: int = PAGE_SIZE, param: str = "pagina") -> Page:
    try:
        number = max(1, int(request.GET.get(param, "1")))
    except (TypeError, ValueError):
        number = 1
    page = Paginator(queryset, size).get_page(number)
    page.param = param
    page.query = urlencode([(key, value) for key, values in request.GET.lists() if key != param
                            for value in values if value])
    return page


def count_subquery(queryset, group_field: str):
    """A correlated ``COUNT(*)`` for an annotation (``queryset`` filtered on ``OuterRef``): the
    database counts for the rows of the page only, where ``annotate(Count(...))`` would group every
    row of the table before the page is cut out, and several counts do not multiply rows."""
    return Coalesce(
        Subquery(queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
    )
