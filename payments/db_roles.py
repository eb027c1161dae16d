"""The runtime database role's rights on PostgreSQL (README, "Database roles").

The web server, the worker and beat connect as a role that may read and write every table but
only SELECT and INSERT the ledger's: no UPDATE, DELETE or TRUNCATE, and, since it owns no table
and is no superuser, no ALTER TABLE ... DISABLE TRIGGER either. Migrations run as the tables'
owner and call `runtime_role_grant` (migration 0009, and after every `migrate`), which is
idempotent: normal rights on every table and sequence of the schema, now and for the tables the
owner creates later (default privileges), then the ledger's restricted to SELECT and INSERT.

Nothing happens on SQLite, without a configured role (`settings.DATABASE_RUNTIME_ROLE`), or when
that role does not exist on the server.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

LEDGER_TABLES = ("payments_ledgertransaction", "payments_ledgerline")


def runtime_role_grant(connection: BaseDatabaseWrapper, role: str) -> bool:
    """Grant `role` its rights; True if it did (PostgreSQL, the role exists)."""
    if connection.vendor != "postgresql" or not role:
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, pg_has_role(%s, current_user, 'USAGE') "
            "FROM pg_roles WHERE rolname = %s",
            [role, role],
        )
        found = cursor.fetchone()
        if found is None:
            return False
        superuser, bypass, member_of_owner = found
        if superuser or bypass or member_of_owner:
            raise ImproperlyConfigured(
                f"the runtime database role {role!r} is a superuser or acts as the tables' "
                "owner: it would get around the ledger's guards (README, Database roles)"
            )
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        who = quote(role)
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {who}",
        ):
            cursor.execute(statement)
        for table in LEDGER_TABLES:
            cursor.execute(f"REVOKE ALL ON {schema}.{quote(table)} FROM {who}, PUBLIC")
            cursor.execute(f"GRANT SELECT, INSERT ON {schema}.{quote(table)} TO {who}")
    return True
