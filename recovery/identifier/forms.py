"""CREOS "Mot de passe oublié": the request form, then the new password with the account's
e-mail address."""

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordForm
from accounts.models import User
from recovery.forms import reject_control_characters


class IdentifierResetStartForm(forms.Form):
    """CREOS "Mot de passe oublié": recovery by identifier or by e-mail address."""

    method = forms.ChoiceField(
        label=_("Récupération par :"),
        choices=[("identifier", _("Nom d'utilisateur")), ("email", _("Email"))],
        widget=forms.RadioSelect,
        initial="identifier",
    )
    login = forms.CharField(
        label=_("Nom d'utilisateur ou adresse e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )

    def clean_login(self) -> str:
        value = self.cleaned_data["login"]
        reject_control_characters(value)
        return value.strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        if cleaned.get("method") == "email" and cleaned.get("login"):
            try:
                validate_email(cleaned["login"])
            except forms.ValidationError:
                self.add_error("login", _("Saisissez une adresse e-mail valide."))
        return cleaned


class CreosResetForm(NewPasswordForm):
    """The CREOS reset page also asks for the account's e-mail address."""

    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = ["email", "password1", "password2"]
    user: User  # always given: the account the link was sent for

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        reject_control_characters(value)
        if value.lower() != (self.user.email or "").lower():
            raise forms.ValidationError(_("Cette adresse e-mail n'est pas celle de ce compte."))
        return value
