"""The bank boundary, case by case: each statement is previewed and applied as the secretary's
import page does, then the wallets, the suspense account and the ledger are checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Sum

from payments import bank
from payments.exceptions import BankStatementInvalid, InsufficientCredit, WalletInDebt
from payments.ledger import ledger_reconcile
from payments.ledger_verify import ledger_seals_verify
from payments.models import (
    Account,
    BankLine,
    BankLineStatus,
    HeldReason,
    LedgerLine,
    Wallet,
)
from payments.money import structured_communication, structured_digits
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_get_or_create
from tenants.models import Tenant
from tests.payments.camt import IBAN, Entry, Statement, Tx, camt
from tests.payments.conftest import invite

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def tenant_iban(tenant_a):
    tenant_a.iban = IBAN
    tenant_a.save(update_fields=["iban"])


@pytest.fixture
def w1(tenant_a, parent):
    return wallet_get_or_create(tenant=tenant_a, owner=parent)


@pytest.fixture
def w2(tenant_a, other_parent):
    return wallet_get_or_create(tenant=tenant_a, owner=other_parent)


def run(tenant, secretary, data: bytes, filename: str = "releve.xml"):
    preview = bank.bank_import_preview(tenant=tenant, filename=filename, data=data, by=secretary)
    bank.bank_import_apply(bank_import=preview, by=secretary)
    return preview


def balances(*wallets) -> list[int]:
    return [Wallet.objects.get(pk=w.pk).balance_cents for w in wallets]


def suspense_cents() -> int:
    total = LedgerLine.objects.filter(account=Account.SUSPENSE).aggregate(s=Sum("amount_cents"))
    return total["s"] or 0


def bank_cents() -> int:
    """Money the bank account received, as the ledger sees it (bank lines are negated)."""
    total = LedgerLine.objects.filter(account=Account.BANK).aggregate(s=Sum("amount_cents"))
    return -(total["s"] or 0)


def assert_books_clean() -> None:
    assert ledger_reconcile() == ([], [])
    # every line the import wrote (credits, reversals, debts, suspense) is sealed in its chain
    for tenant in Tenant.objects.all():
        assert ledger_seals_verify(tenant=tenant) == []


def spaced(base: str) -> str:
    d = structured_digits(base)
    return f"{d[:3]} {d[3:7]} {d[7:]}"


def slashed(base: str) -> str:
    d = structured_digits(base)
    return f"{d[:3]}/{d[3:7]}/{d[7:]}"


# --- Batches and references -----------------------------------------------------------------


def test_a_batch_sharing_one_reference_credits_each_parent_once(tenant_a, secretary, w1, w2):
    # given one entry of two transfers that share the bank's reference, each with its amount
    entry = Entry(
        "2207.00",
        ref="BATCH-REF",
        txs=[
            Tx(
                "2187.00",
                payer="DUBOIS",
                acct_ref="BATCH-REF",
                strd=structured_digits(w1.reference),
            ),
            Tx("20.00", payer="AUTRE", acct_ref="BATCH-REF", strd=structured_digits(w2.reference)),
        ],
    )
    run(tenant_a, secretary, camt([Statement([entry])]))
    # then each parent gets their own amount
    assert balances(w1, w2) == [218700, 2000]
    assert BankLine.objects.filter(status=BankLineStatus.CREDITED).count() == 2
    assert suspense_cents() == 0 and bank_cents() == 220700
    assert_books_clean()


def test_a_batch_without_amounts_is_held_never_split(tenant_a, secretary, w1, w2):
    entry = Entry(
        "40.00",
        ref="B2",
        txs=[
            Tx(payer="DUBOIS", strd=structured_digits(w1.reference)),
            Tx(payer="AUTRE", strd=structured_digits(w2.reference)),
        ],
    )
    run(tenant_a, secretary, camt([Statement([entry])]))
    assert balances(w1, w2) == [0, 0]
    line = BankLine.objects.get()
    assert (line.status, line.held_reason, line.amount_cents) == (
        BankLineStatus.HELD,
        HeldReason.BATCH_WITHOUT_AMOUNTS,
        4000,
    )
    # the money is in the books, waiting in suspense
    assert suspense_cents() == 4000 and bank_cents() == 4000
    assert_books_clean()


def test_same_transfer_in_daily_then_monthly_statement_is_credited_once(tenant_a, secretary, w1):
    # no bank reference at all: identity by checksum, never by statement
    tx = Tx("15.00", payer="DUBOIS", ustrd=(f"Cantine {spaced(w1.reference)}",))
    daily = camt([Statement([Entry("15.00", txs=[tx])], id="DAILY-0603")])
    monthly = camt(
        [
            Statement(
                [Entry("15.00", txs=[tx]), Entry("5.00", booking="2024-06-04", txs=[tx])],
                id="MONTH-06",
            )
        ]
    )
    run(tenant_a, secretary, daily, "jour.xml")
    second = run(tenant_a, secretary, monthly, "mois.xml")
    assert sorted(ln.status for ln in second.lines.all()) == [
        BankLineStatus.CREDITED,
        BankLineStatus.DUPLICATE,
    ]
    assert balances(w1) == [2000]
    assert_books_clean()


def test_two_identical_transfers_in_one_statement_are_both_credited(tenant_a, secretary, w1):
    tx = Tx("10.00", payer="DUBOIS", ustrd=(structured_communication(w1.reference),))
    data = camt([Statement([Entry("10.00", txs=[tx]), Entry("10.00", txs=[tx])])])
    run(tenant_a, secretary, data)
    assert balances(w1) == [2000]
    # and the same statement's transfers met again in another file are duplicates
    again = run(tenant_a, secretary, camt([Statement([Entry("10.00", txs=[tx])] * 2, id="X")]))
    assert {ln.status for ln in again.lines.all()} == {BankLineStatus.DUPLICATE}
    assert balances(w1) == [2000]
    assert_books_clean()


def test_shared_references_with_equal_amounts_keep_both(tenant_a, secretary, w1, w2):
    # the same refs and amount (as in the published camt.054 sample), different payers
    txs = [
        Tx("5.00", payer="A", e2e="E2E-1", ustrd=(structured_communication(w1.reference),)),
        Tx("5.00", payer="B", e2e="E2E-1", ustrd=(structured_communication(w2.reference),)),
    ]
    run(tenant_a, secretary, camt([Statement([Entry("10.00", ref="R", txs=txs)])]))
    assert balances(w1, w2) == [500, 500]
    assert_books_clean()


def test_several_statements_and_versions_and_camt054(tenant_a, secretary, w1, w2):
    for n, version in enumerate(["053.001.04", "053.001.08", "053.001.10", "054.001.02"]):
        tx = Tx(f"{n + 1}.00", payer="P", e2e=f"V{n}", strd=structured_digits(w1.reference))
        data = camt(
            [
                Statement([Entry(f"{n + 1}.00", txs=[tx])], id=f"S{n}"),
                Statement(
                    [
                        Entry(
                            "1.00",
                            txs=[Tx("1.00", e2e=f"W{n}", strd=structured_digits(w2.reference))],
                        )
                    ],
                    id=f"T{n}",
                ),
            ],
            version=version,
        )
        run(tenant_a, secretary, data, f"{version}.xml")
    assert balances(w1, w2) == [1000, 400]
    assert_books_clean()


# --- Communications ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_tx",
    [
        lambda b: Tx("7.00", ustrd=(f"Camille Muller {slashed(b)}",)),
        lambda b: Tx("7.00", ustrd=(f"Camille {spaced(b)}",)),
        lambda b: Tx("7.00", ustrd=(f"***{slashed(b)}***",)),
        lambda b: Tx("7.00", ustrd=(structured_digits(b),)),
        lambda b: Tx("7.00", strd="RF18539007547034", ustrd=(f"+++{slashed(b)}+++",)),
        lambda b: Tx("7.00", strd=structured_digits(b)),
    ],
    ids=["words-slashes", "words-spaces", "stars", "digits", "rf-beside-ustrd", "strd"],
)
def test_every_communication_form_finds_the_wallet(tenant_a, secretary, w1, make_tx):
    run(tenant_a, secretary, camt([Statement([Entry("7.00", txs=[make_tx(w1.reference)])])]))
    assert balances(w1) == [700]
    assert_books_clean()


def test_a_communication_only_in_the_entry_information(tenant_a, secretary, w1):
    entry = Entry("7.00", ref="ONLY-NTRY", addtl=f"VIREMENT DE DUBOIS {slashed(w1.reference)}")
    run(tenant_a, secretary, camt([Statement([entry])]))
    assert balances(w1) == [700]


def test_a_wrong_checksum_is_never_matched(tenant_a, secretary, w1):
    digits = structured_digits(w1.reference)
    wrong = digits[:10] + f"{(int(digits[10:]) % 97) + 1:02d}"
    run(tenant_a, secretary, camt([Statement([Entry("7.00", txs=[Tx("7.00", ustrd=(wrong,))])])]))
    assert balances(w1) == [0]
    assert BankLine.objects.get().status == BankLineStatus.SUSPENSE
    assert suspense_cents() == 700
    assert_books_clean()


def test_two_wallets_in_one_communication_are_held(tenant_a, secretary, w1, w2):
    text = f"{slashed(w1.reference)} et {slashed(w2.reference)}"
    run(tenant_a, secretary, camt([Statement([Entry("7.00", txs=[Tx("7.00", ustrd=(text,))])])]))
    line = BankLine.objects.get()
    assert (line.status, line.held_reason) == (BankLineStatus.HELD, HeldReason.AMBIGUOUS)
    assert balances(w1, w2) == [0, 0] and suspense_cents() == 700


# --- Reversals and returns --------------------------------------------------------------------


def _credit(w, amount="30.00"):
    return Entry(
        amount,
        txs=[
            Tx(
                amount,
                payer="DUBOIS",
                e2e="E2E-TOPUP",
                tx_id="TX1",
                strd=structured_digits(w.reference),
            )
        ],
    )


def _reversal(amount="30.00", e2e="E2E-TOPUP"):
    return Entry(amount, direction="DBIT", reversal=True, txs=[Tx(amount, e2e=e2e, tx_id="TX1")])


def test_a_reversal_before_spending_debits_the_wallet(tenant_a, secretary, w1):
    run(tenant_a, secretary, camt([Statement([_credit(w1)])]), "a.xml")
    run(tenant_a, secretary, camt([Statement([_reversal()], id="S2")]), "b.xml")
    assert balances(w1) == [0]
    assert Wallet.objects.get(pk=w1.pk).debt_cents == 0
    assert set(BankLine.objects.values_list("status", flat=True)) == {
        BankLineStatus.REVERSED,
        BankLineStatus.REVERSAL,
    }
    assert bank_cents() == 0 and suspense_cents() == 0
    assert_books_clean()


def test_a_credit_and_its_reversal_in_one_file(tenant_a, secretary, w1):
    run(tenant_a, secretary, camt([Statement([_credit(w1), _reversal()])]))
    assert balances(w1) == [0]
    assert_books_clean()


def test_a_reversal_after_spending_becomes_a_debt_that_blocks_payments(
    tenant_a, secretary, w1, parent, museum, handball, child1
):
    run(tenant_a, secretary, camt([Statement([_credit(w1)])]), "a.xml")
    # the parent spends 5 € of the 30 €
    invitation_pay(invitation=invite(museum, child1, parent), by=parent, idempotency_key="k1")
    run(tenant_a, secretary, camt([Statement([_reversal()], id="S2")]), "b.xml")
    wallet = Wallet.objects.get(pk=w1.pk)
    # the wallet gives back what it has, and owes the rest: never a negative balance
    assert (wallet.balance_cents, wallet.debt_cents) == (0, 500)
    receivable = LedgerLine.objects.filter(account=Account.RECEIVABLE).aggregate(
        s=Sum("amount_cents")
    )["s"]
    assert receivable == -500
    assert_books_clean()
    # no payment while the debt is open
    with pytest.raises(WalletInDebt):
        invitation_pay(invitation=invite(handball, child1, parent), by=parent, idempotency_key="k2")
    # a new top-up settles the debt first, the rest goes to the wallet
    run(
        tenant_a,
        secretary,
        camt(
            [
                Statement(
                    [
                        Entry(
                            "12.00",
                            txs=[Tx("12.00", e2e="E2", strd=structured_digits(w1.reference))],
                        )
                    ],
                    id="S3",
                )
            ]
        ),
        "c.xml",
    )
    wallet.refresh_from_db()
    assert (wallet.balance_cents, wallet.debt_cents) == (700, 0)
    assert_books_clean()


def test_a_reversal_without_original_is_held(tenant_a, secretary, w1):
    run(tenant_a, secretary, camt([Statement([_reversal(e2e="UNKNOWN")])]))
    line = BankLine.objects.get()
    assert (line.status, line.held_reason) == (
        BankLineStatus.HELD,
        HeldReason.REVERSAL_UNMATCHED,
    )
    assert suspense_cents() == -3000 and bank_cents() == -3000
    assert balances(w1) == [0]
    assert_books_clean()


def test_a_returned_outgoing_payment_is_not_a_top_up(tenant_a, secretary, w1):
    entry = Entry(
        "25.00",
        family="ICDT",
        sub_family="RRTN",
        txs=[
            Tx(
                "25.00",
                e2e="REFUND-1",
                ustrd=(structured_communication(w1.reference),),
                returned=True,
            )
        ],
    )
    run(tenant_a, secretary, camt([Statement([entry])]))
    assert balances(w1) == [0]
    line = BankLine.objects.get()
    assert (line.status, line.held_reason) == (BankLineStatus.HELD, HeldReason.RETURN)
    assert suspense_cents() == 2500
    assert_books_clean()


# --- Hostile and wrong files ------------------------------------------------------------------


def _with_doctype_late(w1) -> bytes:
    data = camt([Statement([_credit(w1)] * 1)])
    padding = b"<!--" + b"x" * 9000 + b"-->"
    return data.replace(
        b"<Document", padding + b'<!DOCTYPE Document [<!ENTITY e "boom">]>\n<Document', 1
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda w: _with_doctype_late(w),
        lambda w: (
            camt([Statement([_credit(w)])])
            .decode()
            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
            .encode("utf-16")
        ),
        lambda w: (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;">]><Document>&b;</Document>'
        ).encode("utf-16"),
        lambda w: b'<?xml version="1.0"?><Document><!DOCTYPE x></Document>',
        lambda w: b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><Document/>',
    ],
    ids=[
        "doctype-after-9kb",
        "doctype-free-utf16-other",
        "entities-utf16",
        "doctype-inside",
        "external",
    ],
)
def test_hostile_xml_is_refused_and_books_nothing(tenant_a, secretary, w1, make):
    data = make(w1)
    if b"DOCTYPE" not in data and "DOCTYPE".encode("utf-16-le") not in data:
        # a clean UTF-16 statement: read like any other
        run(tenant_a, secretary, data)
        assert balances(w1) == [3000]
        return
    with pytest.raises(BankStatementInvalid):
        bank.bank_import_preview(tenant=tenant_a, filename="x.xml", data=data, by=secretary)
    assert balances(w1) == [0] and not BankLine.objects.exists()


def test_another_accounts_statement_is_refused(tenant_a, secretary, w1):
    data = camt([Statement([_credit(w1)], iban="BE71096123456769")])
    with pytest.raises(BankStatementInvalid, match="BE71 0961 2345 6769"):
        bank.bank_import_preview(tenant=tenant_a, filename="x.xml", data=data, by=secretary)


@pytest.mark.parametrize("amount", ["99999999999999999999.00", "1E+400", "NaN", "-5.00"])
def test_absurd_amounts_are_refused(tenant_a, secretary, amount):
    data = camt([Statement([Entry("1.00", txs=[Tx("1.00")])])]).replace(
        b">1.00<", f">{amount}<".encode(), 1
    )
    with pytest.raises(BankStatementInvalid):
        bank.bank_import_preview(tenant=tenant_a, filename="x.xml", data=data, by=secretary)


# --- Real published statements ------------------------------------------------------------------


def test_published_camt053_with_two_statements(tenant_a, secretary, w1):
    """genkgo/camt test/data/camt053.v2.multi.statement.xml (MIT): see data/README.md."""
    tenant_a.iban = "NL26VAYB8060476890"
    tenant_a.save(update_fields=["iban"])
    data = (DATA / "genkgo-camt053.v2.multi.statement.xml").read_bytes()
    parsed = bank.statement_parse(data)
    assert parsed.statement_ids == ["253EURNL26VAYB8060476890", "254EURNL26VAYB8060476890"]
    assert [(t.amount_cents, t.credit, t.end_to_end_id) for t in parsed.transactions] == [
        (885, True, "000000001"),
        (700, False, "000000002"),
    ]
    run(tenant_a, secretary, data)
    # the credit matches no wallet: suspense; the debit is not ours
    assert sorted(BankLine.objects.values_list("status", flat=True)) == [
        BankLineStatus.IGNORED,
        BankLineStatus.SUSPENSE,
    ]
    assert suspense_cents() == 885 and bank_cents() == 885 and balances(w1) == [0]
    assert_books_clean()


def test_published_camt054_batch_in_another_currency(tenant_a, secretary):
    """genkgo/camt test/data/camt054.v8.xml (MIT): see data/README.md."""
    tenant_a.iban = "CH2801234000123456789"
    tenant_a.save(update_fields=["iban"])
    data = (DATA / "genkgo-camt054.v8.xml").read_bytes()
    parsed = bank.statement_parse(data)
    # its CHF transactions do not add up to the SEK entry: one transaction, held, never split
    [tx] = parsed.transactions
    assert (tx.amount_cents, tx.currency, tx.credit) == (20000000, "SEK", False)
    assert tx.held_reason == HeldReason.BATCH_WITHOUT_AMOUNTS
    run(tenant_a, secretary, data)
    assert BankLine.objects.get().status == BankLineStatus.IGNORED  # a debit in SEK: not ours
    assert suspense_cents() == 0
    assert_books_clean()


def test_insufficient_credit_still_refused_without_debt(tenant_a, parent, museum, child1, w1):
    with pytest.raises(InsufficientCredit):
        invitation_pay(invitation=invite(museum, child1, parent), by=parent, idempotency_key="k")


def test_reconcile_flags_a_debt_that_its_receivable_lines_do_not_explain(tenant_a, w1):
    from payments.ledger import ledger_report_lines

    Wallet.objects.filter(pk=w1.pk).update(debt_cents=700)
    mismatches, unbalanced = ledger_reconcile()
    assert [m.wallet_id for m in mismatches] == [w1.pk] and unbalanced == []
    [line] = ledger_report_lines(mismatches, unbalanced)
    assert "dette 7,00 €, créance 0,00 €" in line
