"""Build small ISO 20022 camt.053.001.02 statements for the tests and the benchmarks."""

from decimal import Decimal

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def camt053(entries, *, statement_id="STMT-2024-001", iban="BE68539007547034") -> bytes:
    """entries: (ref, amount in euros as str, communication, debtor name[, "CRDT"|"DBIT"])."""
    ntry = []
    for entry in entries:
        ref, amount, communication, debtor = entry[:4]
        direction = entry[4] if len(entry) > 4 else "CRDT"
        if communication.startswith("+++") or communication.isdigit():
            rmt = (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
                f"<Ref>{communication.strip('+').replace('/', '')}</Ref></CdtrRefInf></Strd>"
            )
        else:
            rmt = f"<Ustrd>{communication}</Ustrd>"
        ntry.append(f"""
    <Ntry>
      <Amt Ccy="EUR">{Decimal(amount):.2f}</Amt>
      <CdtDbtInd>{direction}</CdtDbtInd>
      <Sts>BOOK</Sts>
      <BookgDt><Dt>2024-06-03</Dt></BookgDt>
      <ValDt><Dt>2024-06-03</Dt></ValDt>
      <AcctSvcrRef>{ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>
        <RltdPties><Dbtr><Nm>{debtor}</Nm></Dbtr></RltdPties>
        <RmtInf>{rmt}</RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2024-06-03T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>2024-06-03T18:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{"".join(ntry)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
