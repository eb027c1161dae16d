"""Forms of the parents' pages: they parse input; the services decide."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.bank.transfers import iban_checked
from payments.exceptions import InvalidIban
from payments.money import parse_euros


class ConfirmForm(forms.Form):
    """The confirmation of a pay or decline: a hidden idempotency key, fresh on each page."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)


class AutoPayForm(forms.Form):
    auto_pay = forms.BooleanField(label=_("Payer automatiquement"), required=False)


class WalletAutoPayForm(forms.Form):
    auto_pay_default = forms.BooleanField(
        label=_("Payer automatiquement les nouvelles invitations à leur échéance"), required=False
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StatementForm(forms.Form):
    start = forms.DateField(label=_("Du"), widget=DateInput())
    end = forms.DateField(label=_("Au"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        if start and end and (end - start).days > 3660:
            raise forms.ValidationError(_("Choisissez une période de dix ans au plus."))
        return data

    @staticmethod
    def initial_period() -> dict[str, date]:
        today = timezone.localdate()
        return {"start": today.replace(month=1, day=1), "end": today}


class QrAmountForm(forms.Form):
    montant = forms.CharField(label=_("Montant du virement (facultatif)"), required=False)

    def clean_montant(self) -> int | None:
        text = self.cleaned_data.get("montant", "").strip()
        if not text:
            return None
        try:
            cents = parse_euros(text)
        except ValueError:
            raise forms.ValidationError(_("Indiquez un montant comme 12,50.")) from None
        if not 0 < cents <= 99_999_999:
            raise forms.ValidationError(_("Indiquez un montant comme 12,50."))
        return cents


class EurosField(forms.CharField):
    """'5,00' → 500 cents."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 14)
        super().__init__(**kwargs)

    def clean(self, value) -> int | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            cents = parse_euros(value)
        except ValueError:
            raise forms.ValidationError(_("Indiquez un montant comme 12,50.")) from None
        if cents <= 0:
            raise forms.ValidationError(_("Le montant doit être positif."))
        return cents


class WithdrawalRequestForm(forms.Form):
    """A parent asks for the wallet's balance back on a bank account (schwifty checks the IBAN;
    the secretary checks the rest before anything moves)."""

    amount = EurosField(label=_("Montant"), help_text=_("En euros, par exemple 20,00."))
    iban = forms.CharField(
        label=_("IBAN de votre compte"),
        max_length=42,
        help_text=_("Par exemple BE71 0961 2345 6769."),
    )
    holder_name = forms.CharField(label=_("Titulaire du compte"), max_length=70)
    note = forms.CharField(
        label=_("Message pour le secrétariat (facultatif)"), max_length=300, required=False
    )

    def clean_iban(self) -> str:
        try:
            return iban_checked(self.cleaned_data["iban"]).compact
        except InvalidIban as exc:
            raise forms.ValidationError(str(exc)) from None
