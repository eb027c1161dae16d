"""Shared by the CSV import tests: the admin URLs, the column headers, a valid family file, and
the helpers that upload a file, read the page and confirm a preview."""

import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

IMPORT_URL = "/admin/accounts/user/import/"


CONFIRM_URL = "/admin/accounts/user/import/confirm/"


CHANGELIST_URL = "/admin/accounts/user/"


HEADER = "type,identifiant,prenom,nom,email,ecole,enfants"


STAFF_HEADER = "type,identifiant,prenom,nom,email,ecole,enfants,numen"


STUDENT_HEADER = "type,identifiant,prenom,nom,email,ecole,enfants,classe,numero_eleve"


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
