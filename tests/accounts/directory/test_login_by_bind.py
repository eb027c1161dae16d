"""Login by the directory (a tenant's choice): the school network's password logs in to the
portal, with every guard of the portal's own login kept (same answer for unknown accounts, the
per-identifier limits), and the portal's last password standing in while the directory is down."""

import html

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.directory import client as directory_client
from tests.accounts.directory.conftest import OLD_PASSWORD
from tests.conftest import HOST_A
from tests.recovery.conftest import without_csrf

pytestmark = pytest.mark.django_db

CHANGED_ON_A_CLASSROOM_PC = "Change-En-Classe-42"


@pytest.fixture
def bind_login(directory_store):
    directory_store.login_by_bind = True
    directory_store.save()
    return directory_store


def login(identifier: str, password: str) -> tuple[bool, str]:
    client = Client(HTTP_HOST=HOST_A)
    response = client.post("/accounts/login/", {"login": identifier, "password": password})
    return SESSION_KEY in client.session, html.unescape(response.content.decode())


def test_the_directorys_password_logs_in(bind_login, slapd, parent, password):
    slapd.password_set(parent.identifier, CHANGED_ON_A_CLASSROOM_PC)
    assert login(parent.identifier, CHANGED_ON_A_CLASSROOM_PC)[0]
    # the portal's own copy no longer counts while the directory answers
    assert not login(parent.identifier, password)[0]


def test_without_login_by_bind_the_portal_decides(directory_store, slapd, parent, password):
    slapd.password_set(parent.identifier, CHANGED_ON_A_CLASSROOM_PC)
    assert not login(parent.identifier, CHANGED_ON_A_CLASSROOM_PC)[0]
    assert login(parent.identifier, password)[0]


def test_unknown_and_wrong_look_the_same_and_cost_the_same(
    bind_login, slapd, parent, tenant_a, monkeypatch
):
    calls: list[str] = []
    real_open = directory_client._open

    def counting_open(store, *, user, password):
        calls.append("bind-as-person" if user != store.bind_dn else "bind-as-portal")
        return real_open(store, user=user, password=password)

    monkeypatch.setattr(directory_client, "_open", counting_open)
    wrong = login(parent.identifier, "pas-le-bon-mot-de-passe")
    wrong_calls, calls[:] = list(calls), []
    unknown = login("personne.inconnue", "pas-le-bon-mot-de-passe")
    assert not wrong[0] and not unknown[0]
    assert wrong_calls == calls == ["bind-as-portal", "bind-as-person"]
    error = "L'identifiant ou le mot de passe est incorrect."
    assert error in wrong[1] and error in unknown[1]
    assert without_csrf(wrong[1].replace(parent.identifier, "X").encode()) == without_csrf(
        unknown[1].replace("personne.inconnue", "X").encode()
    )


def test_a_person_only_in_the_directory_cannot_log_in(bind_login, slapd, tenant_a):
    # jdupont has an entry but no portal account: the sync brings people in, not the login
    assert slapd.bind_works("jdupont", OLD_PASSWORD)
    assert not login("jdupont", OLD_PASSWORD)[0]


def test_while_the_directory_is_down_the_portals_last_password_logs_in(
    bind_login, slapd, parent, password
):
    slapd.stop()
    assert login(parent.identifier, password)[0]
    assert not login(parent.identifier, "pas-le-bon-mot-de-passe")[0]


def test_a_deactivated_person_cannot_log_in_even_if_the_directory_says_yes(
    bind_login, slapd, parent
):
    parent.is_active = False
    parent.save()
    assert slapd.bind_works(parent.identifier, OLD_PASSWORD)
    assert not login(parent.identifier, OLD_PASSWORD)[0]
