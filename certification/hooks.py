"""Named hooks through which other apps take part in a case's life without certification
importing them (STYLE: "what hangs off it ends in the same transaction through a hook the owning
app registers").

``case_left_audit_stage``: called inside the transaction of every transition that takes a case
out of the audit stage (planned, auditing, corrective actions) — withdrawal, cancelling the audit,
the report without non-conformities, the last correction verified, an escalation, and later a
refusal, suspension or scheduled job. The audits app registers the handler that closes the audit,
ends the auditors' write access and closes corrective actions that wait. Handlers must be
idempotent: they close what is still open and do nothing more on a second call.

``case_awaits_decision`` / ``case_left_decision_stage``: the board's decision opens and closes
with the case (see below); ``dashboard_panels``: pieces of the applicant's dashboard.
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


# --------------------------------------------------------------------------- the board's decision
#
# ``case_awaits_decision``: called inside the transaction of every transition that brings a case to
# "awaiting decision" (the report without non-conformities, the last correction verified, an
# escalation, a case reopened after an upheld objection). The decisions app registers the handler
# that opens the board's decision.
#
# ``case_left_decision_stage``: called when a case leaves "awaiting decision" (decided, or
# withdrawn). The decisions app cancels a decision that is still open (after a withdrawal); a
# decision that took effect has already been closed by its own service.

_case_awaits_decision: list[Callable[..., None]] = []
_case_left_decision_stage: list[Callable[..., None]] = []


def on_case_awaits_decision(handler):
    """Register ``handler(case, *, actor, from_state)``; usable as a decorator."""
    if handler not in _case_awaits_decision:
        _case_awaits_decision.append(handler)
    return handler


def case_awaits_decision(case, *, actor, from_state: str) -> None:
    for handler in list(_case_awaits_decision):
        handler(case, actor=actor, from_state=from_state)


def on_case_left_decision_stage(handler):
    """Register ``handler(case, *, actor, reason)``; usable as a decorator."""
    if handler not in _case_left_decision_stage:
        _case_left_decision_stage.append(handler)
    return handler


def case_left_decision_stage(case, *, actor, reason: str = "") -> None:
    for handler in list(_case_left_decision_stage):
        handler(case, actor=actor, reason=reason)


# --------------------------------------------------------------------------- the applicant's dashboard
#
# Upper apps add pieces to the applicant's dashboard (the certificate with its seal, decisions
# that can be objected to) without certification importing them. A panel is
# ``panel(user, organisations) -> {organisation_pk: [html, ...]}`` and reads all organisations at
# once (a fixed number of queries, whatever their number).

_dashboard_panels: list[Callable[..., dict]] = []


def register_dashboard_panel(panel):
    if panel not in _dashboard_panels:
        _dashboard_panels.append(panel)
    return panel


def dashboard_panels(user, organisations) -> dict:
    result: dict = {}
    for panel in list(_dashboard_panels):
        for pk, parts in (panel(user, organisations) or {}).items():
            result.setdefault(pk, []).extend(parts)
    return result
