"""List pages keep a constant number of queries as the data grows (no N+1).

Each test renders a page for N and for 3N items and asserts the same number of queries.
"""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Case
from organisations import services as org_services

from .. import factories
from ..helpers import criteria_of, set_state, upload


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def assert_constant(measure, grow, n):
    """``grow(k)`` adds k items; the page must cost the same with n and with 3n items."""
    grow(n)
    measure()  # warm the process-wide caches (content types, permissions) first
    small = measure()
    grow(2 * n)
    large = measure()
    assert small == large, f"{small} queries with {n} items, {large} with {3 * n}"


# --------------------------------------------------------------------------- applicant dashboard


def test_dashboard_queries_do_not_grow_with_organisations_and_cases(applicant_admin, client_for):
    client = client_for(applicant_admin)

    def grow(k):
        for _ in range(k):
            organisation = factories.OrganisationFactory()
            factories.make_member(organisation, applicant_admin, role="admin")
            closed = factories.start_case(organisation, applicant_admin)
            services.withdraw_case(case=closed, actor=applicant_admin, reason="Opnieuw")
            case = factories.start_case(organisation, applicant_admin)
            factories.answer_all(case, applicant_admin, criteria=criteria_of(case)[:2])
        # And organisations where the user is only a member.
        for _ in range(k):
            organisation = factories.OrganisationFactory()
            factories.make_member(organisation, applicant_admin)

    assert_constant(lambda: count_queries(client, reverse("certification:dashboard")), grow, 2)


# --------------------------------------------------------------------------- intake queue


def test_intake_queue_queries_do_not_grow_with_submitted_cases(secretariat, client_for):
    client = client_for(secretariat)
    creator = factories.UserFactory()

    def grow(k):
        version = factories.current_version()
        for i in range(k):
            organisation = factories.OrganisationFactory()
            case = Case.objects.create(organisation=organisation, scheme_version=version, created_by=creator)
            set_state(case, Case.State.SUBMITTED, submitted_at=timezone.now())
            decided = Case.objects.create(organisation=factories.OrganisationFactory(), scheme_version=version,
                                          created_by=creator)
            set_state(decided, Case.State.ADMITTED if i % 2 else Case.State.NOT_ADMITTED)

    assert_constant(lambda: count_queries(client, reverse("certification:intake_queue")), grow, 5)


# --------------------------------------------------------------------------- self-assessment, evidence, file


def test_theme_page_queries_do_not_grow_with_answers_and_evidence(draft_case, applicant_admin, applicant_member,
                                                                  client_for):
    client = client_for(applicant_member)
    all_criteria = criteria_of(draft_case)
    largest = max({c.theme for c in all_criteria}, key=lambda t: sum(c.theme == t for c in all_criteria))
    criteria = [c for c in all_criteria if c.theme == largest]
    url = reverse("certification:self_assessment_theme", args=[draft_case.pk, criteria[0].theme.code])
    done = []

    def grow(k):
        todo = criteria[len(done):len(done) + k]
        factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=todo)
        for criterion in todo:
            upload(draft_case, applicant_admin, name=f"bewijs-{criterion.code}.pdf", criteria=[criterion])
            upload(draft_case, applicant_member, name=f"extra-{criterion.code}.pdf", criteria=criteria)
        done.extend(todo)

    assert len(criteria) >= 3
    assert_constant(lambda: count_queries(client, url), grow, 1)


def test_evidence_list_queries_do_not_grow_with_files(draft_case, applicant_admin, applicant_member, client_for):
    client = client_for(applicant_member)
    criteria = criteria_of(draft_case)
    made = []

    def grow(k):
        for _ in range(k):
            user = applicant_admin if len(made) % 2 else applicant_member
            made.append(upload(draft_case, user, name=f"bestand-{len(made)}.pdf",
                               criteria=criteria[len(made) % 5: len(made) % 5 + 3]))

    assert_constant(lambda: count_queries(client, reverse("certification:evidence", args=[draft_case.pk])),
                    grow, 3)


def test_case_file_queries_do_not_grow_with_answers_and_evidence(draft_case, applicant_admin, applicant_member,
                                                                 secretariat, client_for):
    client = client_for(secretariat)
    criteria = criteria_of(draft_case)
    done = []

    def grow(k):
        todo = criteria[len(done):len(done) + k]
        factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=todo)
        for criterion in todo:
            upload(draft_case, applicant_admin, name=f"bewijs-{criterion.code}.pdf", criteria=[criterion, criteria[0]])
        done.extend(todo)

    assert_constant(lambda: count_queries(client, reverse("certification:case_file", args=[draft_case.pk])), grow, 4)


def test_case_page_queries_do_not_grow_with_history(draft_case, applicant_admin, applicant_member, client_for):
    client = client_for(applicant_admin)
    criteria = criteria_of(draft_case)
    done = []

    def grow(k):
        todo = criteria[len(done):len(done) + k]
        factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=todo)
        for criterion in todo:
            upload(draft_case, applicant_member, name=f"bewijs-{criterion.code}.pdf", criteria=[criterion])
        done.extend(todo)

    assert_constant(lambda: count_queries(client, reverse("certification:case_detail", args=[draft_case.pk])),
                    grow, 3)


# --------------------------------------------------------------------------- organisation page


def test_organisation_page_queries_do_not_grow_with_members_invitations_locations(organisation, applicant_admin,
                                                                                  client_for):
    client = client_for(applicant_admin)
    made = []

    def grow(k):
        for _ in range(k):
            n = len(made)
            factories.make_member(organisation, role="admin" if n % 2 else "member")
            org_services.invite_member(organisation=organisation, actor=applicant_admin,
                                       email=f"uitnodiging{n}@example.test", role="member")
            org_services.add_location(organisation=organisation, actor=applicant_admin, name=f"Vestiging {n}",
                                      address=f"Straat {n}", city="Utrecht", is_head_office=n == 0)
            made.append(n)

    assert_constant(lambda: count_queries(client, reverse("organisations:detail", args=[organisation.pk])),
                    grow, 3)
