from django.db.models import Sum

from demo.seed import seed_demo
from payments.models import Invitation, InvitationStatus, LedgerLine, Wallet


def test_demo_payments_like_the_seed_and_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.utils.functional import empty

    from payments.models import private_storage

    private_storage._wrapped = empty
    try:
        seed_demo()
        seed_demo()
    finally:
        private_storage._wrapped = empty
    wallet = Wallet.objects.get(owner__identifier="jacqueline.dubois", tenant__slug="creos")
    assert wallet.balance_cents == 2000
    assert LedgerLine.objects.filter(wallet=wallet).aggregate(s=Sum("amount_cents"))["s"] == 2000
    pending = Invitation.objects.filter(debtor=wallet.owner, status=InvitationStatus.PENDING)
    assert sorted(
        (i.activity.title, i.beneficiary.first_name, i.amount_cents) for i in pending
    ) == [
        ("Activité handball temps de midi", "Camille", 800),
        ("Activité handball temps de midi", "Nolan", 800),
        ("Musée du jouet", "Camille", 500),
    ]
    museum = pending.get(activity__title="Musée du jouet").activity
    assert museum.kind == "mandatory" and museum.document
    assert Invitation.objects.filter(debtor=wallet.owner, status=InvitationStatus.PAID).count() == 1
