"""Activation letters — printed from the admin, in batches, or from the help desk — are tagged
PDF/UA documents, also when a large batch is rendered in chunks and joined."""

import io
from dataclasses import replace

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader

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


def _top_level_languages(pdf: bytes) -> list[str | None]:
    reader = PdfReader(io.BytesIO(pdf))
    (document,) = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    return [
        (str(child.get_object()["/Lang"]) if "/Lang" in child.get_object() else None)
        for child in document.get_object()["/K"]
    ]


def test_a_letter_to_an_english_speaker_is_english(tenant_a, school_a, secretary, tmp_path):
    # given a person of a French network who chose English on the portal
    (person,) = unactivated_people(tenant_a, school_a, 1)
    person.preferred_language = "en"
    person.save()
    # when the help desk prints her letter
    pdf = helpdesk_print_letter(person=person, by=secretary)
    # then the whole document is English, dates included
    tagged = check_tagged_pdf(pdf, tmp_path)
    assert tagged.lang == "en" and tagged.title.startswith("Account activation")
    text = pdf_text(pdf)
    with translation.override("en"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert f"Printed on {today}" in text and "Imprimé" not in text


def test_a_mixed_batch_marks_each_letters_language(tenant_a, monkeypatch, tmp_path):
    # given a batch, in chunks, where the second person reads English
    monkeypatch.setattr(letters, "CHUNK", 2)
    languages = ["fr", "en", "fr"]
    batch = [replace(one, language=lang) for one, lang in zip(_letters(3), languages, strict=True)]
    pdf = letters.letters_render(tenant=tenant_a, letters=batch, activation_url="http://x/")
    # then the document is French, and the English letter says so to a screen reader
    tagged = check_tagged_pdf(pdf, tmp_path)
    assert tagged.lang == "fr"
    assert _top_level_languages(pdf) == [None, "en", None]
    pages = pages_of(pdf_text(pdf))
    assert "Account activation" in pages[1] and "Activation de votre compte" in pages[2]
