import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password

from accounts.hashers import OwaspArgon2PasswordHasher

OWASP = ["accounts.hashers.OwaspArgon2PasswordHasher"]


def test_new_hashes_use_argon2id_at_owasp_minimum(settings):
    settings.PASSWORD_HASHERS = OWASP
    encoded = make_password("Cartable-Demo-1")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_hashes_made_with_django_defaults_verify_and_are_upgraded(settings):
    settings.PASSWORD_HASHERS = OWASP
    old = Argon2PasswordHasher().encode("Cartable-Demo-1", Argon2PasswordHasher().salt())
    assert "m=102400" in old
    upgraded = []
    assert check_password("Cartable-Demo-1", old, setter=upgraded.append)
    assert upgraded == ["Cartable-Demo-1"]
    assert not OwaspArgon2PasswordHasher().must_update(make_password("x"))


@pytest.mark.django_db
def test_login_rehashes_an_old_default_hash(settings, client_a, parent, password):
    settings.PASSWORD_HASHERS = OWASP
    parent.password = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    parent.save()
    client_a.post("/accounts/login/", {"login": parent.identifier, "password": password})
    parent.refresh_from_db()
    assert "m=19456,t=2,p=1" in parent.password
