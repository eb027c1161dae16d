"""Every page a visitor reaches is valid HTML, checked by the W3C checker (vnu.jar)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

VNU = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


@pytest.fixture
def everything_on(db):
    return TenantFactory(
        slug="tout", identifier_reset=True, two_step_reset=True, student_mailbox_reset=True,
        numen_lookup=True, password_rules="creos",
    )  # fmt: skip


PAGES = [
    "/accounts/login/",
    "/mot-de-passe-oublie/",
    "/mot-de-passe-oublie/envoye/",
    "/mot-de-passe-oublie/termine/",
    "/identifiant/",
    "/identifiant/mot-de-passe/",
    "/compte-inaccessible/",
    "/eleve/",
]


def test_public_pages_are_valid_html(everything_on, parent, tmp_path):
    if shutil.which("java") is None or not VNU.exists():
        pytest.skip("the W3C checker needs Java and node_modules/vnu-jar (make test installs both)")
    client = Client(HTTP_HOST="tout.localhost")
    files = []
    for number, path in enumerate(PAGES):
        response = client.get(path)
        assert response.status_code == 200, path
        target = tmp_path / f"page{number}.html"
        target.write_bytes(response.content)
        files.append(str(target))
    member = Client(HTTP_HOST="alpha.localhost")
    member.force_login(parent)
    for number, path in enumerate(["/profil/", "/accounts/password/change/"]):
        target = tmp_path / f"member{number}.html"
        target.write_bytes(member.get(path).content)
        files.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert messages == [], "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
    )
