"""The audit part of the case page. A template tag, so that certification never imports audits."""
from django import template

from certification.models import Case
from organisations.permissions import ROLE

from .. import permissions, presentation, selectors
from ..models import CorrectiveAction

register = template.Library()


@register.inclusion_tag("audits/_case_audit_panel.html", takes_context=True)
def case_audit_panel(context, case: Case):
    user = context["request"].user
    audit = selectors.current_audit(case)
    return {
        "case": case,
        "audit": audit,
        "can_plan": permissions.can_plan_audit(user, case),
        "is_auditor": audit is not None and permissions.active_assignment(user, audit) is not None,
        "can_record": audit is not None and permissions.can_record_findings(user, audit),
        "can_see_findings": audit is not None and permissions.can_see_findings(user, audit),
        "requests": list(selectors.evidence_requests(audit)) if audit else [],
    }


@register.inclusion_tag("audits/_next_step_corrections.html", takes_context=True)
def case_corrections_next_step(context, case: Case):
    """In the applicant's "next step" box while the case waits for corrective actions: how many
    points wait for an answer, the first deadline, and the way to answer them (or, for a colleague
    who may not answer, who can)."""
    if case.state != Case.State.CORRECTIVE_ACTIONS:
        return {"show": False}
    user = context["request"].user
    audit = selectors.current_audit(case)
    if audit is None:
        return {"show": False}
    audit.case = case
    waiting = [a for a in selectors.corrective_actions(audit) if a.state in CorrectiveAction.WAITING_FOR_APPLICANT]
    verdicts = []
    for action in waiting:
        action.finding.audit = audit
        verdicts.append(permissions.can_answer_correction(user, action))
    return {
        "show": True, "case": case, "count": len(waiting),
        "first_deadline": min((a.deadline for a in waiting), default=None),
        "can_answer": any(verdicts),
        "refusal": next((v.reason for v in verdicts if not v and v.kind == ROLE), ""),
    }


@register.filter
def advice_explained(advice: str) -> str:
    return str(presentation.ADVICE_EXPLAINED.get(advice, ""))


@register.filter
def for_applicant(finding) -> str:
    """The classification of a finding in the applicant's words ("small point to improve")."""
    return str(presentation.FOR_APPLICANT.get(finding.classification, finding.get_classification_display()))


@register.filter
def applicant_state(action) -> str:
    return str(presentation.ACTION_STATE_FOR_APPLICANT.get(action.state, action.get_state_display()))


@register.filter
def staff_state(action) -> str:
    return str(presentation.ACTION_STATE_FOR_STAFF.get(action.state, action.get_state_display()))
