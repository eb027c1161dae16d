"""Two-step verification before a new password (Microsoft 365 style, DESIGN.md §4 flow 2).

An address that matches no account (or an account without enough methods) is shown stable,
made-up masked methods derived from a keyed hash of the address; the full-number check and the
codes then fail exactly as wrong attempts do.
"""

import hmac
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from accounts.models import User
from outbox.services import email_queue, sms_queue
from recovery import throttle
from recovery.codes import CODE_LIFETIME, MethodDevice, PhoneDevice, SecondaryEmailDevice
from recovery.models import ContactRequest, Flow, Outcome, RecoveryRequest, TwoStepProgress
from recovery.services import password_reset_complete, recovery_event_log
from tenants.models import Tenant

MAX_FAILURES_PER_REQUEST = 10
_FAKE_DOMAINS = ["gmail.com", "hotmail.com", "outlook.com", "skynet.be", "yahoo.fr", "live.be"]


@dataclass(frozen=True)
class MethodOption:
    # "sms:<n>", "voice:<n>", "email:<n>": the n-th phone or secondary address of the account,
    # never a database id, so that a made-up option's key is the same as a real one's.
    key: str
    kind: str
    masked: str
    made_up: bool = False

    @property
    def is_phone(self) -> bool:
        return self.kind in ("sms", "voice")


class SendOutcome:
    SENT = "sent"
    WRONG_NUMBER = "wrong_number"
    WRONG_ADDRESS = "wrong_address"
    LOCKED = "locked"


def _user_for_address(*, address: str) -> User | None:
    """The first account (by id) whose identifier or e-mail this is. Two lookups, each served by
    its own index, whatever the address; an OR of both would make the planner scan the tenant."""
    address = address.strip()
    live = User.objects.filter(is_active=True, is_migrated=True).order_by("id")
    found = [
        live.filter(identifier__lower_exact=address).first(),
        live.filter(email__lower_exact=address).first(),
    ]
    return min((user for user in found if user), key=lambda user: user.pk, default=None)


@transaction.atomic
def two_step_start(*, tenant: Tenant, address: str, ip: str | None) -> RecoveryRequest:
    user = _user_for_address(address=address)
    request = RecoveryRequest.objects.create(
        tenant=tenant, flow=Flow.TWO_STEP, method="address", login=address.strip()[:254],
        user=user, ip=ip, outcome=Outcome.PENDING if user else Outcome.NO_ACCOUNT,
        processed_at=timezone.now(),
    )  # fmt: skip
    TwoStepProgress.objects.create(request=request)
    return request


def _devices(user: User) -> list[MethodDevice]:
    return [
        *PhoneDevice.objects.filter(user=user, confirmed=True).order_by("id"),
        *SecondaryEmailDevice.objects.filter(user=user, confirmed=True).order_by("id"),
    ]


def _real_options(user: User) -> list[MethodOption]:
    devices = _devices(user)
    emails = [d for d in devices if isinstance(d, SecondaryEmailDevice)]
    phones = [d for d in devices if isinstance(d, PhoneDevice)]
    options = [MethodOption(f"email:{n}", "email", d.masked) for n, d in enumerate(emails, 1)]
    for n, device in enumerate(phones, 1):
        options.append(MethodOption(f"sms:{n}", "sms", device.masked))
        options.append(MethodOption(f"voice:{n}", "voice", device.masked))
    return options


def _fake_options(*, tenant: Tenant, address: str) -> list[MethodOption]:
    key = sha256(f"cartable.two-step.fake:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, f"{tenant.id}:{address.strip().lower()}".encode(), sha256).digest()
    phone = f"*****{digest[0] % 100:02d}"
    letter = "abcdefghijklmnopqrstuvwxyz"[digest[1] % 26]
    email = f"{letter}*****@{_FAKE_DOMAINS[digest[2] % len(_FAKE_DOMAINS)]}"
    options = [MethodOption("email:1", "email", email, True)] if digest[3] % 4 else []
    return [
        *options,
        MethodOption("sms:1", "sms", phone, True),
        MethodOption("voice:1", "voice", phone, True),
    ]


def _device_of(option_key: str) -> str:
    """The device behind an option: SMS and voice call share one phone."""
    kind, device_id = option_key.split(":", 1)
    return f"{'email' if kind == 'email' else 'phone'}:{device_id}"


def _shows_real_methods(options: list[MethodOption], required: int) -> bool:
    """Whether an account is shown its own methods. One with enough of them always is; one with
    fewer is when it has a phone: one phone (an SMS and a call) is also what a made-up list may
    show, so the real methods tell a stranger nothing, and the owner passes step 1 with her real
    number before the page says a second method is needed. An account with no method, or only
    addresses, keeps the made-up list, whose shape no real account of that kind could show."""
    if not options:
        return False
    if len({_device_of(o.key) for o in options}) >= required:
        return True
    return any(o.is_phone for o in options)


def _all_options(request: RecoveryRequest) -> list[MethodOption]:
    user = request.user
    options = _real_options(user) if user else []
    if not _shows_real_methods(options, request.tenant.two_step_methods_required):
        options = _fake_options(tenant=request.tenant, address=request.login)
    return options


def two_step_options(*, request: RecoveryRequest) -> list[MethodOption]:
    """The methods still open at this step: a second step never reuses the first's device."""
    used = {_device_of(key) for key in request.two_step.verified}
    return [o for o in _all_options(request) if _device_of(o.key) not in used or o.made_up]


def two_step_second_method_missing(*, request: RecoveryRequest) -> bool:
    """Step 1 passed with the account's only method, and the tenant asks for two: no code can
    be sent any more, the person needs the school's help. Only the owner, who received the
    step-1 code, ever gets here."""
    progress = request.two_step
    return (
        request.user is not None
        and progress.completed_at is None
        and 0 < len(progress.verified) < request.tenant.two_step_methods_required
        and not two_step_options(request=request)
    )


def _option(request: RecoveryRequest, key: str) -> MethodOption | None:
    return next((o for o in two_step_options(request=request) if o.key == key), None)


def _device(request: RecoveryRequest, option: MethodOption) -> MethodDevice | None:
    if option.made_up or request.user is None:
        return None
    model = SecondaryEmailDevice if option.kind == "email" else PhoneDevice
    ordinal = int(option.key.split(":", 1)[1])
    devices = [d for d in _devices(request.user) if isinstance(d, model)]
    return devices[ordinal - 1] if 0 < ordinal <= len(devices) else None


def _refusal_kind(option: MethodOption, wrong: str) -> str:
    """What the help desk reads: a typed value that differs from the registered one, or (for an
    account shown made-up methods) a method the account does not have."""
    return "made_up_method" if option.made_up else wrong


def _context(request: RecoveryRequest) -> str:
    return f"two-step:{request.public_id}:{len(request.two_step.verified) + 1}"


def _same_number(device: PhoneDevice, typed: str, region: str) -> bool:
    number = to_python(typed or "", region=region)
    return bool(number and number.is_valid() and number == device.number)


@transaction.atomic
def two_step_send(
    *, request: RecoveryRequest, option_key: str, full_number: str = "", full_email: str = ""
) -> str:
    """Sends a code by the chosen method once the full number (or secondary address) is typed:
    a stranger who sees only the masks can neither send codes to the owner nor spend the
    device's tries, so none of it can lock the owner out."""
    progress = TwoStepProgress.objects.select_for_update().get(request=request)
    request.two_step = progress
    option = _option(request, option_key)
    if option is None or progress.failures >= MAX_FAILURES_PER_REQUEST:
        return SendOutcome.LOCKED
    device = _device(request, option)
    # A phone option names a PhoneDevice (or none, when made up).
    if option.is_phone and (not isinstance(device, PhoneDevice) or not _same_number(
        device, full_number, request.tenant.phone_region
    )):  # fmt: skip
        progress.failures += 1
        progress.save(update_fields=["failures"])
        _log(request, _refusal_kind(option, "wrong_number"), Outcome.WRONG_ANSWER)
        return SendOutcome.WRONG_NUMBER
    if not option.is_phone and (
        not isinstance(device, SecondaryEmailDevice)
        or device.email.strip().lower() != full_email.strip().lower()
    ):
        progress.failures += 1
        progress.save(update_fields=["failures"])
        _log(request, _refusal_kind(option, "wrong_address"), Outcome.WRONG_ANSWER)
        return SendOutcome.WRONG_ADDRESS
    progress.pending_method = option.key
    progress.save(update_fields=["pending_method"])
    if device is None or device.is_locked:
        return SendOutcome.SENT  # nothing leaves: a made-up method, or one locked by failures
    subject = str(device.user_id)
    if not throttle.throttle_hit(
        tenant=request.tenant, limit=throttle.MAILS_PER_ACCOUNT, subject=subject
    ):
        _log(request, "code_throttled", Outcome.THROTTLED)
        return SendOutcome.SENT
    code = device.code_issue(context=_context(request))
    _deliver_code(request=request, option=option, device=device, code=code)
    _log(request, f"code_sent_{option.kind}", Outcome.MAIL_SENT)
    return SendOutcome.SENT


def _deliver_code(
    *, request: RecoveryRequest, option: MethodOption, device: MethodDevice, code: str
) -> None:
    user = request.user
    if isinstance(device, SecondaryEmailDevice):  # the "email" option's device
        email_queue(
            tenant=request.tenant, to=device.email, template="recovery/two_step/email/code",
            context={"code": code}, user=user, sensitive=True,
            useful_until=timezone.now() + CODE_LIFETIME,
        )  # fmt: skip
    else:
        sms_queue(
            tenant=request.tenant, to=str(device.number.as_e164),
            template="recovery/two_step/sms/code",
            context={"code": " ".join(code) if option.kind == "voice" else code},
            channel=option.kind, user=user, useful_until=timezone.now() + CODE_LIFETIME,
        )  # fmt: skip


@transaction.atomic
def two_step_verify(*, request: RecoveryRequest, code: str) -> bool:
    """The code of the pending method at this step; a success moves to the next step."""
    progress = TwoStepProgress.objects.select_for_update().get(request=request)
    request.two_step = progress
    if not progress.pending_method or progress.failures >= MAX_FAILURES_PER_REQUEST:
        return False
    option = _option(request, progress.pending_method)
    device = _device(request, option) if option else None
    if (
        option is None
        or device is None
        or not device.code_verify(context=_context(request), code=code)
    ):
        progress.failures += 1
        progress.save(update_fields=["failures"])
        _log(request, "wrong_code", Outcome.WRONG_ANSWER)
        return False
    progress.verified = [*progress.verified, option.key]
    progress.pending_method = ""
    progress.save(update_fields=["verified", "pending_method"])
    _log(request, f"step_{len(progress.verified)}_verified", Outcome.PENDING)
    if two_step_second_method_missing(request=request):
        _log(request, "second_method_missing", Outcome.PENDING)
    return True


def two_step_ready(*, request: RecoveryRequest) -> bool:
    progress = request.two_step
    return (
        request.user is not None
        and progress.completed_at is None
        and len(progress.verified) >= request.tenant.two_step_methods_required
    )


@transaction.atomic
def two_step_complete(*, request: RecoveryRequest, password: str, ip: str | None) -> bool:
    """Sets the new password once every required step is verified; the request is then spent."""
    progress = TwoStepProgress.objects.select_for_update().get(request=request)
    request.two_step = progress
    if not two_step_ready(request=request) or request.user is None:  # ready implies a user
        return False
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at"])
    password_reset_complete(
        user=request.user, password=password, flow=Flow.TWO_STEP, ip=ip, request=request
    )
    return True


@transaction.atomic
def two_step_contact_admin(*, request: RecoveryRequest, ip: str | None) -> ContactRequest:
    """ "Contactez votre administrateur": the school sees the request in the admin."""
    progress = TwoStepProgress.objects.select_for_update().get(request=request)
    existing = ContactRequest.objects.filter(request=request).first()
    if existing:
        return existing
    progress.admin_contacted_at = timezone.now()
    progress.save(update_fields=["admin_contacted_at"])
    _log(request, "contact_admin", Outcome.PENDING)
    return ContactRequest.objects.create(
        tenant=request.tenant, request=request, user=request.user, login=request.login, ip=ip
    )


def _log(request: RecoveryRequest, kind: str, outcome: str) -> None:
    recovery_event_log(
        tenant=request.tenant, flow=Flow.TWO_STEP, kind=kind, outcome=outcome,
        request=request, user=request.user, ip=request.ip,
    )  # fmt: skip
