"""One search box: every key finds the right people, only within the viewer's tenant and
schools (DESIGN.md §1: an outsider of another tenant finds nothing)."""

import pytest

from accounts.models import User
from helpdesk.selectors.search import person_search
from tests.helpdesk.conftest import HELPDESK, card_url

pytestmark = pytest.mark.django_db

# (what the secretary types, who must be found)
KEYS = [
    ("jacqueline.dubois", "jacqueline.dubois"),  # identifier
    ("JACQUELINE", "jacqueline.dubois"),  # first name, any case
    ("Dubois Jacqueline", "jacqueline.dubois"),  # every word, in any order
    ("jacqueline@example", "jacqueline.dubois"),  # e-mail
    ("camille.muller@eleves", "camille.muller"),  # school mailbox
    ("3100111222", "camille.muller"),  # student number, exact
    ("31001112", "camille.muller"),  # student number, its beginning
    ("67", "jacqueline.dubois"),  # the end of the recovery phone
    ("3467", "jacqueline.dubois"),
    ("12 34 67", "jacqueline.dubois"),  # spaces typed as on paper
]


@pytest.fixture
def cast(parent, parent_phone, numbered_child, secretary, outsider):
    return parent


def _found(client, query: str) -> str:
    response = client.get(HELPDESK, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("query", "identifier"), KEYS)
def test_every_key_finds_the_person(secretary_client, cast, query, identifier):
    # given the secretary of school A; when she types one search key
    page = _found(secretary_client, query)
    # then the person is listed, with a link to her card
    person = User.objects.get(identifier=identifier)
    assert card_url(person) in page
    assert person.identifier in page


@pytest.mark.parametrize(("query", "identifier"), KEYS)
def test_outsider_finds_nobody_of_tenant_a_by_any_key(
    outsider_admin_client, outsider, tenant_a, tenant_b, cast, query, identifier
):
    # given tenant B's secretary; when she types tenant A's values
    page = _found(outsider_admin_client, query)
    # then nothing of tenant A shows, by the page or by the selector at either tenant
    person = User.objects.get(identifier=identifier)
    assert card_url(person) not in page
    assert "/admin/helpdesk/personne/" not in page  # no result row at all
    assert "Aucune personne trouvée" in page
    assert not person_search(viewer=outsider, tenant=tenant_b, query=query)
    assert not person_search(viewer=outsider, tenant=tenant_a, query=query)


OTHER_SCHOOL_KEYS = ["marc.legrand", "Marc Legrand", "marc.legrand@example", "88", "5555588",
                     "3100999888", "3100999", "Legrand"]  # fmt: skip


@pytest.mark.parametrize("query", OTHER_SCHOOL_KEYS)
def test_school_limited_secretary_finds_nobody_of_another_school(
    secretary_client, secretary, tenant_a, other_school_person, other_school_student, query
):
    page = _found(secretary_client, query)
    assert card_url(other_school_person) not in page
    assert card_url(other_school_student) not in page
    assert not person_search(viewer=secretary, tenant=tenant_a, query=query)


@pytest.mark.parametrize("query", OTHER_SCHOOL_KEYS)
def test_tenant_admin_finds_every_school(
    tenant_admin_client, other_school_person, other_school_student, query
):
    page = _found(tenant_admin_client, query)
    assert card_url(other_school_person) in page or card_url(other_school_student) in page


def test_one_digit_does_not_search_phones(secretary, tenant_a, cast):
    assert not person_search(viewer=secretary, tenant=tenant_a, query="7")


def test_guardian_of_a_school_student_is_found(secretary, tenant_a, school_a2, cast):
    """A parent attached to no school is still found through her child's school."""
    cast.schools.set([])
    assert list(person_search(viewer=secretary, tenant=tenant_a, query="dubois")) == [cast]


def test_empty_search_shows_the_week_and_no_results(secretary_client, cast):
    page = _found(secretary_client, "")
    assert "Les 7 derniers jours" in page
    assert card_url(cast) not in page


def test_search_lists_many_people_in_few_queries(
    secretary_client, tenant_a, school_a, cast, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    for n in range(15):
        UserFactory(tenant=tenant_a, last_name=f"Dubois{n}", schools=[school_a], is_parent=True)
    with django_assert_max_num_queries(15):
        page = _found(secretary_client, "dubois")
    assert page.count("/admin/helpdesk/personne/") == 16


def test_parent_without_admin_access_is_sent_to_the_admin_login(client_a, parent):
    client_a.force_login(parent)
    response = client_a.get(HELPDESK, {"q": "dubois"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_platform_superuser_on_the_platform_host_finds_every_tenant_but_no_platform_account(
    cast, outsider
):
    from tests.conftest import verified_admin_client

    root = User.objects.create_superuser("root", "x")
    client = verified_admin_client(root, "localhost")
    page = _found(client, "o")  # in "jacqueline.dubois", "outsider" and "root"
    assert card_url(cast) in page and card_url(outsider) in page
    assert card_url(root) not in page
    assert client.get(card_url(cast)).status_code == 200
    assert client.get(card_url(root)).status_code == 404
