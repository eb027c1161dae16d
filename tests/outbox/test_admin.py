"""Secretaries follow messages in the admin: their tenant and people only, never a body."""

import pytest
from django.core import mail
from django.utils import timezone

from outbox.models import Channel, Message, Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/outbox/message/"
SECRET_SUBJECT = "Votre lien secret"
SECRET_BODY = "Cliquez sur http://alpha.localhost:8000/reset/tok-123/"


def message(tenant, *, user=None, to="jacqueline@example.be", **fields) -> Message:
    return Message.objects.create(
        tenant=tenant,
        user=user,
        channel=fields.pop("channel", Channel.EMAIL),
        template="account/email/password_reset_key",
        to=to,
        subject=SECRET_SUBJECT,
        body_text=SECRET_BODY,
        body_html=f"<p>{SECRET_BODY}</p>",
        **fields,
    )


def change_url(msg: Message) -> str:
    return f"{LIST_URL}{msg.pk}/change/"


def test_the_secretary_sees_her_tenants_messages_with_masked_recipients_and_no_body(
    secretary_client, parent, tenant_b
):
    # given a failed mail to a parent of her school, and one at another tenant
    message(parent.tenant, user=parent, status=Status.FAILED, attempts=6, last_error="SMTP 421")
    message(tenant_b, to="outsider@example.org")
    # when she opens the list
    page = secretary_client.get(LIST_URL)
    html = page.content.decode()
    # then she sees the status, the error and a masked recipient
    assert page.status_code == 200
    assert "j•••@example.be" in html
    assert "SMTP 421" in html
    assert "échec définitif" in html
    # and neither the full address, the subject, the body, nor the other tenant's mail
    assert "jacqueline@example.be" not in html
    assert SECRET_SUBJECT not in html and "tok-123" not in html
    assert "outsider" not in html


def test_the_detail_page_shows_no_subject_or_body(secretary_client, parent):
    msg = message(parent.tenant, user=parent, status=Status.SENT, sent_at=timezone.now())
    page = secretary_client.get(change_url(msg))
    html = page.content.decode()
    assert page.status_code == 200
    assert "j•••@example.be" in html
    assert SECRET_SUBJECT not in html and "tok-123" not in html


def test_another_tenants_message_is_a_404(secretary_client, tenant_b):
    msg = message(tenant_b, to="outsider@example.org")
    assert secretary_client.get(change_url(msg)).status_code == 404


def test_the_secretary_does_not_see_messages_of_people_outside_her_schools(
    secretary_client, tenant_a, parent, school_a2
):
    stranger = UserFactory(tenant=tenant_a, schools=[school_a2], email="stranger@example.org")
    visible = message(tenant_a, user=parent)
    hidden = message(tenant_a, user=stranger, to="stranger@example.org")
    system = message(tenant_a, user=None, to="nobody-in-particular@example.org")
    html = secretary_client.get(LIST_URL).content.decode()
    assert f"{LIST_URL}{visible.pk}/" in html
    assert f"{LIST_URL}{system.pk}/" in html
    assert f"{LIST_URL}{hidden.pk}/" not in html
    assert secretary_client.get(change_url(hidden)).status_code == 404


def test_the_admin_is_read_only(secretary_client, parent):
    msg = message(parent.tenant, user=parent)
    assert secretary_client.get(f"{LIST_URL}add/").status_code == 403
    assert secretary_client.get(f"{LIST_URL}{msg.pk}/delete/").status_code == 403
    response = secretary_client.post(change_url(msg), {"to": "evil@example.org"})
    assert response.status_code == 403
    msg.refresh_from_db()
    assert msg.to == "jacqueline@example.be"


def test_the_outsider_admin_gets_a_404_for_tenant_a_messages(outsider_admin_client, parent):
    # given a secretary of tenant B, verified in her own admin
    msg = message(parent.tenant, user=parent)
    # when she tries tenant A's message id in her admin
    response = outsider_admin_client.get(change_url(msg))
    # then it does not exist for her
    assert response.status_code == 404
    assert "j•••@example.be" not in outsider_admin_client.get(LIST_URL).content.decode()


def test_resend_sends_a_failed_message_again(secretary_client, parent, on_commit):
    # given a mail that failed for good and one that was sent
    failed = message(parent.tenant, user=parent, status=Status.FAILED, attempts=6)
    sent = message(parent.tenant, user=parent, status=Status.SENT, sent_at=timezone.now())
    # when the secretary picks both and chooses "Renvoyer"
    with on_commit():
        response = secretary_client.post(
            LIST_URL,
            {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    # then only the failed one is sent again, and she is told so
    assert "1 message remis en file d&#x27;envoi." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.status == Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jacqueline@example.be"]


def test_the_list_costs_a_fixed_number_of_queries(
    secretary_client, parent, django_assert_max_num_queries
):
    for _ in range(25):
        message(parent.tenant, user=parent)
    with django_assert_max_num_queries(15):
        assert secretary_client.get(LIST_URL).status_code == 200
