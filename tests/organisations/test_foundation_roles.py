"""Foundation roles (groups) change only through ``change_foundation_roles``: it checks who may
change which role, and logs one row per role granted or taken away, so that the log answers who
held which role on a date."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from organisations import roles, selectors, services
from organisations.actors import SystemActor
from organisations.models import User
from records.models import LogEntry

from .. import factories

GRANTED, REVOKED = "organisations.role.granted", "organisations.role.revoked"


@pytest.fixture(autouse=True)
def _english():
    """Refusals are read in English here; the product's default language is Dutch."""
    from django.utils import translation

    with translation.override("en"):
        yield


def held(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def role_rows(user):
    return LogEntry.objects.for_object(user).filter(action__in=(GRANTED, REVOKED)).order_by("seq")


@pytest.fixture
def person(db):
    return factories.UserFactory(full_name="Petra Persoon")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(full_name="Olaf Operator", is_superuser=True, is_staff=True)


def test_the_secretariat_grants_a_board_seat_and_the_log_says_who_did_it(secretariat, person):
    services.change_foundation_roles(user=person, roles=[roles.BOARD], actor=secretariat)

    assert held(person) == {roles.BOARD}
    row = role_rows(person).get()
    assert (row.action, row.actor, row.from_state, row.to_state) == (GRANTED, secretariat, "", roles.BOARD)
    assert row.data == {"role": roles.BOARD, "user": person.email}


def test_changing_to_the_same_roles_again_changes_and_logs_nothing(secretariat, person):
    services.change_foundation_roles(user=person, roles=[roles.BOARD, roles.AUDITORS], actor=secretariat)
    count = LogEntry.objects.count()
    services.change_foundation_roles(user=person, roles=[roles.AUDITORS, roles.BOARD], actor=secretariat)
    assert LogEntry.objects.count() == count
    assert held(person) == {roles.BOARD, roles.AUDITORS}


def test_one_row_per_role_granted_and_per_role_taken_away(secretariat, person):
    services.change_foundation_roles(user=person, roles=[roles.BOARD, roles.AUDITORS], actor=secretariat)
    services.change_foundation_roles(user=person, roles=[roles.AUDITORS, roles.OBJECTION_COMMITTEE], actor=secretariat)

    assert held(person) == {roles.AUDITORS, roles.OBJECTION_COMMITTEE}
    assert [(row.action, row.data["role"]) for row in role_rows(person)] == [
        (GRANTED, roles.AUDITORS), (GRANTED, roles.BOARD),
        (GRANTED, roles.OBJECTION_COMMITTEE), (REVOKED, roles.BOARD),
    ]
    revoked = role_rows(person).get(action=REVOKED)
    assert (revoked.from_state, revoked.to_state) == (roles.BOARD, "")


def test_grant_foundation_role_keeps_the_other_roles(secretariat, person):
    services.change_foundation_roles(user=person, roles=[roles.BOARD], actor=secretariat)
    services.grant_foundation_role(user=person, role=roles.AUDITORS, actor=secretariat)
    services.grant_foundation_role(user=person, role=roles.AUDITORS, actor=secretariat)
    assert held(person) == {roles.BOARD, roles.AUDITORS}
    assert role_rows(person).count() == 2


def _refused(actor, user, wanted, message):
    before, count = held(user), LogEntry.objects.count()
    with pytest.raises(PermissionDenied, match=message):
        services.change_foundation_roles(user=user, roles=wanted, actor=actor)
    assert held(user) == before
    assert LogEntry.objects.count() == count


def test_the_secretariat_cannot_grant_the_secretariat_role(secretariat, person):
    _refused(secretariat, person, [roles.SECRETARIAT], "Only a superuser")


def test_the_secretariat_cannot_take_the_secretariat_role_away(secretariat):
    colleague = factories.foundation_user(roles.SECRETARIAT)
    _refused(secretariat, colleague, [], "Only a superuser")


def test_nobody_changes_their_own_roles(secretariat, superuser):
    _refused(secretariat, secretariat, [roles.SECRETARIAT, roles.BOARD], "Nobody may change their own roles")
    _refused(superuser, superuser, [roles.BOARD], "Nobody may change their own roles")


@pytest.mark.parametrize("persona", ["board_member", "auditor", "applicant_admin", "objection_member"])
def test_other_people_cannot_change_roles_at_all(request, persona, person):
    actor = request.getfixturevalue(persona)
    _refused(actor, person, [roles.BOARD], "Only the secretariat")
    _refused(actor, person, [], "Only the secretariat")  # not even "no change"


def test_a_staff_account_without_a_role_cannot_change_roles(person):
    staff = factories.UserFactory(is_staff=True)
    _refused(staff, person, [roles.AUDITORS], "Only the secretariat")


def test_a_superuser_grants_and_takes_away_the_secretariat_role(superuser, person):
    services.change_foundation_roles(user=person, roles=[roles.SECRETARIAT], actor=superuser)
    services.change_foundation_roles(user=person, roles=[], actor=superuser)
    assert held(person) == set()
    assert [row.action for row in role_rows(person)] == [GRANTED, REVOKED]
    assert {row.actor for row in role_rows(person)} == {superuser}


def test_a_system_actor_is_logged_by_its_name(person):
    services.change_foundation_roles(user=person, roles=[roles.SECRETARIAT], actor=SystemActor("demo"))
    row = role_rows(person).get()
    assert row.actor is None
    assert row.actor_label == "Systeem (demo)"


def test_an_unknown_role_is_a_validation_error_not_a_crash(superuser, person):
    with pytest.raises(ValidationError):
        services.change_foundation_roles(user=person, roles=["koning"], actor=superuser)
    assert held(person) == set()


# --------------------------------------------------------------------------- who held which role when


def test_roles_on_a_day_come_from_the_log(secretariat, person):
    today = timezone.localdate()
    services.change_foundation_roles(user=person, roles=[roles.BOARD, roles.AUDITORS], actor=secretariat)
    assert selectors.roles_on(person, today - timedelta(days=1)) == frozenset()
    assert selectors.roles_on(person, today) == {roles.BOARD, roles.AUDITORS}
    assert selectors.roles_on(person, today + timedelta(days=1)) == {roles.BOARD, roles.AUDITORS}

    services.change_foundation_roles(user=person, roles=[roles.AUDITORS], actor=secretariat)
    assert selectors.roles_on(person, today) == {roles.BOARD, roles.AUDITORS}  # held at some moment today
    assert selectors.roles_on(person, today + timedelta(days=1)) == {roles.AUDITORS}

    assert person.pk in selectors.role_holders(roles.BOARD, today)
    assert person.pk not in selectors.role_holders(roles.BOARD, today + timedelta(days=1))
    assert person.pk in selectors.role_holders(roles.AUDITORS, today + timedelta(days=1))
    assert secretariat.pk in selectors.role_holders(roles.SECRETARIAT, today)


def test_roles_held_during_a_day_replays_grants_and_revocations_in_order():
    from datetime import date, datetime

    def at(day, hour):
        return timezone.make_aware(datetime(2026, 3, day, hour))

    events = [
        ("7", GRANTED, {"role": "board"}, at(1, 9)),
        ("7", GRANTED, {"role": "auditors"}, at(2, 9)),
        ("7", REVOKED, {"role": "board"}, at(3, 12)),
        ("8", GRANTED, {"role": "board"}, at(3, 15)),
        ("7", GRANTED, {"role": "board"}, at(5, 9)),
    ]

    def on(day):
        start, end = selectors._day_bounds(date(2026, 3, day))
        return selectors._held_during(events, start, end)

    assert on(1) == {"7": {"board"}}
    assert on(3) == {"7": {"board", "auditors"}, "8": {"board"}}
    assert on(4) == {"7": {"auditors"}, "8": {"board"}}
    assert on(6) == {"7": {"auditors", "board"}, "8": {"board"}}


# --------------------------------------------------------------------------- callers


def test_registering_an_auditor_grants_the_role_through_the_service(secretariat):
    from datetime import date

    from audits import services as audit_services
    from audits.models import CertificationBody

    body = CertificationBody.objects.create(name="KeurCert")
    auditor = audit_services.save_auditor(actor=secretariat, email="nieuw@keurcert.test", full_name="Nina Nieuw",
                                          body=body, qualified_from=date(2026, 1, 1), qualified_until=date(2027, 1, 1),
                                          sectors=[], status="active")
    assert held(auditor.user) == {roles.AUDITORS}
    assert role_rows(auditor.user).get().actor == secretariat


def test_the_secretariat_cannot_put_itself_in_the_auditor_register(secretariat):
    from datetime import date

    from audits import services as audit_services
    from audits.models import Auditor, CertificationBody

    body = CertificationBody.objects.create(name="KeurCert")
    with pytest.raises(ValidationError) as error:
        audit_services.save_auditor(actor=secretariat, email=secretariat.email, full_name="Sanne", body=body,
                                    qualified_from=date(2026, 1, 1), qualified_until=date(2027, 1, 1),
                                    sectors=[], status="active")
    assert "yourself" in str(error.value)
    assert not Auditor.objects.filter(user=secretariat).exists()
    assert held(secretariat) == {roles.SECRETARIAT}
