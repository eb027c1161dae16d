"""Reading the file: encodings and separators, unusable files, size limits."""

import pytest

from accounts import csv_import
from accounts.models import User
from tests.accounts.csv_import.conftest import HEADER, _confirm, _page, _upload

pytestmark = pytest.mark.django_db


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
