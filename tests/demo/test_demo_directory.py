"""The demo's school directory (`make run`, issue 14): CREOS's people live in a real OpenLDAP
too; a reset in the portal is what a bind to the directory then accepts."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.directory.testing_slapd import slapd_missing_reason
from accounts.models import IdentityStore
from demo.directory import demo_directory_start
from demo.seed import DEMO_PASSWORD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(bool(slapd_missing_reason()), reason=str(slapd_missing_reason())),
]

NEW_PASSWORD = "Nouveau-Mot2passe-Demo!"
LINK_RE = re.compile(r"https?://[^\s\"<>]+(/mot-de-passe-oublie/lien/[^\s\"<>/]+/)")


@pytest.fixture
def demo_directory(settings, tmp_path):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    server, note = demo_directory_start(root=tmp_path / "slapd")
    yield server, note
    server.close()


def test_make_runs_directory_holds_creos_people(demo_directory):
    server, note = demo_directory
    assert f"ldapwhoami -x -H {server.url}" in note
    assert server.bind_works("jacqueline.dubois", DEMO_PASSWORD)
    store = IdentityStore.objects.get(tenant__slug="creos")
    assert store.is_directory and store.url == server.ldaps_url


def test_a_reset_in_the_portal_is_what_the_directory_accepts_then(
    demo_directory, django_capture_on_commit_callbacks
):
    server, _note = demo_directory
    client = Client(HTTP_HOST="creos.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mot-de-passe-oublie/", {"method": "identifier", "login": "jacqueline.dubois"})
    (path,) = LINK_RE.findall(mail.outbox[-1].body)
    client.get(path)
    done = client.post(
        "/mot-de-passe-oublie/nouveau/",
        {"email": "jacqueline.dubois@example.be", "password1": NEW_PASSWORD,
         "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert done.status_code == 302
    assert server.bind_works("jacqueline.dubois", NEW_PASSWORD)
    assert not server.bind_works("jacqueline.dubois", DEMO_PASSWORD)
    # the next `make run` keeps the directory's data
    server.stop()
    again, _ = demo_directory_start(root=server.root)
    try:
        assert again.bind_works("jacqueline.dubois", NEW_PASSWORD)
    finally:
        again.stop()
