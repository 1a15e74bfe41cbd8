from decimal import Decimal

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from organisations.formfields import IdMultipleChoiceField

from .evidence import size_limit_text
from .models import Criterion
from .scores import score_form_choices, score_value


class ScoreBoundField(BoundField):
    """Also points at the help text of another field that explains the scale (``help_of``)."""

    @property
    def aria_describedby(self):
        ids = (super().aria_describedby or "").split()
        other = getattr(self.field, "help_of", None)
        if other and self.form[other].auto_id:
            ids.insert(0, f"{self.form[other].auto_id}_helptext")
        return " ".join(ids)


class ScoreField(forms.TypedChoiceField):
    """A select of the Meetlat scale. Every value, stored (Decimal("6.0")) or posted ("6.0"),
    is normalised to the one form value of its score ("6"), so a saved score is shown selected."""

    bound_field_class = ScoreBoundField

    def __init__(self, *, required=True, help_of: str = "", **kwargs):
        self.help_of = help_of
        kwargs.setdefault("choices", score_form_choices)
        super().__init__(required=required, coerce=Decimal, empty_value=None, **kwargs)

    def prepare_value(self, value):
        return score_value(value)

    def to_python(self, value):
        return score_value(super().to_python(value))


class AnswerForm(forms.Form):
    current_score = ScoreField(
        label=_("Where are you now?"),
        help_text=_("1 = laggard, 5.5 = middle, 8 = leader, 10 = the best there is."),
    )
    ambition_score = ScoreField(label=_("Where do you want to be?"), help_of="current_score")
    explanation = forms.CharField(
        label=_("Explanation"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this score? Say what you do now. Do not include personal data of customers."),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
    )
    criteria = IdMultipleChoiceField(
        label=_("Evidence for which criteria?"), queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one criterion this file is evidence for.")},
    )
    description = forms.CharField(label=_("Short description (optional)"), max_length=300, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "You can upload a PDF, a Word, Excel or PowerPoint file, a photo or a CSV file. "
            "The file can be %(limit)s at most. First remove personal data of customers from it."
        ) % {"limit": size_limit_text()}
        self.fields["criteria"].queryset = Criterion.objects.filter(version=case.scheme_version_id).order_by("position")
        self.fields["criteria"].label_from_instance = lambda c: f"{c.code} {c.title}"


class DeclarationForm(forms.Form):
    function = forms.CharField(label=_("Your function"), max_length=200)
    confirm = forms.BooleanField(
        label=_("I have read the self-assessment and I declare that it is true and complete."),
        error_messages={"required": _("Tick the box to confirm the declaration.")},
    )


class SubmitForm(forms.Form):
    """Submitting cannot be undone: the admin confirms they checked the application (no
    JavaScript-only confirm dialog: a box on the page, checked by the server)."""
    confirm = forms.BooleanField(
        label=_("I checked the application: the answers, the evidence and the declaration. "
                "I know that nothing can be changed after submitting."),
        error_messages={"required": _("Tick the box to confirm that you checked the application.")},
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
