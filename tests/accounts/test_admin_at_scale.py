"""The person page stays the same size however many pupils the school has: the child of a
guardian link is picked with a search box (the admin's autocomplete), which offers only the
pupils the secretary may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, link_guardian

pytestmark = pytest.mark.django_db


def person_page(client, person) -> bytes:
    response = client.get(f"/admin/accounts/user/{person.pk}/change/")
    assert response.status_code == 200
    return response.content


def autocomplete(client, term: str) -> list[str]:
    response = client.get(
        "/admin/autocomplete/",
        {
            "term": term,
            "app_label": "accounts",
            "model_name": "guardianlink",
            "field_name": "child",
        },
    )
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_the_parent_page_does_not_grow_with_the_pupils(
    secretary_client, parent, tenant_a, school_a
):
    before = len(person_page(secretary_client, parent))
    UserFactory.create_batch(
        60, tenant=tenant_a, is_student=True, schools=[school_a], last_name="Élève"
    )
    after = len(person_page(secretary_client, parent))
    assert abs(after - before) < 200  # a CSRF token's worth, not 60 <option>s


def test_the_child_search_offers_only_pupils_the_secretary_sees(
    secretary_client, tenant_a, school_a, school_a2, tenant_b, school_b, parent
):
    UserFactory(tenant=tenant_a, is_student=True, schools=[school_a], last_name="Martinez")
    UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a], last_name="Martinez-Parent")
    UserFactory(
        tenant=tenant_a, is_student=True, schools=[school_a2], last_name="Martinez-Ailleurs"
    )
    UserFactory(tenant=tenant_b, is_student=True, schools=[school_b], last_name="Martinez-Beta")
    assert [name.split()[0] for name in autocomplete(secretary_client, "martinez")] == ["Martinez"]


def test_a_child_that_is_not_a_pupil_is_refused(secretary_client, parent, tenant_a, school_a):
    adult = UserFactory(tenant=tenant_a, is_parent=True, schools=[school_a])
    response = secretary_client.post(
        f"/admin/accounts/user/{parent.pk}/change/",
        {
            "identifier": parent.identifier, "first_name": parent.first_name,
            "last_name": parent.last_name, "email": parent.email, "is_parent": "on",
            "schools": [school_a.pk], "is_active": "on", "is_migrated": "on",
            "child_links-TOTAL_FORMS": "1", "child_links-INITIAL_FORMS": "0",
            "child_links-0-child": adult.pk, "child_links-0-is_paying": "on",
        },
    )  # fmt: skip
    assert response.status_code == 200  # the form again, with its error
    assert not parent.child_links.filter(child=adult).exists()


def test_the_existing_children_are_shown_on_the_parent_page(secretary_client, parent, child1):
    assert child1.get_full_name().encode() in person_page(secretary_client, parent) or (
        str(child1).encode() in person_page(secretary_client, parent)
    )


def test_the_persons_list_costs_the_same_queries_without_distinct_however_many_people(
    secretary_client, parent, tenant_a, school_a
):
    def list_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = secretary_client.get("/admin/accounts/user/", {"q": "o"})
        assert response.status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    list_queries()  # warm: the host's tenant is cached after the first request
    few = list_queries()
    for _ in range(15):
        child = UserFactory(tenant=tenant_a, is_student=True, schools=[school_a])
        link_guardian(UserFactory(tenant=tenant_a, is_parent=True), child)
    many = list_queries()
    assert len(many) == len(few)
    # the "people of her schools and their guardians" rule adds no DISTINCT over every column
    # (the class filter's DISTINCT over one column stays)
    assert not [sql for sql in many if 'SELECT DISTINCT "accounts_user"."id"' in sql]
