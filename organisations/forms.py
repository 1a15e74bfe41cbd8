from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .models import Location, Membership, Organisation, Sector
from .validators import kvk_validator

# An e-mail address is at most 254 characters (RFC 5321, and the database columns): every
# form that takes one says so, instead of failing further on.
EMAIL_MAX_LENGTH = 254


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordFieldsMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Not only numbers and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords are not the same."))
        if p2:
            password_validation.validate_password(p2)
        return p2


class SignUpForm(PasswordFieldsMixin):
    full_name = forms.CharField(label=_("Your full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Your work e-mail address"), max_length=EMAIL_MAX_LENGTH,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    organisation_name = forms.CharField(label=_("Name of your organisation"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK number"), max_length=8, min_length=8, validators=[kvk_validator],
        help_text=_("The 8 digits of your registration at the Chamber of Commerce."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{8}"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("Choose a sector"))] + list(Sector.choices))
    field_order = ["full_name", "email", "password1", "password2", "organisation_name", "kvk_number", "sector"]

    def clean_kvk_number(self):
        return self.cleaned_data["kvk_number"].strip()


class AcceptInvitationForm(PasswordFieldsMixin):
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    field_order = ["full_name", "password1", "password2"]


class NewOrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK number"), max_length=8, min_length=8, validators=[kvk_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{8}"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("Choose a sector"))] + list(Sector.choices))
    admin_email = forms.EmailField(
        label=_("E-mail address of the first admin"), max_length=EMAIL_MAX_LENGTH,
        help_text=_("This person gets an invitation to create an account and becomes admin."),
    )


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "sector", "website", "require_two_factor"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your colleague"), max_length=EMAIL_MAX_LENGTH)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER,
        help_text=_("A member fills in the self-assessment and uploads evidence. An admin can also sign and submit."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "address", "city", "is_head_office"]


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form, on the field it names where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def not_saved_message(headline: str, form: forms.Form) -> str:
    """A banner for a refused form that names what needs attention: the headline, then the labels
    of the fields with an error ("Check: Verified score, Classification."), then any error that
    belongs to no field. Never "required. required. required."."""
    labels = [f"“{form.fields[name].label}”" for name in form.errors if name in form.fields]
    parts = [str(headline)]
    if labels:
        parts.append(_("Check: %(fields)s.") % {"fields": ", ".join(labels)})
    parts.extend(str(e) for e in form.non_field_errors())
    return " ".join(parts)
class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32,
        help_text=_("The 6 digits your authenticator app shows now. Lost your phone? Enter one of your "
                    "recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
