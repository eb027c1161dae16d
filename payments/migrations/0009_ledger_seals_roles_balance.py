"""The ledger guarded by the database (issue 11, item 7):

- every ledger line gets a seal (payments.ledger_seal), and the lines already written are sealed
  here, in chain order, so that `payments_reconcile` is clean after `migrate` (they are trusted
  as they stand: sealing can only vouch for what comes after it);
- on PostgreSQL, a deferred constraint trigger refuses at commit a transaction whose lines do not
  sum to zero, or that has none;
- on PostgreSQL, the runtime role (settings.DATABASE_RUNTIME_ROLE), if it exists, may SELECT and
  INSERT the ledger tables only (payments.db_roles).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

BALANCED_FUNCTION = """
CREATE OR REPLACE FUNCTION cartable_ledger_balanced() RETURNS trigger AS $$
DECLARE
    tx bigint;
    line_count bigint;
    total numeric;
BEGIN
    IF TG_TABLE_NAME = 'payments_ledgerline' THEN
        tx := NEW.transaction_id;
    ELSE
        tx := NEW.id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM payments_ledgertransaction WHERE id = tx) THEN
        RETURN NULL;  -- removed since (by the owner: the runtime role cannot delete)
    END IF;
    SELECT count(*), coalesce(sum(amount_cents), 0) INTO line_count, total
        FROM payments_ledgerline WHERE transaction_id = tx;
    IF line_count = 0 THEN
        RAISE EXCEPTION 'ledger transaction % has no lines', tx USING ERRCODE = 'check_violation';
    END IF;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (its lines sum to %)', tx, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

TRIGGERS = {
    "payments_ledgerline": "payments_ledgerline_balanced",
    "payments_ledgertransaction": "payments_ledgertransaction_balanced",
}


def balance_triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.connection.ops.quote_name(cursor.fetchone()[0])
    schema_editor.execute(BALANCED_FUNCTION, params=None)
    # The function reads the ledger by its unqualified name: pinned to the tables' schema (and
    # pg_temp last), so that a temporary table of the same name cannot stand in for it.
    schema_editor.execute(
        f"ALTER FUNCTION cartable_ledger_balanced() SET search_path = {schema}, pg_temp",
        params=None,
    )
    for table, name in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cartable_ledger_balanced()",
            params=None,
        )


def balance_triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS cartable_ledger_balanced()", params=None)


def existing_lines_seal(apps, schema_editor):
    """Seal the lines already written, wallet by wallet in id order, and keep each wallet's last
    seal on the wallet (on `migrate --database owner`, the owner's connection)."""
    from payments.ledger_seal import seal_existing

    seal_existing(
        connection=schema_editor.connection,
        line_model=apps.get_model("payments", "LedgerLine"),
    )


def runtime_role_grant(apps, schema_editor):
    from payments.db_roles import runtime_role_grant as grant

    grant(schema_editor.connection, settings.DATABASE_RUNTIME_ROLE)


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_export_formats"), ("tenants", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="ledgerline",
            name="seal",
            field=models.BinaryField(db_default=b"", default=b"", max_length=32),
        ),
        migrations.AddField(
            model_name="reconciliationrun",
            name="seal_breaks",
            field=models.JSONField(
                default=list, editable=False, verbose_name="lignes au sceau invalide"
            ),
        ),
        migrations.AddField(
            model_name="wallet",
            name="ledger_seal",
            field=models.BinaryField(db_default=b"", default=b"", max_length=32),
        ),
        migrations.CreateModel(
            name="LedgerSealCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("up_to_line_id", models.BigIntegerField()),
                ("line_count", models.BigIntegerField()),
                ("signature", models.BinaryField(max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tenant", "-up_to_line_id"], name="ledger_checkpoint_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(existing_lines_seal, migrations.RunPython.noop),
        migrations.RunPython(balance_triggers_create, balance_triggers_drop),
        migrations.RunPython(runtime_role_grant, migrations.RunPython.noop),
    ]
