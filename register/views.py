"""The public register (no login), the certificate PDF, and the secretariat's complaint pages."""
import csv
import io
import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.pagecache import same_until_next_write
from organisations.forms import add_service_errors
from organisations.models import Sector
from organisations.paging import page_of

from . import cache, permissions, ratelimit, seal, selectors, services
from .forms import CloseComplaintForm, ComplaintForm, ExtraordinaryCaseForm, RegisterSearchForm, VerifyForm
from .models import PUBLIC_FIELDS, Certificate, Complaint, PublicStatus, normalise_number
from .pdf import render_certificate_pdf

PAGE_SIZE = 25
SECTORS = dict(Sector.choices)


def _certificate_or_404(number) -> Certificate:
    certificate = selectors.find_certificate(normalise_number(number))
    if certificate is None:
        raise Http404(_("There is no certificate with this number."))
    return certificate


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("pagina", "1")))
    except ValueError:
        return 1


@require_GET
def register_list(request):
    form = RegisterSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    q, sector = (filters.get("q") or "").strip(), filters.get("sector") or ""
    place, status = (filters.get("place") or "").strip(), filters.get("status") or "current"
    today = timezone.localdate()
    number = _page_number(request)

    def build():
        paginator = Paginator(selectors.public_certificates(q=q, sector=sector, place=place, status=status,
                                                           today=today), PAGE_SIZE)
        page = paginator.get_page(number)
        return {"rows": [selectors.public_row(c, today) for c in page.object_list], "count": paginator.count,
                "number": page.number, "num_pages": paginator.num_pages}

    data = cache.get_or_build(("list", today, q.lower(), sector, place.lower(), status, number), build)
    for row in data["rows"]:
        row["valid_until_date"] = date.fromisoformat(row["valid_until"])
        row["sector_label"] = SECTORS.get(row["sector"], row["sector"])
        row["status_label"] = seal.status_text(row["status"])
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "register/list.html", {
        "form": form, "data": data, "query": query.urlencode(),
        "previous": data["number"] - 1 if data["number"] > 1 else None,
        "next": data["number"] + 1 if data["number"] < data["num_pages"] else None,
    })


@require_GET
def holder(request, number):
    certificate = _certificate_or_404(number)
    if normalise_number(number) != number:
        return redirect(certificate)
    today = timezone.localdate()
    return render(request, "register/holder.html", {
        "certificate": certificate, "row": selectors.public_row(certificate, today),
        "status_label": seal.status_text(certificate.public_status(today)),
        "history": selectors.public_history(certificate),
    })


@require_GET
def verify(request):
    raw = request.GET.get("nummer")
    if raw is None:
        return render(request, "register/verify.html", {"form": VerifyForm()})
    if not ratelimit.allowed(request, "verify", "REGISTER_VERIFY_RATE"):
        return ratelimit.too_many(request, "REGISTER_VERIFY_RATE")
    form = VerifyForm(request.GET)
    number = normalise_number(raw)
    certificate = selectors.find_certificate(number)
    context = {"form": form, "asked": raw[:40], "certificate": certificate}
    if certificate is None:
        return render(request, "register/verify.html", context, status=404)
    today = timezone.localdate()
    context.update(status=certificate.public_status(today), since=certificate.public_status_since(today),
                   status_label=seal.status_text(certificate.public_status(today)))
    return render(request, "register/verify.html", context)


@require_GET
def seal_svg(request, number):
    """Always an image: a withdrawn or expired certificate shows "no longer valid"; an unknown number
    an "unknown certificate" image (with status 404)."""
    normalised = normalise_number(number)
    language = translation.get_language()

    def build():
        certificate = selectors.find_certificate(normalised)
        if certificate is None:
            return 404, seal.render(number=(normalised or "?")[:20], status="unknown", since="",
                                    link=request.build_absolute_uri(reverse("register:verify")))
        today = timezone.localdate()
        status = certificate.public_status(today)
        since = certificate.public_status_since(today)
        shown = "" if status == PublicStatus.VALID else since.strftime("%d-%m-%Y")
        if status == PublicStatus.VALID:
            shown = _("until %(date)s") % {"date": certificate.valid_until.strftime("%d-%m-%Y")}
        return 200, seal.render(number=certificate.number, status=status, since=shown,
                                link=certificate.verification_url)

    status_code, svg = cache.get_or_build(("seal", timezone.localdate(), language, normalised or "-"), build,
                                          timeout=60)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8", status=status_code)
    response["Cache-Control"] = "public, max-age=60"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _open_data_rows():
    today = timezone.localdate()
    return cache.get_or_build(("open-data", today), lambda: [
        selectors.public_row(c, today) for c in selectors.public_certificates(status="all", today=today)])


@require_GET
def open_data_json(request):
    response = HttpResponse(json.dumps({"fields": list(PUBLIC_FIELDS), "certificates": _open_data_rows()},
                                       ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def open_data_csv(request):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PUBLIC_FIELDS)
    writer.writeheader()
    for row in _open_data_rows():
        writer.writerow({**row, "places": "; ".join(f"{p['name']} ({p['city']})" for p in row["places"])})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="register-warm-incasseren.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
def complaint(request, number):
    certificate = _certificate_or_404(number)
    form = ComplaintForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not ratelimit.allowed(request, "complaint", "REGISTER_COMPLAINT_RATE"):
            return ratelimit.too_many(request, "REGISTER_COMPLAINT_RATE")
        if form.is_valid():
            if form.cleaned_data["website"]:  # the honeypot: say thanks, keep nothing
                return redirect("register:complaint_thanks", number=certificate.number)
            try:
                services.file_complaint(certificate=certificate, text=form.cleaned_data["text"],
                                        name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                                        phone=form.cleaned_data["phone"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("register:complaint_thanks", number=certificate.number)
    return render(request, "register/complaint.html", {"certificate": certificate, "form": form},
                  status=400 if form.errors else 200)


@require_GET
def complaint_thanks(request, number):
    return render(request, "register/complaint_thanks.html", {"certificate": _certificate_or_404(number)})


# --------------------------------------------------------------------------- the holder and the foundation


@login_required
@require_GET
def certificate_pdf(request, number):
    certificate = _certificate_or_404(number)
    if not permissions.can_download_certificate(request.user, certificate):
        raise Http404
    language = request.GET.get("taal", translation.get_language() or "nl")[:2]
    response = HttpResponse(render_certificate_pdf(certificate, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def complaint_list(request):
    if not permissions.can_handle_complaints(request.user):
        raise PermissionDenied
    state = request.GET.get("status", "")
    page = page_of(request, selectors.complaints(state=state), size=PAGE_SIZE)
    return TemplateResponse(request, "register/complaint_list.html", {
        "page": page, "state": state, "states": Complaint.State.choices})


def _complaint_or_404(user, pk) -> Complaint:
    if not permissions.can_handle_complaints(user):
        raise PermissionDenied
    return get_object_or_404(Complaint.objects.select_related("certificate", "organisation", "handled_by",
                                                              "extraordinary_case"), pk=pk)


@login_required
@require_GET
def complaint_detail(request, pk):
    item = _complaint_or_404(request.user, pk)
    return render(request, "register/complaint_detail.html", _complaint_context(request, item))


def _complaint_context(request, item, **forms) -> dict:
    return {
        "complaint": item,
        "can_investigate": permissions.can_investigate_complaint(request.user, item),
        "can_close": permissions.can_close_complaint(request.user, item),
        "can_open_case": permissions.can_open_extraordinary_case(request.user, item),
        "close_form": forms.get("close_form") or CloseComplaintForm(),
        "case_form": forms.get("case_form") or ExtraordinaryCaseForm(),
    }


@login_required
@require_POST
def complaint_investigate(request, pk):
    item = _complaint_or_404(request.user, pk)
    try:
        services.investigate_complaint(complaint=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You started the investigation."))
    return redirect("register:complaint_detail", pk=item.pk)


@login_required
@require_POST
def complaint_close(request, pk):
    item = _complaint_or_404(request.user, pk)
    form = CloseComplaintForm(request.POST)
    if form.is_valid():
        try:
            services.close_complaint(complaint=item, actor=request.user, outcome=form.cleaned_data["outcome"],
                                     text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The complaint is closed."))
            return redirect("register:complaint_detail", pk=item.pk)
    return render(request, "register/complaint_detail.html", _complaint_context(request, item, close_form=form),
                  status=400)


@login_required
@require_POST
def complaint_open_case(request, pk):
    item = _complaint_or_404(request.user, pk)
    form = ExtraordinaryCaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.open_extraordinary_case(complaint=item, actor=request.user,
                                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Extraordinary audit %(ref)s is opened. Plan the audit next.")
                             % {"ref": case.reference})
            return redirect("register:complaint_detail", pk=item.pk)
    return render(request, "register/complaint_detail.html", _complaint_context(request, item, case_form=form),
                  status=400)

