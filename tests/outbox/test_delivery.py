"""Queueing and delivering mails: after commit only, once, with retries, and swept when lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from outbox.models import Message, Status
from outbox.services import Outcome, email_queue, message_deliver, message_resend, outbox_sweep
from outbox.tasks import deliver_message
from tests.outbox.conftest import make_due

pytestmark = pytest.mark.django_db

FAILING = "tests.outbox.backends.FailingEmailBackend"
FLAKY = "tests.outbox.backends.FlakyEmailBackend"


def queue_notice(tenant, context, **kwargs) -> Message:
    return email_queue(
        tenant=tenant,
        to=kwargs.pop("to", "jacqueline@example.be"),
        template="outbox/notice",
        context=context,
        **kwargs,
    )


# --- After commit only -------------------------------------------------------------------------


def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(
    tenant_a, notice_context, on_commit
):
    # given a change that queues a mail and then fails
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        queue_notice(tenant_a, notice_context)
        raise RuntimeError("the change failed")
    # then nothing was sent and no row is left
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_a_mail_queued_in_a_committed_transaction_is_delivered(
    tenant_a, parent, notice_context, on_commit
):
    # given a committed change that queues a mail
    with on_commit(), transaction.atomic():
        message = queue_notice(tenant_a, notice_context, user=parent)
        # when the transaction is still open, nothing has left
        assert mail.outbox == []
    # then the parent receives it, from the portal's address, in text and HTML
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["jacqueline@example.be"]
    assert sent.subject == "Réunion des parents"
    assert "La réunion aura lieu jeudi." in sent.body
    assert "http://alpha.localhost:8000/reunion/" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert "Réseau Alpha" in html and "#123456" in html
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_real_transactions_roll_back_silently_and_commit_loudly(tenant_a, notice_context):
    # given a real transaction that rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_notice(tenant_a, notice_context, to="first@example.org")
        raise RuntimeError
    # and one that commits
    with transaction.atomic():
        queue_notice(tenant_a, notice_context, to="second@example.org")
    # then only the committed one went out
    assert [m.to for m in mail.outbox] == [["second@example.org"]]
    assert list(Message.objects.values_list("to", "status")) == [("second@example.org", "sent")]


def test_subject_is_one_line_even_when_the_title_has_line_breaks(
    tenant_a, notice_context, on_commit
):
    notice_context["title"] = "Bonjour\r\nBcc: victim@example.org\nfin"
    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    assert message.subject == "Bonjour Bcc: victim@example.org fin"
    assert mail.outbox[0].subject == "Bonjour Bcc: victim@example.org fin"
    assert "Bcc" not in mail.outbox[0].message().get("Bcc", "")


def test_a_recipient_with_a_line_break_is_refused(tenant_a, notice_context):
    with pytest.raises(ValueError):
        queue_notice(tenant_a, notice_context, to="a@example.org\nBcc: b@example.org")


def test_mail_is_rendered_in_the_tenants_language_with_its_public_address(
    tenant_a, notice_context, on_commit
):
    tenant_a.default_language = "en"
    tenant_a.save()
    with on_commit():
        queue_notice(tenant_a, notice_context)
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="en">' in html
    assert "http://alpha.localhost:8000" in mail.outbox[0].body


def test_an_allauth_mail_goes_through_the_outbox_with_the_branded_layout(
    tenant_a, parent, on_commit
):
    # given allauth's "password changed" notification, which has no HTML template
    with on_commit():
        email_queue(
            tenant=tenant_a,
            to=parent.email,
            template="account/email/password_changed",
            context={"user": parent},
            user=parent,
        )
    # then it is sent with the tenant's layout around the text
    sent = mail.outbox[0]
    assert sent.subject == "Mot de passe modifié"  # allauth's own French translation
    assert "\n" not in sent.subject
    assert "Réseau Alpha" in sent.alternatives[0][0]


def test_a_platform_mail_has_no_tenant_and_links_to_the_platform_host(
    notice_context, on_commit, settings
):
    settings.PLATFORM_HOSTS = ["localhost"]
    settings.PUBLIC_PORT = "8000"
    with on_commit():
        message = queue_notice(None, notice_context, to="admin@example.org")
    assert message.tenant is None
    assert "http://localhost:8000/" in mail.outbox[0].body
    assert "Cartable" in mail.outbox[0].alternatives[0][0]


# --- Once, and not before its time -------------------------------------------------------------


def test_delivering_the_same_message_twice_sends_it_once(tenant_a, notice_context, on_commit):
    # given a stored mail whose task runs twice (acks_late redelivery)
    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    # when the task runs again
    assert deliver_message(message.pk) == Outcome.ALREADY_DONE
    assert message_deliver(message_id=message.pk).outcome == Outcome.ALREADY_DONE
    # then one mail only
    assert len(mail.outbox) == 1


def test_a_message_held_by_another_worker_is_left_alone(tenant_a, notice_context):
    message = queue_notice(tenant_a, notice_context)  # not committed: its task never ran
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    assert message_deliver(message_id=message.pk).outcome == Outcome.BUSY
    assert mail.outbox == []


def test_a_delayed_mail_is_not_sent_before_its_time(tenant_a, notice_context, on_commit):
    # given a mail asked for in one hour
    later = timezone.now() + timedelta(hours=1)
    with on_commit():
        message = queue_notice(tenant_a, notice_context, not_before=later)
    # then nothing is sent now, and the sweep leaves it too
    assert mail.outbox == []
    with on_commit():
        assert outbox_sweep() == 0
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.not_before == later
    # when its time has come (and its delayed task was lost), the sweep sends it
    make_due(message)
    with on_commit():
        assert outbox_sweep() == 1
    assert len(mail.outbox) == 1


def test_an_unknown_id_is_nothing_to_send(db):
    assert message_deliver(message_id=987654).outcome == Outcome.MISSING


# --- Failures and retries ---------------------------------------------------------------------


def test_a_failed_delivery_is_retried_with_backoff_then_marked_failed(
    tenant_a, notice_context, on_commit, settings
):
    # given an SMTP server that always hangs up, and a mail useful for 100 seconds
    settings.EMAIL_BACKEND = FAILING
    settings.OUTBOX_RETRY_BASE_SECONDS = 30

    # when the mail is queued, its first attempt fails
    before = timezone.now()
    with on_commit():
        message = queue_notice(
            tenant_a, notice_context, useful_until=before + timedelta(seconds=100)
        )
    message.refresh_from_db()
    # then it waits for a retry, with the reason and no content
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert message.last_error == "SMTPServerDisconnected"
    assert before + timedelta(seconds=29) < message.next_attempt_at
    assert message.next_attempt_at < timezone.now() + timedelta(seconds=31)

    # when the second attempt also fails, the backoff doubles
    make_due(message)
    with on_commit():
        outbox_sweep()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 2)
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=55)

    # when the next attempt fails and a retry would come after its useful life, it is given up
    make_due(message)
    with on_commit():
        outbox_sweep()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert "SMTPServerDisconnected" in message.last_error
    assert mail.outbox == []

    # and the sweep no longer touches it
    make_due(message)
    with on_commit():
        assert outbox_sweep() == 0


def test_a_mail_that_failed_once_is_sent_on_the_retry(
    tenant_a, notice_context, on_commit, settings
):
    from tests.outbox.backends import FlakyEmailBackend

    settings.EMAIL_BACKEND = FLAKY
    FlakyEmailBackend.calls, FlakyEmailBackend.failures = 0, 1
    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    assert mail.outbox == []
    make_due(message)
    with on_commit():
        outbox_sweep()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(mail.outbox) == 1


def test_a_refused_recipient_fails_at_once(tenant_a, notice_context, on_commit, settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingEmailBackend"
    with on_commit():
        message = queue_notice(tenant_a, notice_context, to="nobody@example.org")
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert "550" in message.last_error


def test_a_secretary_can_resend_a_failed_message(tenant_a, notice_context, on_commit, settings):
    settings.EMAIL_BACKEND = FAILING
    with on_commit():  # useful for less than the first retry's delay: failed at once
        message = queue_notice(
            tenant_a, notice_context, useful_until=timezone.now() + timedelta(seconds=10)
        )
    message.refresh_from_db()
    assert message.status == Status.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with on_commit():
        message_resend(message=message)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


def test_only_failed_messages_can_be_resent(tenant_a, notice_context, on_commit):
    from outbox.exceptions import MessageNotResendable

    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    with pytest.raises(MessageNotResendable):
        message_resend(message=message)


# --- The sweep -----------------------------------------------------------------------------------


def test_the_sweep_sends_a_pending_message_whose_task_was_lost(tenant_a, notice_context, on_commit):
    # given a committed mail whose task never reached a worker (broker lost)
    message = queue_notice(tenant_a, notice_context)  # its on-commit callback is dropped
    # when the sweep runs right away, the task may still be on its way: left alone
    with on_commit():
        assert outbox_sweep() == 0
    # when it runs later
    make_due(message)
    with on_commit():
        assert outbox_sweep() == 1
    # then the mail is sent
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_hands_out_again_a_message_whose_worker_died(
    tenant_a, notice_context, on_commit, settings
):
    settings.OUTBOX_LEASE_SECONDS = 300
    # given a mail claimed by a worker killed before it reported back
    message = queue_notice(tenant_a, notice_context)
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=301)
    )
    # and one claimed a moment ago by a live worker
    busy = queue_notice(tenant_a, notice_context, to="busy@example.org")
    Message.objects.filter(pk=busy.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    # when the sweep runs
    with on_commit():
        assert outbox_sweep() == 1
    # then the dead worker's mail is sent, the live one's left alone
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert [m.to for m in mail.outbox] == [["jacqueline@example.be"]]
    busy.refresh_from_db()
    assert busy.status == Status.SENDING


def test_the_sweep_task_runs_the_sweep(tenant_a, notice_context, on_commit):
    from outbox.tasks import sweep_outbox

    message = queue_notice(tenant_a, notice_context)
    make_due(message)
    with on_commit():
        assert sweep_outbox() == 1
    assert len(mail.outbox) == 1


# --- Sensitive bodies --------------------------------------------------------------------------


def test_sensitive_bodies_are_erased_once_sent(tenant_a, notice_context, on_commit, settings):
    settings.OUTBOX_KEEP_BODIES = False
    notice_context["action_url"] = "http://alpha.localhost:8000/reset/secret-token/"
    with on_commit():
        message = queue_notice(tenant_a, notice_context, sensitive=True)
    # the person got the link
    assert "secret-token" in mail.outbox[0].body
    # and the row no longer holds it
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.bodies_erased
    assert "secret-token" not in message.body_text + message.body_html


def test_sensitive_bodies_are_kept_for_the_dev_inbox(tenant_a, notice_context, on_commit, settings):
    settings.OUTBOX_KEEP_BODIES = True
    with on_commit():
        message = queue_notice(tenant_a, notice_context, sensitive=True)
    message.refresh_from_db()
    assert not message.bodies_erased
    assert "http://alpha.localhost:8000/reunion/" in message.body_text


def test_bodies_that_are_not_sensitive_are_kept(tenant_a, notice_context, on_commit, settings):
    settings.OUTBOX_KEEP_BODIES = False
    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    message.refresh_from_db()
    assert "La réunion aura lieu jeudi." in message.body_text


# --- Broker outage vs a task's own error -------------------------------------------------------


def test_a_broker_outage_leaves_the_message_for_the_sweep(
    tenant_a, notice_context, on_commit, unreachable_broker, caplog
):
    # when a mail is queued while the broker cannot be reached
    with on_commit():
        message = queue_notice(tenant_a, notice_context)
    # then the page's transaction went through: the message waits, pending, for the sweep
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "deliver_message not queued (OperationalError)" in caplog.text


def test_a_tasks_own_error_is_not_mistaken_for_a_broker_outage(
    tenant_a, notice_context, on_commit, monkeypatch, task_failures
):
    # given a delivery that fails with a bug of its own (eager Celery runs it in this process)
    def broken(**_kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("outbox.services.message_deliver", broken)
    # when a mail is queued, then the error surfaces instead of a "not queued" warning
    with pytest.raises(ZeroDivisionError), on_commit():
        queue_notice(tenant_a, notice_context)
    assert task_failures == ["outbox.tasks.deliver_message: ZeroDivisionError()"]
    task_failures.clear()
