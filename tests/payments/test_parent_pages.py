"""The parents' pages: tables, confirmations that work without JavaScript, messages, and a 404
for anyone else's invitation or wallet."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from payments.models import Invitation, InvitationStatus, Wallet
from payments.services.invitations import invitation_decline, invitation_pay
from tests.payments.conftest import fund, invite, make_activity

KEY_RE = re.compile(r'name="key" value="([^"]+)"')


def key_from(response) -> str:
    return KEY_RE.search(response.content.decode()).group(1)


def test_menu_shows_the_three_parent_items(parent_client):
    html = parent_client.get(reverse("profile")).content.decode()
    for label in ("Mes invitations", "Mon portefeuille", "Mon calendrier"):
        assert label in html


def test_menu_hides_them_when_payments_are_off(parent_client, tenant_a):
    tenant_a.payments = False
    tenant_a.save()
    html = parent_client.get(reverse("profile")).content.decode()
    assert "Mes invitations" not in html
    assert parent_client.get(reverse("payments:invitations")).status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "takes"),
    [
        ("payments:invitations", "get", None),
        ("payments:history", "get", None),
        ("payments:pay", "get", "invitation"),
        ("payments:pay", "post", "invitation"),
        ("payments:decline", "get", "invitation"),
        ("payments:auto_pay", "post", "invitation"),
        ("payments:document", "get", "invitation"),
        ("payments:receipt", "get", "invitation"),
        ("payments:wallet", "get", None),
        ("payments:wallet_auto_pay", "post", None),
        ("payments:statement", "get", None),
        ("payments:top_up_sheet", "get", None),
        ("payments:calendar", "get", None),
        ("payments:calendar_renew", "post", None),
        ("payments:calendar_feed", "get", "token"),
    ],
)
def test_every_parent_page_is_a_404_when_payments_are_off(
    parent_client, tenant_a, funded_wallet, museum_invitation, private_files, name, method, takes
):
    # given a parent with a paid invitation (with its programme), at a tenant that switches
    # payments off
    museum_invitation.activity.document.save("p.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    invitation_pay(invitation=museum_invitation, by=None, idempotency_key="off-0000000000000")
    args = {
        None: [],
        "invitation": [museum_invitation.pk],
        "token": [funded_wallet.calendar_token],
    }[takes]
    url = reverse(name, args=args)
    assert getattr(parent_client, method)(url).status_code != 404
    tenant_a.payments = False
    tenant_a.save()
    # then every page of the flow is a 404
    assert getattr(parent_client, method)(url).status_code == 404


def test_invitations_table_like_the_seed(
    parent_client, museum_invitation, handball_invitation, handball_invitation2
):
    response = parent_client.get(reverse("payments:invitations"))
    html = response.content.decode()
    assert response.status_code == 200
    for header in (
        "Date de début",
        "Bénéficiaire",
        "Débiteur",
        "Montant",
        "Échéance",
        "Payée automatiquement",
        "Action(s)",
    ):
        assert '<th scope="col"' in html and header in html
    # each cell names its column, for the card a phone shows instead of the row
    for label in ("Date de début", "Bénéficiaire", "Débiteur", "Montant", "Échéance"):
        assert f'data-label="{label}"' in html
    # the dates of payment and refusal, always empty while an invitation waits, are the
    # history's columns
    invitation_decline(
        invitation=handball_invitation2, by=None, idempotency_key="seed-columns-0000000"
    )
    history = parent_client.get(reverse("payments:history")).content.decode()
    for header in ("Date de paiement", "Date de refus", "État", "Document(s)"):
        assert header in history
    assert "Musée du jouet" in html and "5,00 €" in html and "8,00 €" in html
    assert "Muller Camille" in html and "Muller Nolan" in html and "Dubois Jacqueline" in html
    # a mandatory activity has no decline button; the optional ones have one each
    assert html.count(">Décliner<") == 2
    assert reverse("payments:decline", args=[museum_invitation.pk]) not in html


def test_overdue_invitations_are_flagged(parent_client, museum_invitation):
    Invitation.objects.filter(pk=museum_invitation.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    html = parent_client.get(reverse("payments:invitations")).content.decode()
    assert "en retard" in html and 'class="overdue"' in html


def test_pay_after_confirmation(parent_client, funded_wallet, museum_invitation):
    url = reverse("payments:pay", args=[museum_invitation.pk])
    # given the confirmation page
    page = parent_client.get(url)
    assert "Êtes-vous sûr de vouloir payer cette invitation ?" in page.content.decode()
    assert page.status_code == 200
    # when the parent confirms
    response = parent_client.post(url, {"key": key_from(page)}, follow=True)
    # then she is back on her invitations with the new balance, and the invitation is paid
    html = response.content.decode()
    assert "Paiement effectué" in html and "15,00 €" in html
    museum_invitation.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PAID


def test_a_replayed_post_pays_once(parent_client, funded_wallet, museum_invitation):
    url = reverse("payments:pay", args=[museum_invitation.pk])
    key = key_from(parent_client.get(url))
    assert parent_client.post(url, {"key": key}).status_code == 302
    assert parent_client.post(url, {"key": key}).status_code == 302
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance_cents == 1500


def test_not_enough_credit_shows_the_missing_amount_and_how_to_top_up(
    parent_client, wallet, museum_invitation
):
    fund(wallet, 300)
    url = reverse("payments:pay", args=[museum_invitation.pk])
    response = parent_client.post(url, {"key": key_from(parent_client.get(url))})
    html = response.content.decode()
    assert response.status_code == 409
    assert "il manque 2,00 €" in html
    assert reverse("payments:wallet") + "?montant=2.00" in html
    museum_invitation.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PENDING


def test_pay_is_replaced_by_the_missing_amount_when_the_balance_cannot_cover_it(
    parent_client, wallet, museum_invitation, handball_invitation
):
    # given 6,00 € in the wallet, a museum visit at 5,00 € and a handball at 8,00 €
    fund(wallet, 600)
    html = parent_client.get(reverse("payments:invitations")).content.decode()
    # then the museum can be paid, the handball says what is missing and how to top up
    assert reverse("payments:pay", args=[museum_invitation.pk]) in html
    assert reverse("payments:pay", args=[handball_invitation.pk]) not in html
    assert "Crédit insuffisant : il manque 2,00 €." in html
    assert reverse("payments:wallet") + "?montant=2.00" in html
    # and the confirmation page, reached all the same, says it before the click
    page = parent_client.get(reverse("payments:pay", args=[handball_invitation.pk]))
    assert "Crédit insuffisant : il manque 2,00 €." in page.content.decode()


def test_the_missing_amount_is_said_in_english_too(parent_client, wallet, museum_invitation):
    fund(wallet, 300)
    parent_client.cookies["django_language"] = "en"
    html = parent_client.get(reverse("payments:invitations")).content.decode()
    assert "Insufficient credit: €2.00 missing." in html
    assert "Top up my wallet" in html


def test_a_post_without_key_is_refused(parent_client, funded_wallet, museum_invitation):
    response = parent_client.post(reverse("payments:pay", args=[museum_invitation.pk]), {})
    assert response.status_code == 400
    museum_invitation.refresh_from_db()
    assert museum_invitation.is_pending


def test_decline_after_confirmation(parent_client, wallet, handball_invitation):
    url = reverse("payments:decline", args=[handball_invitation.pk])
    page = parent_client.get(url)
    assert "Êtes-vous sûr de vouloir décliner cette invitation ?" in page.content.decode()
    response = parent_client.post(url, {"key": key_from(page)}, follow=True)
    assert "Invitation déclinée" in response.content.decode()
    handball_invitation.refresh_from_db()
    assert handball_invitation.status == InvitationStatus.DECLINED
    # it moved to the history
    history = parent_client.get(reverse("payments:history")).content.decode()
    assert "Activité handball temps de midi" in history and "Déclinée" in history


def test_a_forged_decline_of_a_mandatory_invitation_is_refused(
    parent_client, wallet, museum_invitation
):
    url = reverse("payments:decline", args=[museum_invitation.pk])
    assert parent_client.get(url).status_code == 400
    response = parent_client.post(url, {"key": "forged-key-0123456789"})
    assert response.status_code == 400
    assert "ne peut pas être déclinée" in response.content.decode()
    museum_invitation.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PENDING


def test_auto_pay_tick_is_saved(parent_client, wallet, museum_invitation):
    parent_client.post(
        reverse("payments:auto_pay", args=[museum_invitation.pk]), {"auto_pay": "on"}
    )
    museum_invitation.refresh_from_db()
    assert museum_invitation.auto_pay is True
    parent_client.post(reverse("payments:auto_pay", args=[museum_invitation.pk]), {})
    museum_invitation.refresh_from_db()
    assert museum_invitation.auto_pay is False


def test_wallet_page_shows_balance_top_up_and_history(parent_client, funded_wallet, tenant_a):
    tenant_a.iban, tenant_a.creditor_name = "BE68539007547034", "CREOS ASBL"
    tenant_a.save()
    html = parent_client.get(reverse("payments:wallet") + "?montant=12,50").content.decode()
    assert "20,00 €" in html
    assert "BE68 5390 0754 7034" in html
    assert funded_wallet.structured_communication in html
    assert "data:image/svg+xml;base64," in html
    assert "12,50 €" in html  # the amount put in the QR code
    assert "Rechargement" in html


def test_wallet_auto_pay_default(parent_client, wallet):
    parent_client.post(reverse("payments:wallet_auto_pay"), {"auto_pay_default": "on"})
    wallet.refresh_from_db()
    assert wallet.auto_pay_default


def test_document_download_for_the_debtor(parent_client, museum_invitation, private_files):
    activity = museum_invitation.activity
    activity.document.save("programme.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    response = parent_client.get(reverse("payments:document", args=[museum_invitation.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_no_document_is_a_404(parent_client, museum_invitation):
    assert (
        parent_client.get(reverse("payments:document", args=[museum_invitation.pk])).status_code
        == 404
    )


# --- Nobody else's invitation ----------------------------------------------------------------

PARENT_VIEWS = ["payments:pay", "payments:decline", "payments:document", "payments:receipt"]


@pytest.mark.parametrize("name", PARENT_VIEWS)
def test_another_parents_invitation_is_a_404(
    client_a, other_parent, handball_invitation, name, funded_wallet
):
    client_a.force_login(other_parent)
    assert client_a.get(reverse(name, args=[handball_invitation.pk])).status_code == 404


def test_paying_another_parents_invitation_is_a_404(
    client_a, other_parent, funded_wallet, museum_invitation
):
    client_a.force_login(other_parent)
    fund(other_parent, 5000)
    response = client_a.post(
        reverse("payments:pay", args=[museum_invitation.pk]), {"key": "x" * 20}
    )
    assert response.status_code == 404
    museum_invitation.refresh_from_db()
    assert museum_invitation.is_pending


@pytest.mark.parametrize("name", [*PARENT_VIEWS, "payments:auto_pay"])
def test_outsider_gets_404_for_tenant_a_invitations(outsider_client, handball_invitation, name):
    method = outsider_client.post if name == "payments:auto_pay" else outsider_client.get
    assert method(reverse(name, args=[handball_invitation.pk])).status_code == 404


def test_outsider_posts_get_404(outsider_client, funded_wallet, handball_invitation):
    for name in ("payments:pay", "payments:decline"):
        response = outsider_client.post(
            reverse(name, args=[handball_invitation.pk]), {"key": "y" * 20}
        )
        assert response.status_code == 404
    handball_invitation.refresh_from_db()
    assert handball_invitation.is_pending


def test_outsider_tenant_pages_show_only_tenant_b(
    outsider_client, handball_invitation, outsider_invitation
):
    html = outsider_client.get(reverse("payments:invitations")).content.decode()
    assert "Piscine" in html and "handball" not in html
    wallet = Wallet.objects.get(owner__identifier="outsider")
    assert wallet.tenant.slug == "beta"


def test_a_tenant_a_session_at_tenant_b_is_logged_out(client_b, parent, handball_invitation):
    client_b.force_login(parent)
    response = client_b.get(reverse("payments:pay", args=[handball_invitation.pk]))
    assert response.status_code in (302, 404)
    assert "payer" not in response.get("Location", "")


@pytest.mark.parametrize(
    "name",
    [
        "payments:invitations",
        "payments:history",
        "payments:wallet",
        "payments:calendar",
        "payments:statement",
        "payments:top_up_sheet",
    ],
)
def test_non_parents_get_404(client_a, secretary, name):
    client_a.force_login(secretary)
    assert client_a.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ["payments:invitations", "payments:wallet", "payments:calendar"])
def test_anonymous_is_sent_to_login(client_a, name, tenant_a):
    response = client_a.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_invitations_page_queries_do_not_grow(
    parent_client, tenant_a, school_a, parent, child1, child2, django_assert_max_num_queries, wallet
):
    def add(n):
        for i in range(n):
            activity = make_activity(
                tenant=tenant_a, school=school_a, title=f"Sortie {Invitation.objects.count()}-{i}"
            )
            invite(activity, child1, parent)
            invite(activity, child2, parent)

    add(2)
    with django_assert_max_num_queries(12) as few:
        parent_client.get(reverse("payments:invitations"))
    add(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        parent_client.get(reverse("payments:invitations"))


def test_invitation_rows_escape_what_the_school_typed(
    parent_client, tenant_a, school_a, child1, parent
):
    activity = make_activity(
        tenant=tenant_a, school=school_a, title='Sortie <script>alert("x")</script> & "musée"'
    )
    invite(activity, child1, parent)
    page = parent_client.get("/paiements/invitations/").content.decode()
    assert "<script>alert" not in page
    assert (
        "Sortie &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;musée&quot;" in page
    )


def test_wallet_dates_and_amounts_follow_the_language(parent_client, funded_wallet):
    # given a parent with 20,00 € who reads the portal in English
    parent_client.cookies["django_language"] = "en"
    html = parent_client.get(reverse("payments:wallet")).content.decode()
    # then the amounts, the amount offered for a withdrawal and the dates are written the English
    # way
    assert "€20.00" in html and 'name="amount" value="20.00"' in html
    from django.utils import translation
    from django.utils.formats import date_format

    line = funded_wallet.lines.latest("id")
    with translation.override("en"):
        written = date_format(timezone.localtime(line.created_at), "DATETIME_FORMAT")
    assert written in html and f"{timezone.localdate():%d/%m/%Y}" not in html
