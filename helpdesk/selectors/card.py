"""One person's card: roles, schools, masked addresses and methods, recent recovery attempts
with their reasons in words, messages, limits reached, actions, and (for a parent) payments.
Nothing here ever returns a secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.login_limits import login_limit_reached
from accounts.models import User
from accounts.selectors import person_manageable_by
from helpdesk.models import HelpdeskAction
from helpdesk.selectors.access import RECENT_ACTIONS, person_get_for_helpdesk
from outbox.models import Message, Status
from payments.models import Wallet
from payments.money import format_cents
from payments.selectors import invitations_pending
from recovery import throttle
from recovery.codes import PhoneDevice, SecondaryEmailDevice, mask_email
from recovery.models import RecoveryEvent, RecoveryRequest
from tenants.models import Tenant

RECENT_ATTEMPTS = 15
RECENT_MESSAGES = 20


@dataclass(frozen=True)
class Method:
    kind: str
    masked: str
    state: str


@dataclass(frozen=True)
class Attempt:
    created_at: datetime
    flow: str
    outcome: str
    reason: str
    initiated_by: str


@dataclass(frozen=True)
class ThrottleState:
    label: str
    reached: bool


@dataclass
class PersonCard:
    person: User
    schools: list[str]
    email_masked: str
    school_email_masked: str
    numen_state: str
    has_password: bool
    methods: list[Method]
    attempts: list[Attempt]
    messages: list[Message]
    throttles: list[ThrottleState]
    actions: list[HelpdeskAction]
    activation: str = ""
    wallet_balance: str | None = None
    pending_invitations: list[dict[str, Any]] = field(default_factory=list)
    payments_shown: bool = False
    # Reset and activation only for people with fewer rights than the viewer's.
    manageable: bool = False

    @property
    def any_throttle_reached(self) -> bool:
        return any(t.reached for t in self.throttles)

    @property
    def has_failed_messages(self) -> bool:
        return any(m.status == Status.FAILED for m in self.messages)


def person_card(*, viewer: User, tenant: Tenant | None, person_id: int) -> PersonCard:
    person = person_get_for_helpdesk(viewer=viewer, tenant=tenant, person_id=person_id)
    devices = person_code_devices(person=person)
    card = PersonCard(
        person=person,
        schools=[school.name for school in person.schools.order_by("name")],
        email_masked=mask_email(person.email) if person.email else "",
        school_email_masked=mask_email(person.school_email) if person.school_email else "",
        numen_state=_("renseigné") if person.numen_hash else _("absent"),
        has_password=person.has_usable_password(),
        methods=[_method(device) for device in devices],
        attempts=person_attempts(person=person),
        messages=list(person_messages(person=person)[:RECENT_MESSAGES]),
        throttles=person_throttles(person=person, devices=devices),
        actions=list(
            HelpdeskAction.objects.filter(target=person).select_related("actor")[:RECENT_ACTIONS]
        ),
    )
    card.activation = person_activation_summary(person=person)
    card.manageable = person_manageable_by(viewer=viewer, person=person)
    if person.is_parent:
        _add_payments(card)
    return card


def person_activation_summary(*, person: User) -> str:
    """The latest activation code's state in words (how it was handed over, until when), never
    the code; empty where activation codes are not installed or none was issued."""
    try:
        from accounts.models import ActivationCode
    except ImportError:
        return ""
    code = ActivationCode.objects.filter(user=person).order_by("-created_at", "-pk").first()
    if code is None:
        return ""
    values = {
        "channel": code.get_channel_display(),
        "created": date_format(timezone.localtime(code.created_at), "SHORT_DATETIME_FORMAT"),
        "expires": date_format(timezone.localtime(code.expires_at), "SHORT_DATETIME_FORMAT"),
    }
    if code.used_at:
        return _("dernier code (%(channel)s, le %(created)s) utilisé") % values
    if code.revoked_at:
        return _("dernier code (%(channel)s, le %(created)s) remplacé") % values
    if code.expires_at <= timezone.now():
        return _("dernier code (%(channel)s, le %(created)s) expiré") % values
    return _("code remis (%(channel)s) le %(created)s, valable jusqu'au %(expires)s") % values


def _method(device: PhoneDevice | SecondaryEmailDevice) -> Method:
    """A recovery method, masked as the two-step flow shows it."""
    if isinstance(device, PhoneDevice):
        return Method(_("téléphone (SMS, appel)"), device.masked, _device_state(device))
    return Method(_("adresse secondaire"), device.masked, _device_state(device))


def _device_state(device: PhoneDevice | SecondaryEmailDevice) -> str:
    if device.is_locked:
        return _("bloqué après trop d'erreurs")
    return _("vérifié") if device.confirmed else _("non vérifié")


def person_messages(*, person: User) -> QuerySet[Message]:
    """Mails and SMS sent to this person (or to her address when a mail named several
    accounts), newest first. Bodies are never read here."""
    mine = Q(user=person)
    if person.email:
        mine |= Q(user__isnull=True, to__iexact=person.email)
    return Message.objects.filter(mine).defer("body_text", "body_html")


def person_message_get(*, person: User, message_id: int) -> Message:
    message = person_messages(person=person).filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


# --- Recovery attempts, with their reasons in words ---------------------------------------------

_REASON_CODES = {"ip": gettext_lazy("trop de demandes depuis la même adresse IP")}

_EVENT_LABELS = {
    "wrong_code": gettext_lazy("code erroné"),
    "wrong_number": gettext_lazy("numéro tapé différent du téléphone enregistré"),
    "wrong_address": gettext_lazy("adresse tapée différente de l'adresse secondaire enregistrée"),
    "made_up_method": gettext_lazy(
        "aucune méthode utilisable enregistrée : méthodes fictives montrées, rien n'a pu partir"
    ),
    "second_method_missing": gettext_lazy(
        "une seule méthode enregistrée : deuxième étape impossible, aide du secrétariat nécessaire"
    ),
    "desk_code_issued": gettext_lazy("code à usage unique remis par le secrétariat"),
    "code_throttled": gettext_lazy("trop de codes demandés"),
    "code_sent_sms": gettext_lazy("code envoyé par SMS"),
    "code_sent_voice": gettext_lazy("code envoyé par appel vocal"),
    "code_sent_email": gettext_lazy("code envoyé par e-mail"),
    "contact_admin": gettext_lazy("administrateur contacté"),
    "link_sent": gettext_lazy("lien envoyé"),
    "temporary_password_sent": gettext_lazy("mot de passe provisoire envoyé"),
    "temporary_password_used": gettext_lazy("mot de passe provisoire utilisé"),
    "password_reset": gettext_lazy("mot de passe réinitialisé"),
}


def person_attempts(*, person: User, limit: int = RECENT_ATTEMPTS) -> list[Attempt]:
    requests = (
        RecoveryRequest.objects.filter(user=person)
        .select_related("initiated_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=RecoveryEvent.objects.filter(user=person).order_by("created_at", "pk"),
            )
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        Attempt(
            created_at=request.created_at,
            flow=request.get_flow_display(),
            outcome=request.get_outcome_display(),
            reason=attempt_reason(request=request, events=list(request.events.all())),
            initiated_by=str(request.initiated_by) if request.initiated_by else "",
        )
        for request in requests
    ]


def attempt_reason(*, request: RecoveryRequest, events: list[RecoveryEvent]) -> str:
    """What happened, in words: 'numéro tapé différent du téléphone enregistré, code erroné
    ×3'. Consecutive identical steps are counted rather than repeated."""
    labels: list[str] = []
    for event in events:
        label = _event_label(event)
        if label:
            labels.append(label)
    if request.reason:
        reason = str(_REASON_CODES.get(request.reason, request.reason))
        if not labels or labels[-1] != reason:
            labels.append(reason)
    grouped: list[list[Any]] = []
    for label in labels:
        if grouped and grouped[-1][0] == label:
            grouped[-1][1] += 1
        else:
            grouped.append([label, 1])
    return ", ".join(label if n == 1 else f"{label} ×{n}" for label, n in grouped)


def _event_label(event: RecoveryEvent) -> str:
    if event.kind in _EVENT_LABELS:
        return str(_EVENT_LABELS[event.kind])
    if event.kind in ("request_refused", "admin_reset_refused", "request_processed"):
        if event.detail:
            return str(_REASON_CODES.get(event.detail, event.detail))
        return event.get_outcome_display()
    if event.kind == "answer_wrong":
        return event.detail or event.get_outcome_display()
    if event.kind.startswith("step_") and event.kind.endswith("_verified"):
        step = event.kind.removeprefix("step_").removesuffix("_verified")
        return _("étape %(n)s vérifiée") % {"n": step}
    return ""


# --- Throttles ----------------------------------------------------------------------------------


def person_throttle_keys(*, person: User) -> list[tuple[str, throttle.Limit, str]]:
    """The per-account limits recovery applies to this person: (label, limit, subject)."""
    return [
        (_("messages de récupération (5 par heure)"), throttle.MAILS_PER_ACCOUNT, str(person.pk)),
        (_("réponses (10 par heure)"), throttle.ANSWERS_PER_ACCOUNT, str(person.pk)),
        (
            _("recherche d'identifiant par NUMEN"),
            throttle.ANSWERS_PER_ACCOUNT,
            f"numen:{person.pk}",
        ),
        (
            _("réinitialisation par NUMEN"),
            throttle.ANSWERS_PER_ACCOUNT,
            f"numen-id:{person.identifier.lower()}",
        ),
    ]


def person_throttles(
    *, person: User, devices: list[PhoneDevice | SecondaryEmailDevice] | None = None
) -> list[ThrottleState]:
    if devices is None:
        devices = person_code_devices(person=person)
    states = [
        ThrottleState(
            label, throttle.throttle_exceeded(tenant=person.member_tenant, limit=limit, subject=s)
        )
        for label, limit, s in person_throttle_keys(person=person)
    ]
    states.append(
        ThrottleState(
            _("connexions échouées (5 en 5 minutes)"),
            login_limit_reached(tenant=person.member_tenant, identifier=person.identifier),
        )
    )
    locked = [d for d in devices if d.is_locked]
    states.append(ThrottleState(_("méthodes bloquées après trop de codes erronés"), bool(locked)))
    return states


def person_code_devices(*, person: User) -> list[PhoneDevice | SecondaryEmailDevice]:
    return [
        *PhoneDevice.objects.filter(user=person).order_by("id"),
        *SecondaryEmailDevice.objects.filter(user=person).order_by("id"),
    ]


# --- Payments -------------------------------------------------------------------------------------


def _add_payments(card: PersonCard) -> None:
    person = card.person
    card.payments_shown = True
    wallet = Wallet.objects.filter(owner=person).first()
    card.wallet_balance = format_cents(wallet.balance_cents if wallet else 0)
    card.pending_invitations = [
        {
            "title": invitation.activity.title,
            "child": invitation.beneficiary.get_full_name(),
            "amount": format_cents(invitation.amount_cents),
            "due_on": invitation.due_on,
            "overdue": invitation.is_overdue(),
        }
        for invitation in invitations_pending(debtor=person)
    ]
