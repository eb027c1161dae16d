"""Shared set-up of the payments benchmarks: a throw-away database, Django, a tenant and people.

SQLite in a temporary folder by default; `--postgres` creates (and drops at the end) a fresh
PostgreSQL database on 127.0.0.1:5432 (trust auth), or the server named by BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "bench.localhost"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def django_env(*, postgres: bool) -> Iterator[str]:
    """Configure the environment, set Django up, migrate; yields the database vendor."""
    tmp = Path(tempfile.mkdtemp(prefix="cartable-bench-payments-"))
    db_name = f"bench_payments_{secrets.token_hex(4)}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "CARTABLE_VAR_DIR": str(tmp),
            "CARTABLE_DEMO": "0",
            "DJANGO_DEBUG": "1",  # static files without a manifest; same for every page measured
            "DJANGO_ALLOWED_HOSTS": f"{HOST},testserver",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"{POSTGRES_SERVER}/{db_name}"
            if postgres
            else f"sqlite:///{tmp / 'bench.sqlite3'}",
        }
    )
    os.environ.pop("REDIS_URL", None)
    if postgres:
        _admin_sql(f'CREATE DATABASE "{db_name}"')
    try:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from portal.celery import ensure_broker_folders

        settings.DEBUG = False  # no query log: it would cost time on every query measured
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        ensure_broker_folders()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        from django.db import connection

        yield connection.vendor
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if postgres:
            _admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_tenant():
    from tenants.models import School, Tenant, TenantHost

    tenant = Tenant.objects.create(
        slug="bench",
        name="Bench",
        display_name="Bench",
        payments=True,
        iban="BE68539007547034",
        creditor_name="Bench ASBL",
    )
    TenantHost.objects.create(tenant=tenant, host=HOST, is_primary=True)
    school = School.objects.create(tenant=tenant, name="École Bench", code="BENCH")
    return tenant, school


def make_family(tenant, school, n: int, *, children: int = 2):
    """A parent with `children` children (the parent and children get distinct identifiers)."""
    from accounts.models import GuardianLink, User

    parent = User.objects.create(
        tenant=tenant,
        identifier=f"parent{n}",
        first_name="Jacqueline",
        last_name=f"Dubois{n}",
        is_parent=True,
        password="!",
    )
    kids = []
    for k in range(children):
        child = User.objects.create(
            tenant=tenant,
            identifier=f"child{n}-{k}",
            first_name=f"Enfant{k}",
            last_name=f"Dubois{n}",
            is_student=True,
            password="!",
        )
        child.schools.add(school)
        GuardianLink.objects.create(tenant=tenant, parent=parent, child=child)
        kids.append(child)
    return parent, kids


def make_invitations(tenant, school, parent, kids, count: int, *, amount_cents: int = 100):
    """`count` pending invitations for this parent, spread over her children."""
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import Activity, Invitation

    today = timezone.localdate()
    per_activity = len(kids)
    activities = Activity.objects.bulk_create(
        Activity(
            tenant=tenant,
            school=school,
            title=f"Activité {i}",
            amount_cents=amount_cents,
            starts_on=today,
            due_on=today + timedelta(days=10 + i % 30),
            kind="optional" if i % 2 else "mandatory",
        )
        for i in range((count + per_activity - 1) // per_activity)
    )
    rows = []
    for activity in activities:
        for kid in kids:
            if len(rows) < count:
                rows.append(
                    Invitation(
                        tenant=tenant,
                        activity=activity,
                        beneficiary=kid,
                        debtor=parent,
                        amount_cents=amount_cents,
                        starts_on=activity.starts_on,
                        due_on=activity.due_on,
                    )
                )
    return Invitation.objects.bulk_create(rows)


def median_ms(fn: Callable[[], object], *, runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def logged_in_client(user):
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client
