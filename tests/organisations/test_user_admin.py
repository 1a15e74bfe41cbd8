"""The user pages of the Django admin: foundation roles change only through the service (checked
and logged), superuser status and individual permissions are for superusers only, and nobody
raises their own access there."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from organisations import roles
from organisations.models import User
from records.models import LogEntry

from .. import factories


@pytest.fixture
def person(db):
    return factories.UserFactory(full_name="Petra Persoon")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(full_name="Olaf Operator", is_superuser=True, is_staff=True)


def change_url(user) -> str:
    return reverse("admin:organisations_user_change", args=[user.pk])


def form_data(user, **changes) -> dict:
    """What the change form posts for ``user`` as it is, with ``changes``."""
    data = {
        "email": user.email, "full_name": user.full_name, "language": user.language,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
    }
    if user.is_active:
        data["is_active"] = "on"
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def group_ids(*names) -> list[str]:
    return [str(Group.objects.get_or_create(name=name)[0].pk) for name in names]


def role_rows(user):
    return LogEntry.objects.for_object(user).filter(action__startswith="organisations.role.")


def test_the_secretariat_does_not_see_superuser_status_or_permissions(client_for, secretariat, person):
    response = client_for(secretariat).get(change_url(person))
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert "groups" in fields
    assert "is_superuser" not in fields and "user_permissions" not in fields
    assert b'name="is_superuser"' not in response.content


def test_a_superuser_sees_superuser_status_and_permissions(client_for, superuser, person):
    fields = client_for(superuser).get(change_url(person)).context["adminform"].form.fields
    assert {"groups", "is_superuser", "user_permissions"} <= set(fields)


def test_the_secretariat_grants_a_board_seat_through_the_service_and_it_is_logged(client_for, secretariat, person):
    response = client_for(secretariat).post(change_url(person), form_data(person, groups=group_ids(roles.BOARD)))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert set(person.groups.values_list("name", flat=True)) == {roles.BOARD}
    row = role_rows(person).get()
    assert (row.action, row.actor, row.channel, row.to_state) == (
        "organisations.role.granted", secretariat, "admin", roles.BOARD)


def test_saving_a_user_without_changing_roles_logs_no_role_change(client_for, secretariat, person):
    response = client_for(secretariat).post(change_url(person), form_data(person, full_name="Petra P."))
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).full_name == "Petra P."
    assert not role_rows(person).exists()


def test_the_secretariat_cannot_grant_the_secretariat_role_in_the_admin(client_for, secretariat, person):
    response = client_for(secretariat).post(change_url(person), form_data(person, groups=group_ids(roles.SECRETARIAT)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"] == [
        "Alleen een superuser mag de rol secretariaat toekennen of intrekken."]
    assert not person.groups.exists()
    assert not role_rows(person).exists()


def test_a_posted_superuser_flag_from_a_non_superuser_is_ignored(client_for, secretariat, person):
    response = client_for(secretariat).post(change_url(person), form_data(person, is_superuser="on",
                                                                         user_permissions=["1"]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_superuser
    assert not person.user_permissions.exists()


def test_the_secretariat_cannot_raise_or_change_its_own_access(client_for, secretariat):
    before = set(secretariat.groups.values_list("name", flat=True))
    logged = role_rows(secretariat).count()
    response = client_for(secretariat).get(change_url(secretariat))
    assert {"groups", "is_staff"}.isdisjoint(response.context["adminform"].form.fields)

    response = client_for(secretariat).post(change_url(secretariat), form_data(
        secretariat, groups=group_ids(roles.SECRETARIAT, roles.BOARD), is_staff=None, is_superuser="on"))
    assert response.status_code == 302
    secretariat.refresh_from_db()
    assert set(secretariat.groups.values_list("name", flat=True)) == before
    assert secretariat.is_staff and not secretariat.is_superuser
    assert role_rows(secretariat).count() == logged


def test_a_superuser_cannot_change_their_own_roles_either(client_for, superuser):
    response = client_for(superuser).get(change_url(superuser))
    assert "groups" not in response.context["adminform"].form.fields
    assert "is_staff" in response.context["adminform"].form.fields


def test_a_superuser_grants_the_secretariat_role_in_the_admin(client_for, superuser, person):
    response = client_for(superuser).post(change_url(person), form_data(person, groups=group_ids(roles.SECRETARIAT)))
    assert response.status_code == 302
    assert set(person.groups.values_list("name", flat=True)) == {roles.SECRETARIAT}
    assert role_rows(person).get().actor == superuser


def test_the_secretariat_cannot_touch_a_superusers_account(client_for, secretariat, superuser):
    """Changing a superuser's e-mail address or password would be a way to become one."""
    client = client_for(secretariat)
    assert client.post(change_url(superuser), form_data(superuser, email="ik@example.test")).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    response = client.post(password_url, {"password1": "Nieuw-Wachtwoord-2026", "password2": "Nieuw-Wachtwoord-2026"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email != "ik@example.test"
    assert not superuser.check_password("Nieuw-Wachtwoord-2026")
    delete_url = reverse("admin:organisations_user_delete", args=[superuser.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=superuser.pk).exists()


def test_a_staff_member_without_a_foundation_role_sees_roles_read_only(client_for, person):
    from django.contrib.auth.models import Permission

    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    response = client_for(staff).get(change_url(person))
    assert response.status_code == 200
    assert "groups" not in response.context["adminform"].form.fields
