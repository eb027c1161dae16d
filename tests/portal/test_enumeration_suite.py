"""No public form tells which accounts exist (issue 12): for every form a stranger can post, an
existing account, an unknown one, one not migrated yet and one without a password get the same
response — status, redirect, headers, cookies and bytes, once CSRF and captcha keys are
stripped — and the same page after the redirect.

(The admin's login has its own, tests/portal/test_admin_login.py; the two-step flow's methods
page shows masks, so there the masks are compared by their shape.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from captcha.models import CaptchaStore
from django.test import Client

from accounts.numen import numen_hash
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from recovery.two_step.services import _fake_options
from tests.factories import SchoolFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

HOST = "partout.localhost"
NUMEN = "05E0512345ABC"
WRONG_NUMEN = "05E0512345ABD"


@pytest.fixture
def tenant():
    return TenantFactory(
        slug="partout",
        identifier_reset=True,
        two_step_reset=True,
        student_mailbox_reset=True,
        numen_lookup=True,
        two_step_methods_required=2,
    )


@pytest.fixture
def accounts(tenant) -> dict[str, dict[str, str]]:
    """For each kind of account, what a stranger would type."""
    school = SchoolFactory(tenant=tenant)
    kinds = {
        "known": {},
        "not migrated": {"is_migrated": False},
        "no password": {"password": None},
    }
    typed = {}
    for n, (kind, extra) in enumerate(kinds.items()):
        password = extra.pop("password", "Un-Mot-De-Passe-Solide-1")
        name = _shows_an_email_method(tenant, f"compte{n}")
        user = UserFactory(
            tenant=tenant,
            identifier=name,
            email=f"{name}@exemple.be",
            last_name=f"Nom{n}",
            school_email=f"compte{n}@eleves.partout.test",
            student_number=f"310000000{n}",
            is_student=True,
            schools=[school],
            **extra,
        )
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.numen_hash = numen_hash(tenant_id=tenant.id, numen=NUMEN)
        user.save()
        PhoneDevice.objects.create(user=user, name="p", number=f"+3247099990{n}", confirmed=True)
        SecondaryEmailDevice.objects.create(
            user=user, name="e", email=f"prive{n}@exemple.be", confirmed=True
        )
        typed[kind] = {"identifier": user.identifier, "email": user.email, "surname": f"Nom{n}",
                       "school_email": user.school_email}  # fmt: skip
    nobody = _shows_an_email_method(tenant, "personne")
    typed["unknown"] = {
        "identifier": nobody,
        "email": f"{nobody}@exemple.be",
        "surname": "Nom9",
        "school_email": "personne9@eleves.partout.test",
    }
    return typed


def _shows_an_email_method(tenant, stem: str) -> str:
    """A name whose made-up two-step methods (for the name and its address) include an e-mail,
    as a real account's do: a made-up list leaves it out one time in four, by design (a real
    account with two phones shows none), and the suite compares single pages."""
    for n in range(200):
        name = f"{stem}x{n}"
        if all(
            any(o.kind == "email" for o in _fake_options(tenant=tenant, address=typed))
            for typed in (name, f"{name}@exemple.be")
        ):
            return name
    raise AssertionError("no such name")


def _captcha(client: Client, url: str) -> dict[str, str]:
    page = client.get(url).content.decode()
    key = re.search(r'name="captcha_0" value="([^"]+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


@dataclass(frozen=True)
class Form:
    name: str
    url: str
    fields: callable  # (typed, client) -> POST data
    prepare: str | None = None  # a page to post first (a flow's earlier step)


WRONG_PASSWORD = "x-Faux-9"
NEW_PASSWORDS = {"password1": "Nouveau-Mot2passe!", "password2": "Nouveau-Mot2passe!"}

FORMS = [
    Form("login", "/accounts/login/",
         lambda t, c: {"login": t["identifier"], "password": WRONG_PASSWORD}),
    Form("CREOS reset by identifier", "/mot-de-passe-oublie/",
         lambda t, c: {"method": "identifier", "login": t["identifier"]}),
    Form("CREOS reset by e-mail", "/mot-de-passe-oublie/",
         lambda t, c: {"method": "email", "login": t["email"]}),
    Form("two-step by identifier", "/compte-inaccessible/",
         lambda t, c: {"address": t["identifier"]}),
    Form("two-step by e-mail", "/compte-inaccessible/", lambda t, c: {"address": t["email"]}),
    Form("student mailbox", "/eleve/", lambda t, c: {"address": t["school_email"]}),
    Form("NUMEN lookup, wrong NUMEN", "/identifiant/",
         lambda t, c: {"surname": t["surname"], "numen": WRONG_NUMEN,
                       **_captcha(c, "/identifiant/")}),
    Form("NUMEN reset, wrong NUMEN", "/identifiant/mot-de-passe/etape-2/",
         lambda t, c: {"identifier": t["identifier"], "numen": WRONG_NUMEN, **NEW_PASSWORDS},
         prepare="/identifiant/mot-de-passe/"),
    Form("activation, wrong code", "/activation/",
         lambda t, c: {"identifier": t["identifier"], "code": "ABCD-EFGH-JKMN"}),
]  # fmt: skip

VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'captcha_0" value="[^"]+"'), 'captcha_0" value=""'),
    (re.compile(r"/captcha/(image|audio)/[^/\"]+"), r"/captcha/\1/KEY"),
    # the two-step methods page: masks compared by their shape
    (re.compile(r"\*{5}\d\d"), "*****NN"),
    (re.compile(r"[a-z]\*{5}@[a-z.]+"), "x*****@DOMAIN"),
]


PER_REQUEST_HEADERS = ("Set-Cookie", "Date", "Expires", "Content-Length")


def _stable(content: bytes, typed: dict[str, str]) -> str:
    """The page, with what the visitor typed (echoed back in the form) and keys replaced."""
    text = content.decode()
    for value in sorted(typed.values(), key=len, reverse=True):
        text = text.replace(value, "TYPED")
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _answer(form: Form, typed: dict[str, str], n: int) -> tuple:
    client = Client(HTTP_HOST=HOST, REMOTE_ADDR=f"198.51.100.{n}")
    if form.prepare:
        client.post(form.prepare, _captcha(client, form.prepare))
    client.get(form.url)
    response = client.post(form.url, form.fields(typed, client))
    after = client.get(response["Location"]) if response.status_code == 302 else None
    return (
        response.status_code,
        response.get("Location"),
        # (the length follows what was typed; the dates follow the clock)
        sorted((k, v) for k, v in response.headers.items() if k not in PER_REQUEST_HEADERS),
        sorted(response.cookies.keys()),
        _stable(response.content, typed),
        after and (after.status_code, _stable(after.content, typed)),
    )


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_every_kind_of_account_gets_the_same_answer(form, accounts, tenant):
    answers = {kind: _answer(form, typed, n) for n, (kind, typed) in enumerate(accounts.items())}
    unknown = answers.pop("unknown")
    for kind, answer in answers.items():
        assert answer == unknown, f"{form.name}: {kind} differs from an unknown account"


def _work(form: Form, typed: dict[str, str], n: int) -> tuple[list[str], int]:
    """The SQL the form's POST runs (its literals dropped) and the passwords it hashes."""
    from django.contrib.auth import hashers
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST, REMOTE_ADDR=f"198.51.100.{n}")
    if form.prepare:
        client.post(form.prepare, _captcha(client, form.prepare))
    client.get(form.url)
    data = form.fields(typed, client)
    # Every hash, checked or made, is one `encode` (the test hasher's `verify` encodes too).
    hasher = type(hashers.get_hasher())
    calls = []
    original_encode = hasher.encode

    def encode(self, *args, **kwargs):
        calls.append(1)
        return original_encode(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hasher, "encode", encode)
        with CaptureQueriesContext(connection) as queries:
            client.post(form.url, data)
    literals = re.compile(r"'[^']*'|\b\d+\b|%s")
    return [literals.sub("?", q["sql"]) for q in queries.captured_queries], len(calls)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_every_kind_of_account_costs_the_same_work(form, accounts, tenant):
    """Time is the other way a form tells: the same statements and the same number of password
    hashes for every kind of account (bench/enumeration_timing.py measures the time itself)."""
    work = {kind: _work(form, typed, n) for n, (kind, typed) in enumerate(accounts.items())}
    unknown_sql, unknown_hashes = work.pop("unknown")
    for kind, (sql, hashes) in work.items():
        assert hashes == unknown_hashes, (
            f"{form.name}: {kind} hashes {hashes}×, unknown {unknown_hashes}×"
        )
        assert len(sql) == len(unknown_sql), (
            f"{form.name}: {kind} runs {len(sql)} statements, unknown {len(unknown_sql)}:\n"
            + "\n".join(sorted(set(sql) ^ set(unknown_sql)))
        )
