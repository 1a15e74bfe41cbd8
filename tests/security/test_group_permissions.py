"""Issue #8: each foundation group holds only the model permissions of the declarative table
(organisations.group_permissions); the secretariat no longer holds every permission of six apps."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from organisations import roles
from organisations.group_permissions import GROUP_PERMISSIONS, SECRETARIAT, apply_group_permissions

pytestmark = pytest.mark.django_db


def held(name: str) -> set[str]:
    return {f"{app}.{codename}" for app, codename in
            Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")}


def test_after_migrate_every_group_holds_exactly_its_table_entry():
    for name, perms in GROUP_PERMISSIONS.items():
        assert held(name) == set(perms), name


def test_the_secretariat_set_is_exactly_what_it_needs():
    assert SECRETARIAT == {
        *{f"organisations.{a}_user" for a in ("view", "add", "change")},
        *{f"organisations.{a}_organisation" for a in ("view", "add", "change")},
        *{f"organisations.{a}_location" for a in ("view", "add", "change")},
        "organisations.view_membership", "organisations.view_invitation", "organisations.change_invitation",
        *{f"audits.{a}_certificationbody" for a in ("view", "add", "change")},
        *{f"audits.{a}_auditor" for a in ("view", "add", "change")},
        "audits.view_conflictofinterest", "audits.add_conflictofinterest",
        *{f"certification.{a}_{m}" for a in ("view", "add", "change")
          for m in ("scheme", "schemeversion", "theme", "criterion")},
        "certification.view_case", "certification.view_selfassessmentanswer",
        "certification.view_managementdeclaration", "certification.view_evidence",
        "audits.view_audit", "audits.view_assignment", "audits.view_finding", "audits.view_correctiveaction",
        "audits.view_evidencerequest", "records.view_logentry", "notifications.view_outboxmessage",
        # the daily jobs' schedule: see and change when they run, never add or remove a task
        "django_celery_beat.view_periodictask", "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule", "django_celery_beat.change_crontabschedule",
        "cycle.view_jobrun",
    }


@pytest.mark.parametrize("perm", [
    "records.change_logentry", "records.delete_logentry", "records.add_logentry",
    "audits.change_finding", "audits.delete_finding", "certification.change_case", "certification.delete_case",
    "certification.change_selfassessmentanswer", "certification.change_managementdeclaration",
    "certification.change_evidence", "certification.delete_evidence", "audits.change_assignment",
    "audits.change_audit", "audits.change_correctiveaction", "organisations.add_invitation",
    "organisations.contribute_organisation", "organisations.delete_user", "organisations.delete_organisation",
    "auth.change_group", "auth.add_group", "auth.add_permission", "auth.change_permission",
    "certification.audit_case", "notifications.change_outboxmessage",
])
def test_the_secretariat_holds_no_power_to_rewrite_records_or_groups(perm):
    assert perm not in held(roles.SECRETARIAT)


@pytest.mark.parametrize("name", [roles.BOARD, roles.OBJECTION_COMMITTEE, roles.AUDITORS])
def test_roles_that_work_through_the_product_pages_hold_no_model_permissions(name):
    assert held(name) == set()


def test_applying_again_changes_nothing_and_takes_away_what_was_added_by_hand():
    group = Group.objects.get(name=roles.SECRETARIAT)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=("auth", "records")))
    Group.objects.get(name=roles.BOARD).permissions.add(Permission.objects.get(codename="view_case"))
    apply_group_permissions()
    apply_group_permissions()
    assert held(roles.SECRETARIAT) == set(SECRETARIAT)
    assert held(roles.BOARD) == set()


def test_migrate_reapplies_the_table(django_db_blocker):
    Group.objects.get(name=roles.AUDITORS).permissions.add(Permission.objects.get(codename="change_finding"))
    call_command("migrate", verbosity=0)
    assert held(roles.AUDITORS) == set()


def test_a_secretariat_user_has_exactly_these_global_permissions(secretariat):
    assert secretariat.get_all_permissions() == set(SECRETARIAT)
    assert not secretariat.has_perm("records.change_logentry")
