"""Activation: the identifier and the code from the letter (the student form is SEPNE's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from recovery.activation.services import CODE_LENGTH, activation_code_normalise
from recovery.forms import reject_control_characters


class ActivationCodeForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    code = forms.CharField(
        label=_("Code d'activation"),
        help_text=_("12 lettres et chiffres, par exemple ABCD-EFGH-JKMN (tirets facultatifs)."),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )

    def clean_identifier(self) -> str:
        value = self.cleaned_data["identifier"].strip()
        reject_control_characters(value)
        return value

    def clean_code(self) -> str:
        value = activation_code_normalise(self.cleaned_data["code"])
        if len(value) != CODE_LENGTH:
            raise forms.ValidationError(
                _("Le code d'activation compte 12 lettres et chiffres."), code="code_length"
            )
        return value
