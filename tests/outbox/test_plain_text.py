"""Every mail and SMS of the project reads as typed (issue 11, item 6): subjects, plain-text bodies
and SMS are not HTML, so a school called "L'École Saint-Jean & Cie" and a link with "&" in its
query keep their characters there; the HTML part escapes them exactly once. Each template of
templates/ is rendered by the outbox with such values and the stored rows are read back."""

from pathlib import Path

import pytest
from django.conf import settings

from outbox.models import Message
from outbox.services import email_queue, sms_queue

pytestmark = pytest.mark.django_db

HOSTILE = "L'École Saint-Jean & Cie <b>"
HOSTILE_HTML = "L&#x27;École Saint-Jean &amp; Cie &lt;b&gt;"
LINK = "https://alpha.localhost/lien/?a=1&b=2"
ENTITIES = ("&#x27;", "&#39;", "&amp;", "&quot;", "&lt;", "&gt;")

CONTEXT = {
    # every name a template of templates/ prints, each given the same awkward value
    **dict.fromkeys(
        ["title", "text", "identifier", "masked", "child_name", "parent_name", "password"],
        HOSTILE,
    ),
    **dict.fromkeys(["url", "action_url", "login_url"], LINK),
    "action_label": HOSTILE,
    "activity": {"title": HOSTILE},
    "accounts": [{"identifier": HOSTILE, "email": "anne@example.be", "url": LINK}],
    "code": "123456",
    "amount": "12,50 €",
    "minutes": 10,
    "lifetime_minutes": 30,
    "lifetime_hours": 24,
}

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def _templates(suffix: str) -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES_DIR)).removesuffix(suffix)
        for path in TEMPLATES_DIR.rglob(f"*{suffix}")
    )


MAILS = _templates("_subject.txt")
SMS = _templates("_sms.txt")


@pytest.fixture
def awkward_tenant(tenant_a):
    tenant_a.display_name = HOSTILE
    tenant_a.save()
    return tenant_a


def test_the_project_has_the_mails_and_sms_this_file_checks():
    assert len(MAILS) >= 17 and "payments/email/invitation_received" in MAILS
    assert "recovery/identifier/email/reset_link" in MAILS
    assert len(SMS) >= 3 and "outbox/code" in SMS


@pytest.mark.parametrize("template", MAILS)
def test_a_mails_subject_and_text_are_plain_and_its_html_is_escaped_once(awkward_tenant, template):
    # when the outbox renders the mail with an apostrophe, an ampersand and a tag in every value
    message = email_queue(
        tenant=awkward_tenant, to="anne@example.be", template=template, context=CONTEXT
    )
    stored = Message.objects.get(pk=message.pk)
    # then the subject and the plain text carry no HTML entity
    for part in (stored.subject, stored.body_text):
        assert not any(entity in part for entity in ENTITIES), part
    assert HOSTILE in stored.subject + stored.body_text
    # and the HTML part has each value escaped once, never twice
    assert HOSTILE_HTML in stored.body_html
    assert HOSTILE not in stored.body_html
    assert "&amp;amp;" not in stored.body_html and "&amp;#" not in stored.body_html
    assert "&amp;lt;" not in stored.body_html


@pytest.mark.parametrize("template", SMS)
def test_an_sms_is_plain_text(awkward_tenant, template):
    message = sms_queue(
        tenant=awkward_tenant, to="+32470123456", template=template, context=CONTEXT
    )
    text = Message.objects.get(pk=message.pk).body_text
    assert HOSTILE in text and not any(entity in text for entity in ENTITIES), text
