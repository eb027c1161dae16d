"""The standing cast: a parent with two children and a secretary at tenant A, and an outsider
at tenant B who must get a 404 everywhere (DESIGN.md §1)."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, SchoolFactory, TenantFactory, UserFactory, link_guardian

# slapd and directory_store (issue 14), for the directory and browser tests
pytest_plugins = ["tests.directory_fixtures"]

HOST_A = "alpha.localhost"
HOST_B = "beta.localhost"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Host lookups and rate limits are cached: every test starts with an empty cache. On Redis
    this flushes the xdist worker's own database (portal/settings_test.py)."""
    from django.core.cache import cache

    from portal.cache import cache_outages_reset
    from portal.celery import publish_breaker
    from tenants.selectors import tenant_cache_clear

    cache_outages_reset()
    publish_breaker().reset()
    cache.clear()
    tenant_cache_clear()
    yield
    cache_outages_reset()
    publish_breaker().reset()
    cache.clear()
    tenant_cache_clear()


@pytest.fixture(autouse=True)
def task_failures():
    """Eager tasks raise into their caller (CELERY_TASK_EAGER_PROPAGATES), but a caller may catch
    everything (a broker outage must not break a page): a task that raised fails the test anyway.
    Celery signals an eager task's propagated error as `task_internal_error`. A test that expects
    a task to fail asserts on this list and empties it."""
    from celery.signals import task_failure, task_internal_error

    failures: list[str] = []

    def record(sender=None, exception=None, **_kwargs) -> None:
        failures.append(f"{sender.name}: {exception!r}")

    for signal in (task_failure, task_internal_error):
        signal.connect(record, weak=False)
    yield failures
    for signal in (task_failure, task_internal_error):
        signal.disconnect(record)
    if failures:
        pytest.fail("a Celery task raised:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
def unreachable_broker():
    """This process's Celery publishes to a Redis port where nothing listens, without retrying."""
    from portal.celery import app

    keys = ["broker_url", "task_always_eager", "task_publish_retry"]
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0", task_always_eager=False, task_publish_retry=False
    )
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.update(saved)
    app._pool, app.amqp._producer_pool = None, None


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def tenant_a(db):
    return TenantFactory(slug="alpha", display_name="Réseau Alpha", primary_colour="#123456")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(slug="beta", display_name="Réseau Bêta", primary_colour="#654321")


@pytest.fixture
def school_a(tenant_a):
    return SchoolFactory(tenant=tenant_a, name="École Alpha", code="ALPHA1")


@pytest.fixture
def school_a2(tenant_a):
    return SchoolFactory(tenant=tenant_a, name="École Alpha 2", code="ALPHA2")


@pytest.fixture
def school_b(tenant_b):
    return SchoolFactory(tenant=tenant_b, name="École Bêta", code="BETA1")


@pytest.fixture
def child1(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="camille.muller", first_name="Camille", last_name="Muller",
        is_student=True, schools=[school_a], email="",
    )  # fmt: skip


@pytest.fixture
def child2(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="nolan.muller", first_name="Nolan", last_name="Muller",
        is_student=True, schools=[school_a], email="",
    )  # fmt: skip


@pytest.fixture
def parent(tenant_a, school_a, child1, child2):
    user = UserFactory(
        tenant=tenant_a, identifier="jacqueline.dubois", first_name="Jacqueline",
        last_name="Dubois", email="jacqueline@example.be", is_parent=True, schools=[school_a],
    )  # fmt: skip
    link_guardian(user, child1)
    link_guardian(user, child2)
    return user


@pytest.fixture
def secretary(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="secretariat", first_name="Sophie", last_name="Lambert",
        is_secretary=True, is_school_staff=True, schools=[school_a],
    )  # fmt: skip


@pytest.fixture
def outsider(tenant_b, school_b):
    return UserFactory(
        tenant=tenant_b, identifier="outsider", first_name="Olivier", last_name="Dehors",
        is_parent=True, is_secretary=True, schools=[school_b],
    )  # fmt: skip


@pytest.fixture
def client_a() -> Client:
    return Client(HTTP_HOST=HOST_A)


@pytest.fixture
def client_b() -> Client:
    return Client(HTTP_HOST=HOST_B)


def verified_admin_client(user, host: str) -> Client:
    """A client logged in as `user` at `host` whose session passed the TOTP second factor."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def secretary_client(secretary) -> Client:
    return verified_admin_client(secretary, HOST_A)


@pytest.fixture
def outsider_admin_client(outsider) -> Client:
    return verified_admin_client(outsider, HOST_B)


@pytest.fixture(autouse=True)
def _no_tenant_scope_in_test_bodies():
    """Test bodies build and inspect rows of several tenants; what they drive (requests, tasks)
    opens its own scope (tenants.scoping), exactly as in production."""
    from tenants.scoping import scopes_disabled

    with scopes_disabled():
        yield
