"""CREOS "Mot de passe oublié" (DESIGN.md §4, flow 1): by identifier or by e-mail address, one
mail per address listing every migrated account it matches, each with a one-time link. A
secretary can send the same link to one person (`admin_reset_send`)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from outbox.services import email_queue, message_language
from recovery.models import Flow, Outcome, RecoveryRequest
from recovery.services import (
    recovery_accounts_sendable,
    recovery_event_log,
    recovery_refusal,
    recovery_request_finish,
    recovery_request_open,
)
from recovery.tokens import LINK_LIFETIME, link_token_issue
from tenants.selectors import tenant_public_base_url


def looks_like_an_address(login: str) -> bool:
    """An e-mail address, whatever mode the visitor left ticked: the field says « Nom
    d'utilisateur ou adresse e-mail », and parents type their address under « Nom
    d'utilisateur » (ISSUE 13)."""
    if "@" not in login:
        return False
    try:
        validate_email(login)
    except ValidationError:
        return False
    return True


def _users_matching(*, method: str, login: str) -> QuerySet[User]:
    """The accounts a request names. By e-mail: every account with that address. By identifier:
    the account with that identifier, and — when what was typed is an address — every account
    with that address too (an identifier may itself contain « @ »: both are looked up)."""
    users = User.objects.all()
    if method == "email":
        return users.filter(email__lower_exact=login).order_by("identifier")
    if looks_like_an_address(login):
        return users.filter(
            Q(identifier__lower_exact=login) | Q(email__lower_exact=login)
        ).order_by("identifier")
    return users.filter(identifier__lower_exact=login).order_by()  # unique: no sort needed


@transaction.atomic
def identifier_request_process(*, request_id: int) -> str:
    """CREOS: one mail per address, listing every migrated account it matches, each with a link."""
    request, settled = recovery_request_open(request_id=request_id)
    if settled is not None:
        return settled

    users = list(_users_matching(method=request.method, login=request.login))
    if not users:
        return recovery_request_finish(request, Outcome.NO_ACCOUNT)
    request.user = users[0]

    sendable, refusals = recovery_accounts_sendable(
        request=request, users=users, email_required=True
    )
    if not sendable:
        return recovery_request_finish(request, refusals[0])

    _send_reset_links(request=request, users=sendable)
    return recovery_request_finish(request, Outcome.MAIL_SENT)


def _send_reset_links(*, request: RecoveryRequest, users: list[User]) -> None:
    base_url = tenant_public_base_url(request.tenant)
    by_address: dict[str, list[dict[str, str]]] = {}
    people: dict[str, list[User]] = {}
    for user in users:
        secret = link_token_issue(user=user, request=request)
        people.setdefault(user.email.lower(), []).append(user)
        by_address.setdefault(user.email.lower(), []).append(
            {
                "identifier": user.identifier,
                "email": user.email,
                "name": user.get_full_name(),
                "url": f"{base_url}{reverse('recovery:link', args=[secret])}",
            }
        )
        recovery_event_log(
            tenant=request.tenant, flow=request.flow, kind="link_sent",
            outcome=Outcome.MAIL_SENT, request=request, user=user, ip=request.ip,
        )  # fmt: skip
    for address, accounts in by_address.items():
        # One mail per address: in its one person's language, or the one her accounts share.
        owners = people[address]
        languages = {message_language(tenant=request.tenant, user=owner) for owner in owners}
        email_queue(
            tenant=request.tenant,
            to=accounts[0]["email"],
            template="recovery/identifier/email/reset_link",
            context={"accounts": accounts, "lifetime_minutes": 60},
            user=owners[0] if len(owners) == 1 else None,
            language=languages.pop() if len(languages) == 1 else None,
            useful_until=timezone.now() + LINK_LIFETIME,
            sensitive=True,
        )


@transaction.atomic
def admin_reset_send(*, user: User, by: User, ip: str | None) -> str:
    """A secretary sends a reset link to a person of her tenant; she never sees the password."""
    assert user.tenant_id == by.tenant_id or by.is_superuser
    request = RecoveryRequest.objects.create(
        tenant=user.member_tenant, flow=Flow.ADMIN, method="identifier", login=user.identifier,
        user=user, ip=ip, initiated_by=by, processed_at=timezone.now(),
    )  # fmt: skip
    refusal = recovery_refusal(user, email_required=True)
    if refusal:
        request.outcome = refusal
        request.save(update_fields=["outcome"])
        recovery_event_log(
            tenant=user.member_tenant, flow=Flow.ADMIN, kind="admin_reset_refused", outcome=refusal,
            request=request, user=user, ip=ip, actor=by,
        )  # fmt: skip
        return refusal
    _send_reset_links(request=request, users=[user])
    request.outcome = Outcome.MAIL_SENT
    request.save(update_fields=["outcome"])
    return Outcome.MAIL_SENT
