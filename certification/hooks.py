"""Named hooks through which other apps take part in a case's life without certification
importing them (STYLE: "what hangs off it ends in the same transaction through a hook the owning
app registers").

``case_left_audit_stage``: called inside the transaction of every transition that takes a case
out of the audit stage (planned, auditing, corrective actions) — withdrawal, cancelling the audit,
the report without non-conformities, the last correction verified, an escalation, and later a
refusal, suspension or scheduled job. The audits app registers the handler that closes the audit,
ends the auditors' write access and closes corrective actions that wait. Handlers must be
idempotent: they close what is still open and do nothing more on a second call.
"""
from collections.abc import Callable

CaseLeftAuditStage = Callable[..., None]

_case_left_audit_stage: list[CaseLeftAuditStage] = []


def on_case_left_audit_stage(handler: CaseLeftAuditStage) -> CaseLeftAuditStage:
    """Register ``handler(case, *, actor, from_state, reason)``; usable as a decorator."""
    if handler not in _case_left_audit_stage:
        _case_left_audit_stage.append(handler)
    return handler


def case_left_audit_stage(case, *, actor, from_state: str, reason: str = "") -> None:
    for handler in list(_case_left_audit_stage):
        handler(case, actor=actor, from_state=from_state, reason=reason)
