"""Issue 12, the fuzz pass: every URL pattern, every form a page shows and every query parameter
it reads (or that the portal's pages read anywhere), sent a table of hostile values — numbers
past 64 bits, NUL and control characters, 10 kB strings, duplicated fields, a file where text is
expected, dates at the ends of the calendar. No answer may be a 5xx.

As an anonymous visitor, a signed-in parent and a network administrator in the admin (TOTP
passed). Sampled with a fixed seed (CARTABLE_FUZZ_SEED), bounded to about a minute per database
on two cores."""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.test import Client

from payments.models import Activity, ActivityKind
from payments.services.wallets import wallet_get_or_create
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory
from tests.payments.conftest import fund, invite, make_activity
from tests.portal.fuzz import HUGE, SEED, Fuzzer, fill, routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(tenant_a, school_a, parent, child1, outsider, django_capture_on_commit_callbacks):
    """Every feature on, and one row of most kinds, so that the pages of one object have an
    object to show."""
    tenant_a.two_step_reset = tenant_a.student_mailbox_reset = tenant_a.numen_lookup = True
    tenant_a.save()
    museum = make_activity(tenant=tenant_a, school=school_a)
    handball = make_activity(
        tenant=tenant_a, school=school_a, title="Handball", kind=ActivityKind.OPTIONAL
    )
    invite(museum, child1, parent)
    invite(handball, child1, parent)
    fund(wallet_get_or_create(tenant=tenant_a, owner=parent), 2000)
    admin = UserFactory(
        tenant=tenant_a, identifier="admin.reseau", is_tenant_admin=True, is_secretary=True,
        is_school_staff=True, schools=[school_a],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_HOST=HOST_A).post(
            "/mot-de-passe-oublie/", {"method": "identifier", "login": parent.identifier}
        )
    return {"admin": admin, "activity": museum, "parent": parent}


def route_values(route: str) -> dict[str, list[str]]:
    """Values for a route's converters: a real row's key where the route names its model, then
    keys that cannot exist and hostile strings."""
    real: list[str] = []
    parts = route.split("/")
    if parts[0] == "admin" and len(parts) > 3 and apps.all_models.get(parts[1], {}).get(parts[2]):
        model = apps.get_model(parts[1], parts[2])
        first = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
        real = [str(first)] if first is not None else []
    elif "helpdesk/personne" in route:
        real = [str(apps.get_model("accounts", "User").objects.order_by("pk").first().pk)]
    elif route.startswith("paiements/invitations/"):
        real = [str(apps.get_model("payments", "Invitation").objects.order_by("pk").first().pk)]
    elif route.startswith("dev-inbox/<"):
        first = apps.get_model("outbox", "Message").objects.order_by("pk").first()
        real = [str(first.pk)] if first else []
    return {
        "int": [*real, "0", HUGE],
        "path": [*real, HUGE, "-1", "\x00", "x" * 300, "é🙂"],
        "str": ["sms", "email", "x" * 300, "\x00", "é🙂"],
        "kind": ["sms", "email", "voice", "\x00"],
        "token": ["x" * 300, "\x00"],
        "secret": ["x" * 300, "\x00", "é🙂"],
    }


def paths(prefix_filter, rng, *, others: int = 2) -> list[tuple[str, bool]]:
    """(path, deep) for each route: its first filling (a real row where there is one) is
    explored deeply; `others` other fillings (keys that cannot exist, hostile text) are
    visited. An admin object's history and its bare address (a redirect to the change page)
    are visited only with the real row."""
    found: list[tuple[str, bool]] = []
    for route, _pattern in routes():
        if prefix_filter(route):
            first, *rest = fill(route, route_values(route))
            found.append((first, True))
            if route.endswith(("/history/", "<path:object_id>/")):
                continue
            found += [(path, False) for path in rng.sample(rest, min(others, len(rest)))]
    return found


def run(fuzzer: Fuzzer, path_list: list[tuple[str, bool]]) -> None:
    started = time.monotonic()
    for path, deep in path_list:
        fuzzer.crawl(path, deep=deep)
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {fuzzer.sent} requests in {elapsed:.1f} s (seed {SEED})")
    report = "\n".join(str(failure) for failure in fuzzer.failures[:40])
    assert not fuzzer.failures, f"{len(fuzzer.failures)} answers were 5xx (seed {SEED}):\n{report}"


def public(route: str) -> bool:
    return not route.startswith(("admin/", "_floor"))


def test_no_5xx_for_an_anonymous_visitor(cast):
    fuzzer = Fuzzer(Client(HTTP_HOST=HOST_A, raise_request_exception=False), per_page=20)
    run(fuzzer, paths(public, fuzzer.rng))


def test_no_5xx_in_the_middle_of_a_recovery_flow(cast):
    """A visitor who typed an address in the two-step flow sees its later steps' forms."""
    client = Client(HTTP_HOST=HOST_A, raise_request_exception=False)
    client.post("/compte-inaccessible/", {"address": "inconnu@example.be"})
    fuzzer = Fuzzer(client, per_page=15)
    run(fuzzer, paths(lambda route: route.startswith("compte-inaccessible/"), fuzzer.rng))


def test_no_5xx_for_a_signed_in_parent(cast):
    client = Client(HTTP_HOST=HOST_A, raise_request_exception=False)
    client.force_login(cast["parent"])
    fuzzer = Fuzzer(client, per_page=15)
    run(fuzzer, paths(public, fuzzer.rng))


def test_no_5xx_in_the_admin(cast):
    client = verified_admin_client(cast["admin"], HOST_A)
    client.raise_request_exception = False
    fuzzer = Fuzzer(client, per_page=5)
    run(fuzzer, paths(lambda route: route.startswith("admin/"), fuzzer.rng, others=1))


def test_the_fuzzer_sees_a_500(cast, monkeypatch):
    """The machinery itself: a page that raises is reported, with its exception."""
    from payments import views

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(views, "_month", broken)
    client = Client(HTTP_HOST=HOST_A, raise_request_exception=False)
    client.force_login(cast["parent"])
    fuzzer = Fuzzer(client)
    fuzzer.request("GET", "/paiements/calendrier/")
    assert [failure.error for failure in fuzzer.failures] == ["RuntimeError: broken on purpose"]
    assert Activity.objects.exists()
