"""The secretaries' lists at the size of a network: counts capped, searches without joins,
visibility worked out on the link tables, filter choices cached."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.models import Channel, Message
from portal.paginator import CappedPaginator
from recovery.models import ContactRequest, Flow, Outcome, RecoveryEvent, RecoveryRequest
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import SchoolFactory, UserFactory, link_guardian
from tests.payments.conftest import invite, make_activity

pytestmark = pytest.mark.django_db

REQUESTS_URL = "/admin/recovery/recoveryrequest/"
INVITATIONS_URL = "/admin/payments/invitation/"


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 5 rows and pages of 2, so that a handful of rows behave like a network's."""
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    monkeypatch.setattr("recovery.admin.RecoveryRequestAdmin.list_per_page", 2)


def requests_for(tenant, user, count: int) -> None:
    for n in range(count):
        RecoveryRequest.objects.create(
            tenant=tenant, flow=Flow.IDENTIFIER, user=user, login=f"login-{n}",
            outcome=Outcome.MAIL_SENT,
        )  # fmt: skip


def test_a_list_longer_than_the_cap_says_there_are_more_and_stops_its_pages_there(
    small_cap, secretary_client, tenant_a, parent
):
    requests_for(tenant_a, parent, 8)
    html = secretary_client.get(REQUESTS_URL).content.decode()
    assert "plus de 5 demandes de récupération" in html
    assert "affinez la recherche ou utilisez un filtre" in html
    # page 3 (rows 5-6) is the last one offered; page 4 would be past the cap
    assert secretary_client.get(f"{REQUESTS_URL}?p=3").status_code == 200
    past = secretary_client.get(f"{REQUESTS_URL}?p=4")
    assert past.status_code == 302 and "e=1" in past["Location"]


def test_a_list_within_the_cap_counts_exactly_and_offers_select_all(
    small_cap, secretary_client, tenant_a, parent
):
    requests_for(tenant_a, parent, 4)
    html = secretary_client.get(REQUESTS_URL).content.decode()
    assert "4 demandes de récupération" in html
    assert "plus de" not in html


def test_select_all_is_offered_only_when_every_match_is_counted(
    small_cap, monkeypatch, secretary_client, tenant_a, school_a
):
    monkeypatch.setattr("recovery.admin.RecoveryPersonAdmin.list_per_page", 2)
    for _ in range(3):  # and the secretary herself: 4 people
        UserFactory(tenant=tenant_a, is_student=True, schools=[school_a])
    html = secretary_client.get("/admin/accounts/user/").content.decode()
    assert "Sélectionner tous les 4 personnes" in html
    for _ in range(4):
        UserFactory(tenant=tenant_a, is_student=True, schools=[school_a])
    html = secretary_client.get("/admin/accounts/user/").content.decode()
    # no "select all 5" that would act on 8 people
    assert "plus de 5 personnes" in html and "Sélectionner tous les 5" not in html


def test_pages_show_the_rows_in_order_without_gaps(small_cap, secretary_client, tenant_a, parent):
    requests_for(tenant_a, parent, 5)
    seen = []
    for page in (1, 2, 3):
        html = secretary_client.get(f"{REQUESTS_URL}?p={page}&o=3").content.decode()
        seen += [f"login-{n}" for n in range(5) if f">login-{n}<" in html]
    assert sorted(seen) == [f"login-{n}" for n in range(5)]


def test_a_page_costs_the_same_queries_whatever_the_rows(
    small_cap, secretary_client, tenant_a, parent
):
    def queries() -> int:
        secretary_client.get(REQUESTS_URL)
        with CaptureQueriesContext(connection) as captured:
            assert secretary_client.get(f"{REQUESTS_URL}?p=2").status_code == 200
        return len(captured.captured_queries)

    requests_for(tenant_a, parent, 4)
    few = queries()
    requests_for(tenant_a, parent, 20)
    assert queries() == few


def test_the_invitations_search_finds_by_child_parent_or_activity_with_every_word(
    secretary_client, tenant_a, tenant_b, school_a, school_b, parent, child1, child2
):
    museum = make_activity(tenant=tenant_a, school=school_a, title="Musée du jouet")
    swimming = make_activity(tenant=tenant_a, school=school_a, title="Piscine")
    invite(museum, child1, parent)  # Camille Muller, paid by Jacqueline Dubois
    invite(swimming, child2, parent)  # Nolan Muller
    other_parent = UserFactory(tenant=tenant_a, first_name="Marc", last_name="Peeters")
    other_child = UserFactory(
        tenant=tenant_a, first_name="Lina", last_name="Peeters", is_student=True,
        schools=[school_a],
    )  # fmt: skip
    link_guardian(other_parent, other_child)
    invite(swimming, other_child, other_parent)
    # another network's Muller is never found
    stranger = UserFactory(tenant=tenant_b, first_name="Camille", last_name="Muller")
    invite(make_activity(tenant=tenant_b, school=school_b, title="Piscine"), stranger, stranger)

    def found(term: str) -> list[str]:
        html = secretary_client.get(INVITATIONS_URL, {"q": term}).content.decode()
        names = ["Muller Camille", "Muller Nolan", "Peeters Lina"]
        return [name for name in names if name in html]

    assert found("muller") == ["Muller Camille", "Muller Nolan"]  # the child's name
    assert found("dubois") == ["Muller Camille", "Muller Nolan"]  # the paying parent's
    assert found("piscine") == ["Muller Nolan", "Peeters Lina"]  # the activity's title
    assert found("piscine muller") == ["Muller Nolan"]  # every word must match
    assert found('"du jouet"') == ["Muller Camille"]  # a quoted phrase is one word
    assert found("personne") == []
    page = secretary_client.get(INVITATIONS_URL, {"q": "muller"}).content.decode()
    assert "2 résultats" in page or "2 results" in page


def test_the_invitations_search_joins_no_people_table(
    secretary_client, tenant_a, school_a, parent, child1
):
    invite(make_activity(tenant=tenant_a, school=school_a), child1, parent)
    with CaptureQueriesContext(connection) as captured:
        secretary_client.get(INVITATIONS_URL, {"q": "muller"})
    searches = [q["sql"] for q in captured.captured_queries if "LIKE" in q["sql"]]
    assert searches
    # the names are searched in a subquery of people (aliased U0), not on joined rows
    assert not [sql for sql in searches if '"accounts_user"."last_name"' in sql.split("WHERE")[1]]


def test_a_secretary_sees_the_logs_of_her_schools_people_and_their_guardians_only(
    secretary_client, tenant_a, school_a, parent, child1
):
    elsewhere = SchoolFactory(tenant=tenant_a, name="École Ailleurs", code="AILL1")
    stranger = UserFactory(tenant=tenant_a, identifier="inconnu.ailleurs", schools=[elsewhere])
    for user in (parent, child1, stranger):
        RecoveryEvent.objects.create(
            tenant=tenant_a, flow=Flow.IDENTIFIER, kind="link_sent", user=user,
            outcome=Outcome.MAIL_SENT,
        )  # fmt: skip
    html = secretary_client.get("/admin/recovery/recoveryevent/").content.decode()
    assert "Dubois Jacqueline" in html  # a guardian of her school's student
    assert "Muller Camille" in html  # her school's student
    assert str(stranger) not in html


def test_a_network_administrator_sees_every_message_and_contact_request_of_her_network(
    tenant_a, school_a, parent
):
    admin = UserFactory(
        tenant=tenant_a, is_tenant_admin=True, is_secretary=True, schools=[school_a]
    )
    client = verified_admin_client(admin, HOST_A)
    elsewhere = SchoolFactory(tenant=tenant_a, name="École Ailleurs", code="AILL1")
    stranger = UserFactory(tenant=tenant_a, identifier="inconnu.ailleurs", schools=[elsewhere])
    for user, to in ((parent, "pour-parent@example.be"), (stranger, "pour-autre@example.be")):
        Message.objects.create(
            tenant=tenant_a, user=user, channel=Channel.EMAIL, template="t", to=to
        )
    Message.objects.create(tenant=tenant_a, channel=Channel.EMAIL, template="t", to="sans@x.be")
    messages_html = client.get("/admin/outbox/message/").content.decode()
    assert "3 messages" in messages_html
    ContactRequest.objects.create(tenant=tenant_a, login="quelquun@example.be")
    ContactRequest.objects.create(tenant=tenant_a, login="autre", user=stranger)
    contacts_html = client.get("/admin/recovery/contactrequest/").content.decode()
    assert "quelquun@example.be" in contacts_html and str(stranger) in contacts_html


def test_the_class_filter_offers_the_classes_she_sees_and_keeps_them_a_while(
    secretary_client, tenant_a, school_a
):
    elsewhere = SchoolFactory(tenant=tenant_a, name="École Ailleurs", code="AILL1")
    UserFactory(tenant=tenant_a, is_student=True, classroom="3A", schools=[school_a])
    UserFactory(tenant=tenant_a, is_student=True, classroom="9Z", schools=[elsewhere])
    html = secretary_client.get("/admin/accounts/user/").content.decode()
    assert "?classroom=3A" in html
    # a random token (CSRF) may contain "9Z": look for the filter link and a table cell
    assert "?classroom=9Z" not in html
    assert ">9Z<" not in html
    # a new class shows after the cache's few minutes, not on the next page
    UserFactory(tenant=tenant_a, is_student=True, classroom="4B", schools=[school_a])
    assert "?classroom=4B" not in secretary_client.get("/admin/accounts/user/").content.decode()
    cache.clear()
    assert "?classroom=4B" in secretary_client.get("/admin/accounts/user/").content.decode()
    filtered = secretary_client.get("/admin/accounts/user/", {"classroom": "3A"})
    assert filtered.status_code == 200
    assert "1 personne" in filtered.content.decode()
