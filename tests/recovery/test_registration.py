"""Recovery methods asked after login (issue 13, Entra's "register when signing in"): the
tenant's policy off / ask / require, the skips, the re-confirmation after N days, the page asked
for kept (and kept on this site), who is asked."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import User
from outbox.models import Message
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from recovery.registration.services import RECONFIRM, REGISTER, registration_due
from tenants.models import MethodsRegistration
from tests.conftest import HOST_A
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROMPT = "/profil/securite/"


def _policy(tenant, policy, *, skips=3, days=180, required=2, two_step=True):
    tenant.two_step_reset = two_step
    tenant.methods_registration = policy
    tenant.methods_registration_skips = skips
    tenant.methods_reconfirm_days = days
    tenant.two_step_methods_required = required
    tenant.save()


def _login(user, password, next_url="/profil/") -> tuple[Client, str]:
    """A real login on the tenant's host, then the page asked for: where does she land?"""
    client = Client(HTTP_HOST=HOST_A)
    response = client.post(
        "/accounts/login/",
        {"login": user.identifier, "password": password, "next": next_url},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    landing = client.get(response["Location"])
    return client, landing["Location"] if landing.status_code == 302 else response["Location"]


def _code(channel: str) -> str:
    message = Message.objects.filter(channel=channel).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)


def _methods(user, *, verified_days_ago: int | None = 1, phone=True, email=True) -> None:
    at = None if verified_days_ago is None else timezone.now() - timedelta(days=verified_days_ago)
    if phone:
        PhoneDevice.objects.create(
            user=user, name="phone", number="+32470123467", confirmed=True, verified_at=at
        )
    if email:
        SecondaryEmailDevice.objects.create(
            user=user, name="email", email="perso@example.be", confirmed=True, verified_at=at
        )


# --- off / ask / require ------------------------------------------------------------------------


def test_policy_off_never_asks(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.OFF)
    client, landing = _login(parent, password)
    assert landing == "/profil/"
    assert client.get("/profil/").status_code == 200


def test_ask_shows_the_page_after_login_and_later_goes_on_to_the_page_asked_for(
    parent, password, tenant_a
):
    # given a tenant that asks, and a parent without methods
    _policy(tenant_a, MethodsRegistration.ASK)
    # when she logs in asking for her profile
    client, landing = _login(parent, password, "/profil/")
    # then the page asks for her methods, keeping where she was going
    assert landing == f"{PROMPT}?next=%2Fprofil%2F"
    page = client.get(landing)
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]  # a signed-in page, like the profile
    assert "Protégez votre compte" in html
    assert "Ajouter un téléphone" in html and "Ajouter une adresse" in html
    assert "Vous pouvez encore remettre à plus tard 3 fois." in html
    # every other page of the portal waits for her answer
    assert client.get("/paiements/").status_code == 302
    # when she puts it off
    later = client.post(PROMPT, {"action": "later"})
    # then she goes on to her profile, and it counted once
    assert later.status_code == 302 and later["Location"] == "/profil/"
    assert client.get("/profil/").status_code == 200
    parent.refresh_from_db()
    assert parent.methods_prompt_skips == 1


def test_ask_counts_skips_across_logins_then_requires(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.ASK, skips=2)
    for expected in (1, 2):
        client, landing = _login(parent, password)
        assert landing.startswith(PROMPT)
        assert client.post(PROMPT, {"action": "later"}).status_code == 302
        parent.refresh_from_db()
        assert parent.methods_prompt_skips == expected
    # the third time there is no "later" any more
    client, landing = _login(parent, password)
    html = client.get(landing).content.decode()
    assert "Plus tard" not in html
    assert "Votre établissement demande de le faire maintenant" in html
    refused = client.post(PROMPT, {"action": "later"})
    assert refused.status_code == 400
    assert client.get("/profil/").status_code == 302  # still held
    parent.refresh_from_db()
    assert parent.methods_prompt_skips == 2


def test_require_cannot_be_skipped_and_a_verified_phone_goes_on(parent, password, tenant_a):
    # given a tenant that requires one method
    _policy(tenant_a, MethodsRegistration.REQUIRE, required=1)
    client, landing = _login(parent, password, "/profil/?tab=1")
    assert landing == f"{PROMPT}?next=%2Fprofil%2F%3Ftab%3D1"
    client.get(landing)
    # then "later" is refused
    assert client.post(PROMPT, {"action": "later"}).status_code == 400
    assert client.get("/paiements/").status_code == 302
    # when she registers her phone (no password asked again: she just typed it)
    add = client.post(f"{PROMPT}phone/ajouter/", {"number": "0470 12 34 67"})
    assert add.status_code == 302
    device = PhoneDevice.objects.get(user=parent)
    assert not device.confirmed
    # a wrong code does nothing
    assert client.post(add["Location"], {"code": "000000"}).status_code == 400
    # with the code sent by SMS through the outbox
    verified = client.post(add["Location"], {"code": _code("sms")})
    assert verified["Location"] == PROMPT
    # then she goes on to the page she asked for
    done = client.get(PROMPT)
    assert done.status_code == 302 and done["Location"] == "/profil/?tab=1"
    assert client.get("/profil/").status_code == 200
    device.refresh_from_db()
    parent.refresh_from_db()
    assert device.confirmed
    assert parent.methods_confirmed_at is not None and parent.methods_prompt_skips == 0


def test_require_two_methods_asks_for_the_one_still_missing(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE, required=2)
    _methods(parent, email=False)
    client, landing = _login(parent, password)
    html = client.get(landing).content.decode()
    assert "Ajouter une adresse" in html and "Ajouter un téléphone" not in html
    # a phone she already has is not replaced here (only in her profile, with her password)
    assert client.get(f"{PROMPT}phone/ajouter/").status_code == 404
    assert client.post(f"{PROMPT}phone/ajouter/", {"number": "0470000000"}).status_code == 404
    add = client.post(f"{PROMPT}email/ajouter/", {"email": "perso2@example.be"})
    client.post(add["Location"], {"code": _code("email")})
    assert client.get(PROMPT)["Location"] == "/profil/"
    assert SecondaryEmailDevice.objects.get(user=parent).confirmed


def test_a_person_with_enough_methods_is_not_asked(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    _methods(parent)
    _client, landing = _login(parent, password)
    assert landing == "/profil/"


def test_nothing_is_asked_without_the_two_step_reset(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE, two_step=False)
    _client, landing = _login(parent, password)
    assert landing == "/profil/"


def test_the_policy_needs_the_two_step_reset(tenant_a):
    tenant_a.two_step_reset = False
    tenant_a.methods_registration = MethodsRegistration.ASK
    with pytest.raises(ValidationError) as error:
        tenant_a.clean()
    assert "methods_registration" in error.value.message_dict


def test_switching_the_policy_off_releases_a_held_session(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    client, _landing = _login(parent, password)
    _policy(tenant_a, MethodsRegistration.OFF)
    from tenants.selectors import tenant_cache_clear

    tenant_cache_clear()
    assert client.get("/profil/").status_code == 200


# --- re-confirm after N days --------------------------------------------------------------------


def test_methods_older_than_n_days_are_reconfirmed(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.ASK, days=180)
    _methods(parent, verified_days_ago=200)
    client, landing = _login(parent, password)
    page = client.get(landing).content.decode()
    assert "Vos méthodes de récupération sont-elles à jour ?" in page
    assert "*****67" in page and "p*****@example.be" in page
    confirmed = client.post(PROMPT, {"action": "confirm"})
    assert confirmed["Location"] == "/profil/"
    parent.refresh_from_db()
    assert timezone.now() - parent.methods_confirmed_at < timedelta(minutes=1)
    # the next login asks nothing
    _client, landing = _login(parent, password)
    assert landing == "/profil/"


def test_reconfirm_timing(parent, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE, days=180)
    _methods(parent, verified_days_ago=100)
    now = timezone.now()
    assert registration_due(user=parent, tenant=tenant_a, now=now) is None
    due = registration_due(user=parent, tenant=tenant_a, now=now + timedelta(days=81))
    assert due is not None and due.mode == RECONFIRM and due.required
    # a confirmation on the person restarts the clock even if the devices are older
    parent.methods_confirmed_at = now + timedelta(days=80)
    assert registration_due(user=parent, tenant=tenant_a, now=now + timedelta(days=81)) is None
    # 0 days: never re-confirmed
    tenant_a.methods_reconfirm_days = 0
    assert registration_due(user=parent, tenant=tenant_a, now=now + timedelta(days=900)) is None


def test_methods_never_dated_are_reconfirmed(parent, tenant_a):
    _policy(tenant_a, MethodsRegistration.ASK)
    _methods(parent, verified_days_ago=None)
    due = registration_due(user=parent, tenant=tenant_a)
    assert due is not None and due.mode == RECONFIRM and not due.required


def test_skip_count_rule(parent, tenant_a):
    _policy(tenant_a, MethodsRegistration.ASK, skips=3)
    parent.methods_prompt_skips = 2
    due = registration_due(user=parent, tenant=tenant_a)
    assert due.mode == REGISTER and due.can_skip and due.skips_left == 1
    parent.methods_prompt_skips = 3
    assert registration_due(user=parent, tenant=tenant_a).required
    _policy(tenant_a, MethodsRegistration.ASK, skips=0)
    parent.methods_prompt_skips = 0
    assert registration_due(user=parent, tenant=tenant_a).required


# --- the page asked for stays on this site --------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     PROMPT, "/accounts/logout/"],
)  # fmt: skip
def test_next_is_kept_safe(parent, password, tenant_a, target):
    _policy(tenant_a, MethodsRegistration.ASK)
    client, landing = _login(parent, password)
    client.get(PROMPT, {"next": target})
    later = client.post(PROMPT, {"action": "later"})
    assert later["Location"] == "/"


def test_a_post_elsewhere_is_held_without_a_next(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    client, _landing = _login(parent, password)
    held = client.post("/accounts/password/change/", {"oldpassword": password})
    assert held.status_code == 302 and held["Location"] == PROMPT


# --- who is asked --------------------------------------------------------------------------------


def test_staff_are_asked_too(secretary, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.ASK)
    _client, landing = _login(secretary, password)
    assert landing.startswith(PROMPT)


def test_students_are_not_asked(child1, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    _client, landing = _login(child1, password)
    assert landing == "/profil/"


def test_a_student_who_is_also_staff_is_asked(tenant_a, school_a, password):
    _policy(tenant_a, MethodsRegistration.ASK)
    person = UserFactory(tenant=tenant_a, is_student=True, is_school_staff=True)
    assert registration_due(user=person, tenant=tenant_a) is not None


def test_another_tenants_policy_does_not_apply(parent, outsider, tenant_a, tenant_b):
    _policy(tenant_b, MethodsRegistration.REQUIRE)
    assert registration_due(user=parent, tenant=tenant_b) is None


def test_another_persons_pending_device_is_404(parent, outsider, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    device = PhoneDevice.objects.create(
        user=outsider, name="phone", number="+32470000000", confirmed=False
    )
    client, _landing = _login(parent, password)
    assert client.get(f"{PROMPT}phone/{device.pk}/verifier/").status_code == 404
    assert client.get(f"{PROMPT}fax/ajouter/").status_code == 404


def test_without_a_fresh_login_adding_asks_for_the_password(parent, password, tenant_a):
    """The page adds a missing method without the password only right after a login with it;
    otherwise (a session that stayed open, an old login) the profile's page asks it."""
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    client, _landing = _login(parent, password)
    session = client.session
    session["recovery.registration"] = {"next": "", "at": 0}
    session.save()
    response = client.post(f"{PROMPT}phone/ajouter/", {"number": "0470 12 34 67"})
    assert response.status_code == 302
    assert response["Location"] == "/profil/methodes/phone/ajouter/"
    assert not PhoneDevice.objects.exists()
    # a session with no login-time page at all
    other = Client(HTTP_HOST=HOST_A)
    other.force_login(parent)
    assert other.get(f"{PROMPT}phone/ajouter/")["Location"] == "/profil/methodes/phone/ajouter/"


def test_the_profile_pages_still_work_while_asked(parent, password, tenant_a):
    _policy(tenant_a, MethodsRegistration.REQUIRE)
    client, _landing = _login(parent, password)
    assert client.get("/profil/methodes/").status_code == 200
    assert client.get("/profil/methodes/phone/ajouter/").status_code == 200


def test_not_logged_in_goes_to_login(client_a, tenant_a):
    response = client_a.get(PROMPT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert User.objects.count() == 0
