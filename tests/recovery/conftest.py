import re

import pytest
from django.core import mail

LINK_RE = re.compile(r"https?://[^\s\"<>]+/mot-de-passe-oublie/lien/[^\s\"<>/]+/")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def links_in(message) -> list[str]:
    return LINK_RE.findall(message.body)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def without_csrf(html: bytes) -> str:
    return CSRF_RE.sub('name="csrfmiddlewaretoken" value=""', html.decode())


@pytest.fixture
def ask_reset(django_capture_on_commit_callbacks):
    """Posts the CREOS form and runs what commit would trigger (worker task, mail delivery)."""

    def ask(client, login: str, method: str = "identifier", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/mot-de-passe-oublie/", {"method": method, "login": login}, **extra)

    return ask


@pytest.fixture
def reset_link(ask_reset):
    """The path of the link mailed to this user after a request by identifier."""

    def link_for(client, user) -> str:
        before = len(mail.outbox)
        ask_reset(client, user.identifier)
        new = [m for m in mail.outbox[before:] if user.email in m.to]
        assert new, "no reset mail was sent"
        return path_of(links_in(new[-1])[-1])

    return link_for
