"""The dev inbox: demo mode only, the host's tenant only, with the staff's demo TOTP codes."""

import re

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.totp import demo_totp_key
from outbox.models import Channel, Message, Status

pytestmark = pytest.mark.django_db


def sent_mail(tenant, subject: str, **fields) -> Message:
    return Message.objects.create(
        tenant=tenant,
        channel=fields.pop("channel", Channel.EMAIL),
        template="outbox/notice",
        to=fields.pop("to", "jacqueline@example.be"),
        subject=subject,
        body_text=fields.pop(
            "body_text", "Bonjour,\n\nRéinitialisez ici : http://alpha.localhost:8000/reset/abc/\n"
        ),
        status=Status.SENT,
        sent_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True


def test_the_inbox_lists_the_tenants_sent_mail(demo, client_a, tenant_a):
    sent_mail(tenant_a, "Votre nouveau mot de passe")
    page = client_a.get("/dev-inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Votre nouveau mot de passe" in html
    assert "jacqueline@example.be" in html
    assert "envoyé" in html


def test_the_inbox_never_lists_another_tenants_messages(demo, client_a, tenant_a, tenant_b):
    sent_mail(tenant_a, "Message pour Alpha")
    sent_mail(tenant_b, "Message pour Bêta", to="beta@example.org")
    html = client_a.get("/dev-inbox/").content.decode()
    assert "Message pour Alpha" in html
    assert "Message pour Bêta" not in html
    assert "beta@example.org" not in html


def test_the_inbox_lists_newest_first(demo, client_a, tenant_a):
    older = sent_mail(tenant_a, "Premier message")
    Message.objects.filter(pk=older.pk).update(created_at=timezone.now() - timezone.timedelta(1))
    sent_mail(tenant_a, "Second message")
    html = client_a.get("/dev-inbox/").content.decode()
    assert html.index("Second message") < html.index("Premier message")


def test_the_platform_host_lists_every_tenants_messages(demo, client, tenant_a, tenant_b):
    sent_mail(tenant_a, "Message pour Alpha")
    sent_mail(tenant_b, "Message pour Bêta")
    html = client.get("/dev-inbox/", HTTP_HOST="localhost").content.decode()
    assert "Message pour Alpha" in html and "Message pour Bêta" in html
    assert "Réseau Alpha" in html and "Réseau Bêta" in html  # which network each belongs to


def test_the_detail_shows_subject_text_and_clickable_links(demo, client_a, tenant_a):
    message = sent_mail(tenant_a, "Réinitialisation")
    html = client_a.get(f"/dev-inbox/{message.pk}/").content.decode()
    assert "<h1>Réinitialisation</h1>" in html
    assert '<a href="http://alpha.localhost:8000/reset/abc/"' in html
    assert "<script" not in html


def test_the_detail_of_an_sms_shows_its_code(demo, client_a, tenant_a):
    message = sent_mail(
        tenant_a, "", channel=Channel.SMS, to="+32470123456", body_text="Votre code est 418263."
    )
    assert "418263" in client_a.get(f"/dev-inbox/{message.pk}/").content.decode()
    assert "SMS" in client_a.get("/dev-inbox/").content.decode()


def test_an_erased_body_is_said_so(demo, client_a, tenant_a):
    message = sent_mail(tenant_a, "Lien", body_text="", bodies_erased=True)
    html = client_a.get(f"/dev-inbox/{message.pk}/").content.decode()
    assert "a été effacé après l'envoi" in html


def test_another_tenants_message_is_a_404(demo, client_a, tenant_a, tenant_b):
    message = sent_mail(tenant_b, "Message pour Bêta")
    assert client_a.get(f"/dev-inbox/{message.pk}/").status_code == 404


def test_the_inbox_is_a_404_outside_demo_mode(settings, client_a, tenant_a):
    settings.DEMO_MODE = False
    message = sent_mail(tenant_a, "Votre nouveau mot de passe")
    assert client_a.get("/dev-inbox/").status_code == 404
    assert client_a.get(f"/dev-inbox/{message.pk}/").status_code == 404


def test_the_inbox_shows_current_totp_codes_of_the_tenants_staff(
    demo, client_a, secretary, parent, outsider
):
    # given demo TOTP devices for the secretary, a parent (not staff) and an outsider
    devices = {}
    for user in (secretary, parent, outsider):
        devices[user.identifier] = TOTPDevice.objects.create(
            user=user, name="demo", key=demo_totp_key(user.identifier), confirmed=True
        )
    html = client_a.get("/dev-inbox/").content.decode()
    # then the secretary's identifier and a code that her device accepts are shown
    assert "Codes de second facteur (démo)" in html
    assert "secretariat" in html
    codes = re.findall(r"<code>(\d{6})</code>", html)
    assert len(codes) == 1
    assert devices["secretariat"].verify_token(codes[0])
    # and neither the parent nor the outsider
    assert "jacqueline.dubois" not in html
    assert "outsider" not in html


def test_the_inbox_page_costs_a_fixed_number_of_queries(
    demo, client_a, tenant_a, django_assert_max_num_queries
):
    for n in range(30):
        sent_mail(tenant_a, f"Message {n}")
    with django_assert_max_num_queries(8):
        page = client_a.get("/dev-inbox/")
    assert "Message 29" in page.content.decode()
