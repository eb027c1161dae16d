"""“Votre compte n'est pas accessible ?”: the address, the method, the new password."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python
from zxcvbn import zxcvbn

from accounts.forms import NewPasswordForm
from recovery.activation.forms import ActivationCodeForm
from recovery.activation.services import CODE_LENGTH, activation_code_normalise
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
    """The method for this step, with the full number or secondary address typed again (only the
    fields of the kinds still open at this step are shown)."""

    method = forms.ChoiceField(label=_("Méthode"), widget=forms.RadioSelect)
    full_number = forms.CharField(
        label=_("Numéro de téléphone mobile complet"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    full_email = forms.CharField(
        label=_("Adresse de messagerie secondaire complète"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )

    def __init__(
        self,
        *args,
        options: list[MethodOption],
        preferred: str | None = None,
        region: str = "BE",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = {o.key: o for o in options}
        self.region = region
        cast(forms.ChoiceField, self.fields["method"]).choices = [
            (o.key, KIND_LABELS[o.kind] % o.masked) for o in options
        ]
        # "Réessayer" names the method; a single method left is chosen already.
        if preferred in self.options:
            self.initial["method"] = preferred
        elif len(options) == 1:
            self.initial["method"] = options[0].key
        phones = _masks(o for o in options if o.is_phone)
        emails = _masks(o for o in options if not o.is_phone)
        if phones:
            self.fields["full_number"].help_text = _(
                "Par mesure de sécurité et pour la protection de votre compte, tapez votre "
                "numéro de téléphone mobile complet (%(masked)s). Vous recevrez ensuite un SMS "
                "ou un appel avec un code de vérification."
            ) % {"masked": phones}
        else:
            del self.fields["full_number"]
        if emails:
            self.fields["full_email"].help_text = _(
                "Vous allez recevoir un courrier électronique contenant un code de vérification "
                "sur votre adresse de messagerie secondaire (%(masked)s) : par mesure de "
                "sécurité, tapez-la ici en entier."
            ) % {"masked": emails}
        else:
            del self.fields["full_email"]

    @property
    def shows_phone(self) -> bool:
        return "full_number" in self.fields

    @property
    def shows_email(self) -> bool:
        return "full_email" in self.fields

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        option = self.options.get(cleaned.get("method", ""))
        number = cleaned.setdefault("full_number", "")
        address = cleaned.setdefault("full_email", "")
        reject_control_characters(number)
        reject_control_characters(address)
        if option and option.is_phone and not number.strip():
            self.add_error(
                "full_number",
                _("Tapez votre numéro de téléphone mobile complet (%s).") % option.masked,
            )
        elif option and option.is_phone and not _is_phone_number(number, self.region):
            # Not a number at all (whatever the account): said here, and no try is spent.
            self.add_error(
                "full_number",
                _(
                    "Ce n'est pas un numéro de téléphone valable. Tapez-le avec ou sans "
                    "indicatif, par exemple 0470 12 34 56 ou +32 470 12 34 56."
                ),
            )
        if option and not option.is_phone and not address.strip():
            self.add_error(
                "full_email",
                _("Tapez votre adresse de messagerie secondaire complète (%s).") % option.masked,
            )
        return cleaned


def _masks(options) -> str:
    return str(_(" ou ")).join(dict.fromkeys(o.masked for o in options))


def _is_phone_number(typed: str, region: str) -> bool:
    number = to_python(typed.strip(), region=region)
    return bool(number and number.is_valid())


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


class DeskCodeForm(ActivationCodeForm):
    """The identifier and the one-time code the secretariat handed over (recovery.two_step
    .desk_code): the same 12-symbol shape as an activation code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code remis par le secrétariat")

    def clean_code(self) -> str:
        value = activation_code_normalise(self.cleaned_data["code"])
        if len(value) != CODE_LENGTH:
            raise forms.ValidationError(
                _("Le code remis par le secrétariat compte 12 lettres et chiffres."),
                code="code_length",
            )
        return value
