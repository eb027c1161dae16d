"""Profile: adding a recovery phone or a secondary address, and removing one, each confirmed
with the current password."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField


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
        cast(PhoneNumberField, self.fields["number"]).region = user.tenant.phone_region
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
