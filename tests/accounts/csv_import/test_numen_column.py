"""The NUMEN of staff members: checked, never shown, kept only as a hash."""

import json

import pytest
from django.test import Client

from accounts.models import User
from accounts.numen import numen_hash
from tests.accounts.csv_import.conftest import IMPORT_URL, STAFF_HEADER, _confirm, _page, _upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


NUMEN = "08B1234567KLM"


OTHER_NUMEN = "07A0398765XYZ"


def _session_dump(client: Client) -> str:
    """Everything the session holds, as text."""
    return json.dumps(dict(client.session.items()), default=str)


def _user_rows_dump() -> str:
    return json.dumps(list(User.objects.values()), default=str)


def test_numen_is_kept_only_as_a_hash(secretary_client, tenant_a, school_a):
    # given a staff member's NUMEN typed with spaces and in lower case
    typed = "08b 1234567 klm"
    content = STAFF_HEADER + f"\npersonnel,,Jean,Dupont,,ALPHA1,,{typed}\n"
    # when the file is previewed
    preview = _upload(secretary_client, content)
    page = _page(preview)
    # then the preview says a NUMEN was given, without showing it
    assert preview.context["token"], page
    assert "••• fourni" in page
    for secret in (NUMEN, typed):
        assert secret.lower() not in page.lower()
        # nor is it kept in the session until the confirmation
        assert secret.lower() not in _session_dump(secretary_client).lower()
    # (what the session keeps instead is the hash)
    assert numen_hash(tenant_id=tenant_a.id, numen=NUMEN) in _session_dump(secretary_client)
    # when confirmed
    assert _confirm(secretary_client, preview).status_code == 302
    # then only its hash is stored, under the tenant's key
    jean = User.objects.get(tenant=tenant_a, identifier="jdupont")
    assert jean.is_school_staff
    assert jean.numen_hash == numen_hash(tenant_id=tenant_a.id, numen=NUMEN)
    for secret in (NUMEN, typed):
        assert secret.lower() not in _user_rows_dump().lower()
        assert secret.lower() not in _session_dump(secretary_client).lower()


def test_numen_updates_an_existing_staff_member_and_an_empty_cell_keeps_it(
    secretary_client, tenant_a, school_a
):
    # given a staff member whose NUMEN is known
    teacher = UserFactory(
        tenant=tenant_a,
        identifier="mdurand",
        is_school_staff=True,
        schools=[school_a],
        numen_hash=numen_hash(tenant_id=tenant_a.id, numen=OTHER_NUMEN),
    )
    # when a file without NUMEN updates her, then one with a new NUMEN
    _confirm(
        secretary_client,
        _upload(secretary_client, STAFF_HEADER + "\nenseignant,mdurand,Marie,Durand,,ALPHA1,,\n"),
    )
    teacher.refresh_from_db()
    assert teacher.numen_hash == numen_hash(tenant_id=tenant_a.id, numen=OTHER_NUMEN)
    preview = _upload(
        secretary_client, STAFF_HEADER + f"\nenseignant,mdurand,Marie,Durand,,ALPHA1,,{NUMEN}\n"
    )
    assert preview.context["plan"].update_count == 1
    _confirm(secretary_client, preview)
    # then the known NUMEN is kept, then replaced
    teacher.refresh_from_db()
    assert teacher.numen_hash == numen_hash(tenant_id=tenant_a.id, numen=NUMEN)
    assert teacher.last_name == "Durand"


@pytest.mark.parametrize("bad", ["9Z9", "08B1234567KL!", "08B1234567KLMN"])
def test_invalid_numen_is_a_row_error_and_nothing_is_imported(secretary_client, bad):
    content = "\n".join(
        [
            STAFF_HEADER,
            "personnel,,Jean,Dupont,,ALPHA1,,",
            f"personnel,,Marie,Durand,,ALPHA1,,{bad}",
        ]
    )
    before = User.objects.count()
    response = _upload(secretary_client, content)
    page = _page(response)
    assert "Ligne 3 : NUMEN invalide : Le NUMEN compte 13 caractères" in page
    assert bad not in page
    assert response.context["token"] is None
    assert "accounts.csv_import" not in secretary_client.session
    assert User.objects.count() == before


def test_numen_on_a_parent_or_student_row_is_refused(secretary_client):
    content = "\n".join(
        [
            STAFF_HEADER,
            f"parent,claire.martin,Claire,Martin,,ALPHA1,,{NUMEN}",
            f"eleve,alice.martin,Alice,Martin,,ALPHA1,,{OTHER_NUMEN}",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : le NUMEN ne s'indique que pour un membre du personnel" in page
    assert "Ligne 3 : le NUMEN ne s'indique que pour un membre du personnel" in page
    assert NUMEN not in page and OTHER_NUMEN not in page
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_same_numen_twice_in_the_file_is_refused(secretary_client):
    content = "\n".join(
        [
            STAFF_HEADER,
            f"personnel,,Jean,Dupont,,ALPHA1,,{NUMEN}",
            f"personnel,,Marie,Durand,,ALPHA1,,{OTHER_NUMEN}",
            f"personnel,,Marc,Martin,,ALPHA1,,{NUMEN.lower()}",
        ]
    )
    response = _upload(secretary_client, content)
    page = _page(response)
    assert "Ligne 4 : même NUMEN que la ligne 2" in page
    assert NUMEN not in page.upper()
    assert response.context["token"] is None
    assert not User.objects.filter(is_school_staff=True, is_secretary=False).exists()


def test_confirm_with_a_tampered_numen_in_the_session_imports_nothing(secretary_client):
    preview = _upload(secretary_client, STAFF_HEADER + f"\npersonnel,,J,D,,ALPHA1,,{NUMEN}\n")
    session = secretary_client.session
    stored = session["accounts.csv_import"]
    stored["rows"][0][1]["numen"] = OTHER_NUMEN
    session["accounts.csv_import"] = stored
    session.save()
    response = _confirm(secretary_client, preview)
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert not User.objects.filter(identifier="jd").exists()
