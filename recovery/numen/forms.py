"""Académie de Créteil: the identifier lookup and the reset, by surname or identifier + NUMEN."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordForm
from accounts.numen import numen_validate
from recovery.captcha import captcha_field
from recovery.forms import reject_control_characters


class NumenField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            label=_("Votre NUMEN"),
            max_length=30,
            help_text=_(
                "13 caractères. Perdu ? Demandez-le au gestionnaire de votre établissement."
            ),
            widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            **kwargs,
        )

    def clean(self, value: str) -> str:
        value = super().clean(value)
        reject_control_characters(value)
        return numen_validate(value)


class NumenLookupForm(forms.Form):
    surname = forms.CharField(
        label=_("Votre nom (patronymique ou marital)"),
        max_length=150,
        help_text=_(
            "Une apostrophe ou un espace peut être tapé tel quel ou remplacé par un tiret."
        ),
    )
    numen = NumenField()
    captcha = captcha_field()

    def clean_surname(self) -> str:
        value = self.cleaned_data["surname"]
        reject_control_characters(value)
        return value


class CaptchaStepForm(forms.Form):
    captcha = captcha_field()


class NumenIdentityForm(forms.Form):
    identifier = forms.CharField(
        label=_("Votre identifiant"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    numen = NumenField()

    def clean_identifier(self) -> str:
        value = self.cleaned_data["identifier"].strip()
        reject_control_characters(value)
        return value


class NumenNewPasswordForm(NewPasswordForm):
    pass
