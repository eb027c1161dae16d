"""Actions from the card: each works, leaves exactly one audit row, and is a 404 outside the
secretary's tenant and schools."""

import pytest
from django.core import mail

from helpdesk import services
from helpdesk.models import ActionKind, HelpdeskAction
from outbox.models import Channel, Message, Status
from recovery import throttle
from recovery.models import Flow, RecoveryRequest
from tests.helpdesk.conftest import card_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_message(parent):
    return Message.objects.create(
        tenant=parent.tenant, user=parent, channel=Channel.EMAIL, template="recovery/email/code",
        to=parent.email, subject="Votre lien", status=Status.FAILED, attempts=5,
        last_error="SMTP 451",
    )  # fmt: skip


def _post(client, person, action: str, **extra):
    return client.post(f"{card_url(person)}{action}", **extra)


def _only_audit_row(person, action) -> HelpdeskAction:
    (row,) = HelpdeskAction.objects.all()
    assert row.action == action
    assert row.target == person and row.tenant == person.tenant
    assert row.actor.identifier == "secretariat"
    return row


def test_migrate(secretary_client, parent):
    parent.is_migrated = False
    parent.save()
    response = _post(secretary_client, parent, "migrer/", follow=True)
    assert response.redirect_chain[-1][0] == card_url(parent)
    assert "est migré" in response.content.decode()
    parent.refresh_from_db()
    assert parent.is_migrated and parent.migrated_at
    assert _only_audit_row(parent, ActionKind.MIGRATE).detail == "compte migré"


def test_send_reset(secretary_client, parent, django_capture_on_commit_callbacks):
    old_hash = parent.password
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(secretary_client, parent, "reinitialisation/", follow=True)
    assert "Un lien de réinitialisation part vers j*****@example.be" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [parent.email]
    request = RecoveryRequest.objects.get(user=parent)
    assert request.flow == Flow.ADMIN and request.initiated_by.identifier == "secretariat"
    row = _only_audit_row(parent, ActionKind.SEND_RESET)
    assert row.detail == "résultat : message envoyé"
    assert "mot-de-passe-oublie/lien" not in row.detail
    parent.refresh_from_db()
    assert parent.password == old_hash


def test_send_reset_to_a_non_migrated_person_is_refused_and_audited(secretary_client, parent):
    parent.is_migrated = False
    parent.save()
    response = _post(secretary_client, parent, "reinitialisation/", follow=True)
    assert "Aucun lien envoyé : compte non migré" in response.content.decode()
    assert mail.outbox == []
    assert _only_audit_row(parent, ActionKind.SEND_RESET).detail == "résultat : compte non migré"


def test_resend_failed_message(secretary_client, parent, failed_message):
    response = _post(
        secretary_client, parent, f"messages/{failed_message.pk}/renvoyer/", follow=True
    )
    assert "est renvoyé" in response.content.decode()
    failed_message.refresh_from_db()
    assert failed_message.status == Status.PENDING and failed_message.attempts == 0
    row = _only_audit_row(parent, ActionKind.RESEND_MESSAGE)
    assert f"n° {failed_message.pk}" in row.detail and "j•••@example.be" in row.detail


def test_resend_of_a_sent_message_is_refused_without_audit(
    secretary_client, parent, failed_message
):
    Message.objects.filter(pk=failed_message.pk).update(status=Status.SENT)
    response = _post(
        secretary_client, parent, f"messages/{failed_message.pk}/renvoyer/", follow=True
    )
    assert "Seul un message en échec définitif" in response.content.decode()
    assert not HelpdeskAction.objects.exists()


def test_resend_of_another_persons_message_is_a_404(
    secretary_client, parent, child1, failed_message
):
    response = _post(secretary_client, child1, f"messages/{failed_message.pk}/renvoyer/")
    assert response.status_code == 404
    assert not HelpdeskAction.objects.exists()


def test_lift_throttles(secretary_client, parent, parent_phone):
    tenant = parent.tenant
    for _n in range(throttle.MAILS_PER_ACCOUNT.count + 1):
        throttle.throttle_hit(
            tenant=tenant, limit=throttle.MAILS_PER_ACCOUNT, subject=str(parent.pk)
        )
    type(parent_phone).objects.filter(pk=parent_phone.pk).update(failures_total=10)
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "<strong>atteinte</strong>" in page

    response = _post(secretary_client, parent, "limites/", follow=True)
    assert "Limites levées" in response.content.decode()
    assert not throttle.throttle_exceeded(
        tenant=tenant, limit=throttle.MAILS_PER_ACCOUNT, subject=str(parent.pk)
    )
    parent_phone.refresh_from_db()
    assert not parent_phone.is_locked
    row = _only_audit_row(parent, ActionKind.LIFT_THROTTLES)
    assert "messages de récupération" in row.detail and "*****67" in row.detail
    assert (
        "<strong>atteinte</strong>" not in secretary_client.get(card_url(parent)).content.decode()
    )


def test_lift_throttles_of_tenant_a_leaves_tenant_b_keys(secretary_client, parent, tenant_b):
    subject = str(parent.pk)
    for _n in range(6):
        throttle.throttle_hit(tenant=tenant_b, limit=throttle.MAILS_PER_ACCOUNT, subject=subject)
    _post(secretary_client, parent, "limites/")
    assert throttle.throttle_exceeded(
        tenant=tenant_b, limit=throttle.MAILS_PER_ACCOUNT, subject=subject
    )
    assert _only_audit_row(parent, ActionKind.LIFT_THROTTLES).detail == "aucune limite atteinte"


def test_send_activation(secretary_client, parent, django_capture_on_commit_callbacks):
    # given a parent imported without a password
    parent.set_unusable_password()
    parent.save()
    card = secretary_client.get(card_url(parent)).content.decode()
    assert "Envoyer le code d'activation" in card
    # when the secretary sends the activation code
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(secretary_client, parent, "activation/", follow=True)
    # then a mail leaves with a code she never sees, and the action is audited
    assert "Le code d&#x27;activation part vers j*****@example.be" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [parent.email]
    row = _only_audit_row(parent, ActionKind.SEND_ACTIVATION)
    assert row.detail == "activation envoyée par e-mail"
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "code remis (e-mail)" in page
    for code in _activation_codes(message.body):
        assert code not in page and code not in row.detail


def _activation_codes(text: str) -> list[str]:
    import re

    codes = re.findall(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", text)
    assert codes, "the activation mail carries a code"
    return codes


def test_send_activation_to_an_account_with_a_password_sends_nothing(secretary_client, parent):
    card = secretary_client.get(card_url(parent)).content.decode()
    assert "Envoyer le code d'activation" not in card  # a reset is what helps here
    response = _post(secretary_client, parent, "activation/", follow=True)
    assert "n&#x27;a pas été envoyé" in response.content.decode()
    assert mail.outbox == []
    assert _only_audit_row(parent, ActionKind.SEND_ACTIVATION).detail == "activation non envoyée"


def test_print_letter(secretary_client, parent):
    parent.set_unusable_password()
    parent.save()
    response = _post(secretary_client, parent, "lettre/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    row = _only_audit_row(parent, ActionKind.PRINT_LETTER)
    assert row.detail == "lettre d'activation imprimée"
    assert "code remis (lettre)" in secretary_client.get(card_url(parent)).content.decode()


def test_no_letter_for_an_account_with_a_password(secretary_client, parent):
    response = _post(secretary_client, parent, "lettre/", follow=True)
    assert "déjà un mot de passe" in response.content.decode()
    assert not HelpdeskAction.objects.exists()


ACTIONS = ["migrer/", "reinitialisation/", "activation/", "lettre/", "limites/"]


@pytest.mark.parametrize("action", [*ACTIONS, "messages/{message}/renvoyer/"])
def test_outsider_gets_404_for_every_action(outsider_admin_client, parent, failed_message, action):
    parent.is_migrated = False
    parent.save()
    response = _post(outsider_admin_client, parent, action.format(message=failed_message.pk))
    assert response.status_code == 404
    assert not HelpdeskAction.objects.exists()
    parent.refresh_from_db()
    assert not parent.is_migrated
    assert mail.outbox == []


@pytest.mark.parametrize("action", ACTIONS)
def test_school_limited_secretary_gets_404_for_another_schools_person(
    secretary_client, other_school_person, action
):
    assert _post(secretary_client, other_school_person, action).status_code == 404
    assert not HelpdeskAction.objects.exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_need_post(secretary_client, parent, action):
    assert secretary_client.get(f"{card_url(parent)}{action}").status_code == 405
    assert not HelpdeskAction.objects.exists()


def test_actions_need_the_csrf_token(secretary, parent):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import HOST_A

    device = TOTPDevice.objects.create(user=secretary, name="csrf", confirmed=True)
    client = Client(HTTP_HOST=HOST_A, enforce_csrf_checks=True)
    client.force_login(secretary)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert _post(client, parent, "migrer/").status_code == 403
    assert not HelpdeskAction.objects.exists()


def test_audit_rows_are_append_only(secretary, parent):
    row = HelpdeskAction.objects.create(
        tenant=parent.tenant, actor=secretary, target=parent, action=ActionKind.MIGRATE
    )
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        HelpdeskAction.objects.update(detail="x")
    with pytest.raises(TypeError):
        HelpdeskAction.objects.all().delete()


def test_services_refuse_a_person_of_another_tenant(outsider, parent):
    with pytest.raises(ValueError):
        services.helpdesk_migrate(person=parent, by=outsider)
    assert not HelpdeskAction.objects.exists()


def test_card_shows_the_audit_trail(secretary_client, parent):
    _post(secretary_client, parent, "limites/")
    page = secretary_client.get(card_url(parent)).content.decode()
    assert "levée des limites" in page and "Lambert Sophie" in page


def test_platform_superuser_acts_for_any_tenant_and_the_row_is_the_persons_tenant(parent):
    from accounts.models import User
    from tests.conftest import verified_admin_client

    root = User.objects.create_superuser("root", "x")
    client = verified_admin_client(root, "localhost")
    assert _post(client, parent, "limites/").status_code == 302
    (row,) = HelpdeskAction.objects.all()
    assert row.tenant == parent.tenant and row.actor == root


def test_lifting_the_limits_lets_a_locked_out_person_log_in_from_a_new_browser(
    secretary_client, parent, password
):
    from django.contrib.auth import SESSION_KEY
    from django.test import Client

    from tests.conftest import HOST_A

    # given a stranger's wrong passwords locked the parent's identifier (5 in 5 minutes)
    for n in range(5):
        stranger = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{n}")
        stranger.post("/accounts/login/", {"login": parent.identifier, "password": "wrong"})
    her_phone = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.7")
    login = {"login": parent.identifier, "password": password}
    assert her_phone.post("/accounts/login/", login).status_code == 200
    # the card says so
    card = secretary_client.get(card_url(parent)).content.decode()
    assert "connexions échouées (5 en 5 minutes)\u00a0: <strong>atteinte</strong>" in card

    # when the secretary lifts the limits after she calls
    _post(secretary_client, parent, "limites/")

    # then her right password logs her in at once, and the audit names what was lifted
    response = her_phone.post("/accounts/login/", login)
    assert response.status_code == 302
    assert her_phone.session[SESSION_KEY] == str(parent.pk)
    assert "connexions échouées" in _only_audit_row(parent, ActionKind.LIFT_THROTTLES).detail
