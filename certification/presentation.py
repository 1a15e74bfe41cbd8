"""What the applicant reads about where the application stands and what comes next (B1)."""
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Case

NEXT_STEPS = {
    Case.State.SUBMITTED: lambda c: _(
        "The secretariat checks if your application is complete. You will get an e-mail when they are done."
    ),
    Case.State.ADMITTED: lambda c: _(
        "Your application is admitted. The secretariat now plans an audit with an independent auditor. "
        "We will let you know the date."
    ),
    Case.State.NOT_ADMITTED: lambda c: _(
        "Your application is not admitted. Read the reason of the secretariat. "
        "You can start a new application when you are ready."
    ),
    Case.State.AUDIT_PLANNED: lambda c: _(
        "The audit is planned. Make sure all your evidence is ready before the due date."
    ),
    Case.State.AUDITING: lambda c: _("The auditor is studying your application. The auditor may ask you for more evidence."),
    Case.State.CORRECTIVE_ACTIONS: lambda c: _(
        "The auditor found points to improve. An admin of your organisation answers each point before its "
        "deadline: what is the cause, and what do you do about it?"
    ),
    Case.State.AWAITING_DECISION: lambda c: _("The board of the foundation will decide. You will get an e-mail."),
    Case.State.CERTIFIED: lambda c: _("Congratulations! Your organisation has the quality mark Warm Incasseren."),
    Case.State.MAINTAINED: lambda c: _("Your certificate stays valid."),
    Case.State.REFUSED: lambda c: _(
        "Your application was refused. You can start a new application from %(date)s."
    ) % {"date": date_format(c.may_start_again_on, "DATE_FORMAT")} if c.may_start_again_on else _("Your application was refused."),
    Case.State.WITHDRAWN: lambda c: _("You withdrew this application."),
}


def next_step(case: Case, *, ready: bool = False) -> str:
    """``ready``: a draft has nothing missing any more (the caller knows; it costs queries)."""
    if case.state == Case.State.DRAFT:
        if case.intake_remarks:
            return _(
                "The secretariat sent your application back. Read their remarks, complete your application "
                "and submit it again."
            )
        if not ready:
            return _(
                "Fill in the self-assessment with a colleague: one of you writes an answer, the other checks it. "
                "Add evidence. Then an admin signs the declaration and submits."
            )
        return _("Everything is ready. An admin of your organisation can now submit the application.")
    return NEXT_STEPS[case.state](case)


# The road of an application, as the applicant sees it (an <ol> on the case page).
STAGES = [
    ((Case.State.DRAFT,), gettext_lazy("Prepare")),
    ((Case.State.SUBMITTED,), gettext_lazy("Check by the secretariat")),
    ((Case.State.ADMITTED, Case.State.AUDIT_PLANNED, Case.State.AUDITING), gettext_lazy("Audit")),
    ((Case.State.CORRECTIVE_ACTIONS,), gettext_lazy("Improve")),
    ((Case.State.AWAITING_DECISION,), gettext_lazy("Decision")),
    ((Case.State.CERTIFIED, Case.State.MAINTAINED), gettext_lazy("Quality mark")),
]


def stages(case: Case) -> list[dict]:
    """Each stage with ``done`` / ``current``; empty for a case that stopped (not admitted,
    refused, withdrawn), where the stepper would suggest a road that is not there."""
    current = next((i for i, (states, _label) in enumerate(STAGES) if case.state in states), None)
    if current is None:
        return []
    return [
        {"label": label, "done": i < current, "current": i == current}
        for i, (_states, label) in enumerate(STAGES)
    ]
