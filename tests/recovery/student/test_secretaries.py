"""What the tenant's secretaries see of the student requests, and the fields they record."""

import pytest
from django.test import Client

from recovery.models import RecoveryRequest
from tests.conftest import HOST_A
from tests.recovery.student.conftest import _text

pytestmark = pytest.mark.django_db


def test_secretary_sees_the_request_and_its_delivery_state(
    student, secretary_client, student_link, answer, deliver_due
):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student))
    url = "/admin/recovery/recoveryrequest/?flow__exact=student_mailbox"
    page = secretary_client.get(url).content.decode()
    assert "l•••@eleves.alpha.test" in page
    assert "mot de passe provisoire programmé" in page
    assert "en attente (pas avant le" in page
    deliver_due()
    page = secretary_client.get(url).content.decode()
    assert "envoyé le" in page
    request = RecoveryRequest.objects.get(user=student)
    detail = secretary_client.get(f"/admin/recovery/recoveryrequest/{request.pk}/change/")
    assert detail.status_code == 200 and "envoyé le" in detail.content.decode()


def test_secretary_sees_wrong_answers(student, secretary_client, student_link, answer):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student), number="3100111999")
    page = _text(secretary_client.get("/admin/recovery/recoveryrequest/"))
    assert "incorrect : numéro d'élève" in page


def test_an_outsider_secretary_sees_nothing_of_it(
    student, outsider_admin_client, student_link, answer
):
    client = Client(HTTP_HOST=HOST_A)
    answer(client, student_link(client, student))
    page = outsider_admin_client.get("/admin/recovery/recoveryrequest/").content.decode()
    assert "abc123456" not in page and "eleves.alpha.test" not in page
    request = RecoveryRequest.objects.get(user=student)
    url = f"/admin/recovery/recoveryrequest/{request.pk}/change/"
    assert outsider_admin_client.get(url).status_code == 404


def test_secretary_records_the_student_number_and_school_mailbox(secretary_client, student):
    url = f"/admin/accounts/user/{student.pk}/change/"
    form = secretary_client.get(url).content.decode()
    assert 'name="student_number"' in form and 'name="school_email"' in form
    data = {
        "identifier": student.identifier, "first_name": "Léa", "last_name": "Gagnon",
        "email": student.email, "is_student": "on", "is_active": "on", "is_migrated": "on",
        "schools": [s.pk for s in student.schools.all()],
        "school_email": "lea.g@eleves.alpha.test",
        "child_links-TOTAL_FORMS": "0", "child_links-INITIAL_FORMS": "0",
    }  # fmt: skip
    refused = secretary_client.post(url, {**data, "student_number": "31001112"})
    assert refused.status_code == 200 and "exactement 10 chiffres" in refused.content.decode()
    saved = secretary_client.post(url, {**data, "student_number": "3100111555"})
    assert saved.status_code == 302
    student.refresh_from_db()
    assert student.student_number == "3100111555"
    assert student.school_email == "lea.g@eleves.alpha.test"
