"""May this user do this now? — certificates and complaints.

Certificates change by a decision of the board (the decisions app calls these services with the
board member whose vote took the decision) or by a scheduled job (a system actor: expiry,
supersession). Complaints are handled by the secretariat, never by someone of the organisation
complained about. One named predicate per action, returning a ``Verdict``.
"""
from django.utils.translation import gettext_lazy as _

from organisations import permissions as org_permissions
from organisations.permissions import ALLOWED, Verdict, allowed_if, denied_role, denied_state, require

from .models import Certificate, Complaint

__all__ = [
    "require", "Verdict", "can_change_certificate", "can_end_certificate", "can_handle_complaints",
    "can_investigate_complaint", "can_close_complaint", "can_open_extraordinary_case", "can_download_certificate",
]


def can_change_certificate(actor, certificate: Certificate) -> Verdict:
    """Suspend, reinstate, withdraw: carried out for a board decision, by the board member whose vote
    took it, or by a scheduled job."""
    if not (org_permissions.is_board_member(actor) or org_permissions.is_system_actor(actor)):
        return denied_role(_("Only a decision of the board changes a certificate."))
    return ALLOWED


def can_end_certificate(actor, certificate: Certificate) -> Verdict:
    """Expire or supersede (issue 11's daily job, or the secretariat)."""
    if not (org_permissions.is_system_actor(actor) or org_permissions.is_secretariat(actor)
            or org_permissions.is_board_member(actor)):
        return denied_role(_("Only the secretariat or a scheduled job ends a certificate."))
    return allowed_if(certificate.state in Certificate.CURRENT_STATES,
                      denied_state(_("This certificate is no longer valid.")))


def can_handle_complaints(user) -> bool:
    return org_permissions.is_secretariat(user)


def _handler(user, complaint: Complaint) -> Verdict | None:
    if not org_permissions.is_secretariat(user) or org_permissions.can_contribute(user, complaint.organisation):
        return denied_role(_("Only the secretariat, not involved with this organisation, handles complaints."))
    return None


def can_investigate_complaint(user, complaint: Complaint) -> Verdict:
    refused = _handler(user, complaint)
    if refused is not None:
        return refused
    if complaint.state == Complaint.State.INVESTIGATING:
        return denied_state(_("This complaint is already being investigated."))
    return allowed_if(complaint.state == Complaint.State.RECEIVED,
                      denied_state(_("This complaint is closed.")))


def can_close_complaint(user, complaint: Complaint) -> Verdict:
    refused = _handler(user, complaint)
    if refused is not None:
        return refused
    return allowed_if(complaint.state != Complaint.State.CLOSED, denied_state(_("This complaint is already closed.")))


def can_open_extraordinary_case(user, complaint: Complaint) -> Verdict:
    refused = _handler(user, complaint)
    if refused is not None:
        return refused
    if complaint.extraordinary_case_id:
        return denied_state(_("An extraordinary audit was already opened for this complaint."))
    return allowed_if(complaint.state == Complaint.State.INVESTIGATING,
                      denied_state(_("Start the investigation first.")))


def can_download_certificate(user, certificate: Certificate) -> bool:
    """The PDF: the holder's members and the foundation's staff (the public verifies online)."""
    return org_permissions.can_contribute(user, certificate.organisation) or org_permissions.is_foundation_staff(user)
