"""ISO 20022 bank statements (camt.053 .02 to .10, camt.054, camt.052) read into bank transactions.

Parsed only through `defusedxml`: a DTD or an entity anywhere in the file, in any encoding, is
refused. Namespace-agnostic: every version of the schema reads the same way.

One `ParsedTransaction` per real transfer: each `TxDtls` of an entry, or the entry itself when it
has none. A batch entry whose transactions do not all carry their own amount (or whose amounts do
not add up to the entry's) becomes one transaction held for a secretary: never split by guess.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from payments.exceptions import BankStatementInvalid
from payments.models import HeldReason
from payments.money import cents_from_decimal, format_cents, iban_compact

MAX_FILE_BYTES = 10 * 1024 * 1024
# No school receives a single transfer of a million euros: beyond it the file is wrong.
MAX_AMOUNT_CENTS = 100_000_000

_CONTAINERS = {
    "BkToCstmrStmt": "Stmt",
    "BkToCstmrDbtCdtNtfctn": "Ntfctn",
    "BkToCstmrAcctRpt": "Rpt",
}
_NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF"}

Element = Any  # an ElementTree element (defusedxml returns the standard library's)


@dataclass(frozen=True)
class ParsedTransaction:
    account: str
    statement_id: str
    amount_cents: int
    currency: str
    credit: bool
    reversal: bool
    booked: bool
    booking_date: date | None
    value_date: date | None
    acct_svcr_ref: str
    end_to_end_id: str
    tx_id: str
    instr_id: str
    payer_name: str
    payer_iban: str
    # Every remittance text, in matching order: Strd/CdtrRefInf/Ref, Ustrd, AddtlTxInf and
    # AddtlNtryInf.
    communications: tuple[str, ...]
    held_reason: str = HeldReason.NONE
    identity: str = field(default="", compare=False)

    @property
    def communication(self) -> str:
        return " | ".join(dict.fromkeys(c for c in self.communications if c))


@dataclass(frozen=True)
class ParsedStatement:
    statement_ids: list[str]
    accounts: list[str]
    transactions: list[ParsedTransaction]


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _strip_namespaces(root: Element) -> None:
    """Every version's namespace dropped once: then the C `find` reads any version alike."""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]


def _child(element: Element | None, *path: str) -> Element | None:
    return element.find("/".join(path)) if element is not None else None


def _children(element: Element | None, name: str) -> list[Element]:
    return element.findall(name) if element is not None else []


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _date(element: Element | None) -> date | None:
    text = _text(element, "Dt") or _text(element, "DtTm")
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _amount(element: Element | None) -> tuple[int, str] | None:
    """(cents, currency) of an amount element; None if absent. A value no statement carries
    (negative, not a number, beyond MAX_AMOUNT_CENTS) is refused: a form error, never a 500."""
    if element is None or not (element.text or "").strip():
        return None
    try:
        cents = cents_from_decimal(Decimal(element.text.strip()))
    except (InvalidOperation, ValueError) as exc:
        raise BankStatementInvalid(_("Un montant du relevé est illisible.")) from exc
    if cents < 0 or cents > MAX_AMOUNT_CENTS:
        raise BankStatementInvalid(
            _("Un montant du relevé (%(amount)s) dépasse tout virement réel : fichier refusé.")
            % {"amount": element.text.strip()[:20]}
            if cents > 0
            else _("Un montant du relevé est négatif : fichier refusé.")
        )
    return cents, (element.get("Ccy") or "EUR")[:3]


def statement_parse(data: bytes) -> ParsedStatement:
    """Every transaction of every statement (or notification) in the file."""
    if len(data) > MAX_FILE_BYTES:
        raise BankStatementInvalid(_("Le fichier est trop volumineux."))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise BankStatementInvalid(
            _("Ce fichier XML contient une déclaration interdite (DTD ou entité).")
        ) from exc
    except (SafeET.ParseError, ValueError, LookupError) as exc:
        raise BankStatementInvalid(_("Ce fichier n'est pas un XML lisible.")) from exc
    _strip_namespaces(root)
    container = next((c for c in root if _local(c.tag) in _CONTAINERS), None)
    if _local(root.tag) != "Document" or container is None:
        raise BankStatementInvalid(
            _("Ce fichier n'est pas un relevé camt.053 ni un avis camt.054.")
        )
    statements = _children(container, _CONTAINERS[_local(container.tag)])
    if not statements:
        raise BankStatementInvalid(_("Ce relevé ne contient aucun extrait."))
    ids: list[str] = []
    accounts: list[str] = []
    transactions: list[ParsedTransaction] = []
    for statement in statements:
        stmt_id = _text(statement, "Id")
        account = iban_compact(_text(statement, "Acct", "Id", "IBAN"))
        ids.append(stmt_id)
        accounts.append(account)
        parsed = [
            tx
            for entry in _children(statement, "Ntry")
            for tx in _entry_transactions(entry, account=account, statement_id=stmt_id)
        ]
        transactions += with_identities(parsed)
    return ParsedStatement(ids, accounts, transactions)


def _entry_transactions(
    entry: Element, *, account: str, statement_id: str
) -> list[ParsedTransaction]:
    entry_amount = _amount(_child(entry, "Amt"))
    if entry_amount is None:
        raise BankStatementInvalid(_("Une ligne du relevé n'a pas de montant lisible."))
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    base: dict[str, Any] = {
        "account": account,
        "statement_id": statement_id,
        "credit": _text(entry, "CdtDbtInd") == "CRDT",
        "reversal": _text(entry, "RvslInd").lower() in ("true", "1"),
        "booked": status in ("", "BOOK"),
        "booking_date": _date(_child(entry, "BookgDt")),
        "value_date": _date(_child(entry, "ValDt")),
    }
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    entry_info = _text(entry, "AddtlNtryInf")
    entry_return = _is_return(_child(entry, "BkTxCd"))
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")]
    if not details:
        return [
            ParsedTransaction(
                **base,
                amount_cents=entry_amount[0],
                currency=entry_amount[1],
                acct_svcr_ref=entry_ref,
                end_to_end_id="",
                tx_id="",
                instr_id="",
                payer_name="",
                payer_iban="",
                communications=(entry_info,) if entry_info else (),
                held_reason=HeldReason.RETURN if entry_return and base["credit"] else "",
            )
        ]
    own_amounts = [_tx_amount(tx) for tx in details]
    parsed = [
        _transaction(tx, base=base, entry_ref=entry_ref, entry_info=entry_info, amount=entry_amount)
        for tx in details
    ]
    if len(details) == 1:
        return [_with_return(parsed[0], entry_return)]
    if (
        any(a is None for a in own_amounts)
        or sum(a[0] for a in own_amounts if a) != entry_amount[0]
    ):
        # A batch we cannot split for sure: one transaction for the whole entry, held.
        first = parsed[0]
        communications = tuple(c for tx in parsed for c in tx.communications if c)
        payers = ", ".join(dict.fromkeys(tx.payer_name for tx in parsed if tx.payer_name))
        return [
            replace(
                first,
                credit=base["credit"],
                amount_cents=entry_amount[0],
                currency=entry_amount[1],
                acct_svcr_ref=entry_ref or first.acct_svcr_ref,
                end_to_end_id="",
                tx_id="",
                instr_id="",
                payer_name=payers[:200],
                payer_iban="",
                communications=(
                    _("Lot de %(n)d virements (%(total)s) sans montant par virement")
                    % {"n": len(parsed), "total": format_cents(entry_amount[0])},
                    *communications,
                ),
                held_reason=HeldReason.BATCH_WITHOUT_AMOUNTS,
            )
        ]
    return [
        _with_return(replace(tx, amount_cents=amount[0], currency=amount[1]), entry_return)
        for tx, amount in zip(parsed, own_amounts, strict=True)
        if amount is not None
    ]


def _with_return(tx: ParsedTransaction, entry_return: bool) -> ParsedTransaction:
    if (entry_return or tx.held_reason == HeldReason.RETURN) and tx.credit and not tx.reversal:
        return replace(tx, held_reason=HeldReason.RETURN)
    return replace(tx, held_reason="")


def _tx_amount(tx: Element) -> tuple[int, str] | None:
    return _amount(_child(tx, "AmtDtls", "TxAmt", "Amt")) or _amount(_child(tx, "Amt"))


def _is_return(bank_code: Element | None) -> bool:
    """An outgoing transfer of the school coming back (ICDT family, or a return sub-family)."""
    family = _text(bank_code, "Domn", "Fmly", "Cd")
    sub_family = _text(bank_code, "Domn", "Fmly", "SubFmlyCd")
    return family == "ICDT" or sub_family in ("RRTN", "RPCR")


def _ref(text: str) -> str:
    return "" if text.upper() in _NOT_PROVIDED else text[:35]


def _transaction(
    tx: Element,
    *,
    base: dict[str, Any],
    entry_ref: str,
    entry_info: str,
    amount: tuple[int, str],
) -> ParsedTransaction:
    direction = _text(tx, "CdtDbtInd")
    credit = direction == "CRDT" if direction else base["credit"]
    # The payer of a credit is the debtor; of a debit (a reversal, a refund), the creditor.
    party, account_tag = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    parties = _child(tx, "RltdPties")
    name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
    iban = iban_compact(
        _text(parties, account_tag, "Id", "IBAN") or _text(parties, account_tag, "Id", "Othr", "Id")
    )
    remittance = _child(tx, "RmtInf")
    communications = [
        _text(strd, "CdtrRefInf", "Ref") for strd in _children(remittance, "Strd")
    ] + [" ".join((u.text or "").split()) for u in _children(remittance, "Ustrd")]
    communications += [_text(tx, "AddtlTxInf"), entry_info]
    refs = _child(tx, "Refs")
    returned = _child(tx, "RtrInf") is not None or _is_return(_child(tx, "BkTxCd"))
    return ParsedTransaction(
        **{**base, "credit": credit},
        amount_cents=amount[0],
        currency=amount[1],
        acct_svcr_ref=_ref(_text(refs, "AcctSvcrRef")) or entry_ref[:35],
        end_to_end_id=_ref(_text(refs, "EndToEndId")),
        tx_id=_ref(_text(refs, "TxId")),
        instr_id=_ref(_text(refs, "InstrId")),
        payer_name=name[:200],
        payer_iban=iban[:34],
        communications=tuple(c for c in communications if c),
        held_reason=HeldReason.RETURN if returned else "",
    )


def transaction_identity(tx: ParsedTransaction) -> str:
    """The de-duplication key of a bank transaction, without its occurrence index. It never
    depends on the file, the statement id or the position in the statement:

    - When the bank gives references: the account, then AcctSvcrRef, EndToEndId, TxId and InstrId
      (in that order, "NOTPROVIDED" counted as absent), then the amount and direction (credit /
      debit, reversal or not). The amount and direction keep apart the transactions of a batch
      that share the entry's reference, and a reversal that repeats its original's references.
    - Otherwise: a checksum of the account, booking date, amount, direction, payer IBAN, payer
      name and every communication.

    `with_identities` appends the occurrence index within one statement's identical group: two
    genuinely identical transfers on one day in ONE statement are both kept (#0, #1), while the
    same transfer in another statement (daily, then monthly) gets the same identity (#0) and is a
    duplicate.
    """
    direction = ("C" if tx.credit else "D") + ("R" if tx.reversal else "")
    refs = [tx.acct_svcr_ref, tx.end_to_end_id, tx.tx_id, tx.instr_id]
    if any(refs):
        basis = ["ref", tx.account, *refs, str(tx.amount_cents), tx.currency, direction]
    else:
        basis = [
            "sum",
            tx.account,
            tx.booking_date.isoformat() if tx.booking_date else "",
            str(tx.amount_cents),
            tx.currency,
            direction,
            tx.payer_iban,
            " ".join(tx.payer_name.casefold().split()),
            " ".join(" ".join(tx.communications).casefold().split()),
        ]
    return hashlib.sha256("\x1f".join(basis).encode()).hexdigest()[:64]


def with_identities(transactions: Iterable[ParsedTransaction]) -> list[ParsedTransaction]:
    """The transactions of ONE statement, each with its identity and occurrence index."""
    seen: dict[str, int] = {}
    result = []
    for tx in transactions:
        key = transaction_identity(tx)
        n = seen.get(key, 0)
        seen[key] = n + 1
        result.append(replace(tx, identity=f"{key}#{n}"))
    return result
