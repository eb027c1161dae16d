"""CSV import of students and parents by a secretary: preview first, then all or nothing."""

import html
import json
import re

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import csv_import
from accounts.csv_import import validation
from accounts.models import GuardianLink, User
from accounts.numen import numen_hash
from tests.conftest import verified_admin_client
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/accounts/user/import/"
CONFIRM_URL = "/admin/accounts/user/import/confirm/"
CHANGELIST_URL = "/admin/accounts/user/"

HEADER = "type,identifiant,prenom,nom,email,ecole,enfants"


def _family(school: str = "ALPHA1") -> str:
    """Two students (one spelt élève, one school code in lower case) and their parent."""
    return "\n".join(
        [
            HEADER,
            f"eleve,alice.martin,Alice,Martin,,{school},",
            f"élève,bob.martin,Bob,Martin,,{school.lower()},",
            f"parent,claire.martin,Claire,Martin,claire@example.be,{school},"
            "alice.martin|BOB.MARTIN",
        ]
    )


VALID_FAMILY = _family()


def _upload(client: Client, content: str | bytes, name: str = "personnes.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _confirm(client: Client, preview) -> object:
    return client.post(CONFIRM_URL, {"token": preview.context["token"]})


def test_changelist_offers_the_import(secretary_client):
    page = _page(secretary_client.get(CHANGELIST_URL))
    assert "Importer un fichier CSV" in page
    assert IMPORT_URL in page


def test_valid_file_creates_students_and_parent_with_links(secretary_client, secretary, school_a):
    # given a file with two students and their parent
    preview = _upload(secretary_client, VALID_FAMILY)
    assert preview.status_code == 200
    assert "3 personnes seront importées" in _page(preview)

    # when the secretary confirms
    response = _confirm(secretary_client, preview)

    # then the three people exist in her tenant and school, linked, with no usable password
    assert response.status_code == 302
    assert response.url == CHANGELIST_URL
    page = _page(secretary_client.get(response.url))
    assert "3 personnes importées" in page
    people = User.objects.filter(identifier__in=["alice.martin", "bob.martin", "claire.martin"])
    assert people.count() == 3
    for person in people:
        assert person.tenant_id == secretary.tenant_id
        assert list(person.schools.all()) == [school_a]
        assert not is_password_usable(person.password)
        assert person.is_migrated
    claire = people.get(identifier="claire.martin")
    assert claire.is_parent and not claire.is_student
    assert claire.email == "claire@example.be"
    assert sorted(c.identifier for c in claire.children.all()) == ["alice.martin", "bob.martin"]
    assert all(
        link.tenant_id == secretary.tenant_id for link in GuardianLink.objects.filter(parent=claire)
    )
    assert people.get(identifier="bob.martin").is_student


def test_preview_writes_nothing(secretary_client):
    # given the people of the tenant
    before = User.objects.count()
    # when a valid file is previewed
    response = _upload(secretary_client, VALID_FAMILY)
    # then nobody is created yet
    assert response.status_code == 200
    assert "Confirmer l’import" in _page(response)
    assert User.objects.count() == before
    assert GuardianLink.objects.count() == 0


def test_one_bad_row_imports_nothing_and_names_the_row(secretary_client):
    # given a file whose fourth spreadsheet row has an invalid e-mail
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,",
            "parent,claire.martin,Claire,Martin,pas-une-adresse,ALPHA1,alice.martin",
        ]
    )
    before = User.objects.count()
    # when it is uploaded
    response = _upload(secretary_client, content)
    # then the preview names the row and the reason, offers no confirmation, imports nothing
    page = _page(response)
    assert response.status_code == 200
    assert "Ligne 4 : adresse e-mail invalide « pas-une-adresse »" in page
    assert "Rien n'a été importé" in page
    assert "Confirmer l’import" not in page
    assert response.context["token"] is None
    assert User.objects.count() == before


def test_duplicate_identifier_in_the_file(secretary_client):
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,",
            "eleve,Alice.Martin,Alicia,Martin,,ALPHA1,",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 4 : identifiant « Alice.Martin » présent deux fois dans le fichier" in page
    assert "Confirmer l’import" not in page
    assert not User.objects.filter(identifier__iexact="alice.martin").exists()


def test_unknown_school_and_school_of_another_tenant_are_refused(
    secretary_client, school_b, school_a2
):
    # given a school code of tenant B, an unknown code, and a school of her tenant she does not
    # work at
    content = "\n".join(
        [
            HEADER,
            "eleve,alice.martin,Alice,Martin,,BETA1,",
            "eleve,bob.martin,Bob,Martin,,XYZ,",
            "eleve,dora.martin,Dora,Martin,,ALPHA2,",
        ]
    )
    # then all three rows are refused with the same message, which reveals nothing
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : école inconnue « BETA1 »" in page
    assert "Ligne 3 : école inconnue « XYZ »" in page
    assert "Ligne 4 : école inconnue « ALPHA2 »" in page
    assert User.objects.filter(identifier__endswith=".martin").count() == 0


def test_unknown_child_is_named(secretary_client, child1):
    content = "\n".join([HEADER, "parent,claire.martin,Claire,Martin,,ALPHA1,camille.muller|bob"])
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : enfant inconnu « bob »" in page
    assert "camille.muller" not in page.split("Ligne 2 :")[1].split("</li>")[0]


def test_semicolon_bom_and_latin1_files_work(secretary_client, school_a):
    # given the same people in a UTF-8 file with a BOM and in a Windows-1252 file, both with ;
    utf8 = (
        "\ufeffType;Identifiant;Prénom;Nom;Email;École\r\nélève;zoé.lefèvre;Zoé;Lefèvre;;ALPHA1\r\n"
    )
    latin1 = "type;identifiant;prenom;nom;email;ecole\r\nélève;éloïse;Éloïse;Façade;;ALPHA1\r\n"
    # when both are imported
    for data in (utf8.encode("utf-8"), latin1.encode("cp1252")):
        preview = _upload(secretary_client, data)
        assert preview.context["token"], _page(preview)
        assert _confirm(secretary_client, preview).status_code == 302
    # then the accents survive
    zoe = User.objects.get(identifier="zoé.lefèvre")
    assert (zoe.first_name, zoe.last_name, zoe.is_student) == ("Zoé", "Lefèvre", True)
    assert User.objects.get(identifier="éloïse").last_name == "Façade"


def test_outsider_of_tenant_b_creates_the_same_identifiers_in_tenant_b_only(
    secretary_client, outsider_admin_client, tenant_a, tenant_b, school_b
):
    # given the family already imported at tenant A
    _confirm(secretary_client, _upload(secretary_client, VALID_FAMILY))
    # when the secretary of tenant B imports the same identifiers for her school
    preview = _upload(outsider_admin_client, _family("BETA1"))
    assert "3 personnes seront importées" in _page(preview)
    assert preview.context["plan"].create_count == 3
    _confirm(outsider_admin_client, preview)
    # then each tenant has its own three people; tenant A's are untouched
    for tenant, school_code in ((tenant_a, "ALPHA1"), (tenant_b, "BETA1")):
        people = User.objects.filter(tenant=tenant, identifier__endswith=".martin")
        assert people.count() == 3
        assert {s.code for p in people for s in p.schools.all()} == {school_code}
    claire_b = User.objects.get(tenant=tenant_b, identifier="claire.martin")
    assert {c.tenant_id for c in claire_b.children.all()} == {tenant_b.id}


def test_file_cannot_pick_the_tenant_of_another_school(outsider_admin_client, school_a):
    # given the outsider of tenant B naming a school of tenant A
    page = _page(_upload(outsider_admin_client, VALID_FAMILY))
    # then the school is unknown to her
    assert "Ligne 2 : école inconnue « ALPHA1 »" in page
    assert not User.objects.filter(identifier="alice.martin").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "n'est pas un fichier CSV"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "n'est pas un fichier CSV"),
        (b"nom,prenom\nMartin,Alice\n", "il manque : type, identifiant, ecole"),
        (HEADER.encode() + b"\n", "aucune personne"),
    ],
)
def test_unusable_file_gives_a_form_error_not_a_500(secretary_client, content, message):
    response = _upload(secretary_client, content)
    assert response.status_code == 200
    assert message in _page(response)
    assert response.context["form"].errors


def test_too_many_rows_and_too_large_files_are_refused(secretary_client):
    rows = [f"eleve,e{i},A,B,,ALPHA1," for i in range(csv_import.MAX_ROWS + 1)]
    response = _upload(secretary_client, "\n".join([HEADER, *rows]))
    assert response.status_code == 200
    assert "un import en accepte 5000 au plus" in _page(response)

    big = HEADER + "\n" + "x" * (csv_import.MAX_FILE_BYTES + 1)
    response = _upload(secretary_client, big)
    assert response.status_code == 200
    assert "taille maximale de 2 Mo" in _page(response)


def test_long_fields_newlines_and_bad_values_are_row_errors(secretary_client):
    long_name = "x" * 151
    content = "\n".join(
        [
            HEADER + ",migre",
            f"eleve,{long_name},A,B,,ALPHA1,,",
            f"eleve,ok1,{long_name},B,,ALPHA1,,",
            'eleve,ok2,"Ali\nce",B,,ALPHA1,,',
            "prof,ok3,A,B,,ALPHA1,,",
            "eleve,ok4,A,B,,ALPHA1,,peut-être",
            "eleve,ok5,A,B,,ALPHA1,ok1,",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : identifiant trop long" in page
    assert "Ligne 3 : prénom trop long" in page
    # the quoted newline makes row 4 span two lines of text, still one spreadsheet row
    assert "Ligne 4 : retour à la ligne à l'intérieur d'une cellule" in page
    assert "Ligne 5 : type inconnu « prof »" in page
    assert "Ligne 6 : valeur « peut-être » de la colonne migre" in page
    assert "Ligne 7 : un élève ne peut pas avoir d'enfants" in page
    assert not User.objects.filter(identifier__startswith="ok").exists()


def test_migre_non_creates_a_legacy_account(secretary_client):
    content = HEADER + ",migre\neleve,ancien,A,B,,ALPHA1,,non\n"
    _confirm(secretary_client, _upload(secretary_client, content))
    assert User.objects.get(identifier="ancien").is_migrated is False


def test_existing_visible_person_is_updated(secretary_client, child1, school_a):
    # given a student already at the secretary's school
    content = HEADER + "\neleve,CAMILLE.MULLER,Camille-Anne,Muller,cam@example.be,ALPHA1,\n"
    preview = _upload(secretary_client, content)
    assert "mise à jour" in _page(preview)
    assert preview.context["plan"].update_count == 1
    # when the import is confirmed
    _confirm(secretary_client, preview)
    # then the same account is updated, its password untouched
    child1.refresh_from_db()
    assert child1.first_name == "Camille-Anne"
    assert child1.email == "cam@example.be"
    assert is_password_usable(child1.password)
    assert User.objects.filter(identifier__iexact="camille.muller").count() == 1


def test_account_out_of_the_secretarys_schools_is_not_revealed(
    secretary_client, tenant_a, school_a2
):
    # given a student of another school of the same tenant
    UserFactory(tenant=tenant_a, identifier="hidden.kid", is_student=True, schools=[school_a2])
    content = HEADER + "\neleve,hidden.kid,Pirate,Name,,ALPHA1,\n"
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : identifiant déjà utilisé dans le réseau" in page
    assert User.objects.get(identifier="hidden.kid").first_name != "Pirate"


def test_identifier_of_another_tenant_is_free(secretary_client, tenant_b, school_b):
    UserFactory(tenant=tenant_b, identifier="alice.martin", schools=[school_b])
    _confirm(secretary_client, _upload(secretary_client, VALID_FAMILY))
    assert User.objects.filter(identifier="alice.martin").count() == 2


def test_confirm_without_a_valid_preview_imports_nothing(secretary_client):
    # given a preview with an error: no token is handed out
    bad = HEADER + "\neleve,alice.martin,Alice,Martin,,XYZ,\n"
    preview = _upload(secretary_client, bad)
    assert preview.context["token"] is None
    # when the confirm step is posted anyway, with a made-up token or none
    for data in ({"token": "forged"}, {}, {"token": "", "rows": "eleve,x,A,B,,ALPHA1,"}):
        response = secretary_client.post(CONFIRM_URL, data)
        # then nothing is imported and the secretary is sent back to the upload
        assert response.status_code == 302
        assert response.url == IMPORT_URL
    assert not User.objects.filter(identifier="alice.martin").exists()
    assert "L'aperçu a expiré" in _page(secretary_client.get(IMPORT_URL))


def test_confirm_with_tampered_session_rows_revalidates(secretary_client, school_b):
    # given a valid preview whose stored rows are then altered to point at another tenant
    preview = _upload(secretary_client, VALID_FAMILY)
    session = secretary_client.session
    stored = session["accounts.csv_import"]
    stored["rows"][0][1]["ecole"] = "BETA1"
    session["accounts.csv_import"] = stored
    session.save()
    # when confirmed
    response = _confirm(secretary_client, preview)
    # then the rows are checked again: the error shows, nothing is imported
    assert response.status_code == 200
    assert "Ligne 2 : école inconnue « BETA1 »" in _page(response)
    assert "Confirmer l’import" not in _page(response)
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_confirm_rechecks_data_changed_since_the_preview(secretary_client, tenant_a, school_a2):
    # given a valid preview, then someone takes one identifier at another school of the tenant
    preview = _upload(secretary_client, VALID_FAMILY)
    UserFactory(tenant=tenant_a, identifier="Bob.Martin", schools=[school_a2])
    # when confirmed
    response = _confirm(secretary_client, preview)
    # then the clash is reported and nothing of the file is imported
    assert response.status_code == 200
    assert "Ligne 3 : identifiant déjà utilisé dans le réseau" in _page(response)
    assert not User.objects.filter(identifier__in=["alice.martin", "claire.martin"]).exists()


def test_a_token_is_used_once(secretary_client):
    preview = _upload(secretary_client, VALID_FAMILY)
    assert _confirm(secretary_client, preview).status_code == 302
    again = _confirm(secretary_client, preview)
    assert again.url == IMPORT_URL
    assert User.objects.filter(identifier="alice.martin").count() == 1


def test_people_without_admin_access_do_not_reach_the_import(client_a, parent, password):
    client_a.force_login(parent)
    response = client_a.get(IMPORT_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_platform_superuser_is_told_to_import_at_a_tenant_host(tenant_a):
    admin = User.objects.create_superuser("root", "Root-Password-1")
    client = verified_admin_client(admin, "localhost")
    response = client.get(IMPORT_URL, follow=True)
    assert response.status_code == 200
    assert "se fait à l'adresse d'un réseau scolaire" in _page(response)


def test_preview_of_a_large_file_uses_few_queries(
    secretary_client, django_assert_max_num_queries, tenant_a, school_a
):
    # given many existing students of her school and a file updating them
    students = [
        UserFactory.build(tenant=tenant_a, identifier=f"s{i}", is_student=True) for i in range(600)
    ]
    User.objects.bulk_create(students)
    school_a.members.add(*User.objects.filter(identifier__startswith="s", tenant=tenant_a))
    rows = [f"eleve,s{i},A,B,,ALPHA1," for i in range(600)]
    rows.append("parent,p1,P,Q,,ALPHA1," + "|".join(f"s{i}" for i in range(600)))
    # when previewed
    with django_assert_max_num_queries(30):
        response = _upload(secretary_client, "\n".join([HEADER, *rows]))
    # then every row is an update or a creation, without one query per row
    assert response.context["plan"].update_count == 600
    assert not response.context["plan"].has_errors


def test_school_of_the_tenant_is_matched_by_code_only(secretary_client, tenant_a, secretary):
    # given a second school of hers with no code: it cannot be named in a file
    secretary.schools.add(SchoolFactory(tenant=tenant_a, code=""))
    page = _page(_upload(secretary_client, HEADER + "\neleve,a1,A,B,,,\n"))
    assert "Ligne 2 : école manquante" in page


# --- Staff, generated identifiers and the NUMEN -------------------------------------------------

STAFF_HEADER = "type,identifiant,prenom,nom,email,ecole,enfants,numen"
NUMEN = "08B1234567KLM"
OTHER_NUMEN = "07A0398765XYZ"


def _session_dump(client: Client) -> str:
    """Everything the session holds, as text."""
    return json.dumps(dict(client.session.items()), default=str)


def _user_rows_dump() -> str:
    return json.dumps(list(User.objects.values()), default=str)


def test_staff_rows_with_given_and_generated_identifiers(
    secretary_client, tenant_a, school_a, school_a2
):
    # given a "jdupont" already in the tenant, at a school the secretary does not work at
    UserFactory(tenant=tenant_a, identifier="JDupont", schools=[school_a2])
    content = "\n".join(
        [
            STAFF_HEADER,
            "personnel,,Jean,Dupont,jean@example.fr,ALPHA1,,",
            "Staff,,Jeanne,Dupont,,ALPHA1,,",
            "Enseignant,marie.durand,Marie,Durand,,ALPHA1,,",
            "ENSEIGNANT,,Marc,D'Alembert,,ALPHA1,,",
            "élève,,Éloïse,Le Goff,,ALPHA1,,",
        ]
    )
    # when it is previewed
    preview = _upload(secretary_client, content)
    page = _page(preview)
    # then the generated identifiers are shown, free in the tenant and in the file
    assert preview.context["token"], page
    rows = preview.context["plan"].rows
    assert [row.identifier for row in rows] == [
        "jdupont1",
        "jdupont2",
        "marie.durand",
        "md-alembert",
        "ele-goff",
    ]
    assert [row.generated for row in rows] == [True, True, False, True, True]
    text = re.sub(r"<[^>]+>", "", page)
    assert "jdupont1 (généré)" in text
    assert "marie.durand (généré)" not in text
    assert preview.context["plan"].create_count == 5

    # when confirmed
    assert _confirm(secretary_client, preview).status_code == 302

    # then the staff members exist as staff only, at her school
    for identifier in ("jdupont1", "jdupont2", "marie.durand", "md-alembert"):
        person = User.objects.get(tenant=tenant_a, identifier=identifier)
        assert person.is_school_staff
        assert not (person.is_parent or person.is_student or person.is_secretary)
        assert list(person.schools.all()) == [school_a]
        assert not is_password_usable(person.password)
        assert person.numen_hash == ""
    assert User.objects.get(identifier="jdupont1").email == "jean@example.fr"
    eloise = User.objects.get(tenant=tenant_a, identifier="ele-goff")
    assert eloise.is_student and not eloise.is_school_staff
    # the existing jdupont was left alone
    assert User.objects.filter(tenant=tenant_a, identifier__iexact="jdupont").count() == 1


def test_homonyms_in_the_file_and_a_given_identifier_further_down(secretary_client, tenant_a):
    content = "\n".join(
        [
            STAFF_HEADER,
            "personnel,,Jean,Dupont,,ALPHA1,,",
            "personnel,,Jean,Dupont,,ALPHA1,,",
            "personnel,,Jacques,Dupont,,ALPHA1,,",
            "personnel,JDupont2,Julie,Dupont,,ALPHA1,,",
        ]
    )
    preview = _upload(secretary_client, content)
    assert [row.identifier for row in preview.context["plan"].rows] == [
        "jdupont",
        "jdupont1",
        "jdupont3",
        "JDupont2",
    ]
    _confirm(secretary_client, preview)
    created = User.objects.filter(tenant=tenant_a, identifier__istartswith="jdupont")
    assert sorted(user.identifier.lower() for user in created) == [
        "jdupont",
        "jdupont1",
        "jdupont2",
        "jdupont3",
    ]


def test_identifier_generation_is_per_tenant(secretary_client, tenant_a, tenant_b, school_b):
    UserFactory(tenant=tenant_b, identifier="jdupont", schools=[school_b])
    preview = _upload(secretary_client, STAFF_HEADER + "\npersonnel,,Jean,Dupont,,ALPHA1,,\n")
    assert preview.context["plan"].rows[0].identifier == "jdupont"


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


def test_staff_row_cannot_have_children(secretary_client, child1):
    content = STAFF_HEADER + "\npersonnel,,Jean,Dupont,,ALPHA1,camille.muller,\n"
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 : la colonne enfants ne s'applique pas au personnel" in page


def test_children_can_only_name_given_identifiers(secretary_client):
    # given a student whose identifier is generated, and her parent naming it
    content = "\n".join(
        [
            STAFF_HEADER,
            "eleve,,Alice,Martin,,ALPHA1,,",
            "parent,claire.martin,Claire,Martin,,ALPHA1,amartin,",
        ]
    )
    preview = _upload(secretary_client, content)
    # then the generated identifier is shown but cannot be used as a child
    assert preview.context["plan"].rows[0].identifier == "amartin"
    page = _page(preview)
    assert "Ligne 3 : enfant inconnu « amartin »" in page
    assert "un identifiant généré par l'import ne peut pas servir ici" in page
    assert not User.objects.filter(identifier__in=["amartin", "claire.martin"]).exists()


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


# --- Class and student number -------------------------------------------------------------------

STUDENT_HEADER = "type,identifiant,prenom,nom,email,ecole,enfants,classe,numero_eleve"
TAKEN = "Ligne %d : numéro d'élève « %s » déjà utilisé par un autre compte du réseau"


def _text(response) -> str:
    """The page as a reader sees it: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _page(response)).split())


def test_class_and_student_number_survive_the_preview_and_the_confirmation(
    secretary_client, tenant_a
):
    # given a file (columns in another order, ; separated) with two students and their parent
    content = "\n".join(
        [
            "numero_eleve;type;identifiant;prenom;nom;ecole;classe;enfants",
            " 0123456789 ;eleve;alice.martin;Alice;Martin;ALPHA1;  6e \u00a0  B ;",
            ";eleve;bob.martin;Bob;Martin;ALPHA1;3A;",
            ";parent;claire.martin;Claire;Martin;ALPHA1;;alice.martin|bob.martin",
        ]
    )
    # when it is previewed
    preview = _upload(secretary_client, content)
    # then the preview shows the class, its spaces tidied, and the student number
    assert preview.context["token"], _page(preview)
    text = _text(preview)
    assert "Classe Numéro d'élève" in text
    assert "6e B 0123456789" in text
    # when confirmed (only what the session kept is imported)
    assert _confirm(secretary_client, preview).status_code == 302
    # then both are stored on the students, and nothing on the parent
    people = {u.identifier: u for u in User.objects.filter(identifier__endswith=".martin")}
    assert (people["alice.martin"].classroom, people["alice.martin"].student_number) == (
        "6e B",
        "0123456789",
    )
    assert (people["bob.martin"].classroom, people["bob.martin"].student_number) == ("3A", "")
    assert (people["claire.martin"].classroom, people["claire.martin"].student_number) == ("", "")
    assert all(person.tenant_id == tenant_a.id for person in people.values())


def test_preview_without_class_or_number_has_no_such_columns(secretary_client):
    text = _text(_upload(secretary_client, VALID_FAMILY))
    assert "Classe" not in text
    assert "Numéro d'élève" not in text


def test_update_replaces_a_given_class_and_number_and_an_empty_cell_keeps_them(
    secretary_client, child1
):
    # given a student with a class and a number
    child1.classroom, child1.student_number = "5A", "1111111111"
    child1.save()
    # when a file leaves both cells empty, or repeats her own number
    for cells in (",", ",1111111111"):
        preview = _upload(
            secretary_client,
            STUDENT_HEADER + f"\neleve,camille.muller,Camille,Muller,,ALPHA1,,{cells}\n",
        )
        assert preview.context["plan"].update_count == 1, _page(preview)
        _confirm(secretary_client, preview)
        # then she keeps them
        child1.refresh_from_db()
        assert (child1.classroom, child1.student_number) == ("5A", "1111111111")
    # when a file gives new ones
    _confirm(
        secretary_client,
        _upload(
            secretary_client,
            STUDENT_HEADER + "\neleve,camille.muller,Camille,Muller,,ALPHA1,,4B,2222222222\n",
        ),
    )
    # then they replace the old ones
    child1.refresh_from_db()
    assert (child1.classroom, child1.student_number) == ("4B", "2222222222")


def test_class_or_student_number_of_a_parent_or_staff_member_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "parent,claire.martin,Claire,Martin,,ALPHA1,,6A,",
            "personnel,jean.dupont,Jean,Dupont,,ALPHA1,,,0123456789",
            "parent,paul.martin,Paul,Martin,,ALPHA1,,,",
        ]
    )
    response = _upload(secretary_client, content)
    page = _page(response)
    assert "Ligne 2 : la colonne classe ne s'applique qu'aux élèves" in page
    assert "Ligne 3 : la colonne numero_eleve ne s'applique qu'aux élèves" in page
    assert "Ligne 4 :" not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__in=["claire.martin", "jean.dupont"]).exists()


@pytest.mark.parametrize(
    "bad", ["123456789", "01234567890", "01234abcde", "01234 56789", "\u0660" * 10]
)
def test_student_number_is_ten_ascii_digits(secretary_client, bad):
    response = _upload(
        secretary_client, STUDENT_HEADER + f"\neleve,alice.martin,Alice,Martin,,ALPHA1,,,{bad}\n"
    )
    assert (
        f"Ligne 2 : numéro d'élève « {bad} » invalide : il compte exactement 10 chiffres"
        in _page(response)
    )
    assert response.context["token"] is None
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_class_longer_than_the_field_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,a1,Alice,Martin,,ALPHA1,," + "x" * 30 + ",",
            "eleve,a2,Bob,Martin,,ALPHA1,," + "x" * 31 + ",",
        ]
    )
    page = _page(_upload(secretary_client, content))
    assert "Ligne 2 :" not in page
    assert "Ligne 3 : classe trop longue (30 caractères au plus)" in page
    assert not User.objects.filter(identifier__in=["a1", "a2"]).exists()


def test_same_student_number_twice_in_the_file_is_refused(secretary_client):
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,,,9876543210",
            "eleve,dora.martin,Dora,Martin,,ALPHA1,,, 0123456789",
        ]
    )
    response = _upload(secretary_client, content)
    page = _page(response)
    assert (
        "Ligne 4 : numéro d'élève « 0123456789 » présent deux fois dans le fichier "
        "(déjà ligne 2)" in page
    )
    assert "Ligne 2 :" not in page and "Ligne 3 :" not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_student_number_of_another_account_is_refused_without_naming_it(
    secretary_client, tenant_a, school_a2, child1
):
    # given a visible student and one of a school the secretary does not work at, with numbers
    child1.student_number = "1111111111"
    child1.save()
    UserFactory(
        tenant=tenant_a,
        identifier="hidden.kid",
        first_name="Secret",
        last_name="Hidden",
        is_student=True,
        schools=[school_a2],
        student_number="2222222222",
    )
    content = "\n".join(
        [
            STUDENT_HEADER,
            "eleve,alice.martin,Alice,Martin,,ALPHA1,,,1111111111",
            "eleve,bob.martin,Bob,Martin,,ALPHA1,,,2222222222",
        ]
    )
    # when a file gives their numbers to new students
    response = _upload(secretary_client, content)
    page = _page(response)
    # then both rows are refused with the same message, which names neither account
    assert TAKEN % (2, "1111111111") in page
    assert TAKEN % (3, "2222222222") in page
    for revealing in ("camille.muller", "hidden.kid", "Secret", "Hidden", "Camille"):
        assert revealing not in page
    assert response.context["token"] is None
    assert not User.objects.filter(identifier__endswith=".martin").exists()


def test_student_number_of_another_tenant_is_free(secretary_client, tenant_b, school_b):
    UserFactory(tenant=tenant_b, is_student=True, schools=[school_b], student_number="0123456789")
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789\n"
    _confirm(secretary_client, _upload(secretary_client, content))
    assert User.objects.get(identifier="alice.martin").student_number == "0123456789"
    assert User.objects.filter(student_number="0123456789").count() == 2


def test_confirm_rechecks_a_student_number_taken_since_the_preview(secretary_client, tenant_a):
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,,0123456789\n"
    preview = _upload(secretary_client, content)
    UserFactory(tenant=tenant_a, is_student=True, student_number="0123456789")
    response = _confirm(secretary_client, preview)
    assert response.status_code == 200
    assert TAKEN % (2, "0123456789") in _page(response)
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_student_number_taken_while_writing_is_reported(secretary, tenant_a, school_a, monkeypatch):
    # given a valid plan
    content = STUDENT_HEADER + "\neleve,alice.martin,Alice,Martin,,ALPHA1,,6A,0123456789\n"
    plan = csv_import.csv_parse(tenant=tenant_a, viewer=secretary, data=content.encode())
    assert not plan.has_errors
    # when the number is taken between the check in the transaction and the write (a race the
    # check misses: only the database constraint sees it)
    UserFactory(tenant=tenant_a, is_student=True, student_number="0123456789")
    real = validation._student_number_owners
    calls: list[int] = []

    def racy(**kwargs):
        calls.append(1)
        return {} if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(validation, "_student_number_owners", racy)
    with pytest.raises(csv_import.ImportPlanInvalid) as caught:
        csv_import.csv_import_apply(plan=plan, tenant=tenant_a, viewer=secretary)
    # then the rows are checked again and the clash is reported; nothing is written
    assert caught.value.plan.errors == [TAKEN % (2, "0123456789")]
    assert not User.objects.filter(identifier="alice.martin").exists()


def test_class_and_number_checks_do_not_cost_a_query_per_row(secretary_client, tenant_a, school_a):
    # SQLite caps the bound parameters of a statement, so Django splits a large bulk write into
    # a few statements: those are counted apart, every other query must not grow with the file.
    bulk_writes = re.compile(r'^(INSERT INTO|UPDATE) "accounts_user" ')

    def queries_for(size: int) -> tuple[int, int, int]:
        # half the file updates existing students (numbers replaced), half creates new ones
        half = size // 2
        User.objects.bulk_create(
            UserFactory.build(
                tenant=tenant_a,
                identifier=f"q{size}e{i}",
                is_student=True,
                student_number=f"9{size:03d}{i:06d}",
            )
            for i in range(half)
        )
        school_a.members.add(*User.objects.filter(identifier__startswith=f"q{size}e"))
        rows = [
            f"eleve,q{size}{kind}{i},A,B,,ALPHA1,,{i % 7}A,{size:03d}{kind == 'n':d}{i:06d}"
            for kind in ("e", "n")
            for i in range(half)
        ]
        with CaptureQueriesContext(connection) as preview_queries:
            preview = _upload(secretary_client, "\n".join([STUDENT_HEADER, *rows]))
        assert preview.context["token"], _page(preview)
        with CaptureQueriesContext(connection) as confirm_queries:
            assert _confirm(secretary_client, preview).status_code == 302
        assert User.objects.get(identifier=f"q{size}e1").classroom == "1A"
        assert User.objects.get(identifier=f"q{size}e1").student_number == f"{size:03d}0000001"
        assert User.objects.get(identifier=f"q{size}n1").student_number == f"{size:03d}1000001"
        writes = sum(1 for q in confirm_queries.captured_queries if bulk_writes.match(q["sql"]))
        return len(preview_queries), len(confirm_queries) - writes, writes

    queries_for(4)  # the first request of a client warms caches up
    small, large = queries_for(20), queries_for(200)
    assert small[:2] == large[:2]
    assert large[2] <= 10
