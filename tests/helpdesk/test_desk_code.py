"""The card's one-time code (issue 13): for a person of a two-step tenant who cannot reach the
mailbox a reset link would go to. Handed over only after an identity check, audited without
the code, shown once, and a 404 outside the secretary's tenant."""

import html
import re

import pytest
from django.test import Client

from helpdesk.models import ActionKind, HelpdeskAction
from outbox.models import Message
from recovery.models import LinkToken
from recovery.two_step.desk_code import PURPOSE
from tests.conftest import HOST_A
from tests.helpdesk.conftest import card_url

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Soleil-Couchant-2024!"


@pytest.fixture
def two_step_tenant(tenant_a):
    tenant_a.two_step_reset = True
    tenant_a.save()
    return tenant_a


def _post(client, person, **data):
    return client.post(f"{card_url(person)}code-a-usage-unique/", data)


def test_the_card_offers_the_code_and_says_where_a_link_would_go(
    secretary_client, parent, two_step_tenant
):
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "Remettre un code à usage unique" in page
    assert "Le lien part vers j*****@example.be, la boîte aux lettres du compte" in page


def test_no_code_where_the_tenant_does_not_use_two_step(secretary_client, parent, tenant_a):
    assert "Remettre un code à usage unique" not in (
        secretary_client.get(card_url(parent)).content.decode()
    )
    response = _post(secretary_client, parent, handover="in_person", identity_checked="on")
    assert response.status_code == 302
    assert not LinkToken.objects.exists() and not HelpdeskAction.objects.exists()


def test_without_the_identity_check_no_code_is_issued(secretary_client, parent, two_step_tenant):
    response = _post(secretary_client, parent, handover="in_person")
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "après avoir vérifié l'identité de la personne" in page
    assert not LinkToken.objects.exists() and not HelpdeskAction.objects.exists()


def test_the_code_is_shown_once_and_audited_without_it(secretary_client, parent, two_step_tenant):
    response = _post(secretary_client, parent, handover="read_out", identity_checked="on")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    code = re.search(r'id="desk-code">([A-Z2-9-]+)<', page).group(1)
    assert "/compte-inaccessible/code-secretariat/" in page
    (row,) = HelpdeskAction.objects.all()
    assert row.action == ActionKind.DESK_CODE and row.target == parent
    assert row.detail.startswith("lu au téléphone, après rappel au numéro connu de l'école")
    assert code not in row.detail and code.replace("-", "") not in row.detail
    assert not Message.objects.exists()  # nothing goes to the mailbox
    # the card tells what was done, without the code
    card = secretary_client.get(card_url(parent)).content.decode()
    assert "code à usage unique remis par le secrétariat" in card and code not in card
    # and the parent chooses her password with it
    client = Client(HTTP_HOST=HOST_A)
    proof = client.post(
        "/compte-inaccessible/code-secretariat/",
        {"identifier": parent.identifier, "code": code},
    )
    done = client.post(proof["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == "/compte-inaccessible/termine/"
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)


def test_a_person_of_equal_rank_gets_no_code(secretary_client, tenant_a, school_a, two_step_tenant):
    from tests.factories import UserFactory

    colleague = UserFactory(
        tenant=tenant_a, identifier="autre.secretaire", is_secretary=True, schools=[school_a]
    )
    response = _post(secretary_client, colleague, handover="in_person", identity_checked="on")
    assert response.status_code == 302
    assert not LinkToken.objects.filter(purpose=PURPOSE).exists()


def test_outsider_gets_404(outsider_admin_client, parent, two_step_tenant):
    response = _post(outsider_admin_client, parent, handover="in_person", identity_checked="on")
    assert response.status_code == 404
    assert not LinkToken.objects.exists()


def test_get_is_refused(secretary_client, parent, two_step_tenant):
    assert secretary_client.get(f"{card_url(parent)}code-a-usage-unique/").status_code == 405
