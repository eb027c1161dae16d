"""Activation letters — printed from the admin, in batches, or from the help desk — are tagged
PDF/UA documents, also when a large batch is rendered in chunks and joined."""

import pytest
from django.utils import timezone

from helpdesk.services import helpdesk_print_letter
from recovery.activation import letters
from tests.payments.pdf_checks import check_tagged_pdf
from tests.recovery.test_activation_letters import pages_of, pdf_text, unactivated_people

pytestmark = pytest.mark.django_db


def _letters(count: int) -> list[letters.Letter]:
    return [
        letters.Letter(
            name=f"Nom {n}",
            identifier=f"id{n}",
            code="ABCD-EFGH-JKMN",
            qr_src=letters.qr_png_data_uri("http://x/"),
            expires_at=timezone.now(),
        )
        for n in range(count)
    ]


def test_help_desk_letter_is_tagged(tenant_a, school_a, secretary, tmp_path):
    (person,) = unactivated_people(tenant_a, school_a, 1)
    # when the help desk prints one person's letter
    pdf = helpdesk_print_letter(person=person, by=secretary)
    # then it is a tagged PDF in the tenant's language, with a heading and the QR code described
    tagged = check_tagged_pdf(pdf, tmp_path)
    assert tagged.lang == "fr" and tagged.title.startswith("Activation de votre compte")
    assert tagged.count("H1") == 1
    assert tagged.alts == ["Code QR de l’adresse d’activation"]


def test_a_batch_joined_from_chunks_keeps_one_structure_tree(tenant_a, monkeypatch, tmp_path):
    # given letters rendered four by four (three chunks joined into one file)
    monkeypatch.setattr(letters, "CHUNK", 4)
    tenant_a.default_language = "en"
    pdf = letters.letters_render(tenant=tenant_a, letters=_letters(10), activation_url="http://x/")
    # then the file is still tagged, in English, and its tree covers every page's letter
    tagged = check_tagged_pdf(pdf, tmp_path)
    assert tagged.pages == 10 and len(pages_of(pdf_text(pdf))) == 10
    assert tagged.lang == "en" and tagged.title.startswith("Account activation")
    assert tagged.count("Document") == 1
    assert tagged.count("H1") == 10
    assert tagged.alts == ["QR code of the activation address"] * 10
