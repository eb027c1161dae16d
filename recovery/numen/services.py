"""Académie de Créteil: identifier lookup and reset with surname / identifier + NUMEN."""

import hmac

from accounts.identifiers import name_key
from accounts.models import User
from accounts.numen import numen_hash
from recovery import throttle
from recovery.models import Flow, Outcome, RecoveryRequest
from tenants.models import Tenant


def _record(
    *, tenant: Tenant, method: str, login: str, user: User | None, outcome: str, ip: str | None
) -> None:
    from django.utils import timezone

    RecoveryRequest.objects.create(
        tenant=tenant, flow=Flow.NUMEN, method=method, login=login[:254], user=user,
        outcome=outcome, ip=ip, processed_at=timezone.now(),
    )  # fmt: skip


def _within_limits(*, tenant: Tenant, ip: str | None, account_key: str | None) -> bool:
    """Per address, and per account *from that address*: answers from elsewhere never hold back
    the account's owner (throttle, don't lock), and every answer already costs a captcha."""
    ok = True
    if ip:
        ok = throttle.throttle_hit(tenant=tenant, limit=throttle.ANSWERS_PER_IP, subject=ip)
    if account_key:
        ok = (
            throttle.throttle_hit(
                tenant=tenant,
                limit=throttle.ANSWERS_PER_ACCOUNT,
                subject=f"{account_key}@{ip or '-'}",
            )
            and ok
        )
    return ok


def numen_identifier_lookup(
    *, tenant: Tenant, surname: str, numen: str, ip: str | None
) -> str | None:
    """The identifier of the active account with exactly this surname and NUMEN, else None.
    A wrong surname, a wrong NUMEN, both, or too many tries: the same None."""
    candidates = list(
        User.objects.filter(is_active=True, numen_hash=numen_hash(tenant_id=tenant.id, numen=numen))
    )
    match = next((u for u in candidates if name_key(u.last_name) == name_key(surname)), None)
    allowed = _within_limits(
        tenant=tenant, ip=ip, account_key=f"numen:{match.pk}" if match else None
    )
    if match is None or not allowed:
        outcome = Outcome.THROTTLED if not allowed else Outcome.WRONG_ANSWER
        _record(tenant=tenant, method="lookup", login=surname, user=match, outcome=outcome, ip=ip)
        return None
    _record(
        tenant=tenant,
        method="lookup",
        login=surname,
        user=match,
        outcome=Outcome.IDENTIFIER_SHOWN,
        ip=ip,
    )
    return match.identifier


def numen_identity_check(
    *, tenant: Tenant, identifier: str, numen: str, ip: str | None
) -> User | None:
    """Step 2/2 of the reset: the account whose identifier and NUMEN both match, else None."""
    user = User.objects.filter(identifier__lower_exact=identifier.strip(), is_active=True).first()
    allowed = _within_limits(tenant=tenant, ip=ip, account_key=f"numen-id:{identifier.lower()}")
    hashed = numen_hash(tenant_id=tenant.id, numen=numen)
    if user is not None and allowed and hmac.compare_digest(user.numen_hash, hashed):
        return user
    outcome = Outcome.THROTTLED if not allowed else Outcome.WRONG_ANSWER
    _record(tenant=tenant, method="reset", login=identifier, user=user, outcome=outcome, ip=ip)
    return None
