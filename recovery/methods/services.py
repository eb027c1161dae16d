"""Recovery methods a person registers in her profile: a mobile phone and a secondary e-mail,
each counting only once verified by a code; changes are announced to the old address."""

from django.db import transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import User
from outbox.services import email_queue, sms_queue
from recovery.codes import (
    CODE_LIFETIME,
    CodeDevice,
    MethodDevice,
    PhoneDevice,
    SecondaryEmailDevice,
)


def _context(device: CodeDevice) -> str:
    return f"profile:{device.persistent_id}"


def methods_of(user: User) -> dict[str, list[MethodDevice]]:
    return {
        "phones": list(PhoneDevice.objects.filter(user=user).order_by("-confirmed", "-id")),
        "emails": list(
            SecondaryEmailDevice.objects.filter(user=user).order_by("-confirmed", "-id")
        ),
    }


@transaction.atomic
def method_phone_start(*, user: User, number: PhoneNumber) -> PhoneDevice:
    """A pending phone (not yet counted) and a code sent to it by SMS."""
    PhoneDevice.objects.filter(user=user, confirmed=False).delete()
    device = PhoneDevice.objects.create(user=user, name="phone", number=number, confirmed=False)
    code = device.code_issue(context=_context(device))
    sms_queue(
        tenant=user.tenant, to=str(number.as_e164), template="recovery/methods/sms/profile_code",
        context={"code": code}, user=user, useful_until=timezone.now() + CODE_LIFETIME,
    )  # fmt: skip
    return device


@transaction.atomic
def method_email_start(*, user: User, email: str) -> SecondaryEmailDevice:
    SecondaryEmailDevice.objects.filter(user=user, confirmed=False).delete()
    device = SecondaryEmailDevice.objects.create(
        user=user, name="email", email=email, confirmed=False
    )
    code = device.code_issue(context=_context(device))
    email_queue(
        tenant=user.tenant, to=email, template="recovery/methods/email/profile_code",
        context={"code": code, "identifier": user.identifier}, user=user, sensitive=True,
        useful_until=timezone.now() + CODE_LIFETIME,
    )  # fmt: skip
    return device


@transaction.atomic
def method_verify(*, device: MethodDevice, code: str) -> bool:
    """The right code confirms the new method; the one it replaces is removed and told."""
    if not device.code_verify(context=_context(device), code=code):
        return False
    replaced: list[MethodDevice] = list(
        type(device).objects.filter(user=device.user, confirmed=True)
    )
    device.confirmed = True
    device.verified_at = timezone.now()
    device.save(update_fields=["confirmed", "verified_at"])
    for old in replaced:
        _announce_change(old, removed=False)
        old.delete()
    return True


@transaction.atomic
def method_remove(*, device: MethodDevice) -> None:
    if device.confirmed:
        _announce_change(device, removed=True)
    device.delete()


def _announce_change(old: MethodDevice, *, removed: bool) -> None:
    """The old phone gets an SMS, the old secondary address a mail, the main address a mail."""
    user = old.user
    context = {"identifier": user.identifier, "removed": removed, "masked": old.masked}
    if isinstance(old, PhoneDevice):
        sms_queue(
            tenant=user.tenant, to=str(old.number.as_e164),
            template="recovery/methods/sms/method_changed", context=context, user=user,
            sensitive=False,
        )  # fmt: skip
    else:
        email_queue(
            tenant=user.tenant, to=old.email, template="recovery/methods/email/method_changed",
            context=context, user=user,
        )  # fmt: skip
    if user.email:
        email_queue(
            tenant=user.tenant, to=user.email, template="recovery/methods/email/method_changed",
            context=context, user=user,
        )  # fmt: skip
