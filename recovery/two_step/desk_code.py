"""A one-time code from the school's secretariat, for a person whose two-step recovery cannot
finish (one method registered where the tenant asks for two, or none she can still use).

The secretary checks the person's identity (in person, or by calling her back on a number the
school knows), then hands her the code on a printed sheet or reads it out; the mailbox of the
locked account is never involved. The person types her identifier and the code, then chooses
her password herself: the secretary never sets or sees it (DESIGN.md §3, admin-initiated reset).

- 12 symbols without look-alikes, shown "ABCD-EFGH-JKMN" (the activation codes' alphabet).
- Stored as a `LinkToken` of purpose "desk_code" whose hash is an HMAC bound to the tenant and
  the person, never in clear; single use, valid `DESK_CODE_LIFETIME`, dead as soon as the
  password or e-mail changes (the token's fingerprint) or a newer code is issued.
- Wrong tries are throttled per address and per typed identifier; an unknown identifier and a
  wrong code get the same answer for the same work.
- Issue and use are in the recovery journal (flow "admin"), the issue also in the help desk's.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import user_for_login
from recovery import throttle
from recovery.activation.services import activation_code_generate, activation_code_normalise
from recovery.models import Flow, LinkToken, Outcome, RecoveryRequest
from recovery.services import password_reset_complete, recovery_event_log
from recovery.tokens import link_token_consume, user_fingerprint
from tenants.models import Tenant
from tenants.selectors import tenant_public_base_url

PURPOSE = "desk_code"
DESK_CODE_LIFETIME = timedelta(hours=24)
FAILURES_PER_IP = throttle.Limit("desk-code-ip", 20, 600)
FAILURES_PER_IDENTIFIER = throttle.Limit("desk-code-identifier", 10, 3600)
_HMAC_SALT = "cartable.two-step.desk-code"


class Handover(models.TextChoices):
    IN_PERSON = "in_person", _("remis en main propre, pièce d'identité vue")
    READ_OUT = "read_out", _("lu au téléphone, après rappel au numéro connu de l'école")


class DeskCodeThrottled(Exception):
    """Too many wrong codes from this address or for this identifier: try again later."""


@dataclass(frozen=True)
class DeskCode:
    """A code just issued: shown once to the secretary, never stored in clear."""

    code: str
    identifier: str
    expires_at: datetime
    url: str


def _code_hash(*, tenant_id: int, user_id: int, code: str) -> str:
    value = f"{tenant_id}:{user_id}:{activation_code_normalise(code)}"
    return salted_hmac(_HMAC_SALT, value, algorithm="sha256").hexdigest()


def desk_code_url(*, tenant: Tenant) -> str:
    """Where the person types the code, from the tenant's configured host."""
    return f"{tenant_public_base_url(tenant)}{reverse('two_step:desk_code')}"


@transaction.atomic
def desk_code_issue(*, user: User, by: User, handover: str, ip: str | None) -> DeskCode:
    """A new code for this person (any earlier one dies). The caller checked rights and scope."""
    tenant = user.member_tenant
    handover = Handover(handover)
    now = timezone.now()
    request = RecoveryRequest.objects.create(
        tenant=tenant, flow=Flow.ADMIN, method=PURPOSE, login=user.identifier, user=user, ip=ip,
        initiated_by=by, processed_at=now, outcome=Outcome.PENDING,
    )  # fmt: skip
    LinkToken.objects.filter(
        user=user, purpose=PURPOSE, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    code = activation_code_generate()
    expires_at = now + DESK_CODE_LIFETIME
    LinkToken.objects.create(
        tenant=tenant, user=user, request=request, purpose=PURPOSE,
        secret_hash=_code_hash(tenant_id=tenant.pk, user_id=user.pk, code=code),
        fingerprint=user_fingerprint(user), created_at=now, expires_at=expires_at,
    )  # fmt: skip
    recovery_event_log(
        tenant=tenant, flow=Flow.ADMIN, kind="desk_code_issued", outcome=Outcome.PENDING,
        request=request, user=user, ip=ip, detail=handover.value, actor=by,
    )  # fmt: skip
    url = desk_code_url(tenant=tenant)
    return DeskCode(code=code, identifier=user.identifier, expires_at=expires_at, url=url)


def _live(token: LinkToken | None, now: datetime) -> bool:
    return bool(
        token is not None
        and token.purpose == PURPOSE
        and token.used_at is None
        and token.revoked_at is None
        and token.expires_at > now
        and token.user.is_active
        and constant_time_compare(token.fingerprint, user_fingerprint(token.user))
    )


def desk_code_verify(
    *, tenant: Tenant, identifier: str, code: str, ip: str | None
) -> LinkToken | None:
    """The live code these answers name, or None — the same None, after the same queries, for an
    unknown identifier and a wrong, used, replaced or expired code. Does not use the code up (the
    password page does). Raises DeskCodeThrottled after too many failures."""
    subject = f"{identifier.strip().lower()[:150]}"
    if throttle.throttle_exceeded(
        tenant=tenant, limit=FAILURES_PER_IP, subject=ip or "-"
    ) or throttle.throttle_exceeded(tenant=tenant, limit=FAILURES_PER_IDENTIFIER, subject=subject):
        raise DeskCodeThrottled
    user = user_for_login(tenant=tenant, identifier=identifier)
    if user is None:
        User()  # the model instance a found account costs: the time tells nothing of it either
    candidate = _code_hash(tenant_id=tenant.pk, user_id=user.pk if user else 0, code=code)
    token = (
        LinkToken.objects.select_related("user")
        .filter(secret_hash=candidate, purpose=PURPOSE, user_id=user.pk if user else 0)
        .first()
    )
    if _live(token, timezone.now()):
        return token
    throttle.throttle_hit(tenant=tenant, limit=FAILURES_PER_IP, subject=ip or "-")
    throttle.throttle_hit(tenant=tenant, limit=FAILURES_PER_IDENTIFIER, subject=subject)
    return None


def desk_code_live(*, token_id: int) -> LinkToken | None:
    """Still usable: for the password page, which holds the verified code's id in the session."""
    token = LinkToken.objects.select_related("user").filter(pk=token_id, purpose=PURPOSE).first()
    return token if _live(token, timezone.now()) else None


@transaction.atomic
def desk_code_redeem(*, token_id: int, password: str, ip: str | None) -> User | None:
    """Uses the code and sets the password (the tenant's policy: ValidationError, and the code
    stays usable). None if the code died meanwhile; one caller wins however many race."""
    token = desk_code_live(token_id=token_id)
    if token is None or not link_token_consume(token=token):
        return None
    user = token.user
    password_reset_complete(
        user=user, password=password, flow=Flow.ADMIN, ip=ip, request=token.request
    )
    return user
