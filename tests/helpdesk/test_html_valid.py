"""The help desk's own pages are valid HTML (W3C checker), SVG charts included."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from outbox.models import Channel, Message, Status
from tests.helpdesk.conftest import HELPDESK, card_url
from tests.portal.test_html_valid import VNU

pytestmark = pytest.mark.django_db


def test_help_desk_pages_are_valid_html(secretary_client, parent, parent_phone, tmp_path):
    if shutil.which("java") is None or not VNU.exists():
        pytest.skip("the W3C checker needs Java and node_modules/vnu-jar (make test installs both)")
    Message.objects.create(  # the front page's "À traiter" table has a row
        tenant=parent.tenant, user=parent, channel=Channel.EMAIL, template="outbox/notice",
        to=parent.email, status=Status.FAILED, attempts=9, last_error="SMTPServerDisconnected",
    )  # fmt: skip
    files = []
    for number, (path, query) in enumerate(
        [(HELPDESK, {}), (HELPDESK, {"q": "dubois"}), (card_url(parent), {})]
    ):
        response = secretary_client.get(path, query)
        assert response.status_code == 200, path
        target = tmp_path / f"helpdesk{number}.html"
        target.write_bytes(response.content)
        files.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert messages == [], "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
    )
