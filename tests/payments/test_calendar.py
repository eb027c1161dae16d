"""Mon calendrier: month view and the private, revocable iCalendar feed."""

from django.urls import reverse
from django.utils import timezone

from payments.models import Wallet


def test_month_view_shows_due_dates_and_activity_dates(parent_client, museum_invitation):
    due = museum_invitation.due_on
    html = parent_client.get(
        reverse("payments:calendar"), {"mois": due.strftime("%Y-%m")}
    ).content.decode()
    assert "Échéance\u00a0: Musée du jouet" in html
    event_on = museum_invitation.activity.event_on
    html = parent_client.get(
        reverse("payments:calendar"), {"mois": event_on.strftime("%Y-%m")}
    ).content.decode()
    assert "activité\u00a0: Musée du jouet" in html


def test_month_view_survives_a_bad_month(parent_client, wallet):
    assert parent_client.get(reverse("payments:calendar"), {"mois": "nope"}).status_code == 200


def test_ical_feed_and_its_revocation(parent_client, client_a, museum_invitation):
    parent_client.get(reverse("payments:calendar"))
    wallet = Wallet.objects.get(owner=museum_invitation.debtor)
    url = reverse("payments:calendar_feed", args=[wallet.calendar_token])
    # the feed needs no login: the token is the key
    response = client_a.get(url)
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert (
        body.startswith("BEGIN:VCALENDAR\r\n")
        and "SUMMARY:Échéance : Musée du jouet (Camille Muller)" in body
    )
    assert f"DTSTART;VALUE=DATE:{museum_invitation.due_on:%Y%m%d}" in body
    # when the parent creates a new address, the old one stops working
    parent_client.post(reverse("payments:calendar_renew"))
    assert client_a.get(url).status_code == 404
    wallet.refresh_from_db()
    assert (
        client_a.get(reverse("payments:calendar_feed", args=[wallet.calendar_token])).status_code
        == 200
    )


def test_feed_token_of_tenant_a_is_a_404_at_tenant_b(client_b, wallet, outsider):
    assert (
        client_b.get(reverse("payments:calendar_feed", args=[wallet.calendar_token])).status_code
        == 404
    )


def test_outsider_gets_his_own_calendar_only(
    outsider_client, museum_invitation, outsider_invitation
):
    html = outsider_client.get(
        reverse("payments:calendar"), {"mois": timezone.localdate().strftime("%Y-%m")}
    ).content.decode()
    assert "Musée du jouet" not in html
