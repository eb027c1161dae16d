"""Registration of recovery methods after login (Microsoft Entra's "require users to register
when signing in"): the tenant's policy (off / ask / require), how many times a person may put it
off, and the re-confirmation of her methods every N days.

Who is asked: every adult of the tenant — parents, school staff, secretaries and network
administrators (a locked-out secretary costs the school most). Students are not: they recover
through their school mailbox, and a school should not collect minors' private numbers. Platform
superusers belong to no tenant and are never asked.

"Registered" means as many verified methods as the tenant's two-step reset asks for (1 or 2).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tenants.models import MethodsRegistration, Tenant

REGISTER = "register"
RECONFIRM = "reconfirm"
KINDS = ("phone", "email")


@dataclass(frozen=True)
class RegistrationDue:
    """What the page after login asks of this person."""

    mode: str  # REGISTER (not enough methods) or RECONFIRM (methods older than N days)
    required: bool  # no "later" button: the policy requires it, or the skips are used up
    skips_left: int
    missing: tuple[str, ...] = ()  # kinds to add ("phone", "email")
    confirmed: tuple[str, ...] = field(default=())  # kinds already verified

    @property
    def can_skip(self) -> bool:
        return not self.required


def registration_policy(tenant: Tenant | None) -> str:
    """The tenant's policy as it applies: off without a tenant or without the two-step reset."""
    if tenant is None or not tenant.two_step_reset:
        return MethodsRegistration.OFF
    return tenant.methods_registration


def registration_applies_to(user: User) -> bool:
    """Adults of a tenant; a student who is nothing else is not asked."""
    if user.tenant_id is None or not user.is_active:
        return False
    adult = user.is_parent or user.is_school_staff or user.is_secretary or user.is_tenant_admin
    return adult or not user.is_student


def _confirmed_kinds(user: User) -> tuple[tuple[str, ...], datetime | None]:
    """The kinds of verified methods and the latest verification among them (login time
    only: two small indexed queries)."""
    dates = {
        "phone": list(
            PhoneDevice.objects.filter(user=user, confirmed=True).values_list(
                "verified_at", flat=True
            )
        ),
        "email": list(
            SecondaryEmailDevice.objects.filter(user=user, confirmed=True).values_list(
                "verified_at", flat=True
            )
        ),
    }
    kinds = tuple(kind for kind in KINDS if dates[kind])
    known = [at for kind in KINDS for at in dates[kind] if at is not None]
    return kinds, max(known, default=None)


def registration_due(
    *, user: User, tenant: Tenant | None, now: datetime | None = None
) -> RegistrationDue | None:
    """None when nothing is asked; else whether to register or re-confirm, and whether the
    person may put it off."""
    policy = registration_policy(tenant)
    if policy == MethodsRegistration.OFF or tenant is None or not registration_applies_to(user):
        return None
    if user.tenant_id != tenant.pk:
        return None
    now = now or timezone.now()
    kinds, last_verified = _confirmed_kinds(user)
    skips_left = max(tenant.methods_registration_skips - user.methods_prompt_skips, 0)
    required = policy == MethodsRegistration.REQUIRE or skips_left == 0
    if len(kinds) < tenant.two_step_methods_required:
        missing = tuple(kind for kind in KINDS if kind not in kinds)
        return RegistrationDue(REGISTER, required, skips_left, missing, kinds)
    if tenant.methods_reconfirm_days:
        confirmed_at = max(
            (at for at in (user.methods_confirmed_at, last_verified) if at is not None),
            default=None,
        )
        if confirmed_at is None or confirmed_at <= now - timedelta(
            days=tenant.methods_reconfirm_days
        ):
            return RegistrationDue(RECONFIRM, required, skips_left, (), kinds)
    return None


def registration_skip(*, user: User, tenant: Tenant) -> bool:
    """The person puts it off once more; False (and nothing counted) when she may not."""
    due = registration_due(user=user, tenant=tenant)
    if due is None or not due.can_skip:
        return False
    User.objects.filter(pk=user.pk).update(methods_prompt_skips=F("methods_prompt_skips") + 1)
    user.methods_prompt_skips += 1
    return True


def registration_confirm(*, user: User, now: datetime | None = None) -> None:
    """The person registered or confirmed her methods: the re-confirmation clock restarts and
    her skips are counted afresh."""
    now = now or timezone.now()
    User.objects.filter(pk=user.pk).update(methods_confirmed_at=now, methods_prompt_skips=0)
    user.methods_confirmed_at, user.methods_prompt_skips = now, 0
