"""Académie de Créteil: generated identifiers, identifier lookup by surname + NUMEN behind a
captcha, the two-step reset, and the one-time first login with the NUMEN in capitals."""

import re

import pytest
from captcha.models import CaptchaStore
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.identifiers import identifier_generate
from accounts.models import User
from accounts.numen import numen_hash
from tenants.scoping import tenant_scope
from tests.factories import TenantFactory, UserFactory
from tests.recovery.conftest import without_csrf

pytestmark = pytest.mark.django_db

HOST = "academie.localhost"
NUMEN = "05E0512345ABC"
NEW_PASSWORD = "Nouveau-Mot2passe!"


@pytest.fixture
def academy(db):
    return TenantFactory(
        slug="academie", numen_lookup=True, identifier_reset=False, numen_initial_login=True
    )


@pytest.fixture
def teacher(academy):
    user = UserFactory(
        tenant=academy, identifier="jdupont", first_name="Jean", last_name="D'Alembert Dupont"
    )
    user.numen_hash = numen_hash(tenant_id=academy.id, numen=NUMEN)
    user.save()
    return user


@pytest.fixture
def client():
    return Client(HTTP_HOST=HOST)


def solve_captcha(client, url: str) -> dict:
    page = client.get(url).content.decode()
    key = re.search(r'name="captcha_0" value="([^"]+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def normalised(html: bytes) -> str:
    text = without_csrf(html)
    text = re.sub(r'captcha_0" value="[^"]+"', 'captcha_0" value=""', text)
    return re.sub(r"/captcha/(image|audio)/[^/\"]+", r"/captcha/\1/KEY", text)


# --- Identifier generation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Jean", "Dupont", "jdupont"),
        ("Éloïse", "Lefèvre", "elefevre"),
        ("Anne-Marie", "D'Alembert", "ad-alembert"),
        ("Luc", "De La Fontaine", "lde-la-fontaine"),
        ("Zoé", "Œuvray", "zoeuvray"),
    ],
)
def test_identifier_rule(academy, first, last, expected):
    with tenant_scope(academy):
        assert identifier_generate(first_name=first, last_name=last) == expected


def test_homonyms_get_a_digit_within_the_tenant_only(academy, tenant_b):
    UserFactory(tenant=academy, identifier="jdupont")
    UserFactory(tenant=academy, identifier="jdupont1")
    with tenant_scope(academy):
        assert identifier_generate(first_name="Julie", last_name="Dupont") == "jdupont2"
    with tenant_scope(tenant_b):
        assert identifier_generate(first_name="Julie", last_name="Dupont") == "jdupont"


def test_admin_generates_the_identifier_and_keeps_only_a_hash_of_the_numen(academy):
    from tests.conftest import verified_admin_client

    secretary = UserFactory(tenant=academy, identifier="sec", is_secretary=True)
    school = academy.schools.create(name="Lycée", code="L1")
    secretary.schools.add(school)
    UserFactory(tenant=academy, identifier="jdupont", schools=[school])
    admin = verified_admin_client(secretary, HOST)
    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "identifier": "", "first_name": "Julie", "last_name": "Dupont",
            "is_school_staff": "on", "schools": [school.pk], "is_active": "on",
            "is_migrated": "on", "numen": "07a0398765xyz",
            "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(tenant=academy, last_name="Dupont", first_name="Julie")
    assert created.identifier == "jdupont1"
    assert created.numen_hash == numen_hash(tenant_id=academy.id, numen="07A0398765XYZ")
    row = " ".join(str(v) for v in User.objects.filter(pk=created.pk).values().first().values())
    assert "07A0398765XYZ" not in row.upper()


def test_admin_rejects_a_malformed_numen(academy):
    from tests.conftest import verified_admin_client

    secretary = UserFactory(tenant=academy, identifier="sec", is_tenant_admin=True)
    admin = verified_admin_client(secretary, HOST)
    response = admin.post(
        "/admin/accounts/user/add/",
        {"identifier": "x", "last_name": "X", "is_active": "on", "numen": "123",
         "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "13 caractères" in response.content.decode()


# --- Identifier lookup ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["D'Alembert Dupont", "d-alembert-dupont", "D ALEMBERT-DUPONT"])
def test_lookup_shows_the_identifier_on_an_exact_match(teacher, client, typed):
    data = {"surname": typed, "numen": NUMEN.lower(), **solve_captcha(client, "/identifiant/")}
    response = client.post("/identifiant/", data)
    assert response.status_code == 200
    assert 'id="found-identifier">jdupont<' in response.content.decode()


def test_wrong_surname_wrong_numen_or_both_give_one_message(teacher, client):
    pages = []
    for surname, numen in [
        ("Martin", NUMEN),
        ("D'Alembert Dupont", "05E0512345ABD"),
        ("Martin", "99Z9999999ZZZ"),
    ]:
        data = {"surname": "Martin", "numen": numen, **solve_captcha(client, "/identifiant/")}
        data["surname"] = surname
        response = client.post("/identifiant/", data)
        assert response.status_code == 400
        pages.append(re.sub(r'name="surname"[^>]*value="[^"]*"', "", normalised(response.content)))
    assert pages[0] == pages[1] == pages[2]
    assert "Aucun compte ne correspond" in pages[0]
    assert "jdupont" not in pages[0]


@pytest.mark.parametrize(
    "captcha",
    [{}, {"captcha_1": "WRONG"}, {"captcha_0": "nokey", "captcha_1": "ABCDE"}],
)
def test_missing_or_wrong_captcha_is_rejected(teacher, client, captcha):
    data = {"surname": "D'Alembert Dupont", "numen": NUMEN}
    if captcha.get("captcha_1") == "WRONG":
        captcha = {**solve_captcha(client, "/identifiant/"), "captcha_1": "WRONG"}
    response = client.post("/identifiant/", {**data, **captcha})
    assert response.status_code == 400
    assert "jdupont" not in response.content.decode()


def test_a_captcha_answer_works_only_once(teacher, client):
    answer = solve_captcha(client, "/identifiant/")
    data = {"surname": "D'Alembert Dupont", "numen": NUMEN, **answer}
    assert "found-identifier" in client.post("/identifiant/", data).content.decode()
    replay = client.post("/identifiant/", data)
    assert replay.status_code == 400 and "found-identifier" not in replay.content.decode()


def test_captcha_refresh_without_javascript_shows_a_new_code(teacher, client):
    first = solve_captcha(client, "/identifiant/")
    page = client.post("/identifiant/", {"surname": "X", "captcha_refresh": "1", **first})
    assert page.status_code == 200
    assert first["captcha_0"] not in page.content.decode()
    assert 'value="X"' in page.content.decode()


@pytest.mark.parametrize("numen", ["123", "05E0512345AB!", "x" * 10_000, "05E051\r\n2345AB"])
def test_malformed_numen_is_a_form_error(teacher, client, numen):
    data = {"surname": "Dupont", "numen": numen, **solve_captcha(client, "/identifiant/")}
    response = client.post("/identifiant/", data)
    assert response.status_code == 400
    assert "found-identifier" not in response.content.decode()


# --- Reset in two steps ---------------------------------------------------------------------


def _step2(client, identifier=None, numen=NUMEN, password=NEW_PASSWORD):
    return client.post(
        "/identifiant/mot-de-passe/etape-2/",
        {"identifier": identifier or "jdupont", "numen": numen, "password1": password,
         "password2": password},
    )  # fmt: skip


def test_step_two_cannot_be_reached_without_the_captcha(teacher, client):
    response = _step2(client)
    assert response.status_code == 302 and response["Location"].endswith(
        "/identifiant/mot-de-passe/"
    )
    teacher.refresh_from_db()
    assert not teacher.check_password(NEW_PASSWORD)


def test_reset_with_identifier_and_numen(teacher, client):
    step1 = client.post(
        "/identifiant/mot-de-passe/", solve_captcha(client, "/identifiant/mot-de-passe/")
    )
    assert step1.status_code == 302
    assert "Étape 2/2" in client.get(step1["Location"]).content.decode()
    response = _step2(client, identifier="JDupont")
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe-oublie/termine/"
    teacher.refresh_from_db()
    assert teacher.check_password(NEW_PASSWORD)
    assert SESSION_KEY not in client.session


def test_wrong_numen_at_step_two_costs_a_new_captcha(teacher, client):
    client.post("/identifiant/mot-de-passe/", solve_captcha(client, "/identifiant/mot-de-passe/"))
    response = _step2(client, numen="05E0512345ABD")
    assert response.status_code == 400
    assert "L'identifiant ou le NUMEN est incorrect" in response.content.decode()
    assert _step2(client).status_code == 302  # back to step 1, nothing changed
    teacher.refresh_from_db()
    assert not teacher.check_password(NEW_PASSWORD)


def test_weak_password_at_step_two_shows_the_rule(teacher, client):
    client.post("/identifiant/mot-de-passe/", solve_captcha(client, "/identifiant/mot-de-passe/"))
    response = _step2(client, password="short")
    assert response.status_code == 400
    assert "Entre 8 et 256 caractères" in response.content.decode()


# --- First login with the NUMEN ----------------------------------------------------------------


def _login(client, identifier, password):
    return client.post("/accounts/login/", {"login": identifier, "password": password})


def test_first_login_with_numen_in_capitals_forces_a_new_password(teacher, client):
    teacher.set_unusable_password()
    teacher.save()
    assert SESSION_KEY not in (_login(client, "jdupont", NUMEN.lower()) and client.session)
    response = _login(client, "jdupont", NUMEN)
    assert response.status_code == 302
    assert client.get("/profil/")["Location"] == "/profil/nouveau-mot-de-passe/"
    done = client.post(
        "/profil/nouveau-mot-de-passe/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get("/profil/").status_code == 200
    # The NUMEN never becomes a lasting password.
    other = Client(HTTP_HOST=HOST)
    assert SESSION_KEY not in (_login(other, "jdupont", NUMEN) and other.session)
    assert SESSION_KEY in (_login(other, "jdupont", NEW_PASSWORD) and other.session)


def test_numen_first_login_is_off_unless_the_tenant_enables_it(teacher, academy, client):
    academy.numen_initial_login = False
    academy.save()
    teacher.set_unusable_password()
    teacher.save()
    _login(client, "jdupont", NUMEN)
    assert SESSION_KEY not in client.session


def test_flow_is_404_where_the_tenant_does_not_use_it(tenant_a, client_a):
    assert client_a.get("/identifiant/").status_code == 404
    assert client_a.get("/identifiant/mot-de-passe/").status_code == 404


def test_wrong_numen_answers_from_many_addresses_never_lock_the_owner_out(teacher):
    from recovery import throttle

    # given more wrong answers for her account than its limit, each from another address
    for n in range(throttle.ANSWERS_PER_ACCOUNT.count + 2):
        stranger = Client(HTTP_HOST=HOST, REMOTE_ADDR=f"198.51.100.{n}")
        stranger.post(
            "/identifiant/mot-de-passe/", solve_captcha(stranger, "/identifiant/mot-de-passe/")
        )
        assert _step2(stranger, numen="05E0512345ABD").status_code == 400
    # when she resets her password from home with her NUMEN
    owner = Client(HTTP_HOST=HOST, REMOTE_ADDR="203.0.113.50")
    owner.post("/identifiant/mot-de-passe/", solve_captcha(owner, "/identifiant/mot-de-passe/"))
    response = _step2(owner)
    # then it works: the limit held back the addresses that guessed, not her
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe-oublie/termine/"
    teacher.refresh_from_db()
    assert teacher.check_password(NEW_PASSWORD)


def test_one_address_guessing_an_account_is_held_back(teacher):
    from recovery import throttle

    guesser = Client(HTTP_HOST=HOST, REMOTE_ADDR="198.51.100.7")
    for _ in range(throttle.ANSWERS_PER_ACCOUNT.count):
        guesser.post(
            "/identifiant/mot-de-passe/", solve_captcha(guesser, "/identifiant/mot-de-passe/")
        )
        assert _step2(guesser, numen="05E0512345ABD").status_code == 400
    # even the right NUMEN, from that address, now gets the same refusal
    guesser.post("/identifiant/mot-de-passe/", solve_captcha(guesser, "/identifiant/mot-de-passe/"))
    assert _step2(guesser).status_code == 400
    teacher.refresh_from_db()
    assert not teacher.check_password(NEW_PASSWORD)
