import pytest

from payments.epc import epc_payload, qr_svg
from payments.money import (
    format_cents,
    iban_display,
    parse_euros,
    structured_communication,
    structured_parse,
)


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (500, "5,00 €"),
        (800, "8,00 €"),
        (0, "0,00 €"),
        (123456, "1\u202f234,56 €"),
        (-250, "-2,50 €"),
    ],
)
def test_amounts_are_shown_the_french_way(cents, text):
    assert format_cents(cents, language="fr") == text


def test_amounts_in_english():
    assert format_cents(123456, language="en") == "€1,234.56"


@pytest.mark.parametrize(
    ("text", "cents"), [("5", 500), ("5,5", 550), ("8.00", 800), ("12,34 €", 1234)]
)
def test_parse_euros(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "-5", "1,234", "1.000,00"])
def test_parse_euros_refuses_junk(text):
    with pytest.raises(ValueError):
        parse_euros(text)


def test_structured_communication_has_a_modulo_97_check():
    # given a base whose remainder mod 97 is known: 0000000097 % 97 == 0 → check digits 97
    assert structured_communication("0000000097") == "+++000/0000/09797+++"
    # 1234567890 % 97 == 2
    assert structured_communication("1234567890") == "+++123/4567/89002+++"


@pytest.mark.parametrize(
    "text", ["+++123/4567/89002+++", "***123/4567/89002***", "123456789002", " 123 4567 89002 "]
)
def test_structured_parse_accepts_usual_spellings(text):
    assert structured_parse(text) == "1234567890"


def test_structured_parse_refuses_a_wrong_check():
    assert structured_parse("+++123/4567/89003+++") is None
    assert structured_parse("hello") is None


def test_epc_payload_follows_the_epc_format():
    payload = epc_payload(
        creditor_name="CREOS ASBL",
        iban="BE68 5390 0754 7034",
        reference="1234567890",
        amount_cents=2000,
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "CREOS ASBL",
        "BE68539007547034",
        "EUR20.00",
        "",
        "123456789002",
        "",
    ]
    assert qr_svg(payload).startswith("<?xml") or "<svg" in qr_svg(payload)


def test_iban_display_groups_by_four():
    assert iban_display("BE68539007547034") == "BE68 5390 0754 7034"
