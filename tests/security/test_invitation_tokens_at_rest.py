"""Issue #8: no usable invitation token is kept at rest. The outbox stores the e-mail with a
signed reference in place of the link; the link is made only when the e-mail is sent or re-sent."""
import re
from smtplib import SMTPException
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse

from notifications import links, tasks
from notifications.models import OutboxMessage
from notifications.services import deliver
from organisations import services
from organisations.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def invite(organisation, actor, email="carla@example.test", django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.invite_member(organisation=organisation, actor=actor, email=email, role=Membership.Role.MEMBER)


def every_stored_text() -> str:
    """Every text, JSON and binary column of every table, as one string."""
    parts = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields
                   if isinstance(f, models.CharField | models.TextField | models.JSONField | models.BinaryField)]
        if not columns:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(connection.ops.quote_name(c) for c in columns)} "
                           f"FROM {connection.ops.quote_name(model._meta.db_table)}")
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts)


def test_after_inviting_no_table_holds_a_usable_token(organisation, applicant_admin, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    invitation, token = invite(organisation, applicant_admin,
                               django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert token and token in mailoutbox[0].body  # the e-mail that left has the link
    stored = every_stored_text()
    assert token not in stored
    assert "/uitnodiging/" not in stored
    # whatever looks like a token in the stored outbox body opens no invitation
    body = OutboxMessage.objects.get(recipient="carla@example.test").body
    for candidate in re.findall(r"[A-Za-z0-9_\-:.]{20,}", body):
        assert services.find_invitation(candidate) is None
    assert links.contains_reference(body)


def test_the_outbox_admin_shows_no_link(client_for, secretariat, organisation, applicant_admin, mailoutbox,
                                        django_capture_on_commit_callbacks):
    _invitation, token = invite(organisation, applicant_admin,
                                django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(recipient="carla@example.test")
    response = client_for(secretariat).get(reverse("admin:notifications_outboxmessage_change", args=[message.pk]))
    assert response.status_code == 200
    assert token.encode() not in response.content
    assert b"/uitnodiging/" not in response.content


def test_a_message_that_failed_is_re_sent_with_a_working_link(client, organisation, applicant_admin, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    with mock.patch("notifications.services.send_mail", side_effect=SMTPException("down")):
        _invitation, token = invite(organisation, applicant_admin,
                                    django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert tasks.send_pending_outbox() == 1
    link = re.search(r"https?://\S+/uitnodiging/[^/\s]+/", mailoutbox[0].body).group(0)
    assert token in link
    response = client.post(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]),
                           {"full_name": "Carla Collega", "password1": "Lang-Genoeg-2026!",
                            "password2": "Lang-Genoeg-2026!"})
    assert response.status_code == 302
    assert organisation.memberships.filter(user__email="carla@example.test").exists()


def test_a_withdrawn_invitation_is_re_sent_without_a_link(organisation, applicant_admin, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with mock.patch("notifications.services.send_mail", side_effect=SMTPException("down")):
        invitation, token = invite(organisation, applicant_admin,
                                   django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    services.revoke_invitation(invitation=invitation, actor=applicant_admin)
    tasks.send_pending_outbox()
    assert token not in mailoutbox[0].body
    assert "/uitnodiging/" not in mailoutbox[0].body


def test_a_reference_is_expanded_only_for_the_recipient_it_was_signed_for(organisation, applicant_admin,
                                                                          django_capture_on_commit_callbacks):
    invitation, token = invite(organisation, applicant_admin,
                               django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    reference = links.reference("invitation", invitation.pk, "carla@example.test")
    assert token in links.expand(reference, "carla@example.test")
    assert token not in links.expand(reference, "mallory@example.test")
    forged = reference.replace(reference[20:24], "AAAA")
    assert links.expand(forged, "carla@example.test") == ""


def test_the_invitation_stores_only_the_hash(organisation, applicant_admin, django_capture_on_commit_callbacks):
    invitation, token = invite(organisation, applicant_admin,
                               django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == services.hash_token(token) != token
    assert services.find_invitation(token) == stored


def test_deliver_sends_the_link_each_time_it_sends(organisation, applicant_admin, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    _invitation, token = invite(organisation, applicant_admin,
                                django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(recipient="carla@example.test")
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None, claimed_at=None)  # as if lost
    assert deliver(message.pk)
    assert token in mailoutbox[-1].body
