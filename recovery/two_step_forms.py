from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from zxcvbn import zxcvbn

from accounts.forms import NewPasswordForm
from recovery.forms import reject_control_characters
from recovery.numen_forms import captcha_field
from recovery.two_step import MethodOption

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

    def __init__(self, *args, options: list[MethodOption], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = {o.key: o for o in options}
        self.fields["method"].choices = [(o.key, KIND_LABELS[o.kind] % o.masked) for o in options]
        if options:
            self.fields["method"].initial = options[0].key

    def clean(self) -> dict:
        cleaned = super().clean()
        option = self.options.get(cleaned.get("method", ""))
        number = cleaned.get("full_number", "")
        reject_control_characters(number)
        if option and option.is_phone and not number.strip():
            self.add_error(
                "full_number",
                _("Tapez votre numéro de téléphone mobile complet (%s).") % option.masked,
            )
        return cleaned


class CodeForm(forms.Form):
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

    def clean(self) -> dict:
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


class PhoneMethodForm(forms.Form):
    number = PhoneNumberField(label=_("Numéro de téléphone mobile"))
    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["number"].region = user.tenant.phone_region
        self.fields["number"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean_current_password(self) -> str:
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("Le mot de passe actuel est incorrect."))
        return value


class EmailMethodForm(PhoneMethodForm):
    number = None
    email = forms.EmailField(label=_("Adresse de messagerie secondaire"), max_length=254)

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        forms.Form.__init__(self, *args, **kwargs)

    field_order = ["email", "current_password"]


class RemoveMethodForm(forms.Form):
    current_password = PhoneMethodForm.base_fields["current_password"]

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    clean_current_password = PhoneMethodForm.clean_current_password
