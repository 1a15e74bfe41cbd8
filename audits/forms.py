from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certification.forms import ScoreField
from certification.models import Case, Evidence
from organisations.formfields import IdChoiceField, IdMultipleChoiceField
from organisations.models import Sector

from . import rules
from .models import Auditor, CertificationBody, Classification


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AuditorForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    body = IdChoiceField(label=_("Certification body"), queryset=CertificationBody.objects.all())
    qualified_from = forms.DateField(label=_("Qualified from"), widget=DateInput())
    qualified_until = forms.DateField(label=_("Qualified until"), widget=DateInput())
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), choices=Sector.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when the auditor may audit every sector."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Auditor.Status.choices)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("full_name", "email"):
                self.fields[name].disabled = True
                self.fields[name].required = False


def auditor_label(auditor: Auditor) -> str:
    return f"{auditor.user.full_name} ({auditor.body.name})"


def offer_auditors(field: forms.ModelChoiceField, offered, *, empty_label=None) -> None:
    """Show only ``offered`` auditors (those who may take the audit on its days) while the field
    still accepts every auditor in the register: the service then says why one may not, which is
    more use than "not a valid choice". A select, whatever the length of the register."""
    field.queryset = Auditor.objects.select_related("user", "body")
    field.label_from_instance = auditor_label
    field.widget.choices = ([("", empty_label)] if empty_label else []) + [(a.pk, auditor_label(a)) for a in offered]


class PlanningForm(forms.Form):
    lead = IdChoiceField(label=_("Lead auditor"), queryset=Auditor.objects.none())
    co_auditors = IdMultipleChoiceField(
        label=_("Co-auditors (optional)"), queryset=Auditor.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."))
    first_day = forms.DateField(label=_("First audit day"), widget=DateInput())
    last_day = forms.DateField(label=_("Last audit day (optional)"), required=False, widget=DateInput())
    evidence_due = forms.DateField(label=_("Evidence due (optional)"), required=False, widget=DateInput())
    locations = IdMultipleChoiceField(label=_("Locations in scope"), queryset=None,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, case: Case, leads=(), co_auditors=(), **kwargs):
        super().__init__(*args, **kwargs)
        offer_auditors(self.fields["lead"], leads, empty_label=_("Choose the lead auditor"))
        offer_auditors(self.fields["co_auditors"], co_auditors)
        self.fields["locations"].queryset = case.organisation.locations.active()
        weeks = case.scheme_version.evidence_due_weeks
        self.fields["evidence_due"].help_text = ngettext(
            "Empty: %(weeks)d week before the first audit day.",
            "Empty: %(weeks)d weeks before the first audit day.", weeks) % {"weeks": weeks}


class ReplanForm(forms.Form):
    first_day = forms.DateField(label=_("First audit day"), widget=DateInput())
    last_day = forms.DateField(label=_("Last audit day (optional)"), required=False, widget=DateInput())
    evidence_due = forms.DateField(label=_("Evidence due (optional)"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Reason for moving the audit"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    auditor = IdChoiceField(label=_("Auditor"), queryset=Auditor.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=[("co", _("Co-auditor")), ("lead", _("Lead auditor"))])

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        offer_auditors(self.fields["auditor"], offered, empty_label=_("Choose an auditor"))


class DeclineForm(forms.Form):
    conflict = forms.CharField(label=_("Describe the conflict of interest"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))


class FindingForm(forms.Form):
    verified_score = ScoreField(label=_("Verified score"))
    classification = forms.ChoiceField(label=_("Classification"),
                                       choices=[("", _("Choose"))] + list(Classification.choices))
    examined = forms.CharField(label=_("What did you examine?"), max_length=10000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    evidence = IdMultipleChoiceField(label=_("Supporting evidence"), queryset=Evidence.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    # Shown only when score and classification seem to disagree (rules.score_classification_mismatch).
    keep = forms.BooleanField(label=_("I keep this score and this classification."), required=False,
                              widget=forms.HiddenInput)
    # The version of the finding this form was made from (``finding_version``), so that saving
    # over a colleague's change made meanwhile is refused (audits.services.record_finding).
    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, evidence_choices, minimum=None, stored=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence_choices
        self.fields["evidence"].label_from_instance = lambda e: e.original_name
        self.minimum = minimum
        self.stored = stored  # (score, classification) of the finding as recorded: no new warning for it
        self.mismatch = ""

    def clean(self):
        data = super().clean()
        score, classification = data.get("verified_score"), data.get("classification")
        if self.minimum is None or score is None or not classification:
            return data
        if self.stored is not None and (score, classification) == self.stored:
            return data
        self.mismatch = rules.score_classification_mismatch(score, classification, self.minimum)
        if self.mismatch and not data.get("keep"):
            self.fields["keep"].widget = forms.CheckboxInput()
            self.add_error(None, self.mismatch)
        return data


class EvidenceRequestForm(forms.Form):
    message = forms.CharField(label=_("Which evidence do you need?"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())


class ReportForm(forms.Form):
    advice = forms.ChoiceField(label=_("Advice to the board"), choices=Case.Advice.choices, widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Summary"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    interviews = forms.CharField(
        label=_("Interviews"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Roles and number of employees interviewed, e.g. '3 customer service staff'. No names."),
    )
    confirm = forms.BooleanField(
        label=_("I checked every finding and this report. I know that they cannot be changed after "
                "submitting, and that the applicant is told the outcome."),
        error_messages={"required": _("Tick the box to confirm that you checked the findings and the report.")},
    )


class CorrectiveAnswerForm(forms.Form):
    root_cause = forms.CharField(label=_("What is the cause?"), max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("What do you do about it, and when?"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = IdMultipleChoiceField(label=_("Evidence (optional)"), queryset=Evidence.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, evidence_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence_choices
        self.fields["evidence"].label_from_instance = lambda e: e.original_name


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), widget=forms.RadioSelect,
                                choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    verified_score = ScoreField(
        label=_("Verified score after the correction"), required=False,
        help_text=_("Needed when you accept. The score of the finding stays on record as well."))
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("verdict") == "accept" and not data.get("verified_score"):
            self.add_error("verified_score", _("Give the verified score after the correction."))
        return data


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=2000)
