"""Activation letters (ISSUE 6): how long a print run takes.

On a throw-away SQLite database (temporary folder; migrations; one tenant, 500 people who never
activated), in one process, the way the admin and the Celery worker call the services:

1. one letter, cold: fonts and WeasyPrint's first rendering (printed, not counted);
2. `activation_letters_pdf` for 30 people — what the admin action returns directly — several
   times; prints the best and median time (target ≤ 3 s) and checks the PDF has 30 pages;
3. `activation_batch_run` for 500 people — the body of the Celery job, progress updates
   included — and prints pages per second and the process' resident memory before the job and
   at its peak (Linux `VmHWM`, reset just before the job).

Codes are issued and stored as in production (HMAC, bulk insert). No network; the temporary
files are removed at the end.

    .venv/bin/python bench/letters_batch.py [--small 30] [--large 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(folder: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "CARTABLE_VAR_DIR": str(folder),
            "DJANGO_MEDIA_ROOT": str(folder / "media"),
            "CARTABLE_DEMO": "1",
            "DJANGO_DEBUG": "1",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _people(count: int):
    from accounts.models import User
    from tenants.models import School, Tenant, TenantHost
    from tenants.scoping import tenant_scope

    tenant = Tenant.objects.create(
        slug="bench", name="Bench", display_name="CREOS", primary_colour="#1f5aa6",
        support_text="Un problème ? Contactez le secrétariat de votre école.",
    )  # fmt: skip
    TenantHost.objects.create(tenant=tenant, host="bench.localhost", is_primary=True)
    school = School.objects.create(tenant=tenant, name="École du Centre", code="CENTRE")
    User.objects.bulk_create(
        User(
            tenant=tenant,
            identifier=f"parent.{n:04d}",
            first_name="Camille",
            last_name=f"Dupont-{n:04d}",
            is_parent=True,
            password=f"!unusable{n}",
        )  # fmt: skip
        for n in range(count)
    )
    with tenant_scope(tenant):
        people = list(User.objects.filter(tenant=tenant).select_related("tenant").order_by("pk"))
        for person in people:
            person.schools.add(school)
    return tenant, people


def _rss_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM, so the next peak is the batch's alone."""
    Path("/proc/self/clear_refs").write_text("5")


def _pages(pdf: bytes) -> int:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return text.count("\f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=30, help="letters returned directly (30)")
    parser.add_argument("--large", type=int, default=500, help="letters of the batch job (500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the small batch (3)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cartable-letters-"))
    try:
        _setup(folder)
        from accounts.models import LetterBatch
        from recovery.activation.letters import activation_batch_run, activation_letters_pdf
        from tenants.scoping import tenant_scope

        tenant, people = _people(max(args.small, args.large))
        secretary = None
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU(s)")

        # The admin action runs in the request's tenant scope, the Celery job in its batch's.
        with tenant_scope(tenant):
            start = time.perf_counter()
            activation_letters_pdf(users=people[:1], by=secretary)
            print(f"cold start (fonts, first rendering): {time.perf_counter() - start:.2f} s")

            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                pdf = activation_letters_pdf(users=people[: args.small], by=secretary)
                times.append(time.perf_counter() - start)
                assert _pages(pdf) == args.small, "one page per person"
            best, median = min(times), statistics.median(times)
            verdict = "OK" if median <= 3.0 else "over"
            print(
                f"{args.small} letters (direct PDF): best {best:.2f} s, median {median:.2f} s "
                f"({verdict}: target ≤ 3 s), {len(pdf) / 1024:.0f} KiB"
            )

            batch = LetterBatch.objects.create(
                tenant=tenant, people=[p.pk for p in people[: args.large]], total=args.large
            )
            _reset_peak_rss()
            rss_before = _rss_mib("VmRSS")
            start = time.perf_counter()
            batch = activation_batch_run(batch_id=batch.pk)
            elapsed = time.perf_counter() - start
            peak = _rss_mib("VmHWM")
            assert batch.status == LetterBatch.Status.DONE, batch.error
            with batch.file.open("rb") as handle:
                pdf = handle.read()
            pages = _pages(pdf)
            assert pages == args.large, f"{pages} pages for {args.large} people"
            print(
                f"{args.large} letters (Celery job body): {elapsed:.1f} s, "
                f"{pages / elapsed:.1f} pages/s, {len(pdf) / 1024 / 1024:.1f} MiB"
            )
            print(
                f"  process RSS: {rss_before:.0f} MiB before the job, peak {peak:.0f} MiB "
                f"during it (+{peak - rss_before:.0f} MiB)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
