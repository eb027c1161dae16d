"""The help desk's actions. Each calls the owning app's service and writes one `HelpdeskAction`
row in the same transaction; the row says what happened, never a password, code or link."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.login_limits import login_limit_lift, login_limit_reached
from accounts.models import User
from accounts.selectors import person_manageable_by
from accounts.services import users_mark_migrated
from helpdesk.exceptions import DeskCodeNotOffered, NotActivatable, PersonOutranksViewer
from helpdesk.models import ActionKind, HelpdeskAction
from helpdesk.selectors.card import person_code_devices, person_throttle_keys
from outbox.models import Message
from outbox.services import message_resend
from recovery import throttle
from recovery.activation.letters import activation_letters_pdf
from recovery.activation.services import activation_send_by_mail, user_is_activatable
from recovery.identifier.services import admin_reset_send
from recovery.models import Outcome
from recovery.two_step.desk_code import DeskCode, Handover, desk_code_issue


def _audit(*, person: User, by: User, action: str, detail: str, ip: str | None) -> HelpdeskAction:
    return HelpdeskAction.objects.create(
        tenant_id=person.member_tenant_id, actor=by, target=person, action=action,
        detail=detail[:200], ip=ip,
    )  # fmt: skip


def _check_scope(*, person: User, by: User) -> None:
    if person.tenant_id is None or not (by.is_superuser or by.tenant_id == person.tenant_id):
        raise ValueError("the help desk acts only on people of the actor's own tenant")


def _check_rank(*, person: User, by: User) -> None:
    if not person_manageable_by(viewer=by, person=person):
        raise PersonOutranksViewer


@transaction.atomic
def helpdesk_migrate(*, person: User, by: User, ip: str | None = None) -> bool:
    """The legacy account becomes migrated: recovery messages reach it from now on."""
    _check_scope(person=person, by=by)
    changed = users_mark_migrated(users=User.objects.filter(pk=person.pk), by=by) > 0
    person.refresh_from_db(fields=["is_migrated", "migrated_at"])
    detail = _("compte migré") if changed else _("déjà migré : rien à faire")
    _audit(person=person, by=by, action=ActionKind.MIGRATE, detail=detail, ip=ip)
    return changed


@transaction.atomic
def helpdesk_send_reset(*, person: User, by: User, ip: str | None = None) -> str:
    """A reset link by e-mail (refused, and logged, for a non-migrated or inactive account)."""
    _check_scope(person=person, by=by)
    _check_rank(person=person, by=by)
    outcome = admin_reset_send(user=person, by=by, ip=ip)
    detail = _("résultat : %(outcome)s") % {"outcome": Outcome(outcome).label}
    _audit(person=person, by=by, action=ActionKind.SEND_RESET, detail=detail, ip=ip)
    return outcome


@transaction.atomic
def helpdesk_send_activation(*, person: User, by: User, ip: str | None = None) -> bool:
    """The activation code by mail (recovery.activation decides whether it can go)."""
    _check_scope(person=person, by=by)
    _check_rank(person=person, by=by)
    sent = bool(activation_send_by_mail(user=person, by=by))
    detail = _("activation envoyée par e-mail") if sent else _("activation non envoyée")
    _audit(person=person, by=by, action=ActionKind.SEND_ACTIVATION, detail=detail, ip=ip)
    return sent


@transaction.atomic
def helpdesk_print_letter(*, person: User, by: User, ip: str | None = None) -> bytes:
    """A printable letter with a one-time activation code; the code is only in the PDF."""
    _check_scope(person=person, by=by)
    _check_rank(person=person, by=by)
    if not user_is_activatable(person):
        raise NotActivatable
    pdf = activation_letters_pdf(users=[person], by=by)
    detail = _("lettre d'activation imprimée")
    _audit(person=person, by=by, action=ActionKind.PRINT_LETTER, detail=detail, ip=ip)
    return pdf


@transaction.atomic
def helpdesk_resend_message(
    *, person: User, message: Message, by: User, ip: str | None = None
) -> Message:
    """A failed message of this person, sent again (raises MessageNotResendable otherwise)."""
    _check_scope(person=person, by=by)
    if message.tenant_id != person.tenant_id:
        raise ValueError("the message belongs to another tenant")
    message = message_resend(message=message)
    detail = _("message n° %(id)s (%(channel)s) vers %(to)s") % {
        "id": message.pk, "channel": message.get_channel_display(), "to": message.masked_to,
    }  # fmt: skip
    _audit(person=person, by=by, action=ActionKind.RESEND_MESSAGE, detail=detail, ip=ip)
    return message


@transaction.atomic
def helpdesk_lift_throttles(*, person: User, by: User, ip: str | None = None) -> list[str]:
    """Clears the person's per-account recovery limits and unlocks methods blocked by wrong
    codes; returns the labels of what was actually reached."""
    _check_scope(person=person, by=by)
    tenant = person.member_tenant
    lifted = []
    for label, limit, subject in person_throttle_keys(person=person):
        if throttle.throttle_exceeded(tenant=tenant, limit=limit, subject=subject):
            lifted.append(label)
        throttle.throttle_lift(tenant=tenant, limit=limit, subject=subject)
    if login_limit_reached(tenant=tenant, identifier=person.identifier):
        lifted.append(_("connexions échouées"))
    login_limit_lift(tenant=tenant, identifier=person.identifier)
    for device in person_code_devices(person=person):
        if device.is_locked:
            lifted.append(_("méthode %(method)s débloquée") % {"method": device.masked})
        if device.failures_total:
            type(device).objects.filter(pk=device.pk).update(failures_total=0)
    detail = ", ".join(lifted) if lifted else _("aucune limite atteinte")
    _audit(person=person, by=by, action=ActionKind.LIFT_THROTTLES, detail=detail, ip=ip)
    return lifted


def desk_code_offered(*, person: User) -> bool:
    """The card offers a desk code where the person's tenant uses the two-step recovery."""
    return bool(person.tenant_id and person.is_active and person.member_tenant.two_step_reset)


@transaction.atomic
def helpdesk_desk_code(*, person: User, by: User, handover: str, ip: str | None = None) -> DeskCode:
    """A one-time code handed over in person or read out after an identity check, for someone
    whose mailbox is out of reach; the code is shown once to the secretary, never stored or
    logged in clear. Raises DeskCodeNotOffered where it could not be used."""
    _check_scope(person=person, by=by)
    _check_rank(person=person, by=by)
    if not desk_code_offered(person=person):
        raise DeskCodeNotOffered
    issued = desk_code_issue(user=person, by=by, handover=handover, ip=ip)
    detail = _("%(handover)s ; valable jusqu'au %(until)s") % {
        "handover": Handover(handover).label,
        "until": date_format(timezone.localtime(issued.expires_at), "SHORT_DATETIME_FORMAT"),
    }
    _audit(person=person, by=by, action=ActionKind.DESK_CODE, detail=detail, ip=ip)
    return issued
