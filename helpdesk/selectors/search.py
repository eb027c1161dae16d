"""Finding a person: words in a name, identifier or address; digits of a student number or the
end of a recovery phone number."""

import re

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import people_visible_to
from recovery.codes import PhoneDevice
from tenants.models import Tenant

SEARCH_LIMIT = 50
MIN_PHONE_DIGITS = 2
_SEPARATORS = re.compile(r"[\s.+\-/()]")


def person_search(*, viewer: User, tenant: Tenant | None, query: str) -> QuerySet[User]:
    """People matching what the secretary typed: every word in the identifier, the name or an
    address (personal or school mailbox); or, for digits, a student number (exact or its
    beginning) or the end of a recovery phone number (2 digits at least)."""
    query = " ".join(query.split())[:100]
    visible = people_visible_to(viewer=viewer, tenant=tenant).filter(tenant__isnull=False)
    if not query:
        return visible.none()

    words = Q()
    for word in query.split(" "):
        words &= (
            Q(identifier__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(school_email__icontains=word)
        )
    matches = words
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit() and len(digits) >= MIN_PHONE_DIGITS:
        phones = PhoneDevice.objects.filter(number__endswith=digits).values("user_id")
        matches |= Q(student_number__startswith=digits) | Q(pk__in=phones)
    return (
        visible.filter(matches)
        .prefetch_related("schools")
        .order_by("last_name", "first_name", "identifier")[:SEARCH_LIMIT]
    )
