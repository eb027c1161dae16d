"""Stall: does one tenant's slow admin work delay another tenant's visitors? (issue 10)

    .venv/bin/python bench/stall.py [--database bench_scale_full] [--seconds 20]

gunicorn runs exactly as docker-compose.yml has it (`--worker-class gthread --workers 3
--threads 8`, default timeout) with production settings (bench/prodserver.py) on the full-size
database made by bench/scale_load.py, which the script only reads (and logs into). A probe
client asks another tenant's anonymous page (ECEPS' login page) every --interval seconds, first
alone, then while four clients of CREOS's secretariat ask the slowest admin pages at full size
back to back: the invitations list searched for "dupont", its last page, the recovery log's last
page and the messages' last page. Printed: the probe's median and p95 alone and under that
load, and the added delay (target ≤ 100 ms).

The four slow clients share one admin session of `secretariat.creos` (the only CREOS secretary
with a TOTP device in the demo; a TOTP code is accepted once, so four logins would take two
minutes); for the server, four requests of one session are four requests.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prodserver import (  # noqa: E402
    COMPOSE_GUNICORN,
    PG_SERVER,
    Client,
    ProdApp,
    machine,
)
from bench.scale_pages_http import Client as AdminClient  # noqa: E402
from bench.scale_pages_http import admin_changelists, admin_login, changelist_links  # noqa: E402
from demo.totp import demo_totp_key  # noqa: E402 - the demo staff's TOTP key, as seeded

PASSWORD = "Cartable-Demo-1"  # the demo's (README)
SECRETARY = "secretariat.creos"
PROBE_HOST, PROBE_PATH = "eceps.localhost", "/accounts/login/"
SLOW = [  # (admin list label, what of it)
    ("Invitations à payer", "?q=dupont"),
    ("Invitations à payer", "last"),
    ("Journal de récupération", "last"),
    ("Messages", "last"),
]


def slow_urls(admin: AdminClient) -> list[tuple[str, str]]:
    admin.get("/admin/")
    lists = dict(admin_changelists(admin.last_text))
    urls = []
    for label, what in SLOW:
        if label not in lists:
            raise RuntimeError(f"no admin list {label!r} at /admin/ (lists: {sorted(lists)})")
        url = lists[label]
        if what == "last":
            admin.get(url)
            url += changelist_links(admin.last_text).get("last", "")
        else:
            url += what
        urls.append((f"{label} {what}", url))
    return urls


class Probe:
    def __init__(self, port: int, interval: float) -> None:
        self.client = Client(port, PROBE_HOST)
        self.interval = interval

    def measure(self, seconds: float) -> list[float]:
        samples: list[float] = []
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            response = self.client.get(PROBE_PATH)
            if response.status != 200:
                raise RuntimeError(f"probe page: {response.status}")
            samples.append(response.seconds)
            time.sleep(self.interval)
        return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_scale_full", help="full-size database")
    parser.add_argument("--seconds", type=float, default=20, help="probe time, alone and loaded")
    parser.add_argument("--interval", type=float, default=0.05, help="probe pause (s)")
    parser.add_argument("--workers", type=int, default=COMPOSE_GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=COMPOSE_GUNICORN["threads"])
    parser.add_argument("--redis-db", type=int, default=11, help="an empty Redis database")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    app = ProdApp(f"{PG_SERVER}/{args.database}", redis_db=args.redis_db)
    app.check_redis_empty()
    stop = threading.Event()
    slow_done: dict[str, list[float]] = {}
    threads: list[threading.Thread] = []
    try:
        server = app.gunicorn(
            workers=args.workers, threads=args.threads, ready_path=PROBE_PATH,
            ready_host=PROBE_HOST, timeout=30,
        )  # fmt: skip
        probe = Probe(server.port, args.interval)
        probe.measure(2)  # warm-up: every worker imports and renders once
        print(f"Probe alone, {args.seconds:g} s …", flush=True)
        alone = probe.measure(args.seconds)

        base = f"http://127.0.0.1:{server.port}"
        admin = AdminClient(base, f"creos.localhost:{server.port}")
        admin_login(admin, SECRETARY, PASSWORD, demo_totp_key(SECRETARY))
        urls = slow_urls(admin)
        session = dict(admin.cookies)

        def slow_client(label: str, url: str) -> None:
            client = AdminClient(base, f"creos.localhost:{server.port}")
            client.cookies = dict(session)
            while not stop.is_set():
                hit = client.get(url)
                if hit.status != 200:
                    slow_done.setdefault(f"{label}: status {hit.status}", []).append(hit.seconds)
                else:
                    slow_done.setdefault(label, []).append(hit.seconds)

        threads = [threading.Thread(target=slow_client, args=u, daemon=True) for u in urls]
        for thread in threads:
            thread.start()
        time.sleep(3)  # the four slow requests are running
        print(f"Probe with four slow admin requests running, {args.seconds:g} s …", flush=True)
        loaded = probe.measure(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        app.cleanup()
    report(args, alone, loaded, slow_done)
    return 0


def report(args, alone: list[float], loaded: list[float], slow: dict[str, list[float]]) -> None:
    def pct(data: list[float], q: float) -> float:
        data = sorted(data)
        return data[min(len(data) - 1, round(q * (len(data) - 1)))] * 1000

    print()
    print(
        f"Stall — gunicorn gthread {args.workers} workers × {args.threads} threads (compose), "
        f"production settings, {args.database}; {machine()}; the clients run on the same machine"
    )
    print(f"Probe: GET {PROBE_PATH} at {PROBE_HOST}, one client, a pause of {args.interval:g} s")
    print(f"{'':<28} {'requests':>8} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'alone':<28} {len(alone):>8} {pct(alone, 0.5):>10.1f} {pct(alone, 0.95):>8.1f}")
    print(f"{'4 slow admin requests':<28} {len(loaded):>8} {pct(loaded, 0.5):>10.1f} "
          f"{pct(loaded, 0.95):>8.1f}")  # fmt: skip
    added_median = pct(loaded, 0.5) - pct(alone, 0.5)
    added_p95 = pct(loaded, 0.95) - pct(alone, 0.95)
    print("Slow admin requests meanwhile (each client back to back):")
    for label, seconds in slow.items():
        print(f"  {label:<40} {len(seconds):>3} × median {statistics.median(seconds):.2f} s")
    verdict = "meets" if added_p95 <= 100 else "BELOW"
    print(
        f"\nAdded delay: median {added_median:+.1f} ms, p95 {added_p95:+.1f} ms "
        f"({verdict} the ≤ 100 ms target, judged on the p95)"
    )


if __name__ == "__main__":
    sys.exit(main())
