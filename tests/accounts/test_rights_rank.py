"""Staff manage only people with fewer rights than their own, and a staff member's e-mail
changes only once the old address confirmed it (issue 12, item 4: a secretary could take over
a network administrator by changing her address, then sending herself a reset link)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import EmailChange, User
from outbox.models import Message
from tests.conftest import HOST_A, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_admin(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="admin.reseau", first_name="Nadia", last_name="Admin",
        email="nadia@reseau.example", is_tenant_admin=True, schools=[school_a],
    )  # fmt: skip


@pytest.fixture
def colleague(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="secretariat2", first_name="Paul", last_name="Collègue",
        email="paul@ecole.example", is_secretary=True, schools=[school_a],
    )  # fmt: skip


def change_url(person: User) -> str:
    return f"/admin/accounts/user/{person.pk}/change/"


def person_post(person: User, **changes) -> dict:
    data = {
        "identifier": person.identifier, "first_name": person.first_name,
        "last_name": person.last_name, "email": person.email,
        "schools": [s.pk for s in person.schools.all()],
        "is_parent": person.is_parent and "on", "is_student": person.is_student and "on",
        "is_school_staff": person.is_school_staff and "on",
        "is_secretary": person.is_secretary and "on",
        "is_tenant_admin": person.is_tenant_admin and "on",
        "is_active": person.is_active and "on", "is_migrated": person.is_migrated and "on",
        "legacy_id": "", "student_number": person.student_number, "classroom": "",
        "school_email": "", "numen": "",
        "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0",
        "child_links-MIN_NUM_FORMS": "0", "child_links-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data = {k: v for k, v in data.items() if v not in (False, None)}
    data.update(changes)
    return data


def test_a_secretary_cannot_change_or_deactivate_her_network_administrator(
    secretary_client, network_admin
):
    # given the secretary opens the network administrator's page: she sees it, read-only
    page = secretary_client.get(change_url(network_admin)).content.decode()
    assert "nadia@reseau.example" in page
    assert 'name="email"' not in page and 'name="is_active"' not in page

    # when she posts a new address and deactivates her anyway
    response = secretary_client.post(
        change_url(network_admin),
        person_post(network_admin, email="pirate@example.org", is_active=""),
    )

    # then it is refused and nothing changed
    assert response.status_code == 403
    network_admin.refresh_from_db()
    assert network_admin.email == "nadia@reseau.example" and network_admin.is_active


def test_a_secretary_cannot_change_a_colleague_of_the_same_rank(secretary_client, colleague):
    response = secretary_client.post(
        change_url(colleague), person_post(colleague, email="pirate@example.org")
    )
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"


def test_a_secretary_still_changes_a_parents_address_at_once(secretary_client, parent):
    response = secretary_client.post(
        change_url(parent), person_post(parent, email="nouvelle@example.be")
    )
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.email == "nouvelle@example.be"
    assert not EmailChange.objects.exists()


def test_the_reset_action_skips_people_of_her_rank_or_above(
    secretary_client, network_admin, colleague, parent
):
    response = secretary_client.post(
        "/admin/accounts/user/",
        {"action": "send_reset_link", "_selected_action": [network_admin.pk, colleague.pk,
                                                           parent.pk]},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "2 personnes ignorées" in page and "autant de droits que vous" in page
    assert Message.objects.filter(to=parent.email).count() == 1
    assert not Message.objects.filter(to__in=[network_admin.email, colleague.email]).exists()


def test_a_network_administrator_resets_a_secretary(network_admin, colleague):
    client = verified_admin_client(network_admin, HOST_A)
    client.post(
        "/admin/accounts/user/",
        {"action": "send_reset_link", "_selected_action": [colleague.pk]},
    )
    assert Message.objects.filter(to=colleague.email).count() == 1


# --- e-mail change of staff: confirmed from the old address -----------------------------------


def _confirmation_link(old_address: str) -> str:
    message = Message.objects.get(to=old_address, template="accounts/email/email_change")
    return re.search(r"https?://[^/\s]+(/profil/adresse/[^\s]+/)", message.body_text).group(1)


def test_a_secretarys_new_address_waits_for_the_old_address_to_confirm(network_admin, colleague):
    client = verified_admin_client(network_admin, HOST_A)

    # when the network administrator changes the secretary's address
    response = client.post(
        change_url(colleague), person_post(colleague, email="paul.nouveau@ecole.example"),
        follow=True,
    )  # fmt: skip

    # then the address stays, she is told why, and the old address gets a confirmation link
    assert "un lien de confirmation" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"
    link = _confirmation_link("paul@ecole.example")
    assert not Message.objects.filter(to="paul.nouveau@ecole.example").exists()

    # when the owner of the old address opens the link: the secret leaves the URL, nothing changes
    owner = Client(HTTP_HOST=HOST_A)
    opened = owner.get(link)
    assert opened.status_code == 302 and opened["Referrer-Policy"] == "no-referrer"
    page = owner.get(opened["Location"]).content.decode()
    assert "paul.nouveau@ecole.example" in page
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"

    # and confirms: the new address applies, once
    done = owner.post("/profil/adresse/confirmer/", {"decision": "confirm"})
    assert "maintenant paul.nouveau@ecole.example" in done.content.decode()
    colleague.refresh_from_db()
    assert colleague.email == "paul.nouveau@ecole.example"
    again = Client(HTTP_HOST=HOST_A)
    again.get(link)
    assert "plus valable" in again.get("/profil/adresse/confirmer/").content.decode()


def test_the_old_address_can_refuse(network_admin, colleague):
    client = verified_admin_client(network_admin, HOST_A)
    client.post(change_url(colleague), person_post(colleague, email="pirate@example.org"))
    owner = Client(HTTP_HOST=HOST_A)
    owner.get(_confirmation_link("paul@ecole.example"))
    page = owner.post("/profil/adresse/confirmer/", {"decision": "refuse"}).content.decode()
    assert "annulé" in page
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"


def test_an_expired_or_replaced_confirmation_changes_nothing(network_admin, colleague):
    client = verified_admin_client(network_admin, HOST_A)
    client.post(change_url(colleague), person_post(colleague, email="premier@example.org"))
    first = _confirmation_link("paul@ecole.example")
    Message.objects.all().delete()
    client.post(change_url(colleague), person_post(colleague, email="second@example.org"))
    second = _confirmation_link("paul@ecole.example")
    EmailChange.objects.filter(new_email="second@example.org").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    for link in (first, second):
        owner = Client(HTTP_HOST=HOST_A)
        owner.get(link)
        response = owner.post("/profil/adresse/confirmer/", {"decision": "confirm"})
        assert "plus valable" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"


def test_the_confirmation_link_is_useless_at_another_tenant(network_admin, colleague, tenant_b):
    client = verified_admin_client(network_admin, HOST_A)
    client.post(change_url(colleague), person_post(colleague, email="pirate@example.org"))
    elsewhere = Client(HTTP_HOST="beta.localhost")
    elsewhere.get(_confirmation_link("paul@ecole.example"))
    response = elsewhere.post("/profil/adresse/confirmer/", {"decision": "confirm"})
    assert "plus valable" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.email == "paul@ecole.example"


# --- the help desk applies the same rule ------------------------------------------------------


def test_the_help_desk_refuses_a_reset_link_to_a_network_administrator(
    secretary_client, network_admin, parent
):
    card = secretary_client.get(f"/admin/helpdesk/personne/{network_admin.pk}/").content.decode()
    assert "Envoyer un lien de réinitialisation" not in card

    response = secretary_client.post(
        f"/admin/helpdesk/personne/{network_admin.pk}/reinitialisation/", follow=True
    )
    assert "autant de droits que vous" in response.content.decode()
    assert not Message.objects.filter(to=network_admin.email).exists()

    # while a parent still gets one
    secretary_client.post(f"/admin/helpdesk/personne/{parent.pk}/reinitialisation/")
    assert Message.objects.filter(to=parent.email).count() == 1
