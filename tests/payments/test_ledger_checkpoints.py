"""The seal check from its last checkpoint (payments.ledger_verify): between two nightly checks
of every line, a check reads only what was written since the last clean one, and still finds a
forgery wherever its id puts it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from payments.ledger_verify import ledger_seals_verify
from payments.models import LedgerLine, LedgerSealCheckpoint
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_top_up
from tenants.scoping import tenant_scope
from tests.payments.test_ledger_guards import forge_top_up


def checkpoint_of(tenant) -> LedgerSealCheckpoint:
    with tenant_scope(tenant):
        return LedgerSealCheckpoint.objects.get(tenant=tenant)


def test_a_clean_check_leaves_a_signed_checkpoint_that_the_next_check_continues_from(
    funded_wallet, museum_invitation, tenant_a
):
    # given a clean check of a wallet's top-up
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []
        first = checkpoint_of(tenant_a)
        assert first.line_count == LedgerLine.objects.count() == 2
        # when the wallet pays and is topped up again, each chained on the lines before
        invitation_pay(invitation=museum_invitation, by=None, idempotency_key="b" * 20)
        wallet_top_up(wallet=funded_wallet, amount_cents=250, by=None)
        # then the next check, from the checkpoint, finds every new line sealed in its chain
        assert ledger_seals_verify(tenant=tenant_a) == []
        second = checkpoint_of(tenant_a)
    assert second.up_to_line_id == LedgerLine.objects.order_by("-pk").first().pk
    assert second.line_count == LedgerLine.objects.count()


def test_a_forgery_after_the_checkpoint_is_found_and_keeps_being_reported(funded_wallet, tenant_a):
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []
        checkpoint = checkpoint_of(tenant_a)
        forged = forge_top_up(funded_wallet, 5000)
        forged_ids = set(forged.lines.values_list("pk", flat=True))
        # the check reports the forgery, and the checkpoint does not move past it
        for _ in range(2):
            assert {b.line_id for b in ledger_seals_verify(tenant=tenant_a)} == forged_ids
        assert checkpoint_of(tenant_a).up_to_line_id == checkpoint.up_to_line_id


def test_a_forgery_given_an_id_below_the_checkpoint_sends_the_check_back_to_every_line(
    funded_wallet, tenant_a
):
    # given a clean check, then a genuine top-up that leaves room below the newest id
    wallet_top_up(wallet=funded_wallet, amount_cents=100, by=None)
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []
    checkpoint = checkpoint_of(tenant_a)
    # when forged lines are inserted with ids below the checkpoint (where no check looks again)
    forged = forge_top_up(funded_wallet, 5000)
    low = [-2, -1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for pk, new_pk in zip(
            forged.lines.order_by("pk").values_list("pk", flat=True), low, strict=True
        ):
            cursor.execute("UPDATE payments_ledgerline SET id = %s WHERE id = %s", [new_pk, pk])
    # then the count below the checkpoint gives it away: every line is read, the forgery found
    with tenant_scope(tenant_a):
        breaks = ledger_seals_verify(tenant=tenant_a)
    assert {b.line_id for b in breaks if b.reason == "seal"} == set(low)
    assert checkpoint_of(tenant_a).up_to_line_id == checkpoint.up_to_line_id


def test_a_checkpoint_not_signed_with_the_ledger_key_is_ignored(funded_wallet, tenant_a):
    # given a forged top-up, and a checkpoint written past it without the key
    forged = forge_top_up(funded_wallet, 5000)
    with tenant_scope(tenant_a):
        LedgerSealCheckpoint.objects.create(
            tenant=tenant_a,
            up_to_line_id=LedgerLine.objects.order_by("-pk").first().pk,
            line_count=LedgerLine.objects.count(),
            signature=b"\0" * 32,
        )
    # then the check reads every line and reports the forgery
    with tenant_scope(tenant_a):
        breaks = ledger_seals_verify(tenant=tenant_a)
    assert {b.line_id for b in breaks} == set(forged.lines.values_list("pk", flat=True))


def test_the_full_check_reads_again_what_a_checkpoint_vouched_for(funded_wallet, tenant_a, capsys):
    # given a clean check, then a line below the checkpoint altered by the tables' owner
    with tenant_scope(tenant_a):
        assert ledger_seals_verify(tenant=tenant_a) == []
    line = LedgerLine.objects.filter(wallet=funded_wallet).order_by("pk").first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE payments_ledgerline SET activity_id = NULL, created_at = %s WHERE id = %s",
            ["2020-01-01 00:00:00+00:00", line.pk],
        )
    # then `payments_reconcile --full` (what the nightly check does) finds it
    with pytest.raises(CommandError, match="1 ligne\\(s\\) au sceau invalide"):
        call_command("payments_reconcile", "--full", "--tenant", tenant_a.slug)
    assert f"SCEAU INVALIDE ligne #{line.pk}" in capsys.readouterr().out
