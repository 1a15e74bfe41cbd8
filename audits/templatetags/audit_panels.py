"""The audit part of the case page. A template tag, so that certification never imports audits."""
from django import template

from certification.models import Case

from .. import permissions, selectors

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
