"""Account activation (ISSUE 6): people created by a secretary or a CSV import have no usable
password until they choose one with a one-time activation code.

- A code is 12 symbols from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
  "ABCD-EFGH-JKMN": 31^12 ≈ 2^59. Only an HMAC-SHA256 keyed from SECRET_KEY and bound to the user
  and tenant is stored. It is single use, valid `tenant.activation_days` days, and replaced (dead)
  as soon as a newer code is issued. Wrong tries are throttled per IP and per typed identifier.
- Codes reach people on a printed letter (`recovery.activation.letters`: one PDF, or a Celery job
  for large batches) or by mail (`activation_send_by_mail`).
- Students of a tenant with `student_self_activation` ask for a one-time link (recovery.tokens,
  purpose "activation") mailed to their school mailbox (`recovery.activation.student`).
- Activation only ever applies to an account without a usable password: for any other account
  the answer is the same as for a wrong code, and nothing changes.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.directory.services import user_password_set
from accounts.models import ActivationCode, User
from accounts.selectors import user_for_login
from outbox.services import email_queue
from recovery import throttle
from recovery.services import user_notice_send
from recovery.throttle import Limit
from recovery.tokens import link_tokens_revoke
from tenants.models import Tenant
from tenants.selectors import tenant_public_base_url

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols, no 0/O, 1/I/L
CODE_LENGTH = 12
CODE_GROUP = 4

# Failed tries only: a parents' evening behind one school router still gets through. The
# identifier's limit counts per address: tries from elsewhere never hold back the person with the
# letter (a code is one of 31^12, so no address can guess it within its limits anyway).
FAILURES_PER_IP = Limit("activation-ip", 30, 600)
FAILURES_PER_IDENTIFIER = Limit("activation-identifier", 10, 3600)

# Unchanged since activation lived in accounts: a new salt would kill every code already printed.
_HMAC_SALT = "cartable.accounts.activation-code"


class ActivationThrottled(Exception):
    """Too many wrong tries from this address or for this identifier: try again later."""


# --- Codes ------------------------------------------------------------------------------------


def activation_code_generate() -> str:
    """A new code in its display form, "ABCD-EFGH-JKMN"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def activation_code_normalise(typed: str) -> str:
    """What a person types → the bare code: case, spaces and hyphens do not matter."""
    return "".join(c for c in typed.upper() if c.isalnum())[:64]


def _code_hash(*, tenant_id: int | None, user_id: int, code: str) -> str:
    value = f"{tenant_id}:{user_id}:{activation_code_normalise(code)}"
    return salted_hmac(_HMAC_SALT, value, algorithm="sha256").hexdigest()


def user_is_activatable(user: User) -> bool:
    """Only a tenant's active account that has no usable password yet can be activated."""
    return bool(user.tenant_id and user.is_active and not user.has_usable_password())


def users_activatable(users: QuerySet[User]) -> QuerySet[User]:
    """`user_is_activatable` as a filter, for the admin's bulk actions."""
    return users.filter(
        tenant__isnull=False, is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def _live_codes(user_id: int, now: datetime) -> QuerySet[ActivationCode]:
    return ActivationCode.objects.filter(
        user_id=user_id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )


@dataclass(frozen=True)
class IssuedCodes:
    """Codes made in memory: shown on letters first, stored (`activation_codes_store`) once
    rendered."""

    codes: dict[int, tuple[str, datetime]]  # user id → (code in clear, expires at)
    rows: list[ActivationCode]


def activation_codes_prepare(
    *,
    tenant: Tenant,
    users: list[User],
    by: User | None,
    channel: str,
    now: datetime | None = None,
) -> IssuedCodes:
    now = now or timezone.now()
    expires_at = now + timedelta(days=tenant.activation_days)
    codes: dict[int, tuple[str, datetime]] = {}
    rows = []
    for user in users:
        if user.tenant_id != tenant.pk:
            raise ValueError("activation codes are issued for the people of one tenant")
        code = activation_code_generate()
        codes[user.pk] = (code, expires_at)
        rows.append(
            ActivationCode(
                tenant=tenant,
                user=user,
                code_hash=_code_hash(tenant_id=tenant.pk, user_id=user.pk, code=code),
                channel=channel,
                created_by=by,
                created_at=now,
                expires_at=expires_at,
            )
        )
    return IssuedCodes(codes=codes, rows=rows)


@transaction.atomic
def activation_codes_store(issued: IssuedCodes) -> None:
    """The new codes replace every earlier code of these people, in one transaction."""
    now = min((row.created_at for row in issued.rows), default=timezone.now())
    ActivationCode.objects.filter(
        user__in=list(issued.codes), used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    ActivationCode.objects.bulk_create(issued.rows)


def _codes_issue(
    *, tenant: Tenant, users: list[User], by: User | None, channel: str, now: datetime | None = None
) -> dict[int, tuple[str, datetime]]:
    issued = activation_codes_prepare(tenant=tenant, users=users, by=by, channel=channel, now=now)
    activation_codes_store(issued)
    return issued.codes


def activation_code_issue(
    *,
    user: User,
    by: User | None = None,
    channel: str = ActivationCode.Channel.OTHER,
    now: datetime | None = None,
) -> str:
    """A new code for this person, replacing any live one; returns it in clear (shown once,
    never stored). It only works while the account has no usable password."""
    if user.tenant_id is None:
        raise ValueError("platform accounts are not activated with a code")
    issued = _codes_issue(tenant=user.member_tenant, users=[user], by=by, channel=channel, now=now)
    code, _expires_at = issued[user.pk]
    return code


def activation_codes_revoke(*, user: User) -> int:
    return ActivationCode.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def activation_code_verify(
    *, tenant: Tenant, identifier: str, code: str, ip: str | None, now: datetime | None = None
) -> ActivationCode | None:
    """The live code these answers name, or None — the same None for an unknown identifier, a
    wrong, used, replaced or expired code, and an account already active. Does not consume the
    code (the password page does). Raises ActivationThrottled after too many failures."""
    now = now or timezone.now()
    subject = f"{identifier.strip().lower()[:150]}@{ip or '-'}"
    if throttle.throttle_exceeded(
        tenant=tenant, limit=FAILURES_PER_IP, subject=ip or "-"
    ) or throttle.throttle_exceeded(tenant=tenant, limit=FAILURES_PER_IDENTIFIER, subject=subject):
        raise ActivationThrottled
    user = user_for_login(tenant=tenant, identifier=identifier) if tenant else None
    if user is None:
        User()  # the model instance a found account costs: the time tells nothing of it either
    activatable = user is not None and user_is_activatable(user)
    # One HMAC and one lookup by it for everyone (user 0 has no code), and a wrong code finds no
    # row whether or not the account exists: the time tells nothing of the account. (The HMAC
    # needs the server's key: comparing it in SQL leaks nothing a guess could use.)
    user_id = user.pk if user is not None and activatable else 0
    candidate = _code_hash(tenant_id=tenant.pk, user_id=user_id, code=code)
    found = _live_codes(user_id, now).filter(code_hash=candidate).order_by("-created_at").first()
    if found is not None and constant_time_compare(candidate, found.code_hash):
        return found
    throttle.throttle_hit(tenant=tenant, limit=FAILURES_PER_IP, subject=ip or "-")
    throttle.throttle_hit(tenant=tenant, limit=FAILURES_PER_IDENTIFIER, subject=subject)
    return None


def activation_code_live(*, code_id: int, now: datetime | None = None) -> ActivationCode | None:
    """Still usable: for the password page, which holds the verified code's id in the session."""
    code = ActivationCode.objects.select_related("user", "user__tenant").filter(pk=code_id).first()
    now = now or timezone.now()
    if (
        code is None
        or code.used_at is not None
        or code.revoked_at is not None
        or code.expires_at <= now
        or not user_is_activatable(code.user)
    ):
        return None
    return code


def activation_password_set(*, user: User, password: str, ip: str | None) -> None:
    """The first password (code or mailbox link). The policy was checked by the caller, before
    it used the code or link."""
    user.must_change_password = False
    user_password_set(user=user, password=password, also=["must_change_password"])
    activation_codes_revoke(user=user)
    link_tokens_revoke(user=user)
    user_notice_send(
        user=user, template="recovery/activation/email/activated", ip=ip, with_school_mailbox=True
    )
    logger.info("activation: user %s activated (tenant %s)", user.pk, user.tenant_id)


@transaction.atomic
def activation_code_redeem(
    *, code: ActivationCode, password: str, ip: str | None, now: datetime | None = None
) -> User | None:
    """Uses the code and sets the password (the tenant's policy is enforced: ValidationError).
    None if the code died meanwhile; one caller wins however many race."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=code.user_id)
    if not user_is_activatable(user):
        return None
    validate_password(password, user)
    if not ActivationCode.objects.filter(
        pk=code.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_ip=ip):
        return None
    activation_password_set(user=user, password=password, ip=ip)
    return user


def activation_complete(
    *, tenant: Tenant, identifier: str, code: str, password: str, ip: str | None
) -> User | None:
    """Identifier + code + new password in one call: the activated user, or None."""
    found = activation_code_verify(tenant=tenant, identifier=identifier, code=code, ip=ip)
    if found is None:
        return None
    return activation_code_redeem(code=found, password=password, ip=ip)


# --- Addresses --------------------------------------------------------------------------------


def activation_url(*, tenant: Tenant, identifier: str | None = None) -> str:
    """The tenant's activation page, from its configured host (never a request's Host), with
    the identifier prefilled if given. Never the code."""
    url = f"{tenant_public_base_url(tenant)}{reverse('activation:start')}"
    return f"{url}?{urlencode({'identifiant': identifier})}" if identifier else url


# --- By mail ----------------------------------------------------------------------------------


@transaction.atomic
def activation_send_by_mail(*, user: User, by: User | None) -> bool:
    """A new code (the earlier one dies) mailed with the activation address to the person's
    e-mail. False, and nothing issued, if there is no e-mail or the account cannot be
    activated (already active, deactivated)."""
    if not user.email or not user_is_activatable(user):
        return False
    issued = _codes_issue(
        tenant=user.member_tenant, users=[user], by=by, channel=ActivationCode.Channel.MAIL
    )
    code, expires_at = issued[user.pk]
    email_queue(
        tenant=user.tenant,
        to=user.email,
        template="recovery/activation/email/code",
        context={
            "name": user.get_full_name(),
            "identifier": user.identifier,
            "code": code,
            "url": activation_url(tenant=user.member_tenant, identifier=user.identifier),
            "expires_at": expires_at,
        },
        user=user,
        useful_until=expires_at,
        sensitive=True,
    )
    return True
