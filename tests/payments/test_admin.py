"""The secretaries' admin: activities, invitations in one action, follow-up, cancel/refund,
manual transfers, CSV export; the ledger read-only for everyone; tenant B sees nothing of A."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from payments.models import Activity, Invitation, InvitationStatus, LedgerTransaction, Wallet
from payments.services.invitations import invitation_decline, invitation_pay, invitations_send
from tests.factories import UserFactory, link_guardian


def test_secretary_creates_an_activity_in_euros(
    secretary_client, school_a, tenant_a, private_files
):
    today = timezone.localdate()
    response = secretary_client.post(
        reverse("admin:payments_activity_add"),
        {
            "school": school_a.pk,
            "title": "Musée du jouet",
            "details": "",
            "kind": "mandatory",
            "amount": "5,00",
            "starts_on": today.isoformat(),
            "due_on": (today + timedelta(days=7)).isoformat(),
            "event_on": "",
            "document": SimpleUploadedFile(
                "p.pdf", b"%PDF-1.4 programme", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert (activity.tenant, activity.amount_cents, activity.document.name != "") == (
        tenant_a,
        500,
        True,
    )
    # staff of the school download the document from the admin
    download = secretary_client.get(reverse("admin:payments_activity_document", args=[activity.pk]))
    assert download.status_code == 200


def test_a_document_must_be_a_pdf(secretary_client, school_a, private_files):
    today = timezone.localdate()
    response = secretary_client.post(
        reverse("admin:payments_activity_add"),
        {
            "school": school_a.pk,
            "title": "X",
            "kind": "optional",
            "amount": "1",
            "starts_on": today.isoformat(),
            "due_on": today.isoformat(),
            "document": SimpleUploadedFile("p.pdf", b"<html>", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_send_invitations_to_the_whole_school(
    secretary_client, museum, parent, child1, child2, on_commit
):
    orphan = UserFactory(tenant=museum.tenant, is_student=True, schools=[museum.school], email="")
    with on_commit():
        response = secretary_client.post(
            reverse("admin:payments_activity_invite", args=[museum.pk]),
            {"scope": "school"},
            follow=True,
        )
    html = response.content.decode()
    assert "2 invitations envoyées" in html
    assert "Sans parent payeur" in html and orphan.full_name in html
    invitations = Invitation.objects.filter(activity=museum)
    assert {(i.beneficiary, i.debtor) for i in invitations} == {(child1, parent), (child2, parent)}
    # sending again invites nobody twice
    secretary_client.post(
        reverse("admin:payments_activity_invite", args=[museum.pk]), {"scope": "school"}
    )
    assert Invitation.objects.filter(activity=museum).count() == 2
    # the debtor was mailed
    from django.core import mail

    assert any("Nouvelle invitation à payer" in m.subject for m in mail.outbox)


def test_send_invitations_to_chosen_students(secretary_client, handball, child1, child2, parent):
    response = secretary_client.post(
        reverse("admin:payments_activity_invite", args=[handball.pk]),
        {"scope": "selection", "students": [child2.pk]},
    )
    assert response.status_code == 302
    assert list(Invitation.objects.values_list("beneficiary", flat=True)) == [child2.pk]


def test_send_invitations_to_a_whole_class(
    secretary_client, museum, parent, child1, child2, school_a2, on_commit
):
    # given Camille in 3A, Nolan in 4B, a 3A pupil of another school and one with no payer
    child1.classroom, child2.classroom = "3A", "4B"
    User.objects.bulk_update([child1, child2], ["classroom"])
    elsewhere = UserFactory(
        tenant=museum.tenant, is_student=True, schools=[school_a2], classroom="3A"
    )
    link_guardian(parent, elsewhere)
    orphan = UserFactory(
        tenant=museum.tenant, is_student=True, schools=[museum.school], classroom="3A"
    )
    url = reverse("admin:payments_activity_invite", args=[museum.pk])

    # the form offers the school's classes with their head count
    html = secretary_client.get(url).content.decode()
    assert "3A (2 élèves)" in html and "4B (1 élève)" in html
    assert "Muller Camille (3A)" in html

    # when the secretary invites class 3A
    with on_commit():
        response = secretary_client.post(url, {"scope": "class", "classroom": "3A"}, follow=True)

    # then only Camille is invited; the pupil without a payer is named
    html = response.content.decode()
    assert "1 invitation envoyée" in html
    assert "Sans parent payeur" in html and orphan.full_name in html
    assert list(Invitation.objects.values_list("beneficiary", flat=True)) == [child1.pk]

    # and sending to the class again invites nobody twice, and says so
    html = secretary_client.post(
        url, {"scope": "class", "classroom": "3A"}, follow=True
    ).content.decode()
    assert "1 élève était déjà invité" in html
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("classroom", "message"),
    [("", "Choisissez une classe"), ("9Z", "Sélectionnez un choix valide")],
)
def test_a_class_must_be_chosen_among_the_schools(
    secretary_client, museum, child1, classroom, message
):
    child1.classroom = "3A"
    child1.save(update_fields=["classroom"])
    response = secretary_client.post(
        reverse("admin:payments_activity_invite", args=[museum.pk]),
        {"scope": "class", "classroom": classroom},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert not Invitation.objects.exists()


def test_the_paying_guardian_is_the_debtor(tenant_a, school_a, museum, child1, parent):
    other = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a])
    link_guardian(other, child1, is_paying=False)
    result = invitations_send(activity=museum, students=[child1], by=None)
    assert result.created[0].debtor == parent


def test_follow_up_shows_totals(
    secretary_client, funded_wallet, museum_invitation, handball_invitation, handball_invitation2
):
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key="p" * 20)
    invitation_decline(invitation=handball_invitation2, by=None, idempotency_key="d" * 20)
    html = secretary_client.get(
        reverse("admin:payments_activity_follow_up", args=[handball_invitation.activity_id])
    ).content.decode()
    assert "8,00 €" in html and "Muller Camille" in html and "Muller Nolan" in html
    changelist = secretary_client.get(
        reverse("admin:payments_activity_changelist")
    ).content.decode()
    assert "1 (8,00 €)" in changelist


def test_reminders_cancel_and_refund_actions(
    secretary_client, funded_wallet, museum_invitation, handball_invitation, on_commit
):
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key="p" * 20)
    url = reverse("admin:payments_invitation_changelist")
    with on_commit():
        secretary_client.post(
            url, {"action": "send_reminders", "_selected_action": [museum_invitation.pk]}
        )
    museum_invitation.refresh_from_db()
    assert museum_invitation.reminded_at is not None
    # refund the paid one, cancel the pending one; the wrong state is left alone
    secretary_client.post(
        url,
        {
            "action": "refund_invitations",
            "_selected_action": [handball_invitation.pk, museum_invitation.pk],
        },
    )
    secretary_client.post(
        url,
        {
            "action": "cancel_invitations",
            "_selected_action": [museum_invitation.pk, handball_invitation.pk],
        },
    )
    (
        handball_invitation.refresh_from_db(),
        museum_invitation.refresh_from_db(),
        funded_wallet.refresh_from_db(),
    )
    assert handball_invitation.status == InvitationStatus.REFUNDED
    assert museum_invitation.status == InvitationStatus.CANCELLED
    assert funded_wallet.balance_cents == 2000


def test_csv_export_for_accounting(secretary_client, funded_wallet, museum_invitation):
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="p" * 20)
    response = secretary_client.get(
        reverse("admin:payments_activity_export", args=[museum_invitation.activity_id])
    )
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    header, row = text.strip().splitlines()
    assert header.startswith("date_paiement;ecriture;activite")
    assert "Musée du jouet" in row and ";5,00;" in row and "Muller Camille" in row


def test_manual_transfer_is_recorded_once(secretary_client, wallet):
    url = reverse("admin:payments_wallet_top_up", args=[wallet.pk])
    page = secretary_client.get(url).content.decode()
    import re

    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    for _ in range(2):  # a double submit
        secretary_client.post(url, {"amount": "20,00", "memo": "virement 12/09", "key": key})
    wallet.refresh_from_db()
    assert wallet.balance_cents == 2000
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


def test_ledger_is_read_only_even_for_a_superuser(tenant_a, funded_wallet, secretary_client):
    from portal.admin_site import admin_site

    admin = admin_site._registry[LedgerTransaction]
    superuser = UserFactory(tenant=tenant_a, is_superuser=True)

    class Req:
        user = superuser
        tenant = tenant_a

    assert not admin.has_delete_permission(Req())
    assert not admin.has_change_permission(Req())
    assert not admin.has_add_permission(Req())
    tx = LedgerTransaction.objects.get()
    assert (
        secretary_client.get(
            reverse("admin:payments_ledgertransaction_change", args=[tx.pk])
        ).status_code
        == 200
    )
    assert (
        secretary_client.post(
            reverse("admin:payments_ledgertransaction_delete", args=[tx.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert LedgerTransaction.objects.filter(pk=tx.pk).exists()


def test_secretary_of_another_school_sees_nothing(
    tenant_a, school_a_other, museum_invitation, funded_wallet
):
    from tests.conftest import HOST_A, verified_admin_client

    stranger = UserFactory(tenant=tenant_a, is_secretary=True, schools=[school_a_other])
    client = verified_admin_client(stranger, HOST_A)
    assert (
        client.get(
            reverse("admin:payments_activity_follow_up", args=[museum_invitation.activity_id])
        ).status_code
        == 404
    )
    assert (
        "Musée du jouet"
        not in client.get(reverse("admin:payments_activity_changelist")).content.decode()
    )


# --- Tenant B's secretary: 404 for every view of tenant A's objects -------------------------------


@pytest.fixture
def a_objects(funded_wallet, museum_invitation):
    return {
        "activity": museum_invitation.activity_id,
        "invitation": museum_invitation.pk,
        "wallet": funded_wallet.pk,
        "tx": LedgerTransaction.objects.first().pk,
    }


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("admin:payments_activity_change", "activity"),
        ("admin:payments_activity_follow_up", "activity"),
        ("admin:payments_activity_invite", "activity"),
        ("admin:payments_activity_export", "activity"),
        ("admin:payments_activity_document", "activity"),
        ("admin:payments_invitation_change", "invitation"),
        ("admin:payments_wallet_change", "wallet"),
        ("admin:payments_wallet_top_up", "wallet"),
        ("admin:payments_ledgertransaction_change", "tx"),
    ],
)
def test_outsider_secretary_gets_404(outsider_admin_client, a_objects, name, key):
    assert outsider_admin_client.get(reverse(name, args=[a_objects[key]])).status_code == 404


def test_outsider_secretary_posts_get_404(outsider_admin_client, a_objects):
    top_up = reverse("admin:payments_wallet_top_up", args=[a_objects["wallet"]])
    assert outsider_admin_client.post(top_up, {"amount": "5", "key": "k" * 20}).status_code == 404
    remind = reverse("admin:payments_activity_remind", args=[a_objects["activity"]])
    assert outsider_admin_client.post(remind).status_code == 404
    assert Wallet.objects.get(pk=a_objects["wallet"]).balance_cents == 2000


def test_tenant_b_secretary_cannot_see_tenant_a_wallets(outsider_admin_client, a_objects, parent):
    html = outsider_admin_client.get(reverse("admin:payments_wallet_changelist")).content.decode()
    assert parent.last_name not in html
    html = outsider_admin_client.get(
        reverse("admin:payments_invitation_changelist")
    ).content.decode()
    assert "Musée du jouet" not in html


def test_admin_pages_render_for_the_secretary(secretary_client, a_objects):
    for name, key in [
        ("admin:payments_activity_change", "activity"),
        ("admin:payments_wallet_change", "wallet"),
        ("admin:payments_invitation_change", "invitation"),
        ("admin:payments_activity_invite", "activity"),
    ]:
        assert secretary_client.get(reverse(name, args=[a_objects[key]])).status_code == 200, name
    for name in ("activity", "invitation", "wallet", "ledgertransaction", "bankimport"):
        assert (
            secretary_client.get(reverse(f"admin:payments_{name}_changelist")).status_code == 200
        ), name
    assert secretary_client.get(reverse("admin:payments_bankimport_add")).status_code == 200
