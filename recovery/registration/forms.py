"""The methods asked for after login: the profile's forms without the current password (the
person typed it a moment ago to log in, and only a kind she lacks can be added here, so
nothing she registered is replaced)."""

from recovery.methods.forms import EmailMethodForm, PhoneMethodForm


class RegisterPhoneForm(PhoneMethodForm):
    current_password = None  # type: ignore[assignment]  # Django removes a field set to None


class RegisterEmailForm(EmailMethodForm):
    current_password = None  # type: ignore[assignment]
    field_order = ["email"]
