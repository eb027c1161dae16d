"""Payments mails read as typed (issue 11, item 6): an apostrophe and an ampersand in an activity's
title and a child's name stay as they are in the subject and the plain-text part, and the HTML
part escapes them exactly once. The mails go through the outbox to a real SMTP server (aiosmtpd)
and are read back as a mail client would."""

from email.message import EmailMessage

import pytest
from django.utils import formats, translation
from django.utils.html import escape

from payments import notifications
from payments.services.invitations import invitation_pay
from tests.factories import UserFactory, link_guardian
from tests.outbox.test_real_infrastructure import smtp_server  # noqa: F401 — fixture
from tests.payments.conftest import fund, invite, make_activity

pytestmark = pytest.mark.django_db

TITLE = "L'Atomium & goûter"
TITLE_HTML = "L&#x27;Atomium &amp; goûter"
CHILD = "Zoé O'Brien & fils"
CHILD_HTML = "Zoé O&#x27;Brien &amp; fils"
PARENT = "Anne D'Hondt & Cie"
ENTITIES = ("&#x27;", "&#39;", "&amp;", "&quot;", "&lt;", "&gt;")


@pytest.fixture
def smtp_mail(settings, smtp_server):  # noqa: F811 — the imported fixture
    """Django sends through the real SMTP server; returns the inbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture
def atomium_invitation(tenant_a, school_a):
    child = UserFactory(
        tenant=tenant_a, first_name="Zoé", last_name="O'Brien & fils", is_student=True,
        schools=[school_a], email="",
    )  # fmt: skip
    parent = UserFactory(
        tenant=tenant_a, first_name="Anne", last_name="D'Hondt & Cie", is_parent=True,
        schools=[school_a], email="anne.dhondt@example.be",
    )  # fmt: skip
    link_guardian(parent, child)
    activity = make_activity(tenant=tenant_a, school=school_a, title=TITLE, amount_cents=1250)
    return invite(activity, child, parent)


def parts(received: EmailMessage) -> tuple[str, str, str]:
    """(subject, plain text, HTML) as a mail client shows them."""
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    # A long encoded subject is folded after "Subject:": the parser keeps that fold's space.
    return str(received["Subject"]).strip(), text.get_content(), html.get_content()


def send_each(on_commit, invitation) -> None:
    """Every payments mail about this invitation and its parent's wallet."""
    wallet = fund(invitation.debtor, 5000)
    with on_commit():
        notifications.invitation_received(invitation=invitation)
        notifications.due_reminder(invitation=invitation)
        invitation_pay(invitation=invitation, by=None, idempotency_key="atomium-" * 3)
        notifications.autopay_done(invitation=invitation, wallet=wallet)
        notifications.autopay_failed(invitation=invitation, missing_cents=250)
        notifications.low_balance(wallet=wallet)


def test_payments_mails_read_as_typed_in_subject_and_text_and_once_escaped_in_html(
    smtp_mail, atomium_invitation, on_commit
):
    # when every payments mail goes out about "L'Atomium & goûter" for "Zoé O'Brien & fils"
    send_each(on_commit, atomium_invitation)
    # then the SMTP server received six of them
    assert smtp_mail.wait_for(6, 10)
    mails = {parts(received)[0]: parts(received) for _at, _to, received in smtp_mail.received}
    assert len(mails) == 6
    subjects = sorted(mails)
    # dates are written the recipient's way (DATE_FORMAT: « 15 décembre 2026 » in French)
    with translation.override("fr"):
        due_on_in_french = formats.date_format(atomium_invitation.due_on, "DATE_FORMAT")
    assert subjects == sorted(
        [
            f"Nouvelle invitation à payer : {TITLE} ({CHILD})",
            f"Rappel : « {TITLE} » est à payer pour le {due_on_in_french}",
            f"Paiement reçu : {TITLE}",
            f"Paiement automatique effectué : {TITLE}",
            f"Paiement automatique impossible : {TITLE}",
            "Le solde de votre portefeuille est bas",
        ]
    )
    for subject, text, html in mails.values():
        # the subject and the plain text are text: no HTML entity anywhere
        assert not any(entity in subject + text for entity in ENTITIES), (subject, text)
        assert f"Bonjour {PARENT}," in text
        # the HTML part escapes once: no "&amp;amp;", no "&amp;#x27;"
        assert "&amp;amp;" not in html and "&amp;#" not in html
        assert "Anne D&#x27;Hondt &amp; Cie" in html
        if "solde" not in subject:
            assert f"« {TITLE} » pour {CHILD}" in text
            assert f"« {TITLE_HTML} » pour {CHILD_HTML}" in html
            assert f"<title>{escape(subject)}</title>" in html
    receipt_text = mails[f"Paiement reçu : {TITLE}"][1]
    assert "Montant : 12,50 €" in receipt_text
