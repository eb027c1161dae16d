import re
from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tenants.features import tenant_has_feature


class IdentifierLoginForm(LoginForm):
    """allauth's login form, by identifier: an e-mail address typed there gets a hint."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("Identifiant"),
            max_length=150,
            widget=forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
            ),
        )
        self.fields["password"] = forms.CharField(
            label=_("Mot de passe"),
            max_length=4096,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        )
        if "remember" in self.fields:
            self.fields["remember"].label = _("Rester connecté")
            self.fields["remember"].label_suffix = ""  # a box to tick, not a field to fill
        self.order_fields(["login", "password", "remember"])

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            login = self.cleaned_data.get("login", "")
            if "@" in login:
                raise forms.ValidationError(
                    _(
                        "Vous avez tapé une adresse e-mail. Connectez-vous avec votre identifiant "
                        "(par exemple jean.dupont), pas avec votre e-mail. Identifiant oublié ? "
                        "Utilisez « Mot de passe oublié » : le message reçu le rappelle."
                    ),
                    code="email_instead_of_identifier",
                ) from None
            if self._numen_in_lower_case():
                raise forms.ValidationError(
                    _(
                        "L'identifiant ou le mot de passe est incorrect. Première connexion avec "
                        "votre NUMEN ? Tapez-le en majuscules, par exemple 05E0512345ABC."
                    ),
                    code="numen_lower_case",
                ) from None
            raise forms.ValidationError(
                _("L'identifiant ou le mot de passe est incorrect."), code="invalid_login"
            ) from None

    def _numen_in_lower_case(self) -> bool:
        """A failed password shaped like a NUMEN with small letters, where the tenant lets the
        NUMEN in capitals open a first login. Only the shape is looked at: the hint says
        nothing about the account."""
        tenant = getattr(getattr(self, "request", None), "tenant", None)
        password = re.sub(r"\s+", "", self.cleaned_data.get("password", "") or "")
        return bool(
            tenant is not None
            and tenant_has_feature(tenant, "numen_initial_login")
            and re.fullmatch(r"[0-9A-Za-z]{13}", password)
            and password != password.upper()
        )


class RulesDescribedBoundField(forms.BoundField):
    """The new password is described by the live rules list, then by its errors (if any)."""

    @property
    def aria_describedby(self) -> str:
        return " ".join(["password-rules", super().aria_describedby or ""]).strip()


class NewPasswordForm(forms.Form):
    """Two password fields checked against the tenant's policy for this user."""

    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        # Django 5.2's argument, missing from django-stubs 5.2.9's CharField.
        bound_field_class=RulesDescribedBoundField,  # type: ignore[call-arg]
    )
    password2 = forms.CharField(
        label=_("Confirmer mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User | None, **kwargs) -> None:
        self.user = user  # None: a form only shown, before the person is known
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif first:
            try:
                validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
