import pytest

from payments.models import Invitation
from payments.paging import counted_page
from tests.payments.conftest import invite, make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty(tenant_a, school_a, child1, parent):
    for i in range(60):
        invite(make_activity(tenant=tenant_a, school=school_a, title=f"A{i:02d}"), child1, parent)
    return Invitation.objects.order_by("pk").values("pk")


def test_pages_carry_their_total_in_one_query(sixty, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(sixty, "2", per_page=25)
    assert page.count == 60 and page.num_pages == 3 and len(page.object_list) == 25
    assert page.has_previous() and page.has_next() and page.next_page_number() == 3
    assert set(page.object_list[0]) == {"pk"}


@pytest.mark.parametrize(("asked", "number", "rows"), [("x", 1, 25), ("-4", 1, 25), ("99", 3, 10)])
def test_odd_page_numbers_fall_back(sixty, asked, number, rows):
    page = counted_page(sixty, asked, per_page=25)
    assert (page.number, len(page.object_list)) == (number, rows)


def test_empty_listing(db):
    page = counted_page(Invitation.objects.values("pk"), None, per_page=25)
    assert page.count == 0 and not page.has_other_pages()


def test_invitations_page_shows_the_pager(parent_client, sixty):
    html = parent_client.get("/paiements/invitations/?page=3").content.decode()
    assert "60 invitations en attente" in html and "Page 3 sur 3" in html
