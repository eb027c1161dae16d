"""PDFs (receipt, statement, top-up sheet), the automatic payment job and its mails."""

import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from payments.models import Invitation, InvitationStatus
from payments.services.due import invitations_run_due
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_set_auto_pay_default
from tests.payments.conftest import fund


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_receipt_pdf(parent_client, funded_wallet, museum_invitation, tmp_path):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="p" * 20)
    response = parent_client.get(reverse("payments:receipt", args=[museum_invitation.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Reçu de paiement" in text and "Musée du jouet" in text and "5,00 €" in text
    assert "Muller Camille" in text


def test_no_receipt_for_an_unpaid_invitation(parent_client, museum_invitation):
    assert (
        parent_client.get(reverse("payments:receipt", args=[museum_invitation.pk])).status_code
        == 404
    )


def test_statement_pdf_for_a_period(parent_client, funded_wallet, museum_invitation, tmp_path):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="p" * 20)
    today = timezone.localdate()
    response = parent_client.get(
        reverse("payments:statement"),
        {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()},
    )
    text = pdf_text(response.content, tmp_path)
    assert (
        "Relevé du portefeuille" in text
        and "20,00 €" in text
        and "15,00 €" in text
        and "-5,00 €" in text
    )


def test_statement_with_bad_dates_shows_the_form(parent_client, wallet):
    response = parent_client.get(
        reverse("payments:statement"), {"start": "2024-06-10", "end": "2024-06-01"}
    )
    assert response.status_code == 400
    assert "précéder" in response.content.decode()


def test_top_up_sheet_pdf(parent_client, wallet, tenant_a, tmp_path):
    tenant_a.iban, tenant_a.creditor_name = "BE68539007547034", "CREOS ASBL"
    tenant_a.save()
    response = parent_client.get(reverse("payments:top_up_sheet"))
    text = pdf_text(response.content, tmp_path)
    assert wallet.structured_communication in text and "BE68 5390 0754 7034" in text


@pytest.fixture
def due_today(museum_invitation):
    Invitation.objects.filter(pk=museum_invitation.pk).update(
        due_on=timezone.localdate(), auto_pay=True
    )
    museum_invitation.refresh_from_db()
    return museum_invitation


def test_auto_pay_pays_a_ticked_invitation_on_its_due_date(funded_wallet, due_today, on_commit):
    with on_commit():
        run = invitations_run_due()
    assert (run.paid, run.failed) == (1, 0)
    due_today.refresh_from_db()
    assert due_today.status == InvitationStatus.PAID and due_today.paid_automatically
    assert any("Paiement automatique effectué" in m.subject for m in mail.outbox)
    # running again does nothing more
    assert invitations_run_due().paid == 0


def test_auto_pay_without_credit_mails_the_parent_once(wallet, due_today, on_commit):
    fund(wallet, 100)
    with on_commit():
        run = invitations_run_due()
    assert run.failed == 1
    assert [m.subject for m in mail.outbox if "impossible" in m.subject]
    due_today.refresh_from_db()
    assert due_today.status == InvitationStatus.PENDING
    assert invitations_run_due().failed == 0


def test_wallet_default_auto_pay_applies_to_unset_invitations(funded_wallet, museum_invitation):
    Invitation.objects.filter(pk=museum_invitation.pk).update(due_on=timezone.localdate())
    wallet_set_auto_pay_default(wallet=funded_wallet, value=True)
    assert invitations_run_due().paid == 1


def test_unticked_invitations_are_not_paid(funded_wallet, museum_invitation):
    Invitation.objects.filter(pk=museum_invitation.pk).update(
        due_on=timezone.localdate(), auto_pay=False
    )
    wallet_set_auto_pay_default(wallet=funded_wallet, value=True)
    assert invitations_run_due().paid == 0


def test_due_date_reminder_goes_out_once(wallet, museum_invitation, on_commit):
    Invitation.objects.filter(pk=museum_invitation.pk).update(
        due_on=timezone.localdate() + timedelta(days=2)
    )
    with on_commit():
        assert invitations_run_due().reminded == 1
    assert any(m.subject.startswith("Rappel") for m in mail.outbox)
    assert invitations_run_due().reminded == 0


def test_the_periodic_task_is_scheduled(settings, db):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "payments.tasks.run_due_invitations" in entries
    from payments.tasks import run_due_invitations

    assert run_due_invitations() == {"paid": 0, "failed": 0, "reminded": 0}
