"""Form pieces shared by the recovery flows."""

from django import forms
from django.utils.translation import gettext_lazy as _


def reject_control_characters(value: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise forms.ValidationError(_("Ce champ contient des caractères non autorisés."))


class CodeForm(forms.Form):
    """A 6-digit code sent by a recovery method (two-step recovery, method verification)."""

    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Le code compte 6 chiffres."))
        return code
