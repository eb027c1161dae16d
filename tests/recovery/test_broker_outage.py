"""A reset request during a broker outage is answered like any other and processed by the sweep
(issue 12, item 9)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from recovery.models import Outcome, RecoveryRequest
from recovery.services import recovery_sweep
from tests.conftest import HOST_A
from tests.recovery.conftest import without_csrf

pytestmark = pytest.mark.django_db


def test_a_reset_asked_while_the_broker_is_down_is_answered_like_any_other(
    parent, ask_reset, unreachable_broker, caplog
):
    # given the answer to a request while the broker works (for a visitor who is not known)
    client = Client(HTTP_HOST=HOST_A)
    client.get("/mot-de-passe-oublie/")

    # when the parent asks for a reset while the broker cannot be reached
    post = ask_reset(client, parent.identifier)

    # then she gets the usual answer, not an error page
    assert post.status_code == 302
    page = client.get(post["Location"])
    assert page.status_code == 200
    assert "Vérifiez vos e-mails" in without_csrf(page.content)
    # and her request is kept, waiting for the sweep; nothing left yet
    request = RecoveryRequest.objects.get(login=parent.identifier)
    assert request.processed_at is None
    assert mail.outbox == []
    assert "process_recovery_request not queued (OperationalError)" in caplog.text


def test_the_sweep_processes_a_request_whose_task_never_left(
    parent, ask_reset, settings, django_capture_on_commit_callbacks
):
    # given a request recorded during a broker outage (its task never published)
    client = Client(HTTP_HOST=HOST_A)
    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool, app.amqp._producer_pool = None, None
    try:
        ask_reset(client, parent.identifier)
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app._pool, app.amqp._producer_pool = None, None
    RecoveryRequest.objects.update(created_at=timezone.now() - timedelta(minutes=2))

    # when the broker is back and the periodic sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery_sweep() == 1

    # then the reset mail leaves, once
    request = RecoveryRequest.objects.get(login=parent.identifier)
    assert request.outcome == Outcome.MAIL_SENT
    assert [m.to for m in mail.outbox] == [[parent.email]]
    assert recovery_sweep() == 0
