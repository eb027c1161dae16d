"""Secretaries: the recovery log of their tenant, and reset links sent without seeing passwords."""

import pytest
from django.core import mail

from recovery.models import Outcome, RecoveryRequest
from tests.recovery.conftest import links_in

pytestmark = pytest.mark.django_db


def test_secretary_sends_a_reset_link_and_never_sees_a_password(
    secretary_client, parent, django_capture_on_commit_callbacks
):
    old_hash = parent.password
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary_client.post(
            "/admin/accounts/user/",
            {"action": "send_reset_link", "_selected_action": [parent.pk]},
            follow=True,
        )
    assert "1 lien envoyé" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [parent.email] and links_in(message)
    parent.refresh_from_db()
    assert parent.password == old_hash  # nothing set: the person chooses it from the link
    request = RecoveryRequest.objects.get(user=parent)
    assert request.flow == "admin" and request.initiated_by.identifier == "secretariat"


def test_not_migrated_person_gets_no_link_and_the_secretary_is_told(
    secretary_client, parent, django_capture_on_commit_callbacks
):
    parent.is_migrated = False
    parent.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary_client.post(
            "/admin/accounts/user/",
            {"action": "send_reset_link", "_selected_action": [parent.pk]},
            follow=True,
        )
    assert mail.outbox == []
    assert "sans envoi" in response.content.decode()


def test_recovery_log_shows_not_migrated_requests_of_her_tenant_only(
    secretary_client, parent, outsider, tenant_b
):
    parent.is_migrated = False
    parent.save()
    RecoveryRequest.objects.create(
        tenant=parent.tenant, flow="identifier", method="identifier", login=parent.identifier,
        user=parent, outcome=Outcome.NOT_MIGRATED,
    )  # fmt: skip
    hidden = RecoveryRequest.objects.create(
        tenant=tenant_b, flow="identifier", method="identifier", login="outsider",
        user=outsider, outcome=Outcome.NO_ACCOUNT,
    )  # fmt: skip
    page = secretary_client.get("/admin/recovery/recoveryrequest/").content.decode()
    assert "non migré : aucun e-mail envoyé" in page
    assert "outsider" not in page
    url = f"/admin/recovery/recoveryrequest/{hidden.pk}/change/"
    assert secretary_client.get(url).status_code == 404


def test_recovery_log_is_read_only(secretary_client, parent):
    request = RecoveryRequest.objects.create(
        tenant=parent.tenant, flow="identifier", method="identifier", login="x", user=parent
    )
    url = f"/admin/recovery/recoveryrequest/{request.pk}/delete/"
    assert secretary_client.post(url, {"post": "yes"}).status_code == 403
    assert RecoveryRequest.objects.filter(pk=request.pk).exists()
