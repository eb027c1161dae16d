"""Writes of payments, by subject: `wallets` (creation, settings, top-ups), `invitations` (the
parents' answers and the secretaries' side), `activities`, `due` (the periodic job) and
`idempotency` (the keys of pay, decline and top-up). The ledger primitives are in
`payments.ledger`, the row locks in `payments.locks`, bank statements in `payments.bank`."""
