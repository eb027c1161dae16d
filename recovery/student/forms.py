"""SEPNE student reset: the school mailbox address, then the student number and the username."""

import re

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from recovery.forms import reject_control_characters
from tenants.models import Voice

STUDENT_NUMBER_RE = re.compile(r"[0-9]{10}")
USERNAME_RE = re.compile(r"[A-Za-z0-9._-]{1,150}")


class StudentMailboxForm(forms.Form):
    """Step 1: the school mailbox the one-time link goes to."""

    address = forms.CharField(
        label=_("Ton adresse de courriel SEPNE (boîte scolaire)"),
        help_text=_("Par exemple prenom.nom@eleves.sepne.ca"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )

    def __init__(self, *args, voice: str = Voice.TU, **kwargs) -> None:
        """`voice`: the tenant's (« tu » or « vous »), for the label and the messages."""
        super().__init__(*args, **kwargs)
        self.voice = voice
        if voice != Voice.TU:
            self.fields["address"].label = _("Votre adresse de courriel scolaire")

    def clean_address(self) -> str:
        value = self.cleaned_data["address"].strip()
        reject_control_characters(value)
        try:
            validate_email(value)
        except forms.ValidationError:
            if self.voice == Voice.TU:
                message = _("Saisis une adresse de courriel valide.")
            else:
                message = _("Saisissez une adresse de courriel valide.")
            raise forms.ValidationError(message) from None
        return value


class StudentIdentityForm(forms.Form):
    """Step 2: "Réinitialisation du mot de passe de l'élève pour le portail"."""

    student_number = forms.CharField(
        label=_("Numéro d'élève"),
        help_text=_("10 chiffres, par exemple 3100111222."),
        # A little room so that a too-long value gets the explanation below, not a length error.
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{10}"}
        ),
        error_messages={"max_length": _("Le numéro d'élève compte exactement 10 chiffres.")},
    )
    username = forms.CharField(
        label=_("Nom d'utilisateur sur le portail"),
        help_text=_("Par exemple abc123456."),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={
            "max_length": _("Le nom d'utilisateur compte au plus 150 caractères."),
        },
    )

    def clean_student_number(self) -> str:
        value = self.cleaned_data["student_number"].strip()
        if not STUDENT_NUMBER_RE.fullmatch(value):
            raise forms.ValidationError(
                _("Le numéro d'élève compte exactement 10 chiffres, sans espace ni lettre."),
                code="student_number_format",
            )
        return value

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if not USERNAME_RE.fullmatch(value):
            raise forms.ValidationError(
                _(
                    "Le nom d'utilisateur ne contient que des lettres, des chiffres, des points, "
                    "des tirets et des soulignés."
                ),
                code="username_format",
            )
        return value
