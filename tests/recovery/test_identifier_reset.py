"""CREOS: "Mot de passe oublié" by identifier or e-mail, the mailed link, the reset page."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone

from recovery.models import LinkToken, Outcome, RecoveryEvent, RecoveryRequest
from tests.conftest import HOST_A
from tests.factories import UserFactory
from tests.recovery.conftest import links_in, path_of, without_csrf

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nouveau-Mot2passe!"


def _reset(client, path, email, password=NEW_PASSWORD, confirm=None):
    client.get(path)
    return client.post(
        "/mot-de-passe-oublie/nouveau/",
        {"email": email, "password1": password, "password2": confirm or password},
    )


# --- Enumeration -----------------------------------------------------------------------------


@pytest.fixture
def cases(tenant_a, parent):
    inactive = UserFactory(tenant=tenant_a, identifier="inactive.one", is_active=False)
    legacy = UserFactory(tenant=tenant_a, identifier="legacy.one", is_migrated=False)
    return {
        "known": ("identifier", parent.identifier),
        "unknown": ("identifier", "nobody.at.all"),
        "inactive": ("identifier", inactive.identifier),
        "not migrated": ("identifier", legacy.identifier),
        "known email": ("email", parent.email),
        "unknown email": ("email", "nobody@example.be"),
        "not migrated email": ("email", legacy.email),
    }


def test_every_account_state_gets_the_same_response(cases, ask_reset):
    responses = {}
    for name, (method, login) in cases.items():
        client = Client(HTTP_HOST=HOST_A)
        client.get("/mot-de-passe-oublie/")
        post = ask_reset(client, login, method)
        page = client.get(post["Location"])
        responses[name] = (
            post.status_code,
            post["Location"],
            post.content,
            sorted((k, v) for k, v in post.headers.items() if k != "Set-Cookie"),
            page.status_code,
            without_csrf(page.content),
        )
    first = next(iter(responses.values()))
    assert all(r == first for r in responses.values()), responses.keys()
    assert "Vérifiez vos e-mails" in first[-1]
    assert "pas encore été migré" in first[-1]


def test_only_the_known_migrated_account_gets_a_mail(cases, ask_reset, client_a):
    for method, login in cases.values():
        ask_reset(client_a, login, method)
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert recipients == ["jacqueline@example.be", "jacqueline@example.be"]


def test_not_migrated_request_is_logged_for_secretaries(cases, ask_reset, client_a):
    ask_reset(client_a, "legacy.one")
    request = RecoveryRequest.objects.get(login="legacy.one")
    assert request.outcome == Outcome.NOT_MIGRATED
    assert request.user.identifier == "legacy.one"


# --- The mail -------------------------------------------------------------------------------


def test_mail_gives_identifier_email_and_a_link_on_the_tenant_host(parent, ask_reset):
    # Even when asked through another host name of the same tenant, the link uses the primary.
    from tenants.models import TenantHost

    TenantHost.objects.create(tenant=parent.tenant, host="alias.localhost")
    client = Client(HTTP_HOST="alias.localhost")
    ask_reset(client, parent.email, "email")
    (message,) = mail.outbox
    assert "Votre identifiant : jacqueline.dubois" in message.body
    assert "Votre adresse email : jacqueline@example.be" in message.body
    (link,) = links_in(message)
    assert link.startswith("http://alpha.localhost:8000/mot-de-passe-oublie/lien/")
    html = message.alternatives[0][0]
    assert link in html and "Réinitialiser mon mot de passe" in html


def test_one_mail_lists_every_migrated_account_sharing_the_address(
    tenant_a, parent, ask_reset, client_a
):
    UserFactory(tenant=tenant_a, identifier="jacqueline.pro", email=parent.email)
    UserFactory(tenant=tenant_a, identifier="old.account", email=parent.email, is_migrated=False)
    ask_reset(client_a, parent.email.upper(), "email")
    (message,) = mail.outbox
    assert "jacqueline.dubois" in message.body and "jacqueline.pro" in message.body
    assert "old.account" not in message.body
    assert len(links_in(message)) == 2


def test_identifier_of_another_tenant_sends_nothing(parent, tenant_b, ask_reset, client_b):
    ask_reset(client_b, parent.identifier)
    assert mail.outbox == []


# --- Link lifecycle ---------------------------------------------------------------------------


def test_link_leaves_the_address_bar_and_resets_once(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    opened = client_a.get(path)
    assert opened.status_code == 302 and opened["Location"] == "/mot-de-passe-oublie/nouveau/"
    assert opened["Referrer-Policy"] == "no-referrer"
    page = client_a.get(opened["Location"])
    assert page["Referrer-Policy"] == "same-origin"  # no-referrer breaks the form's CSRF check
    assert path.split("/")[-2] not in page.content.decode()
    done = client_a.post(
        "/mot-de-passe-oublie/nouveau/",
        {"email": parent.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/mot-de-passe-oublie/termine/"
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    # The same link a second time is dead.
    again = Client(HTTP_HOST=HOST_A)
    assert _reset(again, path, parent.email, "Autre-Mot2passe!").status_code == 410


def test_link_expires_at_its_limit(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    token = LinkToken.objects.get(user=parent, used_at=None, revoked_at=None)
    token.expires_at = timezone.now() + timedelta(seconds=1)
    token.save()
    client_a.get(path)
    assert client_a.get("/mot-de-passe-oublie/nouveau/").status_code == 200
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert client_a.get("/mot-de-passe-oublie/nouveau/").status_code == 410


def test_link_dies_after_a_newer_link(parent, client_a, reset_link):
    first = reset_link(client_a, parent)
    reset_link(client_a, parent)
    assert _reset(Client(HTTP_HOST=HOST_A), first, parent.email).status_code == 410


def test_link_dies_after_a_password_change(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    parent.set_password("Changé-Ailleurs-9")
    parent.save()
    assert _reset(Client(HTTP_HOST=HOST_A), path, parent.email).status_code == 410


def test_link_dies_after_an_email_change(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    parent.email = "new.address@example.be"
    parent.save()
    assert _reset(Client(HTTP_HOST=HOST_A), path, parent.email).status_code == 410


def test_link_is_refused_on_another_tenants_host(parent, tenant_b, client_a, reset_link):
    path = reset_link(client_a, parent)
    other = Client(HTTP_HOST="beta.localhost")
    tenant_b.identifier_reset = True
    tenant_b.save()
    assert _reset(other, path, parent.email).status_code == 410
    parent.refresh_from_db()
    assert not parent.check_password(NEW_PASSWORD)


def test_link_of_one_user_cannot_reset_another(tenant_a, parent, client_a, reset_link):
    other = UserFactory(tenant=tenant_a, identifier="other.parent")
    path = reset_link(client_a, parent)
    response = _reset(Client(HTTP_HOST=HOST_A), path, other.email)
    assert response.status_code == 400  # the e-mail is not the link's account's
    other.refresh_from_db()
    assert not other.check_password(NEW_PASSWORD)


# --- After a reset --------------------------------------------------------------------------


def test_reset_logs_out_other_sessions_notifies_and_audits(parent, password, reset_link):
    sessions = [Client(HTTP_HOST=HOST_A) for _ in range(3)]
    for client in sessions:
        client.post("/accounts/login/", {"login": parent.identifier, "password": password})
        assert client.get("/profil/").status_code == 200
    visitor = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="192.0.2.7")
    path = reset_link(visitor, parent)
    response = _reset(visitor, path, parent.email)
    assert response.status_code == 302
    for client in sessions:
        assert client.get("/profil/").status_code == 302  # back to the login page
    assert SESSION_KEY not in visitor.session  # no automatic login
    done = visitor.get(response["Location"]).content.decode()
    assert "Votre mot de passe a été réinitialisé" in done
    event = RecoveryEvent.objects.get(user=parent, kind="password_reset")
    assert event.outcome == Outcome.COMPLETED
    secret = path.split("/")[-2]
    assert secret not in str(vars(event))


def test_reset_sends_a_password_changed_notice(
    parent, client_a, reset_link, django_capture_on_commit_callbacks
):
    path = reset_link(client_a, parent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _reset(client_a, path, parent.email)
    (notice,) = mail.outbox
    assert notice.to == [parent.email]
    assert "mot de passe a été changé" in notice.subject
    assert NEW_PASSWORD not in notice.body


def test_success_page_returns_to_login_after_five_seconds_with_a_link(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    page = client_a.get(_reset(client_a, path, parent.email)["Location"]).content.decode()
    assert 'href="/accounts/login/"' in page
    assert 'data-redirect-seconds="5"' in page and "redirect-countdown.js" in page


# --- Throttles ----------------------------------------------------------------------------


def test_a_hundred_requests_send_at_most_five_mails_and_owner_still_resets(
    parent, client_a, ask_reset
):
    for i in range(100):
        attacker = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=f"198.51.100.{i % 250}")
        response = ask_reset(attacker, parent.identifier)
        assert response.status_code == 302
    assert 1 <= len(mail.outbox) <= 5
    owner = Client(HTTP_HOST=HOST_A)
    last_link = path_of(links_in(mail.outbox[-1])[-1])
    assert _reset(owner, last_link, parent.email).status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert RecoveryRequest.objects.filter(outcome=Outcome.THROTTLED).count() >= 95


def test_one_address_flooding_many_accounts_is_throttled_by_ip(tenant_a, ask_reset):
    users = [UserFactory(tenant=tenant_a, identifier=f"p{i}") for i in range(40)]
    flooder = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="203.0.113.9")
    for user in users:
        assert ask_reset(flooder, user.identifier).status_code == 302
    assert len(mail.outbox) == 30


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"method": "email", "login": "a@example.be\r\nBcc: victim@example.be"},
        {"method": "identifier", "login": "x" * 10_000},
        {"method": "email", "login": "not-an-address"},
        {"method": "sms", "login": "jacqueline.dubois"},
        {},
    ],
)
def test_bad_input_is_a_form_error_and_records_nothing(client_a, parent, data):
    response = client_a.post("/mot-de-passe-oublie/", data)
    assert response.status_code == 400
    assert "Veuillez corriger" in response.content.decode()
    assert not RecoveryRequest.objects.exists()


def test_reset_page_rejects_oversized_and_crlf_input(parent, client_a, reset_link):
    path = reset_link(client_a, parent)
    client_a.get(path)
    response = client_a.post(
        "/mot-de-passe-oublie/nouveau/",
        {"email": "x\r\n" * 5000, "password1": "y" * 10_000, "password2": "y" * 10_000},
    )
    assert response.status_code == 400
    parent.refresh_from_db()
    assert not parent.check_password("y" * 10_000)


def test_flow_is_404_where_the_tenant_does_not_use_it(tenant_a, client_a):
    tenant_a.identifier_reset = False
    tenant_a.save()
    assert client_a.get("/mot-de-passe-oublie/").status_code == 404
