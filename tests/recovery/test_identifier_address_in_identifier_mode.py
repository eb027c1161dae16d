"""CREOS (ISSUE 13, item 2): « Nom d'utilisateur » is ticked by default under a field labelled
« Nom d'utilisateur ou adresse e-mail ». A parent who types her address without switching must
get her mail; an unknown address must still get the very same page, and nothing is sent."""

import pytest
from django.core import mail
from django.test import Client

from recovery.models import Outcome, RecoveryRequest
from tests.conftest import HOST_A
from tests.factories import UserFactory
from tests.recovery.conftest import links_in, without_csrf

pytestmark = pytest.mark.django_db


def _response(ask_reset, login: str, method: str = "identifier") -> tuple:
    client = Client(HTTP_HOST=HOST_A)
    client.get("/mot-de-passe-oublie/")
    post = ask_reset(client, login, method)
    page = client.get(post["Location"])
    return (
        post.status_code,
        post["Location"],
        post.content,
        sorted((k, v) for k, v in post.headers.items() if k != "Set-Cookie"),
        page.status_code,
        without_csrf(page.content),
    )


@pytest.mark.parametrize(
    "typed", ["jacqueline@example.be", "Jacqueline@Example.BE", "  jacqueline@example.be  "]
)
def test_address_typed_with_identifier_ticked_gets_the_mail(parent, ask_reset, client_a, typed):
    # given Jacqueline, who leaves « Nom d'utilisateur » ticked
    # when she types her e-mail address
    response = ask_reset(client_a, typed, "identifier")
    # then she is told to check her mail, and the mail is really there, for her account
    assert response.status_code == 302
    assert response["Location"].endswith("/mot-de-passe-oublie/envoye/")
    (message,) = mail.outbox
    assert message.to == [parent.email]
    assert "Votre identifiant : jacqueline.dubois" in message.body
    assert len(links_in(message)) == 1
    # and the help desk sees a mail sent, not « aucun compte »
    request = RecoveryRequest.objects.get()
    assert request.outcome == Outcome.MAIL_SENT
    assert request.user == parent


def test_address_in_identifier_mode_lists_every_account_of_that_address(
    tenant_a, parent, ask_reset, client_a
):
    UserFactory(tenant=tenant_a, identifier="jacqueline.pro", email=parent.email)
    ask_reset(client_a, parent.email, "identifier")
    (message,) = mail.outbox
    assert "jacqueline.dubois" in message.body and "jacqueline.pro" in message.body
    assert len(links_in(message)) == 2


def test_unknown_address_in_identifier_mode_gets_the_same_page_and_nothing_is_sent(
    parent, ask_reset
):
    # given one known and one unknown address, each typed with either mode ticked
    known_identifier_mode = _response(ask_reset, parent.email, "identifier")
    known_email_mode = _response(ask_reset, parent.email, "email")
    known_identifier = _response(ask_reset, parent.identifier, "identifier")
    sent_so_far = len(mail.outbox)
    unknown_identifier_mode = _response(ask_reset, "personne@example.be", "identifier")
    unknown_email_mode = _response(ask_reset, "personne@example.be", "email")
    # then every response is the same: status, redirect, headers, the page shown
    assert (
        known_identifier_mode
        == known_email_mode
        == known_identifier
        == unknown_identifier_mode
        == unknown_email_mode
    )
    assert "Vérifiez vos e-mails" in known_identifier_mode[-1]
    # and nothing went out for the unknown address, which the help desk sees as « aucun compte »
    assert len(mail.outbox) == sent_so_far == 3
    unknown = RecoveryRequest.objects.filter(login="personne@example.be")
    assert {r.outcome for r in unknown} == {Outcome.NO_ACCOUNT}


def test_address_of_a_not_migrated_account_in_identifier_mode_sends_nothing(
    tenant_a, ask_reset, client_a
):
    UserFactory(
        tenant=tenant_a, identifier="legacy.one", email="legacy@example.be", is_migrated=False
    )
    ask_reset(client_a, "legacy@example.be", "identifier")
    assert mail.outbox == []
    assert RecoveryRequest.objects.get().outcome == Outcome.NOT_MIGRATED


def test_identifier_that_contains_an_at_sign_is_still_found(tenant_a, ask_reset, client_a):
    # given an account imported with an address-shaped identifier and another mailbox
    user = UserFactory(tenant=tenant_a, identifier="marc@ecole.be", email="marc.perso@example.be")
    # when it is typed with « Nom d'utilisateur » ticked
    ask_reset(client_a, "marc@ecole.be", "identifier")
    # then the mail goes to the account's own address
    (message,) = mail.outbox
    assert message.to == [user.email]


def test_address_of_another_tenant_in_identifier_mode_sends_nothing(
    parent, tenant_b, ask_reset, client_b
):
    ask_reset(client_b, parent.email, "identifier")
    assert mail.outbox == []
