"""Bank statements (ISO 20022 camt.053): credit wallets by their structured communication.

Import in two steps: `bank_import_preview` parses the file and stores what it would do (lines
matched to a wallet, unknown communications, entries already credited); `bank_import_apply`
credits the matched lines. The same file is never credited twice (its SHA-256 is unique among
applied imports) and neither is the same bank entry in another file (its reference is unique
among credited lines).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY refused before parsing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import locks
from payments.exceptions import BankStatementAlreadyImported, BankStatementInvalid
from payments.models import (
    BankImport,
    BankImportStatus,
    BankLine,
    BankLineStatus,
    Wallet,
)
from payments.money import cents_from_decimal, structured_parse
from payments.services.wallets import wallet_top_up
from tenants.models import Tenant

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class StatementEntry:
    entry_ref: str
    booking_date: date | None
    amount_cents: int
    currency: str
    credit: bool
    communication: str
    debtor_name: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, *path: str):
    """The first descendant along `path` (local names, any namespace), or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _children(element, name: str) -> list:
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def camt053_parse(data: bytes) -> tuple[str, list[StatementEntry]]:
    """(statement id, entries). One entry per transaction detail (a batch booking has several)."""
    if len(data) > MAX_FILE_BYTES:
        raise BankStatementInvalid(_("Le fichier est trop volumineux."))
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise BankStatementInvalid(_("Ce fichier XML contient une déclaration interdite."))
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DOCTYPE, no entity: nothing to expand
    except ET.ParseError as exc:
        raise BankStatementInvalid(_("Ce fichier n'est pas un XML lisible.")) from exc
    container = _child(root, "BkToCstmrStmt")
    if _local(root.tag) != "Document" or container is None:
        raise BankStatementInvalid(_("Ce fichier n'est pas un relevé camt.053."))
    statements = _children(container, "Stmt")
    if not statements:
        raise BankStatementInvalid(_("Ce relevé ne contient aucun extrait."))
    entries: list[StatementEntry] = []
    ids = []
    for statement in statements:
        stmt_id = _text(statement, "Id")
        ids.append(stmt_id)
        account = _text(statement, "Acct", "Id", "IBAN")
        for n, entry in enumerate(_children(statement, "Ntry")):
            entries += _entries_of(entry, account=account, stmt_id=stmt_id, index=n)
    return ", ".join(i for i in ids if i), entries


def _amount(element) -> tuple[int, str] | None:
    if element is None or not (element.text or "").strip():
        return None
    try:
        return cents_from_decimal(Decimal(element.text.strip())), element.get("Ccy", "")
    except (InvalidOperation, ValueError):
        return None


def _entries_of(entry, *, account: str, stmt_id: str, index: int) -> list[StatementEntry]:
    entry_amount = _amount(_child(entry, "Amt"))
    if entry_amount is None:
        raise BankStatementInvalid(_("Une ligne du relevé n'a pas de montant lisible."))
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    credit = _text(entry, "CdtDbtInd") == "CRDT" and status in ("", "BOOK")
    booking = _date(_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")] or [None]
    result = []
    for k, tx in enumerate(details):
        amount = entry_amount
        if tx is not None and len(details) > 1:
            amount = (
                _amount(_child(tx, "AmtDtls", "TxAmt", "Amt"))
                or _amount(_child(tx, "Amt"))
                or entry_amount
            )
        ref = ""
        if tx is not None:
            ref = _text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "TxId")
        ref = ref or (f"{entry_ref}#{k}" if entry_ref else f"{stmt_id}/{index}/{k}")
        communication = ""
        debtor = ""
        if tx is not None:
            communication = _text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref") or " ".join(
                (u.text or "").strip() for u in _children(_child(tx, "RmtInf"), "Ustrd")
            )
            debtor = _text(tx, "RltdPties", "Dbtr", "Nm") or _text(
                tx, "RltdPties", "Dbtr", "Pty", "Nm"
            )
        result.append(
            StatementEntry(
                entry_ref=f"{account}:{ref}"[:200],
                booking_date=booking,
                amount_cents=amount[0],
                currency=amount[1] or "EUR",
                credit=credit,
                communication=communication[:300],
                debtor_name=debtor[:200],
            )
        )
    return result


def _find_reference(text: str) -> str | None:
    """The wallet reference in a communication: the whole text, or a +++…+++ inside it."""
    base = structured_parse(text)
    if base:
        return base
    for match in re.finditer(r"[+*]{3}[\d/ ]{12,16}[+*]{3}|\b\d{12}\b", text or ""):
        base = structured_parse(match.group(0))
        if base:
            return base
    return None


def bank_import_preview(
    *, tenant: Tenant, filename: str, data: bytes, by: User | None
) -> BankImport:
    sha = hashlib.sha256(data).hexdigest()
    if BankImport.objects.filter(sha256=sha, status=BankImportStatus.APPLIED).exists():
        raise BankStatementAlreadyImported()
    statement_id, entries = camt053_parse(data)
    references = {e.entry_ref: _find_reference(e.communication) for e in entries}
    wallets = {
        w.reference: w
        for w in Wallet.objects.filter(reference__in=[r for r in references.values() if r])
    }
    credited = set(
        BankLine.objects.filter(
            status=BankLineStatus.CREDITED,
            entry_ref__in=[e.entry_ref for e in entries],
        ).values_list("entry_ref", flat=True)
    )
    with transaction.atomic():
        bank_import = BankImport.objects.create(
            tenant=tenant,
            filename=filename[:255],
            sha256=sha,
            statement_id=statement_id[:100],
            created_by=by,
        )
        rows = []
        seen: set[str] = set()
        for entry in entries:
            wallet = wallets.get(references[entry.entry_ref] or "")
            if not entry.credit or entry.currency != "EUR" or entry.amount_cents <= 0:
                status = BankLineStatus.IGNORED
            elif entry.entry_ref in credited or entry.entry_ref in seen:
                status = BankLineStatus.DUPLICATE
            elif wallet is None:
                status = BankLineStatus.UNMATCHED
            else:
                status = BankLineStatus.MATCHED
            seen.add(entry.entry_ref)
            rows.append(
                BankLine(
                    tenant=tenant,
                    bank_import=bank_import,
                    entry_ref=entry.entry_ref,
                    booking_date=entry.booking_date,
                    amount_cents=entry.amount_cents,
                    currency=entry.currency[:3],
                    credit=entry.credit,
                    communication=entry.communication,
                    debtor_name=entry.debtor_name,
                    wallet=wallet if status == BankLineStatus.MATCHED else None,
                    status=status,
                )
            )
        BankLine.objects.bulk_create(rows)
    return bank_import


def bank_import_apply(*, bank_import: BankImport, by: User | None) -> int:
    """Credit the matched lines; returns how many wallets were credited."""
    try:
        with transaction.atomic():
            locked = locks.bank_import_lock(bank_import_id=bank_import.pk)
            if locked.status == BankImportStatus.APPLIED or (
                BankImport.objects.filter(
                    sha256=locked.sha256, status=BankImportStatus.APPLIED
                ).exists()
            ):
                raise BankStatementAlreadyImported()
            count = 0
            lines = (
                BankLine.objects.filter(bank_import=locked, status=BankLineStatus.MATCHED)
                .select_related("wallet")
                .order_by("wallet_id", "pk")  # one lock order for every import
            )
            for line in lines:
                assert line.wallet is not None  # a matched line names its wallet
                if BankLine.objects.filter(
                    entry_ref=line.entry_ref, status=BankLineStatus.CREDITED
                ).exists():
                    BankLine.objects.filter(pk=line.pk).update(status=BankLineStatus.DUPLICATE)
                    continue
                tx = wallet_top_up(
                    wallet=line.wallet,
                    amount_cents=line.amount_cents,
                    by=by,
                    memo=_("Virement %(who)s") % {"who": line.debtor_name or line.communication},
                )
                BankLine.objects.filter(pk=line.pk).update(
                    status=BankLineStatus.CREDITED, transaction=tx
                )
                count += 1
            locked.status = BankImportStatus.APPLIED
            locked.applied_at = timezone.now()
            locked.save(update_fields=["status", "applied_at"])
    except IntegrityError as exc:  # a concurrent import of the same file or entries won
        raise BankStatementAlreadyImported() from exc
    bank_import.refresh_from_db()
    return count
