from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Sector

from .models import Complaint

STATUS_CHOICES = [
    ("current", _("Valid or suspended")),
    ("valid", _("Valid")),
    ("suspended", _("Suspended")),
    ("no_longer_valid", _("No longer valid")),
    ("all", _("All")),
]


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or certificate number"), required=False, max_length=100)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    place = forms.CharField(label=_("Place"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class VerifyForm(forms.Form):
    nummer = forms.CharField(label=_("Certificate number"), max_length=40,
                             help_text=_("For example WI-2026-0042."))


class ComplaintForm(forms.Form):
    text = forms.CharField(label=_("Your complaint"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000,
                           help_text=_("What happened, and when? Do not write down personal data of others."))
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=200)
    email = forms.EmailField(label=_("Your e-mail address (optional)"), required=False,
                             help_text=_("Only if you want a receipt and to hear the outcome."))
    phone = forms.CharField(label=_("Your telephone number (optional)"), required=False, max_length=30)
    # A field people do not see and robots fill in: a filled-in one is quietly ignored.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class CloseComplaintForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Complaint.Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Outcome explained"), widget=forms.Textarea(attrs={"rows": 4}))


class ExtraordinaryCaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the extraordinary audit"), widget=forms.Textarea(attrs={"rows": 3}))
