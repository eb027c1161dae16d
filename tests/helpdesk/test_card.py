"""The person card: what a secretary needs to help someone, and never a secret."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.numen import numen_hash
from outbox.models import Channel, Message, Status
from recovery.codes import SecondaryEmailDevice
from recovery.models import Flow, Outcome, RecoveryRequest
from recovery.services import recovery_event_log
from tests.helpdesk.conftest import card_url

pytestmark = pytest.mark.django_db

NUMEN = "05E0512345ABC"


def _request(person, flow, outcome, *, reason="", minutes_ago=0, method="identifier"):
    request = RecoveryRequest.objects.create(
        tenant=person.tenant, flow=flow, method=method, login=person.identifier, user=person,
        outcome=outcome, reason=reason,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )  # fmt: skip
    return request


def _event(request, kind, outcome=Outcome.WRONG_ANSWER, detail=""):
    return recovery_event_log(
        tenant=request.tenant, flow=request.flow, kind=kind, outcome=outcome, request=request,
        user=request.user, detail=detail,
    )  # fmt: skip


@pytest.fixture
def history(parent, parent_phone):
    """Three attempts: not migrated, throttled, and a two-step one with three wrong codes."""
    _request(parent, Flow.IDENTIFIER, Outcome.NOT_MIGRATED, minutes_ago=30)
    _request(parent, Flow.IDENTIFIER, Outcome.THROTTLED, reason="ip", minutes_ago=20)
    two_step = _request(parent, Flow.TWO_STEP, Outcome.PENDING, minutes_ago=10, method="address")
    _event(two_step, "code_sent_sms", Outcome.MAIL_SENT)
    for _n in range(3):
        _event(two_step, "wrong_code")
    _event(two_step, "contact_admin", Outcome.PENDING)
    return parent


@pytest.fixture
def messages(parent):
    def message(status, channel=Channel.EMAIL, to=None, **extra):
        return Message.objects.create(
            tenant=parent.tenant, user=parent, channel=channel, template="recovery/email/code",
            to=to or parent.email, subject="Votre code", body_text="Votre code : 424242",
            status=status, sensitive=True, **extra,
        )  # fmt: skip

    return {
        "failed": message(Status.FAILED, attempts=5, last_error="destinataire refusé (SMTP 550)"),
        "sent": message(Status.SENT, attempts=1, sent_at=timezone.now()),
        "sms": message(Status.PENDING, channel=Channel.SMS, to="+32470123467"),
    }


def test_card_shows_identity_roles_schools_and_states(secretary_client, parent):
    parent.is_migrated = False
    parent.save()
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "jacqueline.dubois" in page
    assert "parent" in page
    assert "École Alpha" in page
    assert "non migré" in page
    assert "mot de passe choisi" in page  # activation state
    assert "j*****@example.be" in page  # the e-mail, masked


def test_card_shows_masked_methods_and_never_the_full_values(
    secretary_client, parent, parent_phone
):
    SecondaryEmailDevice.objects.create(
        user=parent, name="email", email="pierre.martin@charleroi.be", confirmed=True
    )
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "*****67" in page
    assert "p*****@charleroi.be" in page
    for secret in ["+32470123467", "470123467", "pierre.martin@charleroi.be", parent.email]:
        assert secret not in page


def test_card_lists_attempts_with_reasons(secretary_client, history):
    page = secretary_client.get(card_url(history)).content.decode()
    attempts = page.split('id="attempts"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", attempts, re.S)[1:]  # newest first, after the header
    assert len(rows) == 3
    assert "vérification en deux étapes" in rows[0]
    assert "code envoyé par SMS, code erroné ×3, administrateur contacté" in rows[0]
    assert "trop de demandes" in rows[1]
    assert "trop de demandes depuis la même adresse IP" in rows[1]
    assert "compte non migré" in rows[2]


def test_card_lists_messages_with_states_and_a_resend_button_on_failed_ones(
    secretary_client, parent, messages
):
    page = secretary_client.get(card_url(parent)).content.decode()
    table = page.split('id="messages"')[1].split("</table>")[0]
    assert "échec définitif" in table and "envoyé" in table and "en attente" in table
    assert "destinataire refusé (SMTP 550)" in table
    assert "j•••@example.be" in table
    assert "+32•••" in table and "+32470123467" not in table
    assert table.count("Renvoyer</button>") == 1
    assert f"/messages/{messages['failed'].pk}/renvoyer/" in table
    assert "424242" not in page  # bodies are never shown


def test_card_never_shows_password_hash_codes_or_numen(secretary_client, parent, parent_phone):
    parent.numen_hash = numen_hash(tenant_id=parent.tenant_id, numen=NUMEN)
    parent.save()
    code = parent_phone.code_issue(context="test")
    parent_phone.refresh_from_db()
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "renseigné" in page
    for secret in [parent.password, parent.numen_hash, NUMEN, code, parent_phone.token_hash]:
        assert secret not in page
    assert "argon2" not in page and "md5$" not in page


def test_card_shows_numen_absent(secretary_client, parent):
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "absent" in page


def test_card_of_parent_shows_wallet_balance_and_pending_invitations(
    secretary_client, parent, child1, school_a, secretary
):
    from payments.services.activities import activity_create
    from payments.services.invitations import invitations_send
    from payments.services.wallets import wallet_get_or_create, wallet_top_up

    today = timezone.localdate()
    wallet = wallet_get_or_create(tenant=parent.tenant, owner=parent)
    wallet_top_up(wallet=wallet, amount_cents=2550, by=None, memo="virement")
    activity = activity_create(
        tenant=parent.tenant, school=school_a, title="Classe de neige", kind="mandatory",
        amount_cents=12000, starts_on=today, due_on=today + timedelta(days=10), by=secretary,
    )  # fmt: skip
    invitations_send(activity=activity, students=[child1], by=secretary)

    page = secretary_client.get(card_url(parent)).content.decode()
    assert "25,50\u00a0€" in page or "25,50 €" in page
    invitations = page.split('id="pending-invitations"')[1].split("</table>")[0]
    assert "Classe de neige" in invitations
    assert "Camille" in invitations
    assert "120,00" in invitations


def test_card_of_a_student_has_no_wallet(secretary_client, child1):
    page = secretary_client.get(card_url(child1)).content.decode()
    assert "Solde du portefeuille" not in page


def test_card_in_few_queries(secretary_client, history, messages, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = secretary_client.get(card_url(history))
    assert response.status_code == 200


def test_outsider_gets_404_for_a_tenant_a_card(outsider_admin_client, parent):
    assert outsider_admin_client.get(card_url(parent)).status_code == 404


def test_school_limited_secretary_gets_404_for_another_schools_person(
    secretary_client, other_school_person
):
    assert secretary_client.get(card_url(other_school_person)).status_code == 404


def test_made_up_id_is_a_404(secretary_client, parent):
    assert secretary_client.get("/admin/helpdesk/personne/999999/").status_code == 404
