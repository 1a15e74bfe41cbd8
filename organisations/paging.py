"""Paging for every list page: a fixed number of rows per page, whatever the number of rows.

``page_of`` gives a Django ``Page`` that also knows its query-string parameter and the rest of the
query string (search and filters), so that ``templates/_pagination.html`` links keep them."""
from django.core.paginator import Page, Paginator
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
