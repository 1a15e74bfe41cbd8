"""The public register (issue 10, item 4): anyone, without logging in, searches the register, opens a
holder's page, verifies a number, embeds a live seal and downloads the open data — fast (constant
queries, cached), showing nothing that is not public, answering bad input with "not found", never a
server error, and protected against abuse."""
import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.actors import SystemActor
from organisations.models import Sector
from register import services
from register.models import PUBLIC_FIELDS, Certificate

from .. import factories
from ..helpers import english

JOB = SystemActor("tests")
LIST = reverse("register:list")
VERIFY = reverse("register:verify")


def holder_url(certificate):
    return reverse("register:holder", kwargs={"number": certificate.number})


def seal_url(number):
    return reverse("register:seal", kwargs={"number": number})


@pytest.fixture
def anonymous(client):
    return english(client)


# --------------------------------------------------------------------------- the list


def test_anyone_searches_the_register_by_name_sector_place_and_status(db, anonymous):
    bank = factories.certificate(factories.OrganisationFactory(name="Bank Voorbeeld", sector=Sector.BANK),
                                 city="Amsterdam")
    shop = factories.certificate(factories.OrganisationFactory(name="Webwinkel Zon"), city="Utrecht")
    suspended = factories.certificate(factories.OrganisationFactory(name="Energie Schors", sector=Sector.ENERGY),
                                      state="suspended")
    withdrawn = factories.certificate(factories.OrganisationFactory(name="Incasso Weg"), state="withdrawn")

    def shown(**query):
        response = anonymous.get(LIST, query)
        assert response.status_code == 200
        return [row["number"] for row in response.context["data"]["rows"]]

    assert shown() == [bank.number, suspended.number, shop.number]  # current: valid or suspended, by name
    assert shown(q="voorbeeld") == [bank.number]
    assert shown(q=shop.number) == [shop.number]
    assert shown(sector=Sector.BANK) == [bank.number]
    assert shown(place="amster") == [bank.number]
    assert shown(status="suspended") == [suspended.number]
    assert shown(status="valid") == [bank.number, shop.number]
    assert shown(status="no_longer_valid") == [withdrawn.number]
    assert shown(status="all") == [bank.number, suspended.number, withdrawn.number, shop.number]
    assert shown(sector="nonsense", status="nonsense") == [bank.number, suspended.number, shop.number]


def test_the_list_is_paginated_at_25(db, anonymous):
    for _ in range(27):
        factories.certificate()
    first = anonymous.get(LIST)
    second = anonymous.get(LIST, {"pagina": "2"})
    assert len(first.context["data"]["rows"]) == 25
    assert len(second.context["data"]["rows"]) == 2
    assert anonymous.get(LIST, {"pagina": "abc"}).status_code == 200
    assert anonymous.get(LIST, {"pagina": "999"}).context["data"]["number"] == 2


@pytest.mark.parametrize("name", ["list", "open_data_json", "open_data_csv"])
def test_public_lists_take_the_same_number_of_queries_for_n_and_3n_holders(db, anonymous, name,
                                                                          django_assert_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse(f"register:{name}")
    counts = []
    for n in (3, 9):
        while Certificate.objects.count() < n:
            factories.certificate()
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts
    with django_assert_num_queries(0):  # cached: the register is read by many
        anonymous.get(url)


def test_a_change_shows_in_the_register_at_once(db, anonymous, django_capture_on_commit_callbacks):
    certificate = factories.certificate()
    assert anonymous.get(LIST, {"status": "suspended"}).context["data"]["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend_certificate(certificate=certificate, actor=JOB, reason="Test.")
    assert anonymous.get(LIST, {"status": "suspended"}).context["data"]["count"] == 1
    assert b"Suspended" in anonymous.get(seal_url(certificate.number)).content


# --------------------------------------------------------------------------- the holder's page


def test_the_holder_page_shows_the_public_facts_and_the_history(certificate, anonymous):
    response = anonymous.get(holder_url(certificate))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (certificate.holder_name, certificate.number, "Hoofdkantoor (Utrecht)", "Keurmerk Warm Incasseren v1",
                 "File a complaint", "Issued"):
        assert text in html, text
    assert response.context["row"].keys() == set(PUBLIC_FIELDS)


def test_the_holder_page_shows_nothing_that_is_not_public(certificate, anonymous, applicant_admin, auditor,
                                                          members, secretariat):
    html = anonymous.get(holder_url(certificate)).content.decode()
    not_public = [applicant_admin.full_name, auditor.full_name, secretariat.full_name,
                  *(m.full_name for m in members), "Zo doen wij het nu.", "Beleid en tien dossiers bekeken.",
                  "Goed op weg.", "Voldoet aan de norm.", certificate.organisation.kvk_number, "beleid.pdf"]
    assert [text for text in not_public if text in html] == []


@pytest.mark.parametrize("number", ["WI-2099-9999", "WI-2026-1", "DOS-2026%2F00001", "x" * 40, "<script>"])
def test_an_unknown_or_malformed_number_is_a_clear_not_found(db, anonymous, number):
    response = anonymous.get(f"/register/{number}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We cannot find this page" in html and 'name="q"' in html  # the product's page, with a search box
    assert "<script>" not in html.replace('<script src=', '')


def test_a_nul_character_in_the_number_is_refused_with_the_product_page(db, anonymous):
    response = anonymous.get("/register/%00/")
    assert response.status_code == 400  # config.middleware refuses NUL anywhere in the request
    assert '<html lang="en">' in response.content.decode()


def test_a_lower_case_number_redirects_to_the_holder_page(certificate, anonymous):
    response = anonymous.get(f"/register/{certificate.number.lower()}/")
    assert response.status_code == 302 and response["Location"] == holder_url(certificate)


# --------------------------------------------------------------------------- verification


@pytest.mark.parametrize("state, text", [
    ("active", "is valid until"), ("suspended", "is suspended since"), ("withdrawn", "is no longer valid since"),
    ("expired", "is no longer valid since")])
def test_verification_answers_valid_suspended_or_no_longer_valid_with_the_date(db, anonymous, state, text):
    certificate = factories.certificate(state=state)
    response = anonymous.get(VERIFY, {"nummer": certificate.number})
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html
    if state != "active":
        assert timezone.localdate().strftime("%-d") in html


@pytest.mark.parametrize("asked", ["WI-2099-0001", "onzin", "", "WI-2026-0001' OR 1=1 --", "x" * 300])
def test_verification_of_an_unknown_or_malformed_number_says_not_found(db, anonymous, asked):
    response = anonymous.get(VERIFY, {"nummer": asked})
    assert response.status_code == 404
    assert "We did not find a certificate with the number" in response.content.decode()


def test_the_verify_page_without_a_number_shows_the_form(db, anonymous):
    response = anonymous.get(VERIFY)
    assert response.status_code == 200 and 'name="nummer"' in response.content.decode()


def test_verification_is_rate_limited_per_address(db, anonymous, settings):
    settings.REGISTER_VERIFY_RATE = "2/60"
    for _ in range(2):
        assert anonymous.get(VERIFY, {"nummer": "WI-2026-0001"}).status_code == 404
    response = anonymous.get(VERIFY, {"nummer": "WI-2026-0001"})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode() and response["Retry-After"] == "60"
    other = anonymous.get(VERIFY, {"nummer": "WI-2026-0001"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


# --------------------------------------------------------------------------- the seal


@pytest.mark.parametrize("state, text", [("active", "Valid"), ("suspended", "Suspended"),
                                         ("withdrawn", "No longer valid"), ("expired", "No longer valid")])
def test_the_seal_shows_the_status_now_and_links_to_verification(db, anonymous, state, text):
    certificate = factories.certificate(state=state)
    response = anonymous.get(seal_url(certificate.number))
    assert response.status_code == 200  # a withdrawn certificate's seal is an image, not an error
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert f">{text}" in svg and certificate.number in svg
    assert certificate.verification_path.replace("&", "&amp;") in svg or "nummer=" + certificate.number in svg
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert max_age <= 300


def test_the_seal_of_an_unknown_number_is_an_image_too(db, anonymous):
    response = anonymous.get(seal_url("WI-2099-0001"))
    assert response.status_code == 404 and b"Unknown certificate" in response.content
    assert anonymous.get("/register/zegel/nonsense.svg").status_code == 404


def test_a_seal_claim_never_outlives_the_period(db, anonymous):
    from datetime import timedelta

    today = timezone.localdate()
    certificate = factories.certificate(valid_from=today - timedelta(days=800), valid_until=today - timedelta(days=1))
    assert b"No longer valid" in anonymous.get(seal_url(certificate.number)).content


# --------------------------------------------------------------------------- open data


def test_open_data_json_has_exactly_the_public_fields(db, anonymous):
    factories.certificate(factories.OrganisationFactory(name="Bank Voorbeeld", sector=Sector.BANK))
    factories.certificate(state="withdrawn")
    data = json.loads(anonymous.get(reverse("register:open_data_json")).content)
    assert data["fields"] == list(PUBLIC_FIELDS)
    assert len(data["certificates"]) == 2
    for row in data["certificates"]:
        assert set(row) == {"number", "holder", "sector", "places", "norm_version", "valid_from", "valid_until",
                            "status", "status_since", "verification_url"}
        assert set(row["places"][0]) == {"name", "city"}
    assert {row["status"] for row in data["certificates"]} == {"valid", "no_longer_valid"}


def test_open_data_csv_has_exactly_the_public_fields(db, anonymous):
    certificate = factories.certificate()
    response = anonymous.get(reverse("register:open_data_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0].keys()) == ["number", "holder", "sector", "places", "norm_version", "valid_from",
                                    "valid_until", "status", "status_since", "verification_url"]
    assert rows[0]["number"] == certificate.number and rows[0]["places"] == "Hoofdkantoor (Utrecht)"


@pytest.mark.parametrize("url", [LIST, VERIFY, "/register/open-data.json", "/register/open-data.csv"])
def test_public_pages_need_no_login_and_refuse_other_methods(db, anonymous, url):
    assert anonymous.get(url).status_code == 200
    assert anonymous.post(url).status_code == 405
