"""A field in error says so to assistive technology: aria-invalid, and aria-describedby naming
elements of the page that hold its help and its error message."""

from html.parser import HTMLParser

import pytest

from accounts.forms import NewPasswordForm
from tests.factories import UserFactory


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}
        self.invalid: list[dict[str, str]] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = {k: v or "" for k, v in attrs}
        if attrs.get("id"):
            self.texts.setdefault(attrs["id"], "")
            self._open.append(attrs["id"])
        if attrs.get("aria-invalid") == "true":
            self.invalid.append(attrs)

    def handle_endtag(self, tag) -> None:
        if tag == "p" and self._open:
            self._open.pop()

    def handle_data(self, data) -> None:
        for element_id in self._open:
            self.texts[element_id] += data


def _descriptions(html: str) -> list[str]:
    """For each field marked invalid, the text of what describes it; fails on a dangling id."""
    page = _Page()
    page.feed(html)
    assert page.invalid, "no field is marked aria-invalid"
    described = []
    for attrs in page.invalid:
        ids = attrs.get("aria-describedby", "").split()
        assert ids, f"{attrs.get('name')} is invalid but described by nothing"
        for element_id in ids:
            assert element_id in page.texts, f"aria-describedby names a missing #{element_id}"
        described.append(" ".join(page.texts[i] for i in ids))
    return described


def test_creos_start_error_is_tied_to_the_input(client_a, tenant_a):
    response = client_a.post(
        "/mot-de-passe-oublie/", {"method": "email", "login": "pas-une-adresse"}
    )
    assert response.status_code == 400
    [description] = _descriptions(response.content.decode())
    assert "Saisissez une adresse e-mail valide." in description


@pytest.mark.django_db
def test_new_password_is_described_by_the_rules_and_its_error(tenant_a):
    user = UserFactory(tenant=tenant_a)
    form = NewPasswordForm({"password1": "court", "password2": "court"}, user=user)
    assert not form.is_valid()
    widget = str(form["password1"])
    assert 'aria-invalid="true"' in widget
    assert 'aria-describedby="password-rules id_password1_error"' in widget
    valid_field = str(NewPasswordForm(user=user)["password1"])
    assert 'aria-describedby="password-rules"' in valid_field
