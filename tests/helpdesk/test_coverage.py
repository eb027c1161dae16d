"""Recovery methods coverage on the help desk (issue 13): per school and method, the front
page's figure, the list of who registered — only within the secretary's schools, never another
tenant's, in a constant number of queries."""

import pytest

from accounts.models import User
from helpdesk.selectors.coverage import methods_coverage, methods_coverage_people
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tests.conftest import HOST_A, HOST_B, verified_admin_client
from tests.factories import UserFactory
from tests.helpdesk.conftest import HELPDESK

pytestmark = pytest.mark.django_db

COVERAGE = f"{HELPDESK}methodes/"


def _phone(user, confirmed=True):
    return PhoneDevice.objects.create(
        user=user, name="phone", number="+32470123467", confirmed=confirmed
    )


def _email(user, confirmed=True):
    return SecondaryEmailDevice.objects.create(
        user=user, name="email", email="perso@example.be", confirmed=confirmed
    )


@pytest.fixture
def cast(tenant_a, school_a, school_a2, parent, child1, child2, secretary, outsider):
    """School A: the parent (phone + address), the secretary (phone only), a parent with a
    pending phone only, two students (not counted). School A2: a parent with an address only,
    and a person of both schools with a phone. Tenant B: the outsider with both."""
    _phone(parent)
    _email(parent)
    _phone(secretary)
    pending = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a], last_name="Attente")
    _phone(pending, confirmed=False)
    _phone(child1)  # a student's phone is not counted: students are not asked
    other = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a2], last_name="Autre")
    _email(other)
    both = UserFactory(
        tenant=tenant_a, is_school_staff=True, schools=[school_a, school_a2], last_name="Deux"
    )
    _phone(both)
    UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a], is_active=False)
    _phone(outsider)
    _email(outsider)
    return {"pending": pending, "other": other, "both": both}


def _rows(coverage) -> dict[str, tuple[int, int, int, int]]:
    return {r.name: (r.people, r.phone, r.email, r.enough) for r in coverage.schools}


def test_figures_per_school_and_method_for_the_network_admin(cast, tenant_a, school_a):
    admin = UserFactory(tenant=tenant_a, is_tenant_admin=True)
    coverage = methods_coverage(viewer=admin, tenant=tenant_a)
    # School A: parent, secretary, pending, both (students and the inactive parent not counted)
    assert _rows(coverage) == {"École Alpha": (4, 3, 1, 1), "École Alpha 2": (2, 1, 1, 0)}
    # the total counts the person of two schools once (admin has no school: not counted)
    total = coverage.total
    assert (total.people, total.phone, total.email, total.enough) == (5, 3, 2, 1)
    assert total.percent == 20 and total.missing == 4


def test_one_method_is_enough_where_the_tenant_asks_for_one(cast, tenant_a):
    tenant_a.two_step_methods_required = 1
    tenant_a.save()
    admin = UserFactory(tenant=tenant_a, is_tenant_admin=True)
    coverage = methods_coverage(viewer=admin, tenant=tenant_a)
    assert _rows(coverage) == {"École Alpha": (4, 3, 1, 3), "École Alpha 2": (2, 1, 1, 2)}
    assert coverage.total.enough == 4


def test_a_secretary_sees_only_her_schools(cast, tenant_a, secretary):
    coverage = methods_coverage(viewer=secretary, tenant=tenant_a)
    assert _rows(coverage) == {"École Alpha": (4, 3, 1, 1)}
    assert coverage.total.people == 4


def test_tenant_isolation(cast, tenant_a, tenant_b, outsider):
    coverage = methods_coverage(viewer=outsider, tenant=tenant_b)
    assert _rows(coverage) == {"École Bêta": (1, 1, 1, 1)}
    # tenant A's secretary asking at tenant B's host sees nothing
    assert methods_coverage(viewer=cast["both"], tenant=tenant_b).schools == []


def test_people_lists_per_method(cast, parent, secretary, school_a, tenant_a):
    def names(method):
        people = methods_coverage_people(school=school_a, method=method, required=2)
        return [p.pk for p in people]

    both = cast["both"]
    assert names("phone") == [both.pk, parent.pk, secretary.pk]  # Deux, Dubois, Nom…
    assert names("email") == [parent.pk]
    assert names("enough") == [parent.pk]
    assert set(names("missing")) == {cast["pending"].pk, secretary.pk, both.pk}


def test_coverage_page_shows_her_schools_only(cast, secretary_client):
    page = secretary_client.get(COVERAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "École Alpha" in html and "École Alpha 2" not in html
    assert "25 %" in html  # 1 of 4


def test_front_page_shows_the_figure(cast, secretary_client):
    html = secretary_client.get(HELPDESK).content.decode()
    assert "Méthodes de récupération enregistrées" in html
    assert "(1 sur 4)" in html
    assert f'href="{COVERAGE}"' in html


def test_people_list_page(cast, secretary_client, school_a, parent):
    page = secretary_client.get(f"{COVERAGE}ecole/{school_a.pk}/", {"method": "email"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Dubois Jacqueline" in html and "Lambert Sophie" not in html
    assert "1 personne" in html


def test_another_school_or_tenant_is_404(cast, secretary_client, school_a2, school_b):
    assert secretary_client.get(f"{COVERAGE}ecole/{school_a2.pk}/").status_code == 404
    assert secretary_client.get(f"{COVERAGE}ecole/{school_b.pk}/").status_code == 404


def test_outsider_cannot_see_tenant_a(cast, outsider, school_a):
    client = verified_admin_client(outsider, HOST_B)
    assert client.get(f"{COVERAGE}ecole/{school_a.pk}/").status_code == 404
    html = client.get(COVERAGE).content.decode()
    assert "École Alpha" not in html and "École Bêta" in html
    # and at tenant A's host, the outsider's session is worth nothing
    other = verified_admin_client(outsider, HOST_B)
    other.defaults["HTTP_HOST"] = HOST_A
    assert other.get(COVERAGE).status_code in (302, 404)


def test_unknown_method_is_a_clear_404(cast, secretary_client, school_a):
    response = secretary_client.get(f"{COVERAGE}ecole/{school_a.pk}/", {"method": "fax"})
    assert response.status_code == 404


def test_a_parent_gets_no_help_desk(cast, parent, client_a):
    client_a.force_login(parent)
    assert client_a.get(COVERAGE).status_code == 302


def test_query_counts_do_not_grow_with_people(cast, secretary_client, school_a, tenant_a):
    def measure(path, params=None) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert secretary_client.get(path, params or {}).status_code == 200
        return len(queries)

    page_url = f"{COVERAGE}ecole/{school_a.pk}/"
    measure(COVERAGE)  # the session's first request reads its device once
    before = (measure(COVERAGE), measure(page_url, {"method": "missing"}))
    for n in range(30):
        person = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a])
        if n % 2:
            _phone(person)
    after = (measure(COVERAGE), measure(page_url, {"method": "missing"}))
    assert after == before
    assert User.objects.filter(schools=school_a).count() > 30
