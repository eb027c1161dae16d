"""Demo payments at `creos` (demo mode only), shaped like the seed: for jacqueline.dubois,
"Musée du jouet" 5,00 € for Camille (mandatory, with its PDF programme), "Activité handball temps
de midi" 8,00 € for Camille and for Nolan (optional), and a wallet holding 20,00 € after a little
history: a 25,00 € transfer and a paid 5,00 € class photo. Running it again changes nothing."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from payments.documents import render_pdf
from payments.models import Activity, ActivityKind, Invitation, InvitationStatus, Wallet
from payments.services.invitations import invitation_pay
from payments.services.wallets import wallet_get_or_create, wallet_top_up
from tenants.models import School, Tenant
from tenants.scoping import tenant_scope

TENANT = "creos"
SCHOOL = "CREOS-CENTRE"
PARENT = "jacqueline.dubois"
CHILDREN = ("camille.muller", "nolan.muller")
TOP_UP_KEY = "demo-top-up-2500"
PHOTO_KEY = "demo-pay-class-photo"
# The demo wallet's structured communication is the README's example, +++123/4567/89002+++ (a real
# wallet's is drawn at random).
WALLET_REFERENCE = "1234567890"


@transaction.atomic
def payments_seed() -> dict[str, int]:
    tenant = Tenant.objects.filter(slug=TENANT).first()
    if tenant is None:
        return {"activities": 0, "invitations": 0}
    with tenant_scope(tenant):
        return _payments_seed(tenant)


def _payments_seed(tenant: Tenant) -> dict[str, int]:
    school = School.objects.filter(code=SCHOOL).first()
    parent = User.objects.filter(identifier__lower_exact=PARENT).first()
    children = [User.objects.filter(identifier__lower_exact=i).first() for i in CHILDREN]
    if not (school and parent and all(children)):
        return {"activities": 0, "invitations": 0}
    camille, nolan = children
    if not (tenant and school and parent and camille and nolan):
        return {"activities": 0, "invitations": 0}
    today = timezone.localdate()

    photo = _activity(
        tenant,
        school,
        "Photo de classe",
        ActivityKind.MANDATORY,
        500,
        starts_on=today - timedelta(days=20),
        due_on=today - timedelta(days=6),
    )
    museum = _activity(
        tenant,
        school,
        "Musée du jouet",
        ActivityKind.MANDATORY,
        500,
        starts_on=today,
        due_on=today + timedelta(days=21),
        event_on=today + timedelta(days=28),
    )
    handball = _activity(
        tenant,
        school,
        "Activité handball temps de midi",
        ActivityKind.OPTIONAL,
        800,
        starts_on=today - timedelta(days=2),
        due_on=today + timedelta(days=12),
        event_on=today + timedelta(days=16),
    )
    if not museum.document:
        museum.document.save("programme.pdf", ContentFile(_programme_pdf()), save=True)

    if not Wallet.objects.filter(owner=parent).exists():
        try:
            with transaction.atomic():
                Wallet.objects.create(tenant=tenant, owner=parent, reference=WALLET_REFERENCE)
        except IntegrityError:  # the reference is taken: the wallet gets a random one
            pass
    wallet = wallet_get_or_create(tenant=tenant, owner=parent)
    wallet_top_up(
        wallet=wallet,
        amount_cents=2500,
        by=None,
        idempotency_key=TOP_UP_KEY,
        memo="Virement DUBOIS JACQUELINE",
        created_at=timezone.now() - timedelta(days=10),
    )
    invitations = [
        _invitation(photo, camille, parent),
        _invitation(museum, camille, parent),
        _invitation(handball, camille, parent),
        _invitation(handball, nolan, parent),
    ]
    photo_invitation = invitations[0]
    if photo_invitation.status == InvitationStatus.PENDING:
        invitation_pay(invitation=photo_invitation, by=parent, idempotency_key=PHOTO_KEY)
    return {"activities": 3, "invitations": len(invitations)}


def _activity(tenant, school, title, kind, amount_cents, **dates) -> Activity:
    activity, _created = Activity.objects.get_or_create(
        tenant=tenant,
        school=school,
        title=title,
        defaults={"kind": kind, "amount_cents": amount_cents, **dates},
    )
    return activity


def _invitation(activity: Activity, child: User, parent: User) -> Invitation:
    invitation, _created = Invitation.objects.get_or_create(
        activity=activity,
        beneficiary=child,
        defaults={
            "tenant": activity.tenant,
            "debtor": parent,
            "amount_cents": activity.amount_cents,
            "starts_on": activity.starts_on,
            "due_on": activity.due_on,
        },
    )
    return invitation


def _programme_pdf() -> bytes:
    # The programme is written in French, whatever language the seeding process runs in.
    with translation.override("fr"):
        return render_pdf("demo/pdf/programme.html", {"tenant": Tenant.objects.get(slug=TENANT)})
