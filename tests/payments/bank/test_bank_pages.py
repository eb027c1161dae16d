"""What people see of the bank boundary: the parent's debt, the secretary's lists, the IBAN form."""

from __future__ import annotations

from html import unescape

from django.urls import reverse

from payments import bank
from payments.ledger import ledger_reconcile
from payments.models import BankLine, BankLineStatus
from payments.money import structured_digits
from payments.services.wallets import wallet_get_or_create
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory
from tests.payments.camt import IBAN, Entry, Statement, Tx, camt
from tests.payments.conftest import fund


def _import(tenant, secretary, data: bytes) -> None:
    preview = bank.bank_import_preview(tenant=tenant, filename="r.xml", data=data, by=secretary)
    bank.bank_import_apply(bank_import=preview, by=secretary)


def _setup(tenant_a, parent, secretary):
    tenant_a.iban = IBAN
    tenant_a.save(update_fields=["iban"])
    wallet = wallet_get_or_create(tenant=tenant_a, owner=parent)
    credit = Entry(
        "30.00",
        txs=[Tx("30.00", e2e="E1", payer="DUBOIS", strd=structured_digits(wallet.reference))],
    )
    unknown = Entry("9.00", txs=[Tx("9.00", e2e="E9", payer="INCONNU", ustrd=("Cadeau",))])
    _import(tenant_a, secretary, camt([Statement([credit, unknown])]))
    return wallet


def test_parent_sees_the_debt_and_secretary_sees_it_in_the_wallets_list(
    tenant_a, parent, secretary, parent_client, secretary_client, museum, child1
):
    from payments.services.invitations import invitation_pay
    from tests.payments.conftest import invite

    wallet = _setup(tenant_a, parent, secretary)
    invitation_pay(invitation=invite(museum, child1, parent), by=parent, idempotency_key="k")
    reversal = Entry("30.00", direction="DBIT", reversal=True, txs=[Tx("30.00", e2e="E1")])
    _import(tenant_a, secretary, camt([Statement([reversal], id="S2")]))
    page = unescape(parent_client.get(reverse("payments:wallet")).content.decode())
    assert "Votre portefeuille doit 5,00 € à l'école." in page
    listing = unescape(
        secretary_client.get(reverse("admin:payments_wallet_changelist")).content.decode()
    )
    assert "dette (virement contre-passé)" in listing.lower() and "5,00 €" in listing
    # a transfer recorded by the secretary settles the 5 € debt first, the rest is credit
    fund(wallet, 2000)
    wallet.refresh_from_db()
    assert (wallet.balance_cents, wallet.debt_cents) == (1500, 0)
    assert ledger_reconcile() == ([], [])


def test_secretary_lists_what_waits_in_suspense(tenant_a, parent, secretary, secretary_client):
    _setup(tenant_a, parent, secretary)
    url = reverse("admin:payments_bankline_changelist")
    html = unescape(secretary_client.get(url, {"status__exact": "suspense"}).content.decode())
    assert "INCONNU" in html and "Cadeau" in html and "9,00 €" in html
    assert "DUBOIS" not in html
    assert BankLine.objects.filter(status=BankLineStatus.SUSPENSE).count() == 1


def test_a_wrong_iban_check_digit_is_a_form_error(tenant_a, school_a):
    boss = UserFactory(tenant=tenant_a, is_tenant_admin=True, schools=[school_a])
    client = verified_admin_client(boss, HOST_A)
    url = reverse("admin:tenants_tenant_change", args=[tenant_a.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and not isinstance(v, list) and k != "logo"
    }
    data.update({"iban": "BE68 5390 0754 7035", "creditor_name": "École"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "IBAN invalide" in unescape(response.content.decode())
    tenant_a.refresh_from_db()
    assert tenant_a.iban == ""
    # a right one is kept, compact
    tenant_a.iban = "be68 5390 0754 7034"
    tenant_a.full_clean()
    assert tenant_a.iban == "BE68539007547034"


def test_an_outsider_never_sees_tenant_a_bank_transactions(
    tenant_a, parent, secretary, outsider_admin_client
):
    _setup(tenant_a, parent, secretary)
    line = BankLine.objects.get(status=BankLineStatus.SUSPENSE)
    url = reverse("admin:payments_bankline_change", args=[line.pk])
    assert outsider_admin_client.get(url).status_code == 404
    listing = outsider_admin_client.get(reverse("admin:payments_bankline_changelist"))
    assert "INCONNU" not in listing.content.decode()


def test_a_parent_in_debt_is_told_why_paying_is_refused(
    tenant_a, parent, secretary, parent_client, museum, handball, child1
):
    from payments.services.invitations import invitation_pay
    from tests.payments.conftest import invite

    _setup(tenant_a, parent, secretary)
    invitation_pay(invitation=invite(museum, child1, parent), by=parent, idempotency_key="k")
    reversal = Entry("30.00", direction="DBIT", reversal=True, txs=[Tx("30.00", e2e="E1")])
    _import(tenant_a, secretary, camt([Statement([reversal], id="S2")]))
    url = reverse("payments:pay", args=[invite(handball, child1, parent).pk])
    response = parent_client.post(url, {"key": "a" * 32})
    assert response.status_code == 409
    assert "Votre portefeuille doit 5,00 € à l'école" in unescape(response.content.decode())
