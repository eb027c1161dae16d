"""Every page that takes an object's id answers 404 to a user of another tenant (DESIGN.md §1).

The test walks the URLconf: a route with an id must be listed below with the row it needs, and
is requested by the outsider of tenant B twice — with the id of B's own row (anything but a 404:
the route is reachable, the test is not vacuous) and with the id of tenant A's row (404).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import LetterBatch
from helpdesk.models import ActionKind, HelpdeskAction
from outbox.models import Channel, Message
from payments.models import (
    ActivityKind,
    BankImport,
    BankLine,
    BankLineStatus,
    ExportJob,
    ReconciliationRun,
    SepaTransferFile,
    WithdrawalRequest,
)
from portal.admin_site import admin_site
from recovery.codes import PhoneDevice
from recovery.models import ContactRequest, Flow, Outcome, RecoveryEvent, RecoveryRequest
from tenants.models import Tenant
from tests.conftest import verified_admin_client
from tests.factories import UserFactory, link_guardian
from tests.payments.conftest import fund, invite, make_activity
from tests.tenants.test_tenancy_guard import tenant_owned_models

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """One of each row a page can be asked for, in one tenant."""

    parent: Any
    child: Any
    invitation: Any
    paid_invitation: Any
    activity: Any
    wallet: Any
    device: Any
    message: Any
    batch: Any
    bank_import: Any
    bank_line: Any
    recovery: Any
    export: Any
    reconciliation: Any
    transfer_file: Any


def build_world(*, tenant, school, parent) -> World:
    from payments.bank.withdrawals import wallet_withdraw
    from payments.services.invitations import invitation_pay

    child = UserFactory(tenant=tenant, is_student=True, schools=[school], email="")
    link_guardian(parent, child)
    activity = make_activity(tenant=tenant, school=school, kind=ActivityKind.OPTIONAL)
    activity.document.save("programme.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    wallet = fund(parent, 10_000)
    paid = invite(make_activity(tenant=tenant, school=school, title="Payée"), child, parent)
    invitation_pay(invitation=paid, by=parent, idempotency_key=f"world-{tenant.slug}")
    bank_import = BankImport.objects.create(tenant=tenant, filename="x.xml", sha256="0" * 64)
    bank_line = BankLine.objects.create(
        tenant=tenant,
        bank_import=bank_import,
        identity=f"world-{tenant.slug}#0",
        booked=True,
        entry_ref="REF",
        amount_cents=900,
        status=BankLineStatus.SUSPENSE,
    )
    iban = "BE71096123456769"
    wallet_withdraw(
        wallet=wallet, amount_cents=100, iban=iban, holder_name="", reason="départ", by=parent
    )
    WithdrawalRequest.objects.create(
        tenant=tenant, wallet=wallet, amount_cents=100, iban=iban, holder_name="x"
    )
    transfer_file = SepaTransferFile.objects.create(
        tenant=tenant, message_id="M1", transfers=1, total_cents=100, content="<Document/>"
    )
    from accounts.directory.models import IdentityStore

    IdentityStore.objects.create(tenant=tenant)
    return World(
        parent=parent,
        child=child,
        invitation=invite(activity, child, parent),
        paid_invitation=paid,
        activity=activity,
        wallet=wallet,
        device=PhoneDevice.objects.create(
            user=parent, name="sms", number="+32470123467", confirmed=False
        ),
        message=Message.objects.create(
            tenant=tenant, user=parent, channel=Channel.EMAIL, template="t", to=parent.email
        ),
        batch=letter_batch(tenant=tenant, person=child),
        bank_import=bank_import,
        bank_line=bank_line,
        recovery=recovery_rows(tenant=tenant, user=parent),
        export=export_job(tenant=tenant),
        reconciliation=ReconciliationRun.objects.create(tenant=tenant, status="done"),
        transfer_file=transfer_file,
    )


def recovery_rows(*, tenant, user) -> RecoveryRequest:
    request = RecoveryRequest.objects.create(tenant=tenant, flow=Flow.IDENTIFIER, user=user)
    RecoveryEvent.objects.create(
        tenant=tenant, request=request, user=user, flow=Flow.IDENTIFIER, kind="start",
        outcome=Outcome.MAIL_SENT,
    )  # fmt: skip
    ContactRequest.objects.create(tenant=tenant, request=request, user=user, login=user.email)
    HelpdeskAction.objects.create(tenant=tenant, target=user, action=ActionKind.LIFT_THROTTLES)
    return request


def letter_batch(*, tenant, person) -> LetterBatch:
    batch = LetterBatch.objects.create(
        tenant=tenant, people=[person.pk], total=1, done=1, status=LetterBatch.Status.DONE
    )
    batch.file.save("lettres.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return batch


def export_job(*, tenant) -> ExportJob:
    job = ExportJob.objects.create(tenant=tenant, filename="p.csv", status="done", selection="-")
    job.file.save("p.csv", ContentFile(b"date_paiement\n"), save=True)
    return job


Kwargs = Callable[[World], dict[str, Any]]
# Routes with an object id: the row each needs and whether the office (admin) or the family asks.
ID_ROUTES: dict[str, tuple[str, Kwargs]] = {
    "methods:verify": ("family", lambda w: {"kind": "phone", "device_id": w.device.pk}),
    "methods:remove": ("family", lambda w: {"kind": "phone", "device_id": w.device.pk}),
    "registration:verify": ("family", lambda w: {"kind": "phone", "device_id": w.device.pk}),
    "payments:pay": ("family", lambda w: {"pk": w.invitation.pk}),
    "payments:decline": ("family", lambda w: {"pk": w.invitation.pk}),
    "payments:auto_pay": ("family", lambda w: {"pk": w.invitation.pk}),
    "payments:document": ("family", lambda w: {"pk": w.invitation.pk}),
    "payments:receipt": ("family", lambda w: {"pk": w.paid_invitation.pk}),
    "payments:calendar_feed": ("family", lambda w: {"token": w.wallet.calendar_token}),
    "dev_inbox_message": ("family", lambda w: {"message_id": w.message.pk}),
    "admin:helpdesk_person": ("office", lambda w: {"pk": w.parent.pk}),
    "admin:helpdesk_coverage_people": ("office", lambda w: {"school_id": w.child.schools.get().pk}),
    "admin:helpdesk_migrate": ("office", lambda w: {"pk": w.parent.pk}),
    "admin:helpdesk_send_reset": ("office", lambda w: {"pk": w.parent.pk}),
    "admin:helpdesk_send_activation": ("office", lambda w: {"pk": w.child.pk}),
    "admin:helpdesk_letter": ("office", lambda w: {"pk": w.child.pk}),
    "admin:helpdesk_lift_throttles": ("office", lambda w: {"pk": w.parent.pk}),
    "admin:helpdesk_desk_code": ("office", lambda w: {"pk": w.parent.pk}),
    "admin:helpdesk_resend_message": (
        "office",
        lambda w: {"pk": w.parent.pk, "message_pk": w.message.pk},
    ),
    "admin:accounts_letterbatch_progress": ("office", lambda w: {"pk": w.batch.pk}),
    "admin:accounts_letterbatch_status": ("office", lambda w: {"pk": w.batch.pk}),
    "admin:accounts_letterbatch_download": ("office", lambda w: {"pk": w.batch.pk}),
    "admin:payments_activity_invite": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_activity_follow_up": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_activity_remind": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_activity_export": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_activity_export_xlsx": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_activity_document": ("office", lambda w: {"pk": w.activity.pk}),
    "admin:payments_wallet_top_up": ("office", lambda w: {"pk": w.wallet.pk}),
    "admin:payments_wallet_withdraw": ("office", lambda w: {"pk": w.wallet.pk}),
    "admin:payments_sepatransferfile_download": ("office", lambda w: {"pk": w.transfer_file.pk}),
    "admin:payments_bankimport_preview": ("office", lambda w: {"pk": w.bank_import.pk}),
    "admin:payments_bankimport_apply": ("office", lambda w: {"pk": w.bank_import.pk}),
    "admin:payments_bankline_resolve": ("office", lambda w: {"pk": w.bank_line.pk}),
    "admin:payments_exportjob_progress": ("office", lambda w: {"pk": w.export.pk}),
    "admin:payments_exportjob_status": ("office", lambda w: {"pk": w.export.pk}),
    "admin:payments_exportjob_download": ("office", lambda w: {"pk": w.export.pk}),
    "admin:payments_reconciliationrun_progress": ("office", lambda w: {"pk": w.reconciliation.pk}),
    "admin:payments_reconciliationrun_status": ("office", lambda w: {"pk": w.reconciliation.pk}),
    "passkeys:rename": ("family", lambda w: {"passkey_id": _passkey_of(w.parent).pk}),
    "passkeys:remove": ("family", lambda w: {"passkey_id": _passkey_of(w.parent).pk}),
}


def _passkey_of(user):
    """A passkey of the world's parent (made on demand: the remove route's control deletes it)."""
    from django_otp_webauthn.models import WebAuthnCredential

    raw = f"passkey-{user.pk}".encode()
    device, _ = WebAuthnCredential.objects.get_or_create(
        user=user, credential_id=raw, defaults={"name": "Téléphone", "public_key": b"key"}
    )
    return device


# Routes with a parameter that is not a row of a tenant, and why.
NOT_AN_OBJECT_ID = {
    "activation:link": "a one-time secret, checked against the tenant's hashed tokens",
    "email_change_open": "a one-time secret, checked against the tenant's hashed tokens",
    "recovery:link": "a one-time secret, checked against the tenant's hashed tokens",
    "student:link": "a one-time secret, checked against the tenant's hashed tokens",
    "methods:add": "a kind of method, not a row",
    "registration:add": "a kind of method, not a row",
    "captcha-image": "a captcha key, not tenant data",
    "captcha-image-2x": "a captcha key, not tenant data",
    "captcha-audio": "a captcha key, not tenant data",
    "admin:app_list": "an app label",
    "admin:view_on_site": "the admin's generic redirect, by content type",
    "admin:None": "the admin's catch-all",
}
ADMIN_GENERIC = ("change", "delete", "history")


def routes(patterns=None, namespace: str | None = None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.pattern.regex.groupindex:
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def is_generic_admin(name: str) -> bool:
    return name.startswith("admin:") and name.rsplit("_", 1)[-1] in ADMIN_GENERIC


def test_every_route_with_a_parameter_is_covered():
    uncovered = {
        name
        for name in routes()
        if name not in ID_ROUTES and name not in NOT_AN_OBJECT_ID and not is_generic_admin(name)
    }
    assert not uncovered, f"say how the outsider reaches these routes in ID_ROUTES: {uncovered}"


@pytest.fixture
def worlds(tenant_a, school_a, parent, tenant_b, school_b, outsider, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for tenant in (tenant_a, tenant_b):
        for feature in ("two_step_reset", "payments", "student_self_activation"):
            setattr(tenant, feature, True)
        tenant.save()
    staff_b = UserFactory(tenant=tenant_b, is_tenant_admin=True, schools=[school_b])
    clients = {
        "family": Client(HTTP_HOST="beta.localhost"),
        "office": verified_admin_client(staff_b, "beta.localhost"),
    }
    clients["family"].force_login(outsider)
    # The office's person must be one it may see: a parent of its own school.
    own = build_world(tenant=tenant_b, school=school_b, parent=outsider)
    other = build_world(tenant=tenant_a, school=school_a, parent=parent)
    return own, other, clients


def ask(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


@pytest.mark.parametrize("name", sorted(ID_ROUTES))
def test_a_page_of_another_tenants_row_is_a_404(worlds, name):
    own, other, clients = worlds
    who, kwargs = ID_ROUTES[name]
    client = clients[who]
    assert ask(client, reverse(name, kwargs=kwargs(own))).status_code != 404, "control"
    response = ask(client, reverse(name, kwargs=kwargs(other)))
    assert response.status_code == 404, f"{name}: {response.status_code} for tenant A's row"


def test_the_admin_pages_of_another_tenants_rows_are_404s(worlds):
    own, other, clients = worlds
    checked = []
    pairs = [(Tenant, own.parent.tenant, other.parent.tenant)]  # the network's own settings page
    for model in tenant_owned_models():
        if model not in admin_site._registry:
            continue
        manager = model._default_manager
        mine = manager.filter(tenant=own.parent.tenant).order_by("pk").first()
        theirs = manager.filter(tenant=other.parent.tenant).order_by("pk").first()
        assert mine and theirs, f"the worlds have no {model.__name__}: add one to build_world"
        pairs.append((model, mine, theirs))
    for model, mine, theirs in pairs:
        for view in ADMIN_GENERIC:
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
            control = clients["office"].get(reverse(name, args=[mine.pk])).status_code
            assert control != 404, f"control {name}"
            response = clients["office"].get(reverse(name, args=[theirs.pk])).status_code
            missing = clients["office"].get(reverse(name, args=[10**9])).status_code
            # A page the office may not open at all (403) must still not tell A's rows apart.
            expected = 404 if control != 403 else missing
            assert response == expected, f"{name}: {response} for A's row"
            checked.append(name)
    assert len(checked) >= 3 * 7
