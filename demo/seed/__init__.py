"""Demo data, shaped like the seeds (CARTABLE_DEMO=1 only): tenants, their people, then the
payments at `creos`. Running it again changes nothing."""

from django.conf import settings
from django.db import transaction

from demo.seed.payments import payments_seed
from demo.seed.people import DEMO_PASSWORD, people_seed
from demo.seed.tenants import TENANTS, tenant_seed

__all__ = ["DEMO_PASSWORD", "seed_demo"]


@transaction.atomic
def seed_demo() -> dict[str, int]:
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo data is only created with CARTABLE_DEMO=1.")
    tenants = {spec["slug"]: tenant_seed(spec=spec) for spec in TENANTS}
    people = people_seed(tenants=tenants)
    payments_seed()
    return {"tenants": len(tenants), "people": people}
