"""Every mail and SMS is written in its recipient's language — the one she chose on the portal,
else her network's — subject included, and an SMS is never listed as « SMS n° » without its
number."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from outbox.models import Channel, Message
from outbox.services import email_queue, message_language, sms_queue
from tests.conftest import HOST_A
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _password_changed(user) -> Message:
    return email_queue(
        tenant=user.tenant,
        to=user.email,
        template="recovery/email/password_changed",
        context={"identifier": user.identifier},
        user=user,
    )


def test_a_mail_to_an_english_speaker_is_english_subject_included(parent, tenant_a, on_commit):
    # given a French network and a parent who chose English on the portal
    assert tenant_a.default_language == "fr"
    parent.preferred_language = "en"
    parent.save()
    # when the portal writes her a mail, in a French request
    with on_commit():
        message = _password_changed(parent)
    # then subject and body are English
    assert message.subject == f"{tenant_a.display_name}: your password has been changed"
    assert message.body_text.startswith("Hello,")
    reset = "The password for the account jacqueline.dubois has just been reset."
    assert reset in message.body_text
    assert "Bonjour" not in message.body_text and "Bonjour" not in message.body_html
    assert '<html lang="en"' in message.body_html
    (sent,) = mail.outbox
    assert sent.subject == message.subject


def test_without_a_choice_the_networks_language_is_used(parent, tenant_a):
    message = _password_changed(parent)
    assert message.subject == f"{tenant_a.display_name} : votre mot de passe a été changé"
    assert message.body_text.startswith("Bonjour,")

    tenant_a.default_language = "en"
    tenant_a.save()
    parent.refresh_from_db()
    assert _password_changed(parent).subject.endswith("your password has been changed")


def test_an_sms_to_an_english_speaker_is_english(parent, tenant_a):
    parent.preferred_language = "en"
    message = sms_queue(
        tenant=tenant_a,
        to="+32470000067",
        template="recovery/two_step/sms/code",
        context={"code": "123456"},
        user=parent,
    )
    assert message.body_text == (
        f"{tenant_a.display_name}: your verification code is 123456. Do not share it with anyone."
    )


def test_message_language_ignores_an_unknown_code(parent, tenant_a):
    parent.preferred_language = "xx"
    assert message_language(tenant=tenant_a, user=parent) == "fr"
    assert message_language(tenant=None, user=None) == settings.LANGUAGE_CODE


def _english_set_by(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_HOST=HOST_A)
    assert response.status_code == 302


def test_choosing_english_on_the_portal_makes_her_mails_english(parent, client_a):
    # given a signed-in parent, when she switches the portal to English
    client_a.force_login(parent)
    _english_set_by(client_a)
    # then it is remembered for her mails
    parent.refresh_from_db()
    assert parent.preferred_language == "en"
    assert _password_changed(parent).subject.endswith("your password has been changed")
    # and switching back to French is remembered too
    client_a.post("/i18n/setlang/", {"language": "fr", "next": "/"}, HTTP_HOST=HOST_A)
    parent.refresh_from_db()
    assert parent.preferred_language == "fr"


def test_a_visitors_choice_touches_nobody_and_counts_once_she_signs_in(parent, client_a):
    # given an anonymous visitor who picks English
    _english_set_by(client_a)
    assert not User.objects.exclude(preferred_language="").exists()
    # when she signs in with no language recorded yet, the one she reads is kept
    response = client_a.post(
        "/accounts/login/", {"login": parent.identifier, "password": PASSWORD}, HTTP_HOST=HOST_A
    )
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.preferred_language == "en"


def test_signing_in_does_not_override_a_recorded_choice(parent, client_a):
    parent.preferred_language = "fr"
    parent.save()
    client_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client_a.post("/accounts/login/", {"login": parent.identifier, "password": PASSWORD})
    parent.refresh_from_db()
    assert parent.preferred_language == "fr"


@pytest.mark.parametrize(("language", "label"), [("fr", "SMS n° {pk}"), ("en", "SMS no. {pk}")])
def test_the_dev_inbox_names_an_sms_by_its_number(settings, client_a, tenant_a, language, label):
    # given an SMS (no subject) in the dev inbox
    settings.DEMO_MODE = True
    sms = sms_queue(
        tenant=tenant_a, to="+32470000067", template="recovery/two_step/sms/code",
        context={"code": "123456"}, channel=Channel.SMS,
    )  # fmt: skip
    client_a.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # then the list and the message page name it with its number
    expected = label.format(pk=sms.pk)
    listing = client_a.get("/dev-inbox/").content.decode()
    assert expected in listing
    page = client_a.get(f"/dev-inbox/{sms.pk}/").content.decode()
    assert expected in page
    assert " n° <" not in listing + page and "no. <" not in listing + page


# --- Every template ---------------------------------------------------------------------------

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
MAIL_TEMPLATES = sorted(
    str(path.relative_to(TEMPLATES_DIR)).removesuffix("_subject.txt")
    for path in TEMPLATES_DIR.rglob("*_subject.txt")
)
SMS_TEMPLATES = sorted(
    str(path.relative_to(TEMPLATES_DIR)).removesuffix("_sms.txt")
    for path in TEMPLATES_DIR.rglob("*_sms.txt")
)
# Data, not interface: the network's and the people's names, the activity's title.
DATA_WORDS = frozenset({"réseau", "alpha", "jacqueline", "dubois", "musée", "jouet", "camille"})


def _sample_context(parent) -> dict:
    return {
        "identifier": parent.identifier, "code": "123456", "minutes": 10, "when": timezone.now(),
        "ip": "192.0.2.1", "expires_at": timezone.now(), "url": "http://alpha.localhost/x/",
        "link": "http://alpha.localhost/x/", "amount": "€5.00", "balance": "€5.00",
        "missing": "€1.00", "child_name": "Camille Muller", "parent_name": "Jacqueline Dubois",
        "activity": {"title": "Musée du jouet", "is_optional": True},
        "invitation": {"due_on": timezone.localdate()}, "accounts": [
            {"identifier": parent.identifier, "email": parent.email}
        ], "masked": "*****67", "removed": True, "title": "Musée du jouet", "text": "",
        "action_url": "http://alpha.localhost/x/", "name": "Jacqueline Dubois",
    }  # fmt: skip


def _french_left(text: str) -> list[str]:
    from tests.browser.conftest import _WORD, french_catalogue_words

    return sorted(set(re.findall(_WORD, text.lower())) & french_catalogue_words() - DATA_WORDS)


@pytest.mark.parametrize("template", MAIL_TEMPLATES)
def test_every_mail_reads_english_for_an_english_speaker(template, parent, tenant_a):
    parent.preferred_language = "en"
    with translation.override("fr"):
        message = email_queue(
            tenant=tenant_a, to=parent.email, template=template,
            context=_sample_context(parent), user=parent,
        )  # fmt: skip
    assert message.subject and _french_left(message.subject) == []
    assert _french_left(message.body_text) == []


@pytest.mark.parametrize("template", SMS_TEMPLATES)
def test_every_sms_reads_english_for_an_english_speaker(template, parent, tenant_a):
    parent.preferred_language = "en"
    with translation.override("fr"):
        message = sms_queue(
            tenant=tenant_a, to="+32470000067", template=template,
            context=_sample_context(parent), user=parent,
        )  # fmt: skip
    assert _french_left(message.body_text) == []
    assert " n° " not in message.body_text


# --- One address, several accounts (« Mot de passe oublié » by e-mail) ------------------------


def _forgotten_by_email(client: Client, on_commit, email: str) -> None:
    client.get("/mot-de-passe-oublie/")
    with on_commit():
        client.post("/mot-de-passe-oublie/", {"method": "email", "login": email})


@pytest.mark.parametrize(
    ("languages", "subject_end"),
    [
        (["en", "en"], ": resetting your password"),
        (["en", ""], " : réinitialisation de votre mot de passe"),
        (["en"], ": resetting your password"),
    ],
)
def test_reset_mail_for_a_shared_address_speaks_the_accounts_language(
    parent, tenant_a, client_a, on_commit, languages, subject_end
):
    # given accounts sharing one address, whose owners chose these languages
    parent.preferred_language = languages[0]
    parent.save()
    for n, language in enumerate(languages[1:]):
        UserFactory(
            tenant=tenant_a, identifier=f"sibling.{n}", email=parent.email,
            preferred_language=language,
        )  # fmt: skip
    # when someone asks a reset for that address
    _forgotten_by_email(client_a, on_commit, parent.email)
    # then one mail lists them, in their shared language, else the network's
    (sent,) = mail.outbox
    assert sent.subject == tenant_a.display_name + subject_end
