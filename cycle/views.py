from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from organisations import permissions as org_permissions

from . import selectors

PAGE_SIZE = 25
MONTH_CHOICES = (3, 6, 12, 24)
OVERDUE_SHOWN = 50


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def planning(request):
    """The secretariat's planning: what falls due, what is overdue, what the daily jobs did."""
    org_permissions.require_secretariat(request.user)
    months = _int(request.GET.get("maanden"), 6)
    if months not in MONTH_CHOICES:
        months = 6
    today = timezone.localdate()
    plan = selectors.planning(today, months)
    page = Paginator(plan["upcoming"], PAGE_SIZE).get_page(max(1, _int(request.GET.get("pagina"), 1)))
    return render(request, "cycle/planning.html", {
        "page": page, "months": months, "month_choices": MONTH_CHOICES, "query": f"maanden={months}",
        "overdue": plan["overdue"][:OVERDUE_SHOWN], "overdue_total": len(plan["overdue"]),
        "overdue_corrections": plan["overdue_corrections"], "runs": selectors.last_runs(), "today": today,
    })
