"""Issue 13: the two-step recovery for real people on real phones — a person with one method
(nadia.lambert, phone only), the second step's form, the help desk's words, the captcha of a
page that had none, and the one-time code the secretariat hands over."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from helpdesk.selectors.card import person_attempts
from outbox.models import Message
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from recovery.models import Flow, LinkToken, Outcome, RecoveryEvent, RecoveryRequest
from recovery.two_step import desk_code
from recovery.two_step.services import _fake_options
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

HOST = "eceps.localhost"
NADIA_NUMBER = "+32475987654"
PIERRE_NUMBER = "+32470123467"
SECONDARY = "pierre.martin@charleroi.be"
NEW_PASSWORD = "Soleil-Couchant-2024!"
START = "/compte-inaccessible/"
METHOD = "/compte-inaccessible/verification/"
CODE = "/compte-inaccessible/verification/code/"


@pytest.fixture
def eceps(db):
    return TenantFactory(
        slug="eceps", display_name="ECEPS", two_step_reset=True, identifier_reset=False,
        password_rules="m365", two_step_methods_required=2,
    )  # fmt: skip


@pytest.fixture
def nadia(eceps):
    user = UserFactory(
        tenant=eceps, identifier="nadia.lambert", first_name="Nadia", last_name="Lambert",
        email="nadia.lambert@eceps.localhost", is_school_staff=True,
    )  # fmt: skip
    PhoneDevice.objects.create(user=user, name="phone", number=NADIA_NUMBER, confirmed=True)
    return user


@pytest.fixture
def pierre(eceps):
    user = UserFactory(
        tenant=eceps, identifier="pierre.martin", first_name="Pierre", last_name="Martin",
        email="pierre.martin@eceps.localhost", is_school_staff=True,
    )  # fmt: skip
    PhoneDevice.objects.create(user=user, name="phone", number=PIERRE_NUMBER, confirmed=True)
    SecondaryEmailDevice.objects.create(user=user, name="email", email=SECONDARY, confirmed=True)
    return user


@pytest.fixture
def client():
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    def post(method: str, number: str = "", address: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(METHOD, {"method": method, "full_number": number,
                                        "full_email": address})  # fmt: skip

    return post


def _last_code(to: str) -> str:
    message = Message.objects.filter(to=to).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)


def _step_one_by_sms(client, send, address: str, typed: str, to: str) -> None:
    client.post(START, {"address": address})
    assert send("sms:1", typed).status_code == 302
    assert client.post(CODE, {"code": _last_code(to)}).status_code == 302


# --- One method: her real number passes step 1 ---------------------------------------------------


def test_one_phone_account_is_shown_her_own_phone_not_made_up_methods(client, nadia, eceps):
    client.post(START, {"address": nadia.email})
    page = client.get(METHOD).content.decode()
    assert "*****54" in page
    assert sorted(re.findall(r'name="method" value="([^"]+)"', page)) == ["sms:1", "voice:1"]
    assert "courrier électronique" not in page  # no e-mail she does not have


@pytest.mark.parametrize(
    "typed", ["0475 98 76 54", "+32 475 98 76 54", "0032 (0)475/98.76.54", "475987654"]
)
def test_her_real_number_passes_step_one_and_the_code_arrives(client, send, nadia, typed):
    client.post(START, {"address": nadia.identifier})
    response = send("sms:1", typed)
    assert response.status_code == 302 and response["Location"] == CODE
    sms = Message.objects.get(to=NADIA_NUMBER)
    assert sms.channel == "sms" and re.search(r"\b\d{6}\b", sms.body_text)


def test_after_step_one_a_plain_page_says_a_second_method_is_needed(client, send, nadia):
    _step_one_by_sms(client, send, nadia.email, "0475 98 76 54", NADIA_NUMBER)
    response = client.get(METHOD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Une deuxième méthode est nécessaire" in page
    assert "Votre première vérification a réussi." in page
    assert 'action="/compte-inaccessible/contact/"' in page  # the help request
    assert 'href="/compte-inaccessible/code-secretariat/"' in page
    assert 'name="full_number"' not in page and 'name="method"' not in page
    # the help request reaches the school
    assert "transmise" in client.post("/compte-inaccessible/contact/").content.decode()


def test_no_password_page_without_the_second_step(client, send, nadia):
    _step_one_by_sms(client, send, nadia.email, "0475 98 76 54", NADIA_NUMBER)
    response = client.get("/compte-inaccessible/nouveau-mot-de-passe/")
    assert response["Location"] == METHOD


def test_the_help_desk_reads_what_really_happened(client, send, nadia):
    _step_one_by_sms(client, send, nadia.email, "0475 98 76 54", NADIA_NUMBER)
    client.post("/compte-inaccessible/contact/")
    (attempt,) = person_attempts(person=nadia)
    assert "numéro" not in attempt.reason
    assert attempt.reason == (
        "code envoyé par SMS, étape 1 vérifiée, une seule méthode enregistrée : deuxième étape "
        "impossible, aide du secrétariat nécessaire, administrateur contacté"
    )


def test_a_really_wrong_number_is_named_as_such_on_the_card(client, send, nadia):
    client.post(START, {"address": nadia.email})
    assert send("sms:1", "0475 11 22 33").status_code == 400
    (attempt,) = person_attempts(person=nadia)
    assert attempt.reason == "numéro tapé différent du téléphone enregistré"


def test_an_account_without_a_phone_is_not_logged_as_a_wrong_number(client, send, eceps):
    user = UserFactory(tenant=eceps, identifier="sans.telephone", email="st@eceps.localhost")
    client.post(START, {"address": user.email})
    fake_phone = next(o for o in _fake_options(tenant=eceps, address=user.email) if o.kind == "sms")
    assert send(fake_phone.key, "0475 98 76 54").status_code == 400
    (event,) = RecoveryEvent.objects.filter(user=user)
    assert event.kind == "made_up_method"
    assert "méthodes fictives montrées" in person_attempts(person=user)[0].reason


def test_an_unknown_address_still_gets_made_up_methods(client, send, nadia, eceps):
    client.post(START, {"address": "personne@eceps.localhost"})
    page = client.get(METHOD).content.decode()
    made_up = _fake_options(tenant=eceps, address="personne@eceps.localhost")
    assert {o.masked for o in made_up if o.is_phone} == set(re.findall(r"\*{5}\d\d", page))
    assert send("sms:1", "0475 98 76 54").status_code == 400
    assert not Message.objects.exists()


# --- The method form ----------------------------------------------------------------------------


def test_step_two_preselects_the_only_method_and_asks_only_for_the_address(client, send, pierre):
    _step_one_by_sms(client, send, pierre.identifier, "0470 12 34 67", PIERRE_NUMBER)
    page = client.get(METHOD).content.decode()
    assert re.search(r'<input type="radio" name="method" value="email:1"[^>]* checked', page)
    assert 'name="full_number"' not in page
    assert 'name="full_email"' in page
    # the seed's words: the masked address, and the full address typed again
    assert "adresse de messagerie secondaire (p*****@charleroi.be)" in page
    assert send("email:1", address=SECONDARY).status_code == 302
    assert Message.objects.filter(to=SECONDARY).exists()


def test_step_one_with_several_methods_preselects_nothing_but_the_retry_link_does(client, pierre):
    client.post(START, {"address": pierre.identifier})
    page = client.get(METHOD).content.decode()
    assert " checked" not in page
    assert 'name="full_number"' in page and 'name="full_email"' in page
    # the phone's help names the mask, as the seed does
    assert re.search(r'id="id_full_number_helptext">[^<]*\(\*{5}67\)', page)
    retry = client.get(f"{METHOD}?method=voice:1").content.decode()
    assert re.search(r'value="voice:1"[^>]* checked', retry)


def test_something_that_is_no_phone_number_spends_no_try(client, send, nadia):
    client.post(START, {"address": nadia.email})
    response = send("sms:1", "pas de numéro")
    assert response.status_code == 400
    assert "pas un numéro de téléphone valable" in response.content.decode()
    assert not RecoveryEvent.objects.filter(user=nadia).exists()
    assert RecoveryRequest.objects.get(user=nadia).two_step.failures == 0


# --- The captcha of a page that had none ---------------------------------------------------------


def test_a_page_without_captcha_gets_the_captcha_and_no_error(client, nadia):
    page = client.get(START).content.decode()
    assert 'name="captcha_1"' not in page  # she fills in this page…
    other = Client(HTTP_HOST=HOST)  # …while starts from her address reach the limit
    for _ in range(3):
        other.post(START, {"address": "x@y.be"})
    response = client.post(START, {"address": nadia.email})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'name="captcha_1"' in page
    assert "obligatoire" not in page and "incorrect" not in page
    assert "recopier le code affiché" in page
    assert 'value="nadia.lambert@eceps.localhost"' in page
    assert not RecoveryRequest.objects.filter(user=nadia).exists()


def test_a_captcha_shown_and_left_empty_is_still_an_error(client, nadia):
    for _ in range(3):
        client.post(START, {"address": "x@y.be"})
    response = client.post(START, {"address": nadia.email, "captcha_0": "k", "captcha_1": ""})
    assert response.status_code == 400 and "obligatoire" in response.content.decode()


# --- The one-time code from the secretariat ------------------------------------------------------


@pytest.fixture
def secretary(eceps):
    return UserFactory(
        tenant=eceps, identifier="secretariat.eceps", is_secretary=True, is_school_staff=True
    )


def _issue(nadia, secretary, handover="in_person") -> desk_code.DeskCode:
    return desk_code.desk_code_issue(user=nadia, by=secretary, handover=handover, ip="10.0.0.1")


def test_a_desk_code_lets_her_choose_her_password(client, nadia, secretary):
    issued = _issue(nadia, secretary)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", issued.code)
    assert re.fullmatch(
        r"http://eceps\.localhost(:\d+)?/compte-inaccessible/code-secretariat/", issued.url
    )
    page = client.post(
        "/compte-inaccessible/code-secretariat/",
        {"identifier": "Nadia.Lambert", "code": issued.code.lower().replace("-", " ")},
    )
    assert page["Location"] == "/compte-inaccessible/code-secretariat/mot-de-passe/"
    form = client.get(page["Location"]).content.decode()
    assert "nadia.lambert" in form and 'id="strength-meter"' in form
    done = client.post(page["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == "/compte-inaccessible/termine/"
    nadia.refresh_from_db()
    assert nadia.check_password(NEW_PASSWORD)
    request = RecoveryRequest.objects.get(user=nadia, flow=Flow.ADMIN)
    assert request.outcome == Outcome.COMPLETED and request.initiated_by == secretary
    kinds = list(
        RecoveryEvent.objects.filter(request=request).order_by("pk").values_list("kind", "detail")
    )
    assert kinds == [("desk_code_issued", "in_person"), ("password_reset", "")]
    # used once: the same code no longer opens anything
    again = client.post(
        "/compte-inaccessible/code-secretariat/",
        {"identifier": "nadia.lambert", "code": issued.code},
    )
    assert again.status_code == 400


def test_a_desk_code_is_stored_only_as_a_keyed_hash(nadia, secretary):
    issued = _issue(nadia, secretary)
    (token,) = LinkToken.objects.filter(purpose="desk_code")
    bare = issued.code.replace("-", "")
    assert bare not in token.secret_hash and issued.code not in str(token.__dict__)
    assert not RecoveryEvent.objects.filter(detail__icontains=bare).exists()


def test_wrong_code_and_unknown_identifier_get_the_same_page(client, nadia, secretary):
    issued = _issue(nadia, secretary)
    url = "/compte-inaccessible/code-secretariat/"
    wrong = client.post(url, {"identifier": "nadia.lambert", "code": "ABCD-EFGH-JKMN"})
    unknown = client.post(url, {"identifier": "personne.xyz", "code": issued.code})

    def stable(response) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return html.replace("nadia.lambert", "X").replace("personne.xyz", "X")

    assert wrong.status_code == unknown.status_code == 400
    assert stable(wrong) == stable(unknown)


def test_a_newer_code_or_a_changed_password_kills_the_code(client, nadia, secretary):
    first = _issue(nadia, secretary)
    second = _issue(nadia, secretary, handover="read_out")
    url = "/compte-inaccessible/code-secretariat/"
    assert client.post(url, {"identifier": "nadia.lambert", "code": first.code}).status_code == 400
    nadia.set_password("Un-Autre-Mot-De-Passe-9")
    nadia.save()
    assert client.post(url, {"identifier": "nadia.lambert", "code": second.code}).status_code == 400


def test_a_desk_code_expires_after_a_day(client, nadia, secretary):
    issued = _issue(nadia, secretary)
    LinkToken.objects.filter(purpose="desk_code").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.post(
        "/compte-inaccessible/code-secretariat/",
        {"identifier": "nadia.lambert", "code": issued.code},
    )
    assert response.status_code == 400


def test_wrong_desk_codes_are_throttled_per_identifier(client, nadia, secretary):
    issued = _issue(nadia, secretary)
    url = "/compte-inaccessible/code-secretariat/"
    for n in range(desk_code.FAILURES_PER_IDENTIFIER.count):
        Client(HTTP_HOST=HOST, REMOTE_ADDR=f"192.0.2.{n}").post(
            url, {"identifier": "nadia.lambert", "code": "ABCD-EFGH-JKMN"}
        )
    assert client.post(url, {"identifier": "nadia.lambert", "code": issued.code}).status_code == 429
    cache.clear()
    assert client.post(url, {"identifier": "nadia.lambert", "code": issued.code}).status_code == 302


def test_the_password_page_needs_a_proven_code(client, eceps):
    assert client.get("/compte-inaccessible/code-secretariat/mot-de-passe/")["Location"] == (
        "/compte-inaccessible/code-secretariat/"
    )


def test_a_weak_password_leaves_the_code_usable(client, nadia, secretary):
    issued = _issue(nadia, secretary)
    client.post(
        "/compte-inaccessible/code-secretariat/",
        {"identifier": "nadia.lambert", "code": issued.code},
    )
    url = "/compte-inaccessible/code-secretariat/mot-de-passe/"
    assert client.post(url, {"password1": "nadia123", "password2": "nadia123"}).status_code == 400
    assert LinkToken.objects.get(purpose="desk_code").used_at is None
    ok = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert ok["Location"] == "/compte-inaccessible/termine/"
