from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.formfields import IdMultipleChoiceField

from .models import Criterion
from .scores import SCORE_CHOICES

SCORE_FORM_CHOICES = [("", _("Choose"))] + [(str(value), label) for value, label in SCORE_CHOICES]


class AnswerForm(forms.Form):
    current_score = forms.TypedChoiceField(
        label=_("Where are you now?"), choices=SCORE_FORM_CHOICES, coerce=str,
        help_text=_("1 = laggard, 5.5 = middle, 8 = leader, 10 = the best there is."),
    )
    ambition_score = forms.TypedChoiceField(
        label=_("Where do you want to be?"), choices=SCORE_FORM_CHOICES, coerce=str,
    )
    explanation = forms.CharField(
        label=_("Explanation"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this score? Say what you do now. Do not include personal data of customers."),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, office document, image or CSV. At most 20 MB. "
                    "Remove personal data of customers before you upload."),
    )
    criteria = IdMultipleChoiceField(
        label=_("Evidence for which criteria?"), queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one criterion this file is evidence for.")},
    )
    description = forms.CharField(label=_("Short description (optional)"), max_length=300, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = Criterion.objects.filter(version=case.scheme_version_id).order_by("position")
        self.fields["criteria"].label_from_instance = lambda c: f"{c.code} {c.title}"


class DeclarationForm(forms.Form):
    function = forms.CharField(label=_("Your function"), max_length=200)
    confirm = forms.BooleanField(
        label=_("I have read the self-assessment and I declare that it is true and complete."),
        error_messages={"required": _("Tick the box to confirm the declaration.")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why do you withdraw the application?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class IntakeForm(forms.Form):
    RETURN, ADMIT, NOT_ADMIT = "return", "admit", "not_admit"
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[
            (ADMIT, _("Admit: the application is complete")),
            (RETURN, _("Return for completion")),
            (NOT_ADMIT, _("Do not admit")),
        ],
    )
    remarks = forms.CharField(
        label=_("Remarks for the applicant"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you return the application or do not admit it."),
    )
