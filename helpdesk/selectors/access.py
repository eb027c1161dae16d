"""Access of the help desk: every read goes through `people_visible_to`, so a secretary reaches
only the people of her tenant and her schools."""

from django.http import Http404

from accounts.models import User
from accounts.selectors import people_visible_to
from helpdesk.models import HelpdeskAction
from tenants.models import Tenant

RECENT_ACTIONS = 10


def person_get_for_helpdesk(*, viewer: User, tenant: Tenant | None, person_id: int) -> User:
    """The access helper of every help-desk view: this person if the viewer may see her at this
    host (her tenant, her schools), else a 404 — another tenant's person, another school's, a
    platform account and a made-up id all look the same."""
    person = (
        people_visible_to(viewer=viewer, tenant=tenant)
        .filter(pk=person_id, tenant__isnull=False)
        .select_related("tenant")
        .first()
    )
    if person is None:
        raise Http404
    return person


def actions_recent(
    *, viewer: User, tenant: Tenant | None, limit: int = RECENT_ACTIONS
) -> list[HelpdeskAction]:
    """The help desk's latest actions on people this viewer may see."""
    visible = people_visible_to(viewer=viewer, tenant=tenant).values("pk")
    actions = HelpdeskAction.objects.filter(target__in=visible)
    if tenant is not None:
        actions = actions.filter(tenant=tenant)
    return list(actions.select_related("actor", "target")[:limit])
