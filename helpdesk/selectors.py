"""Reads of the help desk, always through `people_visible_to`: a secretary finds and opens only
the people of her tenant and her schools; nothing here ever returns a secret."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import people_visible_to
from helpdesk.models import HelpdeskAction
from outbox.models import Message, Status
from recovery import throttle
from recovery.codes import PhoneDevice, SecondaryEmailDevice, mask_email
from recovery.models import Flow, Outcome, RecoveryEvent, RecoveryRequest
from tenants.models import Tenant

SEARCH_LIMIT = 50
MIN_PHONE_DIGITS = 2
RECENT_ATTEMPTS = 15
RECENT_MESSAGES = 20
RECENT_ACTIONS = 10
_SEPARATORS = re.compile(r"[\s.+\-/()]")


# --- Access -----------------------------------------------------------------------------------


def person_get_for_helpdesk(*, viewer: User, tenant: Tenant | None, person_id: int) -> User:
    """The access helper of every help-desk view: this person if the viewer may see her at this
    host (her tenant, her schools), else a 404 — another tenant's person, another school's, a
    platform account and a made-up id all look the same."""
    person = (
        people_visible_to(viewer=viewer, tenant=tenant)
        .filter(pk=person_id, tenant__isnull=False)
        .select_related("tenant")
        .first()
    )
    if person is None:
        raise Http404
    return person


def actions_recent(
    *, viewer: User, tenant: Tenant | None, limit: int = RECENT_ACTIONS
) -> list[HelpdeskAction]:
    """The help desk's latest actions on people this viewer may see."""
    visible = people_visible_to(viewer=viewer, tenant=tenant).values("pk")
    actions = HelpdeskAction.objects.filter(target__in=visible)
    if tenant is not None:
        actions = actions.filter(tenant=tenant)
    return list(actions.select_related("actor", "target")[:limit])


# --- Search -----------------------------------------------------------------------------------


def person_search(*, viewer: User, tenant: Tenant | None, query: str) -> QuerySet[User]:
    """People matching what the secretary typed: every word in the identifier, the name or an
    address (personal or school mailbox); or, for digits, a student number (exact or its
    beginning) or the end of a recovery phone number (2 digits at least)."""
    query = " ".join(query.split())[:100]
    visible = people_visible_to(viewer=viewer, tenant=tenant).filter(tenant__isnull=False)
    if not query:
        return visible.none()

    words = Q()
    for word in query.split(" "):
        words &= (
            Q(identifier__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(school_email__icontains=word)
        )
    matches = words
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit() and len(digits) >= MIN_PHONE_DIGITS:
        phones = PhoneDevice.objects.filter(number__endswith=digits).values("user_id")
        matches |= Q(student_number__startswith=digits) | Q(pk__in=phones)
    return (
        visible.filter(matches)
        .prefetch_related("schools")
        .order_by("last_name", "first_name", "identifier")[:SEARCH_LIMIT]
    )


# --- The person card --------------------------------------------------------------------------


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
            HelpdeskAction.objects.filter(target=person, tenant=person.tenant).select_related(
                "actor"
            )[:RECENT_ACTIONS]
        ),
    )
    card.activation = person_activation_summary(person=person)
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
    return Message.objects.filter(mine, tenant=person.tenant).defer("body_text", "body_html")


def person_message_get(*, person: User, message_id: int) -> Message:
    message = person_messages(person=person).filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


# --- Recovery attempts, with their reasons in words ---------------------------------------------

_REASON_CODES = {"ip": gettext_lazy("trop de demandes depuis la même adresse IP")}

_EVENT_LABELS = {
    "wrong_code": gettext_lazy("code erroné"),
    "wrong_number": gettext_lazy("numéro de téléphone erroné"),
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
        RecoveryRequest.objects.filter(user=person, tenant=person.tenant)
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
    """What happened, in words: 'numéro de téléphone erroné, code envoyé par SMS, code erroné
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
            label, throttle.throttle_exceeded(tenant=person.tenant, limit=limit, subject=s)
        )
        for label, limit, s in person_throttle_keys(person=person)
    ]
    locked = [d for d in devices if d.is_locked]
    states.append(ThrottleState(_("méthodes bloquées après trop de codes erronés"), bool(locked)))
    return states


def person_code_devices(*, person: User) -> list[PhoneDevice | SecondaryEmailDevice]:
    return [
        *PhoneDevice.objects.filter(user=person).order_by("id"),
        *SecondaryEmailDevice.objects.filter(user=person).order_by("id"),
    ]


# --- Payments (the other app's selectors, when it is installed) ----------------------------------


def _add_payments(card: PersonCard) -> None:
    try:
        from payments.models import Wallet
        from payments.money import format_cents
        from payments.selectors import invitations_pending
    except ImportError:  # the payments app is optional for the help desk
        return
    person = card.person
    tenant = person.tenant
    card.payments_shown = True
    wallet = Wallet.objects.filter(tenant=tenant, owner=person).first()
    card.wallet_balance = format_cents(wallet.balance_cents if wallet else 0)
    card.pending_invitations = [
        {
            "title": invitation.activity.title,
            "child": invitation.beneficiary.get_full_name(),
            "amount": format_cents(invitation.amount_cents),
            "due_on": invitation.due_on,
            "overdue": invitation.is_overdue(),
        }
        for invitation in invitations_pending(tenant=tenant, debtor=person)
    ]


# --- The week's numbers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    label: str
    value: int
    group: str = ""


@dataclass
class WeekStats:
    since: datetime
    requests: list[Tally]  # by flow then outcome (non-zero only)
    requests_by_flow: list[Tally]
    messages: list[Tally]  # by delivery state, every state

    @property
    def requests_total(self) -> int:
        return sum(c.value for c in self.requests_by_flow)

    @property
    def messages_total(self) -> int:
        return sum(c.value for c in self.messages)


def week_stats(*, tenant: Tenant | None, now: datetime | None = None) -> WeekStats:
    """Recovery requests of the last 7 days by flow and outcome, messages by delivery state.
    `tenant=None` (the platform host) counts every tenant."""
    since = (now or timezone.now()) - timedelta(days=7)
    requests = RecoveryRequest.objects.filter(created_at__gte=since)
    messages = Message.objects.filter(created_at__gte=since)
    if tenant is not None:
        requests = requests.filter(tenant=tenant)
        messages = messages.filter(tenant=tenant)

    pairs = {
        (row["flow"], row["outcome"]): row["n"]
        for row in requests.values("flow", "outcome").annotate(n=Count("id")).order_by()
    }
    flows = dict(Flow.choices)
    outcomes = dict(Outcome.choices)
    by_flow, detail = [], []
    for flow, flow_label in Flow.choices:
        total = sum(n for (f, _o), n in pairs.items() if f == flow)
        by_flow.append(Tally(str(flow_label), total))
        for outcome, outcome_label in Outcome.choices:
            n = pairs.get((flow, outcome), 0)
            if n:
                detail.append(Tally(str(outcome_label), n, group=str(flow_label)))
    # Values stored outside today's choices still count (under their raw code).
    for (flow, outcome), n in sorted(pairs.items()):
        if flow not in flows or outcome not in outcomes:
            detail.append(Tally(outcome, n, group=flow))

    states = dict(messages.values_list("status").annotate(n=Count("id")).order_by())
    message_counts = [Tally(str(label), states.get(code, 0)) for code, label in Status.choices]
    return WeekStats(
        since=since, requests=detail, requests_by_flow=by_flow, messages=message_counts
    )
