"""Issue 12, item 7: input no one would type still gets a page, never a 500, and nothing is half
written; the iCalendar feed carries a title's line breaks escaped; a signed-in person's pages
are never stored by a cache."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from payments.models import BankImport, Invitation, Wallet
from tests.payments.camt import Entry, Statement, Tx, camt

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "10000-01", "2024-13", "-1-01"])
def test_a_month_the_calendar_cannot_show_is_the_current_month(
    parent_client, museum_invitation, month
):
    # given a month at the ends of the calendar, or past them
    response = parent_client.get(reverse("payments:calendar"), {"mois": month})
    # then the page shows this month, as for any other month it cannot read
    assert response.status_code == 200
    assert response.context["first"] == timezone.localdate().replace(day=1)


def test_the_calendar_still_shows_a_far_month_it_can(parent_client, wallet):
    response = parent_client.get(reverse("payments:calendar"), {"mois": "2999-12"})
    assert response.status_code == 200
    assert response.context["first"] == date(2999, 12, 1)


@pytest.mark.parametrize("url", ["payments:invitations", "payments:history", "payments:wallet"])
def test_a_page_number_past_any_integer_is_the_last_page(parent_client, museum_invitation, url):
    response = parent_client.get(reverse(url), {"page": HUGE})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_invitations_page_past_the_end_lists_the_last_page(parent_client, museum_invitation):
    html = parent_client.get(reverse("payments:invitations"), {"page": HUGE}).content.decode()
    assert "Musée du jouet" in html


def test_a_person_in_a_school_that_cannot_exist_is_a_form_error(secretary_client, school_a):
    # given the person form posted with a school number past any key
    response = secretary_client.post(
        reverse("admin:accounts_user_add"),
        {"identifier": "nouveau", "last_name": "Nouveau", "schools": [HUGE], "is_active": "on"},
    )
    # then the form says the choice is not one, and nobody is created
    assert response.status_code == 200
    assert f"Sélectionnez un choix valide. {HUGE} n’en fait pas partie." in (
        response.content.decode()
    )
    assert not User.objects.filter(identifier="nouveau").exists()


def test_inviting_a_student_who_cannot_exist_is_a_form_error(secretary_client, museum, child1):
    response = secretary_client.post(
        reverse("admin:payments_activity_invite", args=[museum.pk]),
        {"scope": "selection", "students": [HUGE, str(child1.pk)]},
    )
    assert response.status_code == 200
    assert f"Sélectionnez un choix valide. {HUGE} n’en fait pas partie." in (
        response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_a_statement_with_an_absurd_amount_is_refused_on_the_upload_form(
    secretary_client, tenant_a
):
    tenant_a.iban = "BE68539007547034"
    tenant_a.save(update_fields=["iban"])
    data = camt([Statement([Entry("1.00", txs=[Tx("1.00")])])]).replace(
        b">1.00<", f">{HUGE}.99<".encode(), 1
    )
    upload = SimpleUploadedFile("releve.xml", data, content_type="text/xml")
    response = secretary_client.post(reverse("admin:payments_bankimport_add"), {"file": upload})
    assert response.status_code == 200
    assert "dépasse tout virement réel" in response.content.decode()
    assert not BankImport.objects.exists()


@pytest.mark.parametrize("breaking", ["\r", "\r\n", "\n", "\x0b", "\x1f"])
def test_a_line_break_in_a_title_stays_inside_its_ical_property(
    client_a, museum, museum_invitation, breaking
):
    # given an activity title with a line break or a control character typed in it
    museum.title = f"Musée{breaking}BEGIN:VEVENT;jouet"
    museum.save(update_fields=["title"])
    wallet = Wallet.objects.create(tenant=museum.tenant, owner=museum_invitation.debtor)
    # when the feed is read
    body = client_a.get(reverse("payments:calendar_feed", args=[wallet.calendar_token])).content
    text = body.decode()
    # then every line ends with CRLF, no line holds a bare CR or a control, and the title is
    # one escaped SUMMARY
    assert "\r" not in text.replace("\r\n", "")
    assert "\n" not in text.replace("\r\n", "")
    assert not any(ord(char) < 0x20 for char in text.replace("\r\n", ""))
    unfolded = text.replace("\r\n ", "")
    # the due date and the activity day, no event injected by the title
    assert unfolded.split("\r\n").count("BEGIN:VEVENT") == 2
    summary = "Musée\\nBEGIN:VEVENT\\;jouet" if breaking in "\r\n" else "MuséeBEGIN:VEVENT\\;jouet"
    assert f"SUMMARY:Échéance : {summary} (Camille Muller)" in unfolded


PRIVATE_URLS = [
    "profile",
    "methods:overview",
    "payments:invitations",
    "payments:history",
    "payments:wallet",
    "payments:statement",
    "payments:calendar",
]


@pytest.mark.parametrize("name", PRIVATE_URLS)
def test_a_signed_in_persons_pages_are_never_stored(parent_client, museum_invitation, name):
    response = parent_client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_every_payments_and_profile_page_is_listed_above():
    """A page added under /profil/ or /paiements/ is added to the list (or has its own
    Cache-Control, as the feed and the files do)."""
    from django.urls import get_resolver

    found = set()
    for include in get_resolver().url_patterns:
        if str(include.pattern).startswith(("profil/", "paiements/")):
            prefix = f"{include.namespace}:" if include.namespace else ""
            found |= {
                f"{prefix}{pattern.name}"
                for pattern in include.url_patterns
                if "<" not in str(pattern.pattern)  # pages of one object: tested elsewhere
            }
    own_headers = {
        "payments:top_up_sheet",
        "payments:calendar_renew",
        "payments:wallet_auto_pay",
        "password_set_required",
        # POST only: its answer (the wallet page with the form's errors) is the wallet page's
        "payments:wallet_withdrawal_request",
        # a signed-out page of its own (the old address's owner confirms), no_store itself
        "email_change_confirm",
        # shown only when the tenant asks (else a redirect): test_registration.py checks it
        "registration:prompt",
    }
    assert found - own_headers <= set(PRIVATE_URLS), found - own_headers - set(PRIVATE_URLS)


def test_the_pdf_and_form_posts_of_a_signed_in_person_are_not_stored_either(
    parent_client, museum_invitation
):
    response = parent_client.get(reverse("payments:top_up_sheet"))
    assert "no-store" in response["Cache-Control"]
    response = parent_client.get(reverse("password_set_required"))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]
