"""Payments mails to a parent who reads the portal in English are English — subject, body, the
due date written the English way and amounts in euros as English writes them — even when a
French-speaking secretary's action sends them."""

import pytest
from django.utils import formats, translation

from outbox.models import Message
from payments import notifications

pytestmark = pytest.mark.django_db


def _due_on(invitation, language: str) -> str:
    with translation.override(language):
        return formats.date_format(invitation.due_on, "DATE_FORMAT")


@pytest.fixture
def english_parent(parent):
    parent.preferred_language = "en"
    parent.save()
    return parent


def test_invitation_mail_to_an_english_speaker(english_parent, museum_invitation):
    # given the secretary works in French, when the invitation mail is written
    with translation.override("fr"):
        notifications.invitation_received(invitation=museum_invitation)
    message = Message.objects.get(template="payments/email/invitation_received")
    # then everything the parent reads is English
    assert message.subject == "New payment request: Musée du jouet (Camille Muller)"
    body = message.body_text
    assert body.startswith("Hello Jacqueline Dubois,")
    assert f"Due date: {_due_on(museum_invitation, 'en')}" in body
    assert "€5.00" in body
    assert "Échéance" not in body and "5,00 €" not in body
    assert _due_on(museum_invitation, "fr") not in body


def test_reminder_subject_carries_the_english_date(english_parent, museum_invitation):
    with translation.override("fr"):
        notifications.due_reminder(invitation=museum_invitation)
    message = Message.objects.get(template="payments/email/due_reminder")
    due = _due_on(museum_invitation, "en")
    assert message.subject == f"Reminder: “Musée du jouet” is due for payment by {due}"


def test_french_speaker_gets_french_dates_and_amounts(parent, museum_invitation):
    with translation.override("en"):
        notifications.invitation_received(invitation=museum_invitation)
    message = Message.objects.get(template="payments/email/invitation_received")
    assert message.subject.startswith("Nouvelle invitation à payer")
    assert f"Échéance : {_due_on(museum_invitation, 'fr')}" in message.body_text
    assert "5,00 €" in message.body_text


def test_autopay_failed_names_the_missing_amount_the_recipients_way(
    english_parent, museum_invitation
):
    with translation.override("fr"):
        notifications.autopay_failed(invitation=museum_invitation, missing_cents=250)
    message = Message.objects.get(template="payments/email/autopay_failed")
    assert "€2.50" in message.body_text and "2,50 €" not in message.body_text
