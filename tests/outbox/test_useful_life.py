"""A message is retried for as long as it is useful, then failed and shown in the help desk's
"À traiter" list (issue 12, item 10). Time is moved by a clock the outbox reads."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from outbox.models import Message, Status
from outbox.services import email_queue, outbox_sweep
from recovery.identifier.services import identifier_request_process
from recovery.models import Flow, RecoveryRequest
from recovery.tokens import LINK_LIFETIME

pytestmark = pytest.mark.django_db

FAILING = "tests.outbox.backends.FailingEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def outage_until(message: Message, clock: Clock, on_commit, *, end) -> list[timedelta]:
    """Each time the message is due, the sweep hands it out again and the send fails; returns
    the waits between tries, until the row is failed or `end` comes."""
    waits = []
    message.refresh_from_db()
    while message.status == Status.PENDING and message.next_attempt_at < end:
        waits.append(message.next_attempt_at - clock.now)
        # the retry's task was lost with the SMTP outage: the sweep finds the row once due
        clock.now = message.next_attempt_at + timedelta(minutes=1, seconds=1)
        with on_commit():
            outbox_sweep()
        message.refresh_from_db()
    return waits


def test_an_smtp_outage_of_an_hour_does_not_lose_a_receipt(
    tenant_a, notice_context, on_commit, settings, clock
):
    # given an SMTP server down when a receipt is queued (no stated life: a day)
    settings.EMAIL_BACKEND = FAILING
    start = clock.now
    with on_commit():
        message = email_queue(
            tenant=tenant_a, to="jacqueline@example.be", template="outbox/notice",
            context=notice_context,
        )  # fmt: skip

    # when the outage lasts an hour and a half
    waits = outage_until(message, clock, on_commit, end=start + timedelta(minutes=90))

    # then the receipt is still waiting (it was given up after ~15 minutes before)
    assert message.status == Status.PENDING
    assert message.attempts > 6
    # and the waits double from 30 s up to a cap of 15 minutes
    seconds = [round(w.total_seconds() / 30) * 30 for w in waits[:7]]
    assert seconds == [30, 60, 120, 240, 480, 900, 900]

    # when the SMTP server is back, the next try delivers it, once
    settings.EMAIL_BACKEND = LOCMEM
    clock.now = message.next_attempt_at + timedelta(minutes=2)
    with on_commit():
        outbox_sweep()
        outbox_sweep()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert [m.to for m in mail.outbox] == [["jacqueline@example.be"]]


def test_a_reset_link_is_retried_for_its_validity_then_failed_for_the_help_desk(
    parent, secretary_client, outsider_admin_client, on_commit, settings, clock
):
    # given a reset link asked for while the SMTP server is down
    settings.EMAIL_BACKEND = FAILING
    start = clock.now
    request = RecoveryRequest.objects.create(
        tenant=parent.tenant, flow=Flow.IDENTIFIER, method="identifier", login=parent.identifier
    )
    with on_commit():
        identifier_request_process(request_id=request.pk)
    message = Message.objects.get(user=parent)
    # then it is worth sending for as long as the link lives
    assert message.useful_until == start + LINK_LIFETIME

    # when the outage outlasts the link
    outage_until(message, clock, on_commit, end=start + timedelta(hours=3))

    # then it was retried until then, and given up once a retry would come too late
    assert message.status == Status.FAILED
    assert message.attempts >= 7
    assert message.last_error == "SMTPServerDisconnected"
    assert clock.now < start + LINK_LIFETIME + timedelta(minutes=16)

    # and the secretary's help desk lists it under "À traiter", with a way to the person
    page = secretary_client.get("/admin/helpdesk/").content.decode()
    attention = page[page.index('id="attention-title"') : page.index('id="week-title"')]
    assert "j•••@example.be" in attention
    assert f"/admin/helpdesk/personne/{parent.pk}/" in attention
    assert "SMTPServerDisconnected" in attention
    # and another tenant's help desk does not
    other = outsider_admin_client.get("/admin/helpdesk/").content.decode()
    assert "Rien à traiter" in other
    assert "j•••@example.be" not in other


def test_a_message_still_pending_past_its_life_is_failed_not_sent(
    tenant_a, notice_context, on_commit, clock
):
    # given a code whose task was lost (its on-commit callback is dropped), ten minutes ago
    message = email_queue(
        tenant=tenant_a, to="jacqueline@example.be", template="outbox/notice",
        context=notice_context, useful_until=clock.now + timedelta(minutes=10),
    )  # fmt: skip
    clock.now += timedelta(minutes=11)

    # when the sweep comes by
    with on_commit():
        outbox_sweep()

    # then the dead code is not sent, and the row says why
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error == "expiré avant d'avoir pu partir"
    assert mail.outbox == []
