"""Build ISO 20022 camt.053 / camt.054 statements for the tests and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

IBAN = "BE68539007547034"


@dataclass
class Tx:
    amount: str | None = None  # its own amount (None: the batch gives none)
    payer: str = ""
    payer_iban: str = ""
    strd: str = ""  # Strd/CdtrRefInf/Ref
    ustrd: tuple[str, ...] = ()
    e2e: str = ""
    tx_id: str = ""
    acct_ref: str = ""
    returned: bool = False  # carries RtrInf


@dataclass
class Entry:
    amount: str
    direction: str = "CRDT"
    reversal: bool = False
    ref: str = ""  # the entry's AcctSvcrRef
    booking: str = "2024-06-03"
    txs: list[Tx] = field(default_factory=list)
    addtl: str = ""  # AddtlNtryInf
    status: str = "BOOK"
    family: str = "RCDT"
    sub_family: str = "ESCT"


@dataclass
class Statement:
    entries: list[Entry]
    id: str = "STMT-2024-001"
    iban: str = IBAN


def _tx_xml(tx: Tx) -> str:
    parts = []
    refs = "".join(
        f"<{tag}>{escape(value)}</{tag}>"
        for tag, value in (
            ("AcctSvcrRef", tx.acct_ref),
            ("EndToEndId", tx.e2e),
            ("TxId", tx.tx_id),
        )
        if value
    )
    if refs:
        parts.append(f"<Refs>{refs}</Refs>")
    if tx.amount is not None:
        parts.append(
            f'<AmtDtls><TxAmt><Amt Ccy="EUR">{Decimal(tx.amount):.2f}</Amt></TxAmt></AmtDtls>'
        )
    if tx.payer or tx.payer_iban:
        account = f"<DbtrAcct><Id><IBAN>{tx.payer_iban}</IBAN></Id></DbtrAcct>" * bool(
            tx.payer_iban
        )
        parts.append(f"<RltdPties><Dbtr><Nm>{escape(tx.payer)}</Nm></Dbtr>{account}</RltdPties>")
    rmt = "".join(f"<Ustrd>{escape(u)}</Ustrd>" for u in tx.ustrd)
    if tx.strd:
        rmt += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{escape(tx.strd)}</Ref></CdtrRefInf></Strd>"
        )
    if rmt:
        parts.append(f"<RmtInf>{rmt}</RmtInf>")
    if tx.returned:
        parts.append("<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>")
    return f"<TxDtls>{''.join(parts)}</TxDtls>"


def _entry_xml(entry: Entry) -> str:
    details = (
        f"<NtryDtls>{''.join(_tx_xml(tx) for tx in entry.txs)}</NtryDtls>" if entry.txs else ""
    )
    return f"""
    <Ntry>
      <Amt Ccy="EUR">{Decimal(entry.amount):.2f}</Amt>
      <CdtDbtInd>{entry.direction}</CdtDbtInd>
      {"<RvslInd>true</RvslInd>" if entry.reversal else ""}
      <Sts>{entry.status}</Sts>
      <BookgDt><Dt>{entry.booking}</Dt></BookgDt>
      <ValDt><Dt>{entry.booking}</Dt></ValDt>
      {f"<AcctSvcrRef>{escape(entry.ref)}</AcctSvcrRef>" if entry.ref else ""}
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{entry.family}</Cd><SubFmlyCd>{entry.sub_family}</SubFmlyCd></Fmly></Domn></BkTxCd>
      {details}
      {f"<AddtlNtryInf>{escape(entry.addtl)}</AddtlNtryInf>" if entry.addtl else ""}
    </Ntry>"""


def _entries(statement: Statement) -> str:
    return "".join(_entry_xml(e) for e in statement.entries)


def camt(statements: list[Statement], *, version: str = "053.001.02", header: str = "") -> bytes:
    """A camt.053 (or, with version "054.001.0x", a camt.054 notification) document."""
    notification = version.startswith("054")
    container, tag = (
        ("BkToCstmrDbtCdtNtfctn", "Ntfctn") if notification else ("BkToCstmrStmt", "Stmt")
    )
    body = "".join(
        f"""
    <{tag}>
      <Id>{s.id}</Id>
      <CreDtTm>2024-06-03T18:00:00</CreDtTm>
      <Acct><Id><IBAN>{s.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{_entries(s)}
    </{tag}>"""
        for s in statements
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>{header}
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{version}">
  <{container}>
    <GrpHdr><MsgId>MSG-{statements[0].id}</MsgId><CreDtTm>2024-06-03T18:00:00</CreDtTm></GrpHdr>{body}
  </{container}>
</Document>
""".encode()


def camt053(entries, *, statement_id="STMT-2024-001", iban=IBAN) -> bytes:
    """entries: (ref, amount in euros as str, communication, debtor name[, "CRDT"|"DBIT"]), one
    transfer per entry with the bank's reference."""
    built = []
    for entry in entries:
        ref, amount, communication, debtor = entry[:4]
        direction = entry[4] if len(entry) > 4 else "CRDT"
        structured = communication.startswith("+++") or communication.isdigit()
        tx = Tx(
            payer=debtor,
            acct_ref=ref,
            strd=communication.strip("+").replace("/", "") if structured else "",
            ustrd=() if structured else (communication,),
        )
        built.append(Entry(amount, direction=direction, ref=ref, txs=[tx]))
    return camt([Statement(built, id=statement_id, iban=iban)])
