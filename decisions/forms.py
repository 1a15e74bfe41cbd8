from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from register.models import CertificateEvent

from .models import Decision


class VoteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Your vote"), widget=forms.RadioSelect)
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}))
    deviation = forms.CharField(
        label=_("Why you deviate from the recommendation"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when your vote goes against the system's recommendation."))

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Decision._meta.get_field("outcome").choices)
        self.fields["outcome"].choices = [(o, labels[o]) for o in decision.outcomes()]
        if decision.kind != Decision.Kind.CASE:
            del self.fields["deviation"]


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Proposal"), choices=[
        (Decision.Kind.SUSPEND, _("Suspend")), (Decision.Kind.REINSTATE, _("Lift the suspension")),
        (Decision.Kind.WITHDRAW, _("Withdraw"))], widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the board"), widget=forms.Textarea(attrs={"rows": 3}))
    public_reason = forms.ChoiceField(
        label=_("Reason shown in the public register"), required=False,
        choices=[(v, label) for v, label in CertificateEvent.PublicReason.choices if v])
    remedy_deadline = forms.DateField(label=_("Remedy before (suspension)"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))


class ConflictForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("name"))
    description = forms.CharField(label=_("Your relation with the organisation"),
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionForm(forms.Form):
    grounds = forms.CharField(label=_("Why do you not agree with the decision?"),
                              widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("Explain what the board did not see or weighed wrongly. You can refer to "
                                          "evidence you already sent."))


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("Decision of the committee"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Uphold the objection")), ("no", _("Reject the objection"))],
                                    widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))
