"""Account enumeration by timing on the CREOS "Mot de passe oublié" form (DESIGN.md §3).

Sends known and unknown reset requests, interleaved in random order, to the real view
(`POST /mot-de-passe-oublie/` on creos.localhost) under gunicorn, on a throw-away database, and
prints how far apart the two POST-latency distributions are: Δ median and how often a 25 + 25
sample tells them apart. Loopback traffic only; the script stops gunicorn (and the worker) and
deletes its temporary files and database by itself.

One client, sequential; one session and CSRF token for every POST (`--fresh-session`: a GET
per POST). The view only records the request: without `--with-worker` the tasks pile up in the
filesystem broker. With it, the worker does the lookups and sends while later requests are
served; the script lets it drain and deletes the throttle counters (cache table) every `--batch`
requests, outside the timed window, so the per-IP and per-account limits never turn the work
into identical "throttled" outcomes. The label-shuffled line shows what the distinguisher gives
by chance at this sample size (about 70 % at 200 per class, 60 % at 1,000).

    .venv/bin/python bench/recovery_timing.py [--requests 200] [--postgres] [--with-worker]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recovery_timing_driver import PG_SERVER, ROOT, Bench  # noqa: E402
from bench.recovery_timing_stats import report  # noqa: E402

# The driver (bench/recovery_timing_driver.py) starts gunicorn and the worker and sends the
# requests; bench/recovery_timing_stats.py computes and prints the figures. This script is also
# what the driver runs, with `--step prepare`, to seed the throw-away database.

TENANT_SLUG = "creos"
DEMO_KNOWN = [("jean.dupont", "jean.dupont@hotmail.com")]

# Known and unknown logins come from the same generator, so their lengths match: the first
# `--accounts` names are created as migrated parents, the rest are never created.
FIRST = ["marie", "luc", "anne", "paul", "sarah", "hugo", "emma", "louis", "julie", "tom",
         "lina", "noah", "chloe", "adam", "zoe", "victor", "alice", "nathan", "ines", "jules",
         "clara", "simon", "lea", "arthur", "manon", "gabriel", "eva", "sacha", "nina",
         "maxime"]  # fmt: skip
LAST = ["peeters", "janssens", "maes", "jacobs", "mertens", "willems", "claes", "goossens",
        "wouters", "lambert", "dubois", "martin", "leclercq", "dupont", "simon", "laurent",
        "lejeune", "renard", "collin", "denis", "michel", "fontaine", "mathieu", "gilles",
        "francois", "hubert", "remy", "noel", "leroy", "girard"]  # fmt: skip
DOMAINS = ["hotmail.com", "gmail.com", "skynet.be", "outlook.be", "proximus.be", "yahoo.fr"]


def name_pool(seed: int) -> list[tuple[str, str]]:
    """(identifier, e-mail) pairs in a fixed random order, demo identifiers left out."""
    rng = random.Random(seed)
    taken = {identifier for identifier, _email in DEMO_KNOWN} | {"jacqueline.dubois"}
    pairs = [f"{f}.{last}" for f in FIRST for last in LAST if f"{f}.{last}" not in taken]
    rng.shuffle(pairs)
    return [(p, f"{p}@{DOMAINS[i % len(DOMAINS)]}") for i, p in enumerate(pairs)]


# --- Step run inside Django (a subprocess with the bench environment) --------------------------


def step_prepare(accounts: int, seed: int) -> None:
    """Migrate, cache table, demo data, broker folders, then `accounts` migrated CREOS parents."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from portal.celery import ensure_broker_folders
    from tenants.models import School, Tenant
    from tenants.scoping import tenant_scope

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", verbosity=0)
    ensure_broker_folders()  # gunicorn does not create them; `rundev` and the worker do
    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    with tenant_scope(tenant):  # the demo seed opens its own; the rest is CREOS's
        school = School.objects.get(tenant=tenant, code="CREOS-CENTRE")
        users = User.objects.bulk_create(
            User(
                tenant=tenant,
                identifier=identifier,
                email=email,
                first_name=identifier.split(".")[0].title(),
                last_name=identifier.split(".")[1].title(),
                is_parent=True,
                is_active=True,
                is_migrated=True,
                password="!",
            )
            for identifier, email in name_pool(seed)[:accounts]
        )
        for user in users:
            user.schools.add(school)
        known = User.objects.filter(tenant=tenant, is_parent=True, is_migrated=True, is_active=True)
        known = known.exclude(email="").values_list("identifier", "email")
        print(json.dumps(sorted(known)))


# --- Command line -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per class")
    parser.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_SERVER}")
    parser.add_argument("--with-worker", action="store_true", help="run a Celery worker too")
    parser.add_argument(
        "--fresh-session", action="store_true", help="GET a new session and CSRF token per POST"
    )
    parser.add_argument("--accounts", type=int, default=100, help="bench accounts to create")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=30, help="requests before measuring")
    parser.add_argument("--batch", type=int, default=20, help="requests between throttle resets")
    parser.add_argument("--trials", type=int, default=2000, help="distinguisher draws")
    parser.add_argument("--seed", type=int, default=20250, help="random seed")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds for the requests")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        name, *rest = args.step
        assert name == "prepare"
        step_prepare(int(rest[0]), int(rest[1]))
        return 0
    if args.requests < 25 or args.batch >= 30:
        parser.error("--requests must be ≥ 25 and --batch < 30 (the per-IP limit)")

    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the finally below always cleans up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    try:
        print(f"Preparing {args.accounts} accounts in {bench.tmp} …", flush=True)
        known_pool = bench.prepare()
        unknown_pool = name_pool(args.seed)[args.accounts :]
        assert not {i for i, _ in known_pool} & {i for i, _ in unknown_pool}
        bench.start_server()
        if args.with_worker:
            bench.start_worker()
        print(f"Sending {args.requests} known + {args.requests} unknown requests …", flush=True)
        results = bench.run(known_pool, unknown_pool)
    finally:
        bench.cleanup()
    return 0 if report(args, bench, results, len(known_pool)) else 1


if __name__ == "__main__":
    sys.exit(main())
