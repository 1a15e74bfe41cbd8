"""The applicant's dashboard shows the board's decisions on its organisation and, for a decision
against it, until when it can object (registered in apps.py through certification.hooks)."""
from django.template.loader import render_to_string
from django.utils import timezone

from . import permissions, selectors
from .models import NEGATIVE_OUTCOMES


def decisions_panel(user, organisations) -> dict:
    organisations = list(organisations)
    if not organisations:
        return {}
    today = timezone.localdate()
    by_org: dict = {}
    for decision in selectors.decisions_of(o.pk for o in organisations):
        decision.negative = decision.outcome in NEGATIVE_OUTCOMES
        decision.objection_until = permissions.objection_term_ends(decision) if decision.negative else None
        decision.objection_list = list(decision.objections.all())
        decision.can_object = bool(permissions.can_lodge_objection(user, decision, today)) if decision.negative \
            else False
        by_org.setdefault(decision.organisation_id, []).append(decision)
    return {pk: [render_to_string("decisions/_dashboard_decisions.html", {"decisions": decisions})]
            for pk, decisions in by_org.items()}
