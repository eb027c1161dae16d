"""Profile: registering a recovery phone and a secondary e-mail, verified by a code."""

import re

import pytest
from django.test import Client

from outbox.models import Message
from recovery.codes import PhoneDevice, SecondaryEmailDevice

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(parent, password, tenant_a):
    tenant_a.two_step_reset = True
    tenant_a.save()
    client = Client(HTTP_HOST="alpha.localhost")
    client.force_login(parent)
    return client


def _code(channel: str) -> str:
    message = Message.objects.filter(channel=channel).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)


def test_phone_counts_only_once_verified(logged_in, parent, password):
    response = logged_in.post(
        "/profil/methodes/phone/ajouter/", {"number": "0470 12 34 67", "current_password": password}
    )
    assert response.status_code == 302
    device = PhoneDevice.objects.get(user=parent)
    assert not device.confirmed and str(device.number) == "+32470123467"  # tenant region: BE
    assert logged_in.post(response["Location"], {"code": "000000"}).status_code == 400
    assert logged_in.post(response["Location"], {"code": _code("sms")}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "*****67" in logged_in.get("/profil/methodes/").content.decode()


def test_adding_a_method_needs_the_current_password(logged_in, parent):
    response = logged_in.post(
        "/profil/methodes/email/ajouter/", {"email": "p@example.be", "current_password": "nope"}
    )
    assert response.status_code == 400
    assert "mot de passe actuel est incorrect" in response.content.decode()
    assert not SecondaryEmailDevice.objects.exists()


def test_changing_the_secondary_email_notifies_the_old_address(logged_in, parent, password):
    old = SecondaryEmailDevice.objects.create(
        user=parent, name="email", email="old@example.be", confirmed=True
    )
    response = logged_in.post(
        "/profil/methodes/email/ajouter/", {"email": "new@example.be", "current_password": password}
    )
    logged_in.post(response["Location"], {"code": _code("email")})
    assert not SecondaryEmailDevice.objects.filter(pk=old.pk).exists()
    assert Message.objects.filter(
        to="old@example.be", template="recovery/methods/email/method_changed"
    )


def test_removing_needs_the_password_and_notifies(logged_in, parent, password):
    device = PhoneDevice.objects.create(
        user=parent, name="phone", number="+32470123467", confirmed=True
    )
    url = f"/profil/methodes/phone/{device.pk}/retirer/"
    assert logged_in.post(url, {"current_password": "nope"}).status_code == 400
    assert logged_in.post(url, {"current_password": password}).status_code == 302
    assert not PhoneDevice.objects.exists()
    assert Message.objects.filter(to="+32470123467", template="recovery/methods/sms/method_changed")


def test_another_persons_device_is_404(logged_in, outsider, password):
    device = PhoneDevice.objects.create(
        user=outsider, name="phone", number="+32470000000", confirmed=True
    )
    assert logged_in.get(f"/profil/methodes/phone/{device.pk}/retirer/").status_code == 404
    assert logged_in.get(f"/profil/methodes/phone/{device.pk}/verifier/").status_code == 404


def test_invalid_phone_number_is_a_form_error(logged_in, password):
    response = logged_in.post(
        "/profil/methodes/phone/ajouter/", {"number": "12", "current_password": password}
    )
    assert response.status_code == 400
    assert not PhoneDevice.objects.exists()
