"""« Mes invitations » for a parent with 2 children and 500 invitations, against the floor page.

Prints the number of SQL queries of the page (with 10 and with 500 invitations: it must not grow)
and the median server time of the page and of `/_floor/` (an authenticated view rendering the
bare base template), measured in the same run, in the same process, alternately; target ≤ 2×.

    .venv/bin/python bench/payments_invitations.py [--runs 200] [--invitations 500] [--postgres]
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.payments_common import (  # noqa: E402
    django_env,
    logged_in_client,
    make_family,
    make_invitations,
    make_tenant,
    median_ms,
)


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--invitations", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    with django_env(postgres=args.postgres) as vendor:
        from django.urls import reverse

        from tenants.scoping import tenant_scope

        tenant, school = make_tenant()
        # Seeding and force_login read the tenant's rows; each request below opens its own scope.
        with tenant_scope(tenant):
            small_parent, small_kids = make_family(tenant, school, 1)
            make_invitations(tenant, school, small_parent, small_kids, 10)
            parent, kids = make_family(tenant, school, 2)
            make_invitations(tenant, school, parent, kids, args.invitations)

            page, floor = reverse("payments:invitations"), reverse("floor")
            small_client, client = logged_in_client(small_parent), logged_in_client(parent)
        for warm in (small_client, client):
            warm.get(page), warm.get(floor)
        queries_small = count_queries(small_client, page)
        queries_big = count_queries(client, page)
        queries_floor = count_queries(client, floor)

        # Alternate the two pages so that any drift of the machine hits both alike.
        page_ms, floor_ms = [], []
        for _ in range(5):
            chunk = max(args.runs // 5, 1)
            page_ms.append(median_ms(lambda: client.get(page), runs=chunk))
            floor_ms.append(median_ms(lambda: client.get(floor), runs=chunk))
        page_median = sorted(page_ms)[len(page_ms) // 2]
        floor_median = sorted(floor_ms)[len(floor_ms) // 2]

        print(f"database: {vendor}; Python {platform.python_version()} on {platform.machine()}")
        print(f"invitations page, parent with 2 children and {args.invitations} invitations")
        print(
            f"  SQL queries: {queries_small} with 10 invitations, {queries_big} with "
            f"{args.invitations} (floor page: {queries_floor})"
        )
        print(f"  median server time: {page_median:.2f} ms (floor {floor_median:.2f} ms)")
        ratio = page_median / floor_median
        verdict = "OK" if ratio <= 2 else "ABOVE TARGET"
        print(f"  ratio to the floor: {ratio:.2f}× (target ≤ 2×: {verdict})")
        if queries_big != queries_small:
            print("  WARNING: the number of queries grows with the number of invitations")


if __name__ == "__main__":
    main()
