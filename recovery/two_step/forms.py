"""“Votre compte n'est pas accessible ?”: the address, the method, the new password."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from zxcvbn import zxcvbn

from accounts.forms import NewPasswordForm
from recovery.captcha import captcha_field
from recovery.forms import reject_control_characters
from recovery.two_step.services import MethodOption

KIND_LABELS = {
    "email": _("Envoyer un courrier électronique sur mon adresse de messagerie secondaire (%s)"),
    "sms": _("Envoyer un SMS à mon téléphone mobile (%s)"),
    "voice": _("Appeler mon numéro de téléphone mobile (%s)"),
}


class AddressForm(forms.Form):
    address = forms.CharField(
        label=_("Adresse e-mail ou identifiant du compte"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )

    def __init__(self, *args, with_captcha: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.fields["captcha"] = captcha_field()

    def clean_address(self) -> str:
        value = self.cleaned_data["address"]
        reject_control_characters(value)
        return value.strip()


class MethodForm(forms.Form):
    method = forms.ChoiceField(label=_("Méthode"), widget=forms.RadioSelect)
    full_number = forms.CharField(
        label=_("Numéro de téléphone mobile complet"),
        required=False,
        max_length=30,
        help_text=_(
            "Pour un SMS ou un appel : par mesure de sécurité, tapez votre numéro complet. "
            "Vous recevrez ensuite un code de vérification."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    full_email = forms.CharField(
        label=_("Adresse de messagerie secondaire complète"),
        required=False,
        max_length=254,
        help_text=_(
            "Pour un courrier électronique : par mesure de sécurité, tapez l'adresse complète. "
            "Vous recevrez ensuite un code de vérification."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )

    def __init__(self, *args, options: list[MethodOption], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = {o.key: o for o in options}
        cast(forms.ChoiceField, self.fields["method"]).choices = [
            (o.key, KIND_LABELS[o.kind] % o.masked) for o in options
        ]
        if options:
            self.fields["method"].initial = options[0].key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        option = self.options.get(cleaned.get("method", ""))
        number = cleaned.get("full_number", "")
        address = cleaned.get("full_email", "")
        reject_control_characters(number)
        reject_control_characters(address)
        if option and option.is_phone and not number.strip():
            self.add_error(
                "full_number",
                _("Tapez votre numéro de téléphone mobile complet (%s).") % option.masked,
            )
        if option and not option.is_phone and not address.strip():
            self.add_error(
                "full_email",
                _("Tapez votre adresse de messagerie secondaire complète (%s).") % option.masked,
            )
        return cleaned


MIN_STRENGTH = 2  # zxcvbn score 0..4
STRENGTH_LABELS = [_("très faible"), _("faible"), _("moyen"), _("fort"), _("très fort")]


def password_strength(password: str, user) -> int:
    inputs = [user.identifier, user.first_name, user.last_name, user.email] if user else []
    return zxcvbn(password[:100], user_inputs=[i for i in inputs if i])["score"]


class TwoStepPasswordForm(NewPasswordForm):
    """The M365-style new password: the tenant's rules plus a strength meter checked here too."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("Saisissez le nouveau mot de passe")
        self.fields["password2"].label = _("Confirmez le nouveau mot de passe")
        self.strength: int | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and "password1" not in self.errors:
            self.strength = password_strength(password, self.user)
            if self.strength < MIN_STRENGTH:
                self.add_error(
                    "password1",
                    _("Ce mot de passe est trop facile à deviner : allongez-le ou mélangez-le."),
                )
        return cleaned

    @property
    def strength_label(self) -> str:
        return "" if self.strength is None else str(STRENGTH_LABELS[self.strength])
