"""Issue #8: the secretariat cannot make itself superuser, nor raise its own access in any admin
form (the user admin, the group admin, any other model's form), nor take over another account;
and no foundation privilege (the secretariat role, superuser status) signs for an applicant."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from certification import services as cert_services
from certification.models import ManagementDeclaration
from organisations import roles
from organisations.models import Membership, User

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return factories.UserFactory(full_name="Petra Persoon", email="petra@example.test")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(full_name="Olaf Operator", is_superuser=True, is_staff=True)


def change_url(user) -> str:
    return reverse("admin:organisations_user_change", args=[user.pk])


def user_form(user, **changes) -> dict:
    data = {
        "email": user.email, "full_name": user.full_name, "language": user.language,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)], "is_active": "on",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def all_permission_ids() -> list[str]:
    return [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]


def test_ticking_superuser_status_on_itself_changes_nothing(client_for, secretariat):
    client = client_for(secretariat)
    response = client.post(change_url(secretariat), user_form(
        secretariat, is_superuser="on", user_permissions=all_permission_ids(),
        groups=[str(g.pk) for g in Group.objects.all()]))
    assert response.status_code == 302
    secretariat.refresh_from_db()
    assert not secretariat.is_superuser
    assert not secretariat.user_permissions.exists()
    assert set(secretariat.groups.values_list("name", flat=True)) == {roles.SECRETARIAT}


def test_ticking_superuser_status_on_someone_else_changes_nothing(client_for, secretariat, person):
    response = client_for(secretariat).post(change_url(person), user_form(
        person, is_superuser="on", user_permissions=all_permission_ids()))
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_superuser and not person.user_permissions.exists()


def test_the_add_user_form_sets_no_superuser_staff_or_groups(client_for, secretariat):
    response = client_for(secretariat).post(reverse("admin:organisations_user_add"), {
        "email": "nieuw@example.test", "full_name": "Nieuw", "password1": "Lang-Genoeg-2026!",
        "password2": "Lang-Genoeg-2026!", "is_superuser": "on", "is_staff": "on",
        "groups": [str(Group.objects.get(name=roles.SECRETARIAT).pk)], "user_permissions": all_permission_ids()})
    assert response.status_code == 302
    created = User.objects.get(email="nieuw@example.test")
    assert (created.is_superuser, created.is_staff) == (False, False)
    assert not created.groups.exists() and not created.user_permissions.exists()


def test_the_secretariat_cannot_change_its_own_groups_or_admin_access(client_for, secretariat):
    response = client_for(secretariat).post(change_url(secretariat), user_form(
        secretariat, groups=[str(Group.objects.get(name=roles.BOARD).pk)], is_staff=None))
    assert response.status_code == 302
    secretariat.refresh_from_db()
    assert secretariat.is_staff
    assert set(secretariat.groups.values_list("name", flat=True)) == {roles.SECRETARIAT}


@pytest.mark.parametrize("url_name,args", [
    ("admin:auth_group_changelist", []),
    ("admin:auth_group_add", []),
])
def test_the_group_admin_is_closed_to_the_secretariat(client_for, secretariat, url_name, args):
    assert client_for(secretariat).get(reverse(url_name, args=args)).status_code == 403


def test_the_secretariat_cannot_give_its_group_more_permissions(client_for, secretariat):
    group = Group.objects.get(name=roles.SECRETARIAT)
    before = set(group.permissions.values_list("pk", flat=True))
    client = client_for(secretariat)
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"name": roles.SECRETARIAT, "permissions": all_permission_ids()})
    assert response.status_code == 403
    response = client.post(reverse("admin:auth_group_add"), {"name": "macht", "permissions": all_permission_ids()})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert not Group.objects.filter(name="macht").exists()


def test_no_admin_form_offers_the_secretariat_groups_permissions_or_superuser_status(client_for, secretariat, person):
    """Walk every model the admin registers: no add or change form shows the secretariat a field
    that grants access (the user admin's roles of *another* person go through the checked service)."""
    client = client_for(secretariat)
    dangerous = {"is_superuser", "user_permissions", "permissions", "groups", "user", "group"}
    for model in admin.site._registry:
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_add")]
        instance = person if model is User else model._default_manager.first()
        if instance is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            if response.status_code != 200 or "adminform" not in response.context:
                continue
            fields = set(response.context["adminform"].form.fields)
            if model is User and url.endswith("/change/"):
                fields.discard("groups")  # another person's roles: checked and logged (test_user_admin)
            assert not fields & dangerous, (url, fields & dangerous)


def test_the_secretariat_cannot_edit_a_superuser(client_for, secretariat, superuser):
    client = client_for(secretariat)
    assert client.get(change_url(superuser)).context["has_change_permission"] is False  # read-only
    assert client.post(change_url(superuser), user_form(superuser, email="mij@example.test")).status_code == 403
    superuser.refresh_from_db()
    assert superuser.email != "mij@example.test"


def test_the_secretariat_cannot_take_over_another_account_by_e_mail_or_password(client_for, secretariat, person):
    client = client_for(secretariat)
    response = client.post(change_url(person), user_form(person, email="overgenomen@example.test"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "petra@example.test"
    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    assert client.get(password_url).status_code == 403
    response = client.post(password_url, {"password1": "Nieuw-Wachtwoord-2026", "password2": "Nieuw-Wachtwoord-2026",
                                          "usable_password": "true"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert not person.check_password("Nieuw-Wachtwoord-2026")


def test_a_superuser_may_still_set_someone_elses_password(client_for, superuser, person):
    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = client_for(superuser).post(password_url, {
        "password1": "Nieuw-Wachtwoord-2026", "password2": "Nieuw-Wachtwoord-2026", "usable_password": "true"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Nieuw-Wachtwoord-2026")


# ------------------------------------------------------ no foundation privilege signs for an applicant


@pytest.fixture
def case_to_sign(organisation, applicant_admin, applicant_member):
    case = factories.start_case(organisation, applicant_admin)
    factories.answer_all(case, applicant_admin, applicant_member)
    return case


def _member(user, organisation, role=Membership.Role.MEMBER):
    return factories.make_member(organisation, user, role=role)


def test_the_secretariat_that_is_also_a_plain_member_cannot_sign_submit_or_withdraw(secretariat, organisation,
                                                                                     case_to_sign):
    _member(secretariat, organisation)
    with pytest.raises(PermissionDenied):
        cert_services.sign_declaration(case=case_to_sign, actor=secretariat, function="Directeur")
    with pytest.raises(PermissionDenied):
        cert_services.submit_case(case=case_to_sign, actor=secretariat)
    with pytest.raises(PermissionDenied):
        cert_services.withdraw_case(case=case_to_sign, actor=secretariat, reason="zomaar")
    assert not ManagementDeclaration.objects.filter(case=case_to_sign).exists()


def test_a_superuser_cannot_sign_for_an_applicant(superuser, case_to_sign):
    with pytest.raises((PermissionDenied, Http404)):
        cert_services.sign_declaration(case=case_to_sign, actor=superuser, function="Directeur")
    assert not ManagementDeclaration.objects.filter(case=case_to_sign).exists()


def test_a_superuser_who_is_a_plain_member_cannot_sign_either(superuser, organisation, case_to_sign):
    superuser.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    _member(superuser, organisation)
    for service, kwargs in ((cert_services.sign_declaration, {"function": "Directeur"}),
                            (cert_services.submit_case, {}), (cert_services.withdraw_case, {"reason": "zomaar"})):
        with pytest.raises(PermissionDenied):
            service(case=case_to_sign, actor=User.objects.get(pk=superuser.pk), **kwargs)
    assert not ManagementDeclaration.objects.filter(case=case_to_sign).exists()


def test_through_the_page_a_secretariat_member_gets_403_and_nothing_is_signed(client_for, secretariat, organisation,
                                                                              case_to_sign):
    _member(secretariat, organisation)
    response = client_for(secretariat).post(reverse("certification:sign_declaration", args=[case_to_sign.pk]),
                                            {"function": "Directeur", "confirm": "on"})
    assert response.status_code == 403
    assert not ManagementDeclaration.objects.filter(case=case_to_sign).exists()


def test_an_admin_member_who_is_also_secretariat_signs_as_the_applicant(secretariat, organisation, case_to_sign):
    """The right comes from the admin membership, not from the foundation role."""
    _member(secretariat, organisation, role=Membership.Role.ADMIN)
    declaration = cert_services.sign_declaration(case=case_to_sign, actor=secretariat, function="Directeur")
    assert declaration.signed_by == secretariat
