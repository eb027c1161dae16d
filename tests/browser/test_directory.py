"""Issue 14 in a real browser: a CREOS reset where the school's directory (a real slapd) refuses
the password by its own policy shows why, accessibly, on the same form; a longer one is then
written to the directory. Phone and desktop, French and English."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from outbox.models import Message
from tests.conftest import HOST_A
from tests.directory_fixtures import NEW_PASSWORD, OLD_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOO_SHORT_FOR_THE_DIRECTORY = "Court-7x!"


@pytest.fixture
def creos(tenant_a, live_server, settings):
    settings.PUBLIC_SCHEME = "http"
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    tenant_a.identifier_reset = True
    tenant_a.save()
    return tenant_a


def _reset_form(page, tenant_url, parent) -> None:
    page.goto(tenant_url(HOST_A, "/mot-de-passe-oublie/"))
    page.locator("input[name='login']").fill(parent.identifier)
    page.locator("main form button[type='submit']").first.click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/envoye/$"))
    body = Message.objects.get(to=parent.email).body_text
    page.goto(re.search(r"https?://\S+/mot-de-passe-oublie/lien/\S+/", body).group(0))
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/nouveau/$"))


def _choose(page, parent, password: str) -> None:
    page.locator("input[name='email']").fill(parent.email)
    page.locator("input[name='password1']").fill(password)
    page.locator("input[name='password2']").fill(password)
    page.locator("main form button[type='submit']").last.click()


def test_a_refusal_by_the_schools_directory_is_explained_on_the_form(
    sized_page, tenant_url, creos, parent, directory_store, slapd, check_layout
):
    page = sized_page
    _reset_form(page, tenant_url, parent)
    _choose(page, parent, TOO_SHORT_FOR_THE_DIRECTORY)
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("L'annuaire de votre école a refusé ce mot de passe")
    expect(summary).to_contain_text("il est trop court pour ses règles")
    check_layout(page, "directory-refusal")
    assert slapd.bind_works(parent.identifier, OLD_PASSWORD)
    _choose(page, parent, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mot-de-passe-oublie/termine/$"))
    assert slapd.bind_works(parent.identifier, NEW_PASSWORD)


@pytest.mark.parametrize("ui_locale", ["en-GB"])
def test_the_refusal_speaks_english(
    sized_page, tenant_url, creos, parent, directory_store, slapd, check_layout
):
    page = sized_page
    # the harness sets the language cookie on the demo hosts; tenant A's is set here
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "domain": HOST_A, "path": "/"}]
    )
    _reset_form(page, tenant_url, parent)
    slapd.stop()
    _choose(page, parent, NEW_PASSWORD)
    expect(page.locator("#error-summary")).to_contain_text(
        "Your school's directory is not answering at the moment. Your password has not been changed"
    )
    check_layout(page, "directory-down-en")
