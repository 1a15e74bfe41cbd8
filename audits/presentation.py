"""What the audit's words mean to whom reads them (DESIGN 10: B1 for applicants, one word per
idea; see the glossary in README.md). For applicants a non-conformity is a "point to improve"
("verbeterpunt") and their corrective action is "your answer"; the auditors and the secretariat
keep the terms of the norm ("non-conformity", "corrective action")."""
from django.utils.translation import gettext_lazy as _

from certification.models import Case

from .models import Classification, CorrectiveAction

ADVICE_EXPLAINED = {
    Case.Advice.POSITIVE: _(
        "Positive: the auditor advises the board to give you the quality mark. The board decides. "
        "You will get an e-mail."),
    Case.Advice.CONDITIONAL: _(
        "Conditional: the auditor advises to give you the quality mark once the points to improve are solved. "
        "Answer each point before its deadline. The auditor checks your answers. Then the board decides."),
    Case.Advice.NEGATIVE: _(
        "Negative: the auditor advises the board not to give you the quality mark now. The board decides. "
        "You will get an e-mail."),
}

FOR_APPLICANT = {
    Classification.CONFORM: _("In order"),
    Classification.OBSERVATION: _("Remark"),
    Classification.MINOR: _("Small point to improve"),
    Classification.MAJOR: _("Big point to improve"),
}

ACTION_STATE_FOR_APPLICANT = {
    CorrectiveAction.State.OPEN: _("Waiting for your answer"),
    CorrectiveAction.State.ANSWERED: _("The auditor checks your answer"),
    CorrectiveAction.State.REJECTED: _("Not accepted yet: answer again"),
    CorrectiveAction.State.ACCEPTED: _("Accepted"),
    CorrectiveAction.State.CLOSED: _("Closed: the application ended"),
}

ACTION_STATE_FOR_STAFF = {
    CorrectiveAction.State.OPEN: _("Waiting for the applicant's answer"),
    CorrectiveAction.State.ANSWERED: _("Answered: waiting for the auditor's verdict"),
    CorrectiveAction.State.REJECTED: _("Rejected: waiting for a new answer"),
    CorrectiveAction.State.ACCEPTED: _("Accepted"),
    CorrectiveAction.State.CLOSED: _("Closed: the case ended"),
}
