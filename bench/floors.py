"""Floors: requests/s of the app's anonymous and logged-in floors against bare Django (issue 10).

    .venv/bin/python bench/floors.py [--clients 8] [--seconds 5] [--rounds 2]

One run: a scratch PostgreSQL database (migrated, `seed_demo`), two gunicorns with the same flags
(`--worker-class gthread`, sized for this machine: --workers/--threads) and production settings
(bench/prodserver.py: DEBUG off, persistent connections, Redis cache): bare Django (a view with
no middleware, bench/bare_settings.py), a stock project (startproject's settings: a bare page
rendering a small template with a form, and Django's admin login page) and the app (its floor
page `/_floor/` — the base template through the whole stack — anonymous and signed in, and two
real pages). N client threads on keep-alive connections ask one page back to back; the pages take
turns for --rounds rounds and each gets the median of its rounds. Printed: requests/s, median and
p95 latency, and the ratios to the bare page (the target: floors ≥ 0.5×) and the bare view.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import sys
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prodserver import (  # noqa: E402
    TWO_CORE_GUNICORN,
    Client,
    Load,
    ProdApp,
    closed_loop,
    machine,
    scratch_database,
)

PARENT, PASSWORD = "jacqueline.dubois", "Cartable-Demo-1"  # the demo's (README)
TENANT_HOST = "creos.localhost"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(client: Client, identifier: str, password: str) -> None:
    page = client.get("/accounts/login/")
    token = CSRF_RE.search(page.text)
    if page.status != 200 or token is None:
        raise RuntimeError(f"login page: {page.status}")
    done = client.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token.group(1), "login": identifier, "password": password},
    )
    if done.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login of {identifier}: {done.status}")


# allauth counts every attempt against the account's "5 failed logins per 5 minutes" until it
# succeeds: the clients of one parent log in one at a time.
LOGIN_LOCK = threading.Lock()

BARE_VIEW = "bare Django view (no middleware, no template)"
BARE_PAGE = "bare Django page (stock project, a template)"
BARE_PAGE_LOGGED_IN = "bare Django page, signed in"
STOCK_USER = "bench"
# The app's floors: its base template through its whole stack (tenant, scopes, sessions, OTP,
# allauth, context processors), for a visitor and for a signed-in parent.
ANONYMOUS_FLOOR = "app floor, anonymous (/_floor/)"
LOGGED_IN_FLOOR = "app floor, logged in (/_floor/)"


def page_loop(port: int, host: str, path: str, *, as_parent: bool) -> Callable[[int], Callable]:
    def make(_index: int) -> Callable[[], bool | str]:
        client = Client(port, host)
        if as_parent:
            with LOGIN_LOCK:
                login(client, PARENT, PASSWORD)
        client.get(path)  # the csrftoken cookie of an anonymous form is set once, as in a browser

        def call() -> bool | str:
            response = client.get(path)
            return True if response.status == 200 else f"status {response.status}"

        return call

    return make


def stock_page_loop(port: int) -> Callable[[int], Callable]:
    """The bare Django page for a user signed in through the stock project's admin login."""

    def make(_index: int) -> Callable[[], bool | str]:
        client = Client(port, "stock.localhost")
        page = client.get("/admin/login/")
        token = CSRF_RE.search(page.text)
        if token is None:
            raise RuntimeError(f"stock admin login page: {page.status}")
        fields = {"csrfmiddlewaretoken": token.group(1), "username": STOCK_USER}
        done = client.post("/admin/login/", {**fields, "password": PASSWORD})
        if done.status != 302:
            raise RuntimeError(f"stock admin login: {done.status}")

        def call() -> bool | str:
            response = client.get("/page/")
            if response.status != 200 or STOCK_USER not in response.text:
                return f"status {response.status}"
            return True

        return call

    return make


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=5, help="per page and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=TWO_CORE_GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=TWO_CORE_GUNICORN["threads"])
    parser.add_argument("--database", default="cartable_bench_floors", help="scratch database")
    parser.add_argument("--redis-db", type=int, default=10, help="an empty Redis database")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with (
        scratch_database(args.database) as url,
        scratch_database(f"{args.database}_stock") as stock_url,
    ):
        app = ProdApp(url, redis_db=args.redis_db)
        app.check_redis_empty()
        try:
            print("Migrating and seeding the demo …", flush=True)
            app.manage("migrate", "--no-input", "-v0")
            app.manage("seed_demo", env={"CARTABLE_DEMO": "1"})
            app.redis.flushdb()  # the seed's cache entries
            stock_env = {
                "DJANGO_SETTINGS_MODULE": "bench.stock_settings",
                "DATABASE_URL": stock_url,
            }
            app.manage("migrate", "--no-input", "-v0", env=stock_env)
            app.manage(
                "createsuperuser", "--no-input", "--username", STOCK_USER, "--email", "b@b.invalid",
                env={**stock_env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            )  # fmt: skip
            size = {"workers": args.workers, "threads": args.threads}
            bare = app.gunicorn(
                "bench.bare_wsgi:application", ready_path="/", ready_host="bare.localhost",
                env={"DJANGO_SETTINGS_MODULE": "bench.bare_settings"}, **size,
            )  # fmt: skip
            stock = app.gunicorn(
                "bench.bare_wsgi:application", ready_path="/page/",
                ready_host="stock.localhost", env=stock_env, **size,
            )  # fmt: skip
            real = app.gunicorn(ready_path="/accounts/login/", ready_host=TENANT_HOST, **size)
            pages = {
                BARE_VIEW: page_loop(bare.port, "bare.localhost", "/", as_parent=False),
                BARE_PAGE: page_loop(stock.port, "stock.localhost", "/page/", as_parent=False),
                BARE_PAGE_LOGGED_IN: stock_page_loop(stock.port),
                "stock Django: its admin login page": page_loop(
                    stock.port, "stock.localhost", "/admin/login/", as_parent=False
                ),
                ANONYMOUS_FLOOR: page_loop(real.port, TENANT_HOST, "/_floor/", as_parent=False),
                LOGGED_IN_FLOOR: page_loop(real.port, TENANT_HOST, "/_floor/", as_parent=True),
                "anonymous: login page (GET)": page_loop(
                    real.port, TENANT_HOST, "/accounts/login/", as_parent=False
                ),
                "logged in: parent's Mes invitations": page_loop(
                    real.port, TENANT_HOST, "/paiements/invitations/", as_parent=True
                ),
            }
            loads: dict[str, list[Load]] = {name: [] for name in pages}
            for round_ in range(1, args.rounds + 1):
                for name, make in pages.items():
                    print(f"  round {round_}: {name} …", flush=True)
                    loads[name].append(
                        closed_loop(make, clients=args.clients, seconds=args.seconds)
                    )
        finally:
            app.cleanup()
    report(args, loads)
    return 0


def report(args: argparse.Namespace, loads: dict[str, list[Load]]) -> None:
    print()
    print(
        f"Floors — {args.clients} clients on keep-alive connections, {args.seconds:g} s × "
        f"{args.rounds} rounds per page, gunicorn gthread {args.workers} workers × "
        f"{args.threads} threads, production settings on PostgreSQL; {machine()}; the clients "
        "run on the same machine"
    )
    header = f"{'page':<44} {'req/s':>8} {'rounds':>15} {'median ms':>10} {'p95 ms':>7}"
    header += f" {'× page':>7} {'× view':>7}"
    print(header)
    print("-" * len(header))
    rates = {name: statistics.median(run.rate for run in runs) for name, runs in loads.items()}
    page, view = rates[BARE_PAGE], rates[BARE_VIEW]
    for name, runs in loads.items():
        latencies = [x for run in runs for x in run.latencies]
        every = "/".join(f"{run.rate:.0f}" for run in runs)
        errors = {k: sum(r.errors.get(k, 0) for r in runs) for r in runs for k in r.errors}
        merged = Load(latencies=latencies)
        print(
            f"{name:<44} {rates[name]:>8.0f} {every:>15} {merged.percentile(0.5) * 1000:>10.1f} "
            f"{merged.percentile(0.95) * 1000:>7.1f} {rates[name] / page:>6.2f}× "
            f"{rates[name] / view:>6.2f}×" + (f"  errors: {errors}" if errors else "")
        )
    anonymous = rates[ANONYMOUS_FLOOR] / page
    logged_in = rates[LOGGED_IN_FLOOR] / rates[BARE_PAGE_LOGGED_IN]
    verdict = "meets" if min(anonymous, logged_in) >= 0.5 else "BELOW"
    print(
        f"Floors: anonymous {anonymous:.2f}× a bare Django page, logged in {logged_in:.2f}× a "
        f"bare Django page signed in ({verdict} the ≥ 0.5× target)"
    )
    print(
        "× page: against a bare Django page (startproject's settings and middleware, one view\n"
        "rendering a small template with a form: bench/stock_urls.py), the anonymous floor's\n"
        "reference; the signed-in floor's is the same page for a user signed in through the stock\n"
        "admin. × view: against a view with no middleware and no template\n"
        "(bench/bare_settings.py), the floor no Django page goes below."
    )


if __name__ == "__main__":
    sys.exit(main())
