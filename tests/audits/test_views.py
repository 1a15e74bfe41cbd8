"""Every url of audits/urls.py per persona, the pages' content, a full journey through the views,
and bad input.

Per route: allowed personas get 200 (or the redirect after a POST), outsiders 404 (never a 403
that confirms the object exists), people who see the object but lack the role 403, anonymous
visitors the login page, a wrong HTTP method 405. A refused request changes nothing.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from audits import rules, services
from audits.models import Assignment, Audit, Auditor, Classification, ConflictOfInterest, CorrectiveAction, Finding
from certification import services as cert_services
from certification.models import Case
from organisations import roles

from .. import factories
from ..helpers import assert_redirects_to_login, english, messages_of
from . import journey
from .conftest import MAJOR_CODE, MINOR_CODE

PERSONAS = ("anonymous", "admin", "member", "outsider", "lead", "co", "stranger", "secretariat", "board")
AUDITORS = ("lead", "co")
NOT_INVOLVED = ("outsider", "stranger", "board")  # a 404 for each of them
APPLICANTS = ("admin", "member")


@dataclass
class World:
    users: dict
    case: Case
    lead: Auditor
    co: Auditor
    stranger: Auditor
    head_office: object
    audit: Audit | None = None
    criteria: list = field(default_factory=list)


@pytest.fixture
def stranger(db):
    """An auditor in the register who is not assigned to anything here."""
    user = factories.foundation_user(roles.AUDITORS, full_name="Stijn Vreemd")
    factories.auditor_profile(user)
    return user


@pytest.fixture
def world(admitted_case, head_office, applicant_admin, applicant_member, other_admin, auditor, other_auditor,
          stranger, secretariat, board_member, lead_auditor, co_auditor):
    users = {"anonymous": None, "admin": applicant_admin, "member": applicant_member, "outsider": other_admin,
             "lead": auditor, "co": other_auditor, "stranger": stranger, "secretariat": secretariat,
             "board": board_member}
    return World(users=users, case=admitted_case, lead=lead_auditor, co=co_auditor, stranger=stranger.auditor,
                 head_office=head_office, criteria=journey.criteria(admitted_case))


def prepare(w: World, stage: str) -> World:
    """``admitted`` → ``planned`` (lead + co) → ``declared`` → ``started`` → ``complete`` (every
    finding recorded) → ``reported`` (1.1 major, answered by the admin; 1.2 minor, open)."""
    order = ["admitted", "planned", "declared", "started", "complete", "reported"]
    reached = order.index(stage)
    secretariat, lead_user, admin = w.users["secretariat"], w.users["lead"], w.users["admin"]
    if reached >= 1:
        w.audit = journey.plan(w.case, secretariat, w.lead, co=[w.co])
    if reached >= 2:
        journey.declare_all(w.audit)
        journey.audit_day_has_come(w.audit)  # the audit starts on its first day
    if reached >= 3:
        journey.start(w.audit, lead_user)
    if reached >= 4:
        journey.record_all(w.audit, lead_user, overrides={MAJOR_CODE: ("4", Classification.MAJOR),
                                                          MINOR_CODE: ("6", Classification.MINOR)})
    if reached >= 5:
        journey.submit(w.audit, lead_user, advice=Case.Advice.CONDITIONAL)
        services.answer_corrective_action(action=action_of(w, MAJOR_CODE), actor=admin, root_cause="Geen instructie.",
                                          plan="Instructie schrijven.", evidence=[])
    if w.audit is not None:
        w.audit = Audit.objects.select_related("case").get(pk=w.audit.pk)
    return w


def action_of(w: World, code: str) -> CorrectiveAction:
    return CorrectiveAction.objects.get(finding__audit=w.audit, finding__criterion__code=code)


def assignment_of(w: World, role: str) -> Assignment:
    return w.audit.assignments.get(role=role, state__in=Assignment.ACTIVE_STATES)


def future(days=50) -> str:
    return str(journey.audit_day(days))


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    kwargs: Callable[[World], dict]
    stage: str
    ok: tuple[str, ...]
    ok_status: int = 200
    forbidden: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    data: Callable[[World], dict] = field(default=lambda w: {})
    wrong_method: str = ""
    # checked after the allowed personas acted: the POST did what it should
    done: Callable[[World], bool] | None = None
    # allowed too, but the first allowed persona's POST already did the work (tested separately)
    also_ok: tuple[str, ...] = ()

    @property
    def other_method(self) -> str:
        return self.wrong_method or ("POST" if self.method == "GET" else "GET")

    def __str__(self) -> str:
        return f"{self.name}-{self.method}-{self.stage}"


NOBODY_BUT_SECRETARIAT = dict(ok=("secretariat",), forbidden=("admin", "member", "outsider", "lead", "co", "stranger",
                                                              "board"))
PLANNING_POST = dict(ok=("secretariat",), ok_status=302, forbidden=APPLICANTS + AUDITORS, hidden=NOT_INVOLVED)


def audit_pk(w):
    return {"pk": w.audit.pk}


ROUTES = [
    # ---------------------------------------------------------------- secretariat
    Route("audits:overview", "GET", lambda w: {}, "planned", **NOBODY_BUT_SECRETARIAT),
    Route("audits:register", "GET", lambda w: {}, "admitted", **NOBODY_BUT_SECRETARIAT),
    Route("audits:auditor_add", "GET", lambda w: {}, "admitted", wrong_method="PUT", **NOBODY_BUT_SECRETARIAT),
    Route("audits:auditor_add", "POST", lambda w: {}, "admitted", wrong_method="PUT",
          ok=("secretariat",), ok_status=302, forbidden=NOBODY_BUT_SECRETARIAT["forbidden"],
          data=lambda w: {"full_name": "Nina Nieuw", "email": "nina@ci.test", "body": w.lead.body_id,
                          "qualified_from": "2025-01-01", "qualified_until": "2028-01-01", "status": "active"},
          done=lambda w: Auditor.objects.filter(user__email="nina@ci.test").exists()),
    Route("audits:auditor_edit", "GET", lambda w: {"pk": w.lead.pk}, "admitted", wrong_method="PUT",
          **NOBODY_BUT_SECRETARIAT),
    Route("audits:plan", "GET", lambda w: {"case_pk": w.case.pk}, "admitted", wrong_method="PUT",
          ok=("secretariat",), forbidden=APPLICANTS, hidden=AUDITORS + NOT_INVOLVED),
    Route("audits:plan", "GET", lambda w: {"case_pk": w.case.pk}, "planned", wrong_method="PUT",
          ok=("secretariat",), ok_status=302, forbidden=APPLICANTS + AUDITORS, hidden=NOT_INVOLVED),
    Route("audits:plan", "POST", lambda w: {"case_pk": w.case.pk}, "admitted", wrong_method="PUT",
          ok=("secretariat",), ok_status=302, forbidden=APPLICANTS, hidden=AUDITORS + NOT_INVOLVED,
          data=lambda w: {"lead": w.lead.pk, "first_day": future(), "locations": [w.head_office.pk]},
          done=lambda w: Case.objects.get(pk=w.case.pk).state == Case.State.AUDIT_PLANNED),
    Route("audits:overdue", "GET", lambda w: {}, "reported", **NOBODY_BUT_SECRETARIAT),
    # ---------------------------------------------------------------- the audit
    Route("audits:audit_detail", "GET", audit_pk, "planned", ok=APPLICANTS + AUDITORS + ("secretariat",),
          hidden=NOT_INVOLVED),
    Route("audits:replan", "POST", audit_pk, "planned", **PLANNING_POST,
          data=lambda w: {"first_day": future(60), "reason": "Ziekte."},
          done=lambda w: str(Audit.objects.get(pk=w.audit.pk).first_day) == future(60)),
    Route("audits:cancel", "POST", audit_pk, "planned", **PLANNING_POST, data=lambda w: {"reason": "Uitstel."},
          done=lambda w: Audit.objects.get(pk=w.audit.pk).state == Audit.State.CANCELLED),
    Route("audits:assign", "POST", audit_pk, "planned", **PLANNING_POST,
          data=lambda w: {"auditor": w.stranger.pk, "role": "co"},
          done=lambda w: w.audit.assignments.filter(auditor=w.stranger).exists()),
    Route("audits:unassign", "POST", lambda w: {"pk": w.audit.pk, "assignment_pk": assignment_of(w, "co").pk},
          "planned", **PLANNING_POST,
          done=lambda w: w.audit.assignments.get(auditor=w.co).state == Assignment.State.REMOVED),
    Route("audits:start", "POST", audit_pk, "declared", ok=("lead",), ok_status=302,
          forbidden=APPLICANTS + ("co", "secretariat"), hidden=NOT_INVOLVED,
          done=lambda w: Audit.objects.get(pk=w.audit.pk).state == Audit.State.IN_PROGRESS),
    # ---------------------------------------------------------------- auditor
    Route("audits:worklist", "GET", lambda w: {}, "planned", ok=AUDITORS + ("stranger",),
          forbidden=APPLICANTS + ("outsider", "secretariat", "board")),
    Route("audits:declaration", "GET", lambda w: {"assignment_pk": assignment_of(w, "lead").pk}, "planned",
          wrong_method="PUT", ok=("lead",), forbidden=APPLICANTS + ("co", "secretariat"), hidden=NOT_INVOLVED),
    Route("audits:declaration", "POST", lambda w: {"assignment_pk": assignment_of(w, "lead").pk}, "planned",
          wrong_method="PUT", ok=("lead",), ok_status=302, forbidden=APPLICANTS + ("co", "secretariat"),
          hidden=NOT_INVOLVED, data=lambda w: {"choice": "independent"},
          done=lambda w: assignment_of(w, "lead").state == Assignment.State.INDEPENDENT),
    Route("audits:workspace", "GET", audit_pk, "started", ok=AUDITORS + ("secretariat",), forbidden=APPLICANTS,
          hidden=NOT_INVOLVED),
    Route("audits:workspace_theme", "GET", lambda w: {"pk": w.audit.pk, "theme_code": "3"}, "started",
          ok=AUDITORS + ("secretariat",), forbidden=APPLICANTS, hidden=NOT_INVOLVED),
    Route("audits:save_finding", "POST", lambda w: {"pk": w.audit.pk, "criterion_pk": w.criteria[0].pk}, "started",
          ok=AUDITORS, ok_status=302, forbidden=APPLICANTS + ("secretariat",), hidden=NOT_INVOLVED,
          data=lambda w: finding_data(w.criteria[0]),
          done=lambda w: Finding.objects.filter(audit=w.audit, criterion=w.criteria[0]).exists()),
    Route("audits:ask_evidence", "POST", audit_pk, "started", ok=AUDITORS, ok_status=302,
          forbidden=APPLICANTS + ("secretariat",), hidden=NOT_INVOLVED,
          data=lambda w: {"message": "Graag de werkinstructie.", "due_date": future(10)},
          # lead and co send the same request: asked once (the service is safe to run twice)
          done=lambda w: w.audit.evidence_requests.count() == 1),
    Route("audits:report", "GET", audit_pk, "started", wrong_method="PUT", ok=AUDITORS + ("secretariat",),
          hidden=NOT_INVOLVED + APPLICANTS),  # the applicant reads findings once the report is in
    Route("audits:report", "GET", audit_pk, "reported", wrong_method="PUT",
          ok=AUDITORS + APPLICANTS + ("secretariat",), hidden=NOT_INVOLVED),
    Route("audits:report", "POST", audit_pk, "complete", wrong_method="PUT", ok=("lead",), ok_status=302,
          forbidden=APPLICANTS + ("co", "secretariat"), hidden=NOT_INVOLVED,
          data=lambda w: {"advice": "positive", "summary": "Goed.", "interviews": "2 medewerkers", "confirm": "on"},
          done=lambda w: Audit.objects.get(pk=w.audit.pk).state == Audit.State.REPORTED),
    # read-only for the secretariat; the applicant is sent to its own findings page (tested below)
    Route("audits:verify_correction", "GET", lambda w: {"action_pk": action_of(w, MAJOR_CODE).pk}, "reported",
          wrong_method="PUT", ok=AUDITORS + ("secretariat",), also_ok=APPLICANTS, hidden=NOT_INVOLVED),
    Route("audits:verify_correction", "POST", lambda w: {"action_pk": action_of(w, MAJOR_CODE).pk}, "reported",
          wrong_method="PUT", ok=("lead",), ok_status=302, forbidden=APPLICANTS + ("secretariat",),
          hidden=NOT_INVOLVED, data=lambda w: {"verdict": "accept", "reason": "Gezien.", "verified_score": "6"},
          also_ok=("co",),
          done=lambda w: action_of(w, MAJOR_CODE).state == CorrectiveAction.State.ACCEPTED),
    Route("audits:change_deadline", "POST", lambda w: {"action_pk": action_of(w, MINOR_CODE).pk}, "reported",
          ok=AUDITORS + ("secretariat",), ok_status=302, forbidden=APPLICANTS, hidden=NOT_INVOLVED,
          data=lambda w: {"deadline": future(300), "reason": "Reorganisatie."},
          done=lambda w: str(action_of(w, MINOR_CODE).deadline) == future(300)),
    # ---------------------------------------------------------------- applicant
    Route("audits:case_findings", "GET", lambda w: {"case_pk": w.case.pk}, "reported",
          ok=APPLICANTS + AUDITORS + ("secretariat",), hidden=NOT_INVOLVED),
    Route("audits:case_findings", "GET", lambda w: {"case_pk": w.case.pk}, "started",
          ok=AUDITORS + ("secretariat",), hidden=NOT_INVOLVED + APPLICANTS),
    Route("audits:answer_correction", "POST", lambda w: {"action_pk": action_of(w, MINOR_CODE).pk}, "reported",
          ok=("admin",), ok_status=302, forbidden=("member", "lead", "co", "secretariat"), hidden=NOT_INVOLVED,
          data=lambda w: answer_data(action_of(w, MINOR_CODE)),
          done=lambda w: action_of(w, MINOR_CODE).state == CorrectiveAction.State.ANSWERED),
]


def finding_data(criterion, *, score="7", classification="conform", examined="Tien dossiers bekeken.") -> dict:
    prefix = f"f{criterion.pk}"
    return {f"{prefix}-verified_score": score, f"{prefix}-classification": classification,
            f"{prefix}-examined": examined}


def answer_data(action, *, root_cause="Geen instructie.", plan="Instructie per 1 juni.") -> dict:
    prefix = f"a{action.pk}"
    return {f"{prefix}-root_cause": root_cause, f"{prefix}-plan": plan}


def test_every_url_is_covered():
    from audits.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {r.name.split(":")[1] for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_each_persona_as_designed(route, world, client_for):
    w = prepare(world, route.stage)
    assert set(route.ok) | set(route.also_ok) | set(route.forbidden) | set(route.hidden) | {"anonymous"} \
        == set(PERSONAS), \
        "every persona must have an expectation"
    url = reverse(route.name, kwargs=route.kwargs(w))
    call = getattr(client_for(None), route.method.lower())

    before = journey.snapshot(w.case)
    response = call(url, route.data(w))
    assert_redirects_to_login(response, url)
    for persona in route.forbidden + route.hidden:
        client = client_for(w.users[persona])
        response = getattr(client, route.method.lower())(url, route.data(w))
        expected = 403 if persona in route.forbidden else 404
        assert response.status_code == expected, (persona, response.status_code)
    assert journey.snapshot(w.case) == before, "a refused request changed something"

    for persona in route.ok:
        client = client_for(w.users[persona])
        response = getattr(client, route.method.lower())(url, route.data(w))
        assert response.status_code == route.ok_status, (persona, response.status_code)
    if route.done is not None:
        assert route.done(w)

    client = client_for(w.users[route.ok[0]])
    assert getattr(client, route.other_method.lower())(url).status_code == 405


# --------------------------------------------------------------------------- pages


def get(client, name, **kwargs):
    return client.get(reverse(name, kwargs=kwargs))


def test_planning_page_lists_eligible_auditors_with_workload_and_ineligible_ones_with_the_reason(
        admitted_case, secretariat, lead_auditor, co_auditor, other_planned_audit, organisation, client_for):
    suspended = factories.auditor_profile(factories.UserFactory(full_name="Sam Geschorst"),
                                          status=Auditor.Status.SUSPENDED)
    conflicted = factories.auditor_profile(factories.UserFactory(full_name="Cor Conflict"))
    ConflictOfInterest.objects.create(auditor=conflicted, organisation=organisation, description="Adviseur.")
    client = english(client_for(secretariat))

    response = client.get(reverse("audits:plan", kwargs={"case_pk": admitted_case.pk}),
                          {"dag": future()})

    assert response.status_code == 200
    eligible = {row.auditor: row.workload for row in response.context["eligible"]}
    assert eligible == {lead_auditor: 0, co_auditor: 1}
    ineligible = {row.auditor: row.reasons for row in response.context["ineligible"]}
    assert ineligible[suspended] == ["Qualification is suspended."]
    assert ineligible[conflicted][0].startswith("Declared a conflict of interest with this organisation")
    html = response.content.decode()
    assert "Anouk Auditor" in html and "Bram Auditor" in html
    assert "1 audit" in html and "0 audits" in html
    assert "Qualification is suspended." in html
    assert "Declared a conflict of interest with this organisation" in html
    # the proposal is ticked: the head office
    assert response.context["form"].initial["locations"] == rules.propose_locations(organisation)


def test_planning_page_with_an_invalid_day_says_so(admitted_case, secretariat, lead_auditor, client_for):
    client = english(client_for(secretariat))

    response = client.get(reverse("audits:plan", kwargs={"case_pk": admitted_case.pk}), {"dag": "morgen"})

    assert response.status_code == 200
    assert "That is not a valid date." in messages_of(response)


def test_applicant_findings_page_after_the_report_has_an_answer_form_per_open_point(world, client_for):
    w = prepare(world, "reported")
    client = english(client_for(w.users["admin"]))

    response = get(client, "audits:case_findings", case_pk=w.case.pk)

    assert response.status_code == 200
    with_form = [f.criterion.code for f in response.context["findings"] if f.form is not None]
    assert with_form == [MINOR_CODE]  # 1.1 is answered already and waits for the auditor
    html = response.content.decode()
    assert f"Send answer on {MINOR_CODE}" in html
    assert "Instructie schrijven." in html  # the answer on 1.1
    assert response.context["open_count"] == 2


def test_applicant_member_reads_the_findings_without_answer_forms(world, client_for):
    w = prepare(world, "reported")

    response = get(english(client_for(w.users["member"])), "audits:case_findings", case_pk=w.case.pk)

    assert response.status_code == 200
    assert all(f.form is None for f in response.context["findings"])
    assert "Send answer on" not in response.content.decode()


def test_auditor_verify_page_shows_the_answer_and_the_verdict_form(world, client_for):
    w = prepare(world, "reported")

    response = get(english(client_for(w.users["lead"])), "audits:verify_correction",
                   action_pk=action_of(w, MAJOR_CODE).pk)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Geen instructie." in html and "Instructie schrijven." in html
    assert 'name="verdict"' in html and "Save verdict" in html


def test_worklist_shows_the_next_step(world, client_for):
    w = prepare(world, "planned")

    response = get(english(client_for(w.users["lead"])), "audits:worklist")

    assert [a.audit for a in response.context["assignments"]] == [w.audit]
    assert reverse("audits:declaration", kwargs={"assignment_pk": assignment_of(w, "lead").pk}) in \
        response.content.decode()


def test_workspace_of_a_reported_audit_is_read_only(world, client_for):
    w = prepare(world, "reported")

    response = get(english(client_for(w.users["lead"])), "audits:workspace", pk=w.audit.pk)

    assert response.status_code == 200
    assert response.context["editable"] is False
    assert "Save finding" not in response.content.decode()


# --------------------------------------------------------------------------- the whole journey


def test_full_audit_journey_through_the_pages(world, client_for, organisation, django_capture_on_commit_callbacks,
                                              mailoutbox):
    w = world
    secretariat, lead_user, admin = w.users["secretariat"], w.users["lead"], w.users["admin"]

    # the secretariat plans
    client = english(client_for(secretariat))
    plan_url = reverse("audits:plan", kwargs={"case_pk": w.case.pk})
    assert client.get(plan_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(plan_url, {"lead": w.lead.pk, "first_day": future(),
                                          "locations": [w.head_office.pk]})
    audit = Audit.objects.get(case=w.case)
    assert response.status_code == 302 and response["Location"] == reverse("audits:audit_detail",
                                                                           kwargs={"pk": audit.pk})
    assert lead_user.email in [m.to[0] for m in mailoutbox]

    # the lead declares independence and starts
    client = english(client_for(lead_user))
    assert client.get(reverse("audits:worklist")).status_code == 200
    assignment = audit.assignments.get()
    response = client.post(reverse("audits:declaration", kwargs={"assignment_pk": assignment.pk}),
                           {"choice": "independent"})
    assert response.status_code == 302
    journey.audit_day_has_come(audit)
    response = client.post(reverse("audits:start", kwargs={"pk": audit.pk}))
    assert response["Location"] == reverse("audits:workspace", kwargs={"pk": audit.pk})
    assert client.get(response["Location"]).status_code == 200

    # a finding for each of the 24 criteria; 1.2 is a minor non-conformity
    assert len(w.criteria) == 24
    for criterion in w.criteria:
        minor = criterion.code == MINOR_CODE
        response = client.post(
            reverse("audits:save_finding", kwargs={"pk": audit.pk, "criterion_pk": criterion.pk}),
            finding_data(criterion, score="5" if minor else "7.5", classification="minor" if minor else "conform"))
        assert response.status_code == 302
        assert messages_of(response)[-1] == f"The finding for {criterion.code} is saved."
    assert Finding.objects.filter(audit=audit).count() == 24

    # the report
    report_url = reverse("audits:report", kwargs={"pk": audit.pk})
    assert client.get(report_url).context["missing"] == []
    response = client.post(report_url, {"advice": "conditional", "summary": "Een punt voor verbetering.",
                                        "interviews": "4 medewerkers klantcontact", "confirm": "on"})
    assert response.status_code == 302
    assert Case.objects.get(pk=w.case.pk).state == Case.State.CORRECTIVE_ACTIONS
    action = CorrectiveAction.objects.get()

    # the applicant answers
    client = english(client_for(admin))
    findings_url = reverse("audits:case_findings", kwargs={"case_pk": w.case.pk})
    assert client.get(findings_url).status_code == 200
    response = client.post(reverse("audits:answer_correction", kwargs={"action_pk": action.pk}),
                           answer_data(action))
    assert response.status_code == 302 and response["Location"].startswith(findings_url)
    assert messages_of(response)[-1] == "Your answer is sent to the auditor."

    # the auditor accepts
    client = english(client_for(lead_user))
    verify_url = reverse("audits:verify_correction", kwargs={"action_pk": action.pk})
    assert client.get(verify_url).status_code == 200
    response = client.post(verify_url, {"verdict": "accept", "reason": "Instructie gezien."})
    assert response.status_code == 400  # accepting needs the score after the correction
    assert "verified_score" in response.context["form"].errors
    response = client.post(verify_url, {"verdict": "accept", "reason": "Instructie gezien.", "verified_score": "6"})
    assert response.status_code == 302

    case = Case.objects.get(pk=w.case.pk)
    assert case.state == Case.State.AWAITING_DECISION
    assert case.auditor_advice == Case.Advice.CONDITIONAL
    assert CorrectiveAction.objects.get().state == CorrectiveAction.State.ACCEPTED
    assert journey.perms_on(lead_user, case) == {"certification.view_case", "organisations.view_organisation"}
    # the audit page now carries the system's recommendation
    detail = client.get(reverse("audits:audit_detail", kwargs={"pk": audit.pk}))
    recommendation = detail.context["recommendation"]
    assert (recommendation.positive, recommendation.reasons, recommendation.stored) == (True, [], True)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("data", [
    {"verified_score": "11"}, {"verified_score": "5.25"}, {"verified_score": "abc"}, {"verified_score": "0"},
    {"verified_score": ""}, {"classification": "excellent"}, {"classification": ""}, {"examined": ""},
    {"examined": "   "}, {"evidence": "abc"}, {"evidence": "999999"},
])
def test_bad_finding_input_is_refused_with_a_message_and_changes_nothing(world, client_for, data):
    w = prepare(world, "started")
    criterion = w.criteria[0]
    post = finding_data(criterion)
    post.update({f"f{criterion.pk}-{key}": value for key, value in data.items()})
    client = english(client_for(w.users["lead"]))
    before = journey.snapshot(w.case)

    response = client.post(reverse("audits:save_finding", kwargs={"pk": w.audit.pk, "criterion_pk": criterion.pk}),
                           post)

    # the workspace again, with what was typed, the errors at the fields and a banner naming them
    assert response.status_code == 400
    [message] = messages_of(response)
    assert message.startswith(f"The finding for {criterion.code} is not saved.")
    assert "required" not in message
    [shown] = [c for c in response.context["criteria"] if c.pk == criterion.pk]
    assert shown.form.is_bound and shown.form.errors
    assert shown.form["examined"].value() == post[f"f{criterion.pk}-examined"]
    assert journey.snapshot(w.case) == before


def test_finding_with_missing_fields_is_refused(world, client_for):
    w = prepare(world, "started")
    client = english(client_for(w.users["lead"]))

    response = client.post(reverse("audits:save_finding", kwargs={"pk": w.audit.pk,
                                                                  "criterion_pk": w.criteria[0].pk}), {})

    assert response.status_code == 400
    assert messages_of(response) == [f"The finding for {w.criteria[0].code} is not saved. Check: “Verified score”, "
                                     "“Classification”, “What did you examine?”."]
    assert not Finding.objects.exists()


def test_finding_for_an_unknown_criterion_or_one_of_another_version_is_404(world, client_for, secretariat):
    w = prepare(world, "started")
    draft = cert_services.draft_next_version(version=w.case.scheme_version, actor=secretariat)
    client = english(client_for(w.users["lead"]))

    for criterion_pk in (999999, draft.criteria.first().pk):
        url = reverse("audits:save_finding", kwargs={"pk": w.audit.pk, "criterion_pk": criterion_pk})
        assert client.post(url, {}).status_code == 404
    assert client.get(f"/audits/{w.audit.pk}/bevindingen/abc/").status_code == 404
    assert client.get(f"/audits/{w.audit.pk}/werkruimte/99/").status_code == 404
    assert client.get("/audits/99999999999999999999/").status_code == 404
    assert not Finding.objects.exists()


def test_report_with_bad_input_answers_400_and_changes_nothing(world, client_for):
    w = prepare(world, "complete")
    client = english(client_for(w.users["lead"]))
    url = reverse("audits:report", kwargs={"pk": w.audit.pk})
    before = journey.snapshot(w.case)

    for data in ({}, {"advice": "great", "summary": "X"}, {"advice": "positive", "summary": "  "}):
        response = client.post(url, data)
        assert response.status_code == 400, data
    assert journey.snapshot(w.case) == before


def test_report_with_missing_findings_lists_them(world, client_for):
    w = prepare(world, "started")
    journey.record_all(w.audit, w.users["lead"], skip=("6.4",))
    client = english(client_for(w.users["lead"]))

    response = client.post(reverse("audits:report", kwargs={"pk": w.audit.pk}),
                           {"advice": "positive", "summary": "Goed.", "confirm": "on"})

    assert response.status_code == 400
    assert "Not every criterion has a finding yet. Missing: 6.4." in response.content.decode()
    assert Audit.objects.get(pk=w.audit.pk).state == Audit.State.IN_PROGRESS


@pytest.mark.parametrize("stage_overrides", [{}, {MAJOR_CODE: ("4", "major")}], ids=["no NCs", "with NCs"])
def test_submitting_the_report_twice_through_the_page_says_so(world, client_for, stage_overrides):
    w = prepare(world, "started")
    journey.record_all(w.audit, w.users["lead"], overrides=stage_overrides)
    client = english(client_for(w.users["lead"]))
    url = reverse("audits:report", kwargs={"pk": w.audit.pk})
    assert client.post(url, {"advice": "positive", "summary": "Goed.", "confirm": "on"}).status_code == 302
    before = journey.snapshot(w.case)

    response = client.post(url, {"advice": "negative", "summary": "Toch niet.", "confirm": "on"})

    assert response.status_code == 302
    assert messages_of(response)[-1] == "The report has already been submitted."
    assert journey.snapshot(w.case) == before
    assert Audit.objects.get(pk=w.audit.pk).advice == "positive"


@pytest.mark.parametrize("data", [
    {"first_day": "2020-01-01"}, {"first_day": "gisteren"}, {"lead": "abc"}, {"lead": ""}, {"locations": []},
    {"last_day": "2020-01-01"}, {"evidence_due": "2020-01-01"}, {"co_auditors": ["999999"]},
])
def test_bad_planning_input_answers_400_and_changes_nothing(world, client_for, data):
    w = prepare(world, "admitted")
    post = {"lead": w.lead.pk, "first_day": future(), "locations": [w.head_office.pk], **data}
    client = english(client_for(w.users["secretariat"]))
    before = journey.snapshot(w.case)

    response = client.post(reverse("audits:plan", kwargs={"case_pk": w.case.pk}), post)

    assert response.status_code == 400
    assert journey.snapshot(w.case) == before


def test_planning_an_ineligible_lead_shows_the_reason(world, client_for):
    w = prepare(world, "admitted")
    Auditor.objects.filter(pk=w.lead.pk).update(status=Auditor.Status.SUSPENDED)
    client = english(client_for(w.users["secretariat"]))

    response = client.post(reverse("audits:plan", kwargs={"case_pk": w.case.pk}),
                           {"lead": w.lead.pk, "first_day": future(), "locations": [w.head_office.pk]})

    assert response.status_code == 400
    assert "Anouk Auditor cannot be assigned: Qualification is suspended." in response.content.decode()
    assert not Audit.objects.exists()


@pytest.mark.parametrize("data", [{"deadline": "2020-01-01"}, {"deadline": ""}, {"deadline": "morgen"},
                                  {"reason": ""}])
def test_bad_deadline_is_refused_with_a_message(world, client_for, data):
    w = prepare(world, "reported")
    client = english(client_for(w.users["secretariat"]))
    action = action_of(w, MINOR_CODE)
    before = journey.snapshot(w.case)

    response = client.post(reverse("audits:change_deadline", kwargs={"action_pk": action.pk}),
                           {"deadline": future(300), "reason": "Reorganisatie.", **data})

    assert response.status_code == 302
    assert messages_of(response)
    assert journey.snapshot(w.case) == before


def test_deadline_today_is_refused_through_the_page(world, client_for):
    w = prepare(world, "reported")
    client = english(client_for(w.users["lead"]))
    action = action_of(w, MINOR_CODE)

    response = client.post(reverse("audits:change_deadline", kwargs={"action_pk": action.pk}),
                           {"deadline": str(journey.audit_day(0)), "reason": "Sneller."})

    assert response.status_code == 302
    assert messages_of(response) == ["The deadline must be in the future."]
    assert action_of(w, MINOR_CODE).deadline == action.deadline


@pytest.mark.parametrize("data", [{"root_cause": ""}, {"plan": "  "}, {"evidence": "abc"}])
def test_bad_answer_on_a_corrective_action_is_refused_with_a_message(world, client_for, data):
    w = prepare(world, "reported")
    action = action_of(w, MINOR_CODE)
    post = answer_data(action)
    post.update({f"a{action.pk}-{key}": value for key, value in data.items()})
    before = journey.snapshot(w.case)

    response = english(client_for(w.users["admin"])).post(
        reverse("audits:answer_correction", kwargs={"action_pk": action.pk}), post)

    # the findings page again, with what was typed and the errors at the fields
    assert response.status_code == 400
    assert messages_of(response)[0].startswith(f"Your answer on {MINOR_CODE} is not sent. Check:")
    [form] = [f.form for f in response.context["findings"] if f.action and f.action.pk == action.pk]
    assert form.is_bound and form.errors
    assert journey.snapshot(w.case) == before


@pytest.mark.parametrize("data", [{}, {"verdict": "maybe", "reason": "x"}, {"verdict": "accept", "reason": " "}])
def test_bad_verdict_answers_400(world, client_for, data):
    w = prepare(world, "reported")
    before = journey.snapshot(w.case)

    response = english(client_for(w.users["lead"])).post(
        reverse("audits:verify_correction", kwargs={"action_pk": action_of(w, MAJOR_CODE).pk}), data)

    assert response.status_code == 400
    assert journey.snapshot(w.case) == before


@pytest.mark.parametrize("data", [{"choice": "decline", "conflict": ""}, {"choice": "maybe"}, {}])
def test_bad_declaration_answers_400(world, client_for, data):
    w = prepare(world, "planned")
    before = journey.snapshot(w.case)

    response = english(client_for(w.users["lead"])).post(
        reverse("audits:declaration", kwargs={"assignment_pk": assignment_of(w, "lead").pk}), data)

    assert response.status_code == 400
    assert journey.snapshot(w.case) == before


def test_declining_through_the_page_records_the_conflict(world, client_for):
    w = prepare(world, "planned")

    response = english(client_for(w.users["lead"])).post(
        reverse("audits:declaration", kwargs={"assignment_pk": assignment_of(w, "lead").pk}),
        {"choice": "decline", "conflict": "Mijn zus werkt daar."})

    assert response.status_code == 302 and response["Location"] == reverse("audits:worklist")
    assert ConflictOfInterest.objects.get().description == "Mijn zus werkt daar."


@pytest.mark.parametrize("criterion", ["abc", "999999", "1.5"])
def test_evidence_request_with_a_bad_criterion_never_fails(world, client_for, criterion):
    w = prepare(world, "started")

    response = english(client_for(w.users["lead"])).post(
        reverse("audits:ask_evidence", kwargs={"pk": w.audit.pk}),
        {"criterion": criterion, "message": "Graag meer.", "due_date": future(10)})

    assert response.status_code == 302
    request = w.audit.evidence_requests.get()
    assert request.criterion is None


@pytest.mark.parametrize("data", [{"message": ""}, {"due_date": "2020-01-01"}, {"due_date": "abc"}])
def test_bad_evidence_request_is_refused_with_a_message(world, client_for, data):
    w = prepare(world, "started")
    before = journey.snapshot(w.case)

    response = english(client_for(w.users["lead"])).post(
        reverse("audits:ask_evidence", kwargs={"pk": w.audit.pk}),
        {"message": "Graag meer.", "due_date": future(10), **data})

    assert response.status_code == 302
    assert messages_of(response)
    assert not w.audit.evidence_requests.exists()
    assert journey.snapshot(w.case) == before


@pytest.mark.parametrize("name, data", [
    ("audits:replan", {"first_day": "2020-01-01", "reason": "Eerder."}),
    ("audits:replan", {"first_day": "", "reason": "Eerder."}),
    ("audits:replan", {"reason": ""}),
    ("audits:cancel", {"reason": ""}),
    ("audits:assign", {"auditor": "999999", "role": "co"}),
    ("audits:assign", {"auditor": "abc", "role": "boss"}),
])
def test_bad_planning_changes_are_refused_with_a_message(world, client_for, name, data):
    w = prepare(world, "planned")
    before = journey.snapshot(w.case)

    response = english(client_for(w.users["secretariat"])).post(reverse(name, kwargs={"pk": w.audit.pk}), data)

    assert response.status_code == 302
    assert messages_of(response)
    assert journey.snapshot(w.case) == before


def test_unassigning_an_assignment_of_another_audit_is_404(world, client_for, other_planned_audit):
    w = prepare(world, "planned")
    foreign = other_planned_audit.assignments.get()

    response = client_for(w.users["secretariat"]).post(
        reverse("audits:unassign", kwargs={"pk": w.audit.pk, "assignment_pk": foreign.pk}))

    assert response.status_code == 404
    assert Assignment.objects.get(pk=foreign.pk).state == Assignment.State.PENDING


def test_starting_before_everyone_declared_says_who(world, client_for):
    w = prepare(world, "planned")
    services.declare_independence(assignment=assignment_of(w, "lead"), actor=w.users["lead"])

    response = english(client_for(w.users["lead"])).post(reverse("audits:start", kwargs={"pk": w.audit.pk}))

    assert response.status_code == 302
    assert messages_of(response) == ["Not every auditor has declared independence yet: Bram Auditor."]
    assert Audit.objects.get(pk=w.audit.pk).state == Audit.State.PLANNED


def test_auditor_register_form_with_bad_input_answers_400(world, client_for):
    client = english(client_for(world.users["secretariat"]))

    response = client.post(reverse("audits:auditor_add"), {
        "full_name": "X", "email": "geen-adres", "body": world.lead.body_id, "qualified_from": "2026-01-01",
        "qualified_until": "2025-01-01", "status": "active"})
    assert response.status_code == 400
    response = client.post(reverse("audits:auditor_add"), {
        "full_name": "X", "email": "x@ci.test", "body": world.lead.body_id, "qualified_from": "2026-01-01",
        "qualified_until": "2025-01-01", "status": "active"})
    assert response.status_code == 400
    assert "The end date must be after the start date." in response.content.decode()
    assert not Auditor.objects.filter(user__email="x@ci.test").exists()
    assert client.get(reverse("audits:auditor_edit", kwargs={"pk": 999999})).status_code == 404


def test_co_auditor_may_judge_a_corrective_action_too(world, client_for):
    w = prepare(world, "reported")

    response = english(client_for(w.users["co"])).post(
        reverse("audits:verify_correction", kwargs={"action_pk": action_of(w, MAJOR_CODE).pk}),
        {"verdict": "reject", "reason": "Geen datum in het plan."})

    assert response.status_code == 302
    action = action_of(w, MAJOR_CODE)
    assert (action.state, action.verified_by) == (CorrectiveAction.State.REJECTED, w.users["co"])


def test_only_the_lead_gets_the_report_form(world, client_for):
    w = prepare(world, "complete")
    url = reverse("audits:report", kwargs={"pk": w.audit.pk})

    lead_page = english(client_for(w.users["lead"])).get(url)
    co_page = english(client_for(w.users["co"])).get(url)

    assert lead_page.context["can_submit"]
    assert "Submit the report" in lead_page.content.decode()
    assert co_page.status_code == 200
    assert not co_page.context["can_submit"]
    assert "Submit the report" not in co_page.content.decode()


def test_case_page_shows_the_audit_panel_to_each_role(world, client_for):
    w = prepare(world, "reported")
    url = reverse("certification:case_detail", kwargs={"pk": w.case.pk})
    findings_url = reverse("audits:case_findings", kwargs={"case_pk": w.case.pk})

    applicant = english(client_for(w.users["admin"])).get(url)
    assert applicant.status_code == 200
    html = applicant.content.decode()
    assert "Anouk Auditor (lead auditor)" in html and "Bram Auditor (co-auditor)" in html
    assert findings_url in html

    secretariat = english(client_for(w.users["secretariat"])).get(url)
    assert reverse("audits:audit_detail", kwargs={"pk": w.audit.pk}) in secretariat.content.decode()
    assert english(client_for(w.users["stranger"])).get(url).status_code == 404


def test_submitting_the_report_needs_the_confirmation_that_it_was_checked(world, client_for):
    w = prepare(world, "complete")
    client = english(client_for(w.users["lead"]))
    url = reverse("audits:report", kwargs={"pk": w.audit.pk})
    assert 'name="confirm"' in client.get(url).content.decode()
    before = journey.snapshot(w.case)

    response = client.post(url, {"advice": "positive", "summary": "Goed.", "interviews": "2 medewerkers"})

    assert response.status_code == 400
    assert "Tick the box to confirm that you checked the findings and the report." in response.content.decode()
    assert journey.snapshot(w.case) == before
