"""Load tenant `creos` of a seeded demo database to start-of-term size (issue 10), with COPY.

At --scale 1: 100,000 people (40,000 parents, 60,000 students, 80,000 guardian links, all in
school CREOS-CENTRE), 30,000 wallets, 1,000 activities, ~1,000,000 invitations, ~820,000
balanced ledger transactions (two lines each), 200,000 recovery requests (+ their audit
events) and 500,000 messages. PostgreSQL only.

    # create a database, migrate, seed_demo, keep a demo-size copy, then load:
    .venv/bin/python bench/scale_load.py --prepare --database bench_scale_full \\
        --demo-copy bench_scale_demo
    # load an existing, freshly seeded database; --scale 0.01 for a quick try:
    .venv/bin/python bench/scale_load.py --database NAME --scale 0.01

The ledger is written as the app writes it (see bench/scale_data.py), then sealed as migration
payments 0009 seals existing lines (payments.ledger_seal.seal_existing). It goes around
`ledger_post` only in that it inserts the rows in bulk: PostgreSQL's append-only trigger
(payments 0002) fires on UPDATE and DELETE, never on the INSERTs of COPY, so it stays on; wallets
are inserted with their final balance, and no ledger row is updated afterwards. Foreign keys,
CHECK and unique constraints are all checked by PostgreSQL during the load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_data import Context, ScaleData, Sizes  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
TENANT, SCHOOL, SECRETARY = "creos", "CREOS-CENTRE", "secretariat.creos"
CHUNK = 20_000  # lines per write to COPY
SEAL_EXISTING = (
    "from django.db import connection, transaction; from payments.models import LedgerLine; "
    "from payments.ledger_seal import seal_existing\n"
    "with transaction.atomic(): print(seal_existing(connection=connection, line_model=LedgerLine))"
)

# Table → (its columns, in the order ScaleData's generator writes them; the generator's name).
# In foreign-key order.
TABLES = [
    ("accounts_user", "id password last_login is_superuser identifier email first_name last_name "
     "is_parent is_student is_school_staff is_secretary is_tenant_admin is_active is_migrated "
     "must_change_password numen_hash student_number classroom school_email legacy_id "
     "migrated_at date_joined tenant_id", "rows_users"),
    ("accounts_user_schools", "id user_id school_id", "rows_user_schools"),
    ("accounts_guardianlink", "id is_paying child_id parent_id tenant_id", "rows_guardian_links"),
    ("payments_wallet", "id balance_cents reference auto_pay_default calendar_token created_at "
     "owner_id tenant_id debt_cents", "rows_wallets"),
    ("payments_activity", "id title details kind amount_cents starts_on due_on event_on document "
     "created_at created_by_id school_id tenant_id", "rows_activities"),
    ("payments_ledgertransaction", "id kind memo created_at created_by_id tenant_id",
     "rows_transactions"),
    ("payments_ledgerline", "id account amount_cents balance_after_cents created_at activity_id "
     "tenant_id transaction_id wallet_id", "rows_lines"),
    ("payments_invitation", "id amount_cents starts_on due_on status auto_pay created_at paid_at "
     "declined_at cancelled_at refunded_at paid_automatically reminded_at autopay_attempted_on "
     "activity_id beneficiary_id debtor_id tenant_id payment_id refund_id", "rows_invitations"),
    ("payments_enrolment", "id created_at cancelled_at activity_id child_id tenant_id "
     "invitation_id", "rows_enrolments"),
    ("outbox_message", "id channel template to subject body_text body_html sensitive "
     "bodies_erased status not_before next_attempt_at attempts last_error claimed_at enqueued_at "
     "sent_at created_at tenant_id user_id", "rows_messages"),
    ("recovery_recoveryrequest", "id public_id flow method login ip outcome reason created_at "
     "processed_at initiated_by_id message_id tenant_id user_id", "rows_requests"),
    ("recovery_recoveryevent", "id flow kind outcome detail ip created_at actor_id tenant_id "
     "user_id request_id", "rows_events"),
]  # fmt: skip


def django_env(database: str, var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=f"{SERVER}/{database}",
        CARTABLE_DEMO="1",
        DJANGO_DEBUG="1",
        CARTABLE_VAR_DIR=str(var_dir),  # the seed's mails and broker files: thrown away
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def admin_sql(query: sql.Composable) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(query)


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A new database, migrated and seeded; its demo-size copy made before the load."""
    names = [args.database] + ([args.demo_copy] if args.demo_copy else [])
    for name in names:
        if args.replace:
            admin_sql(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    admin_sql(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.database)))
    started = time.monotonic()
    manage(env, "migrate", "--verbosity", "0")
    print(manage(env, "seed_demo").splitlines()[-1], f"({time.monotonic() - started:.1f} s)")
    if args.demo_copy:
        admin_sql(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(args.demo_copy), sql.Identifier(args.database)
            )
        )
        print(f"demo-size copy: {args.demo_copy}")


def password_hash(env: dict[str, str]) -> str:
    """One hash of the demo password by the app's first hasher, reused for every loaded person."""
    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import make_password; "
        "from demo.seed.people import DEMO_PASSWORD; print(make_password(DEMO_PASSWORD))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def read_context(conn: psycopg.Connection, hashed: str) -> Context:
    row = conn.execute(
        "SELECT t.id, s.id, u.id FROM tenants_tenant t "
        "JOIN tenants_school s ON s.tenant_id = t.id AND s.code = %s "
        "JOIN accounts_user u ON u.tenant_id = t.id AND lower(u.identifier) = %s "
        "WHERE t.slug = %s",
        (SCHOOL, SECRETARY, TENANT),
    ).fetchone()
    if row is None:
        raise SystemExit("no seeded creos tenant here: run `manage.py seed_demo` (or --prepare)")
    people = conn.execute("SELECT count(*) FROM accounts_user WHERE tenant_id = %s", (row[0],))
    if people.fetchone()[0] > 1000:
        raise SystemExit("creos already holds more than 1,000 people: load a fresh seeded copy")
    next_id = {}
    for table, *_rest in TABLES:
        query = sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(sql.Identifier(table))
        next_id[table] = conn.execute(query).fetchone()[0]
    taken = {r[0] for r in conn.execute("SELECT reference FROM payments_wallet")}
    return Context(row[0], row[1], row[2], hashed, next_id, taken)


def copy_table(conn: psycopg.Connection, table: str, columns: str, lines) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns.split()))
    )
    count, chunk = 0, []
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= CHUNK:
                copy.write("\n".join(chunk) + "\n")
                count, chunk = count + len(chunk), []
        if chunk:
            copy.write("\n".join(chunk) + "\n")
            count += len(chunk)
    # The ids were given explicitly: move the identity past them.
    conn.execute(
        sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))").format(
            sql.Literal(table), sql.Identifier(table)
        )
    )
    return count


CHECKS = [
    (
        "transactions whose lines do not sum to zero",
        "SELECT count(*) FROM (SELECT transaction_id FROM payments_ledgerline WHERE tenant_id = %s "
        "GROUP BY transaction_id HAVING sum(amount_cents) <> 0 OR count(*) < 2) x",
    ),
    (
        "wallets whose balance is not the sum of their lines",
        "SELECT count(*) FROM payments_wallet w LEFT JOIN (SELECT wallet_id, sum(amount_cents) s "
        "FROM payments_ledgerline GROUP BY wallet_id) l ON l.wallet_id = w.id "
        "WHERE w.tenant_id = %s AND w.balance_cents <> coalesce(l.s, 0)",
    ),
    (
        "wallets whose last running balance is not their balance",
        "SELECT count(*) FROM payments_wallet w JOIN (SELECT DISTINCT ON (wallet_id) wallet_id, "
        "balance_after_cents b FROM payments_ledgerline WHERE wallet_id IS NOT NULL "
        "ORDER BY wallet_id, id DESC) l ON l.wallet_id = w.id "
        "WHERE w.tenant_id = %s AND l.b <> w.balance_cents",
    ),
    (
        "running balances that do not follow their wallet's lines",
        "SELECT count(*) FROM (SELECT tenant_id, balance_after_cents, sum(amount_cents) OVER "
        "(PARTITION BY wallet_id ORDER BY id) AS running FROM payments_ledgerline "
        "WHERE wallet_id IS NOT NULL) x WHERE tenant_id = %s AND balance_after_cents <> running",
    ),
]


def check(conn: psycopg.Connection, tenant_id: int) -> bool:
    ok = True
    for label, query in CHECKS:
        bad = conn.execute(query, (tenant_id,)).fetchone()[0]  # type: ignore[call-overload]
        print(f"  {label}: {bad}")
        ok = ok and bad == 0
    return ok


def databases_exist(names: list[str]) -> bool:
    """Whether these databases are on the server (`make bench` measures the scale table then)."""
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        found = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    return set(names) <= found


def main() -> int:
    if sys.argv[1:2] == ["--exists"]:
        return 0 if databases_exist(sys.argv[2:]) else 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_scale_full", help="PostgreSQL database")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's size")
    parser.add_argument("--seed", type=int, default=10, help="random seed of the data")
    parser.add_argument("--prepare", action="store_true", help="create, migrate and seed first")
    parser.add_argument("--demo-copy", help="with --prepare: a demo-size copy, made before loading")
    parser.add_argument("--replace", action="store_true", help="drop those databases first")
    parser.add_argument("--no-reconcile", action="store_true", help="skip payments_reconcile")
    args = parser.parse_args()
    if args.demo_copy and not args.prepare:
        parser.error("--demo-copy needs --prepare")

    var_dir = Path(tempfile.mkdtemp(prefix="cartable-bench-scale-"))
    env = django_env(args.database, var_dir)
    try:
        if args.prepare:
            prepare(args, env)
        started = time.monotonic()
        with psycopg.connect(f"{SERVER}/{args.database}") as conn:
            ctx = read_context(conn, password_hash(env))
            sizes = Sizes.at(args.scale)
            data = ScaleData(sizes, ctx, seed=args.seed)
            print(f"generated in memory: {time.monotonic() - started:.1f} s ({sizes})")
            for table, columns, rows in TABLES:
                t0 = time.monotonic()
                count = copy_table(conn, table, columns, getattr(data, rows)())
                print(f"  {table:<28} {count:>10,} rows {time.monotonic() - t0:6.1f} s", flush=True)
            t0 = time.monotonic()
            conn.commit()
            print(f"committed: {time.monotonic() - t0:.1f} s")
        # The lines went in unsealed: sealed as they stand, as migration payments 0009 does
        # (the key: this environment's, derived from the debug SECRET_KEY).
        t0 = time.monotonic()
        sealed = manage(env, "shell", "--no-imports", "-c", SEAL_EXISTING)
        print(f"ledger sealed: {sealed} lines {time.monotonic() - t0:.1f} s", flush=True)
        with psycopg.connect(f"{SERVER}/{args.database}", autocommit=True) as conn:
            t0 = time.monotonic()
            for table, *_rest in TABLES:
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
            print(f"VACUUM ANALYZE: {time.monotonic() - t0:.1f} s")
            print(f"load done in {time.monotonic() - started:.1f} s; checks:")
            ok = check(conn, ctx.tenant_id)
        if not args.no_reconcile:
            t0 = time.monotonic()
            out = manage(env, "payments_reconcile", "--tenant", TENANT)
            print(f"payments_reconcile --tenant {TENANT}: {out} ({time.monotonic() - t0:.1f} s)")
        return 0 if ok else 1
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
