import pytest

from payments.exceptions import InvitationNotPending, MandatoryInvitationCannotBeDeclined
from payments.models import Enrolment, InvitationStatus
from payments.services.invitations import invitation_decline, invitation_pay

KEY = "decline-key-0123456789"


def test_an_optional_invitation_can_be_declined(wallet, handball_invitation):
    outcome = invitation_decline(invitation=handball_invitation, by=None, idempotency_key=KEY)
    assert outcome.invitation.status == InvitationStatus.DECLINED
    assert outcome.invitation.declined_at is not None
    assert not Enrolment.objects.exists()
    # a replay returns the same outcome
    assert invitation_decline(invitation=handball_invitation, by=None, idempotency_key=KEY).replayed


def test_a_mandatory_invitation_cannot_be_declined(wallet, museum_invitation):
    with pytest.raises(MandatoryInvitationCannotBeDeclined):
        invitation_decline(invitation=museum_invitation, by=None, idempotency_key=KEY)
    museum_invitation.refresh_from_db()
    assert museum_invitation.status == InvitationStatus.PENDING


def test_a_paid_invitation_cannot_be_declined(funded_wallet, handball_invitation):
    invitation_pay(invitation=handball_invitation, by=None, idempotency_key="pay-key-0123456789")
    with pytest.raises(InvitationNotPending):
        invitation_decline(invitation=handball_invitation, by=None, idempotency_key=KEY)
