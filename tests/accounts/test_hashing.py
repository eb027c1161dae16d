import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password

from accounts.hashers import OwaspArgon2PasswordHasher

OWASP = ["accounts.hashers.OwaspArgon2PasswordHasher"]


class PreviousOwaspHasher(Argon2PasswordHasher):
    """OWASP's 19 MiB × 2 passes, what the portal used before its 7 MiB × 5 passes."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


def _hash_with(hasher: Argon2PasswordHasher, password: str) -> str:
    return hasher.encode(password, hasher.salt())


def test_new_hashes_use_argon2id_at_an_owasp_setting(settings):
    settings.PASSWORD_HASHERS = OWASP
    encoded = make_password("Cartable-Demo-1")
    # OWASP's m=7168 (7 MiB), t=5, p=1: equal in strength to its 19 MiB × 2 passes.
    assert encoded.startswith("argon2$argon2id$v=19$m=7168,t=5,p=1$")


@pytest.mark.parametrize(
    "old_hasher", [Argon2PasswordHasher(), PreviousOwaspHasher()], ids=["django", "19MiB"]
)
def test_hashes_with_other_parameters_verify_and_are_upgraded(settings, old_hasher):
    settings.PASSWORD_HASHERS = OWASP
    old = _hash_with(old_hasher, "Cartable-Demo-1")
    upgraded = []
    assert check_password("Cartable-Demo-1", old, setter=upgraded.append)
    assert upgraded == ["Cartable-Demo-1"]
    assert not OwaspArgon2PasswordHasher().must_update(make_password("x"))


def test_a_wrong_password_against_an_old_hash_upgrades_nothing(settings):
    settings.PASSWORD_HASHERS = OWASP
    old = _hash_with(Argon2PasswordHasher(), "Cartable-Demo-1")
    upgraded = []
    assert not check_password("pas-le-bon", old, setter=upgraded.append)
    assert upgraded == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "old_hasher", [Argon2PasswordHasher(), PreviousOwaspHasher()], ids=["django", "19MiB"]
)
def test_login_rehashes_an_old_hash(settings, client_a, parent, password, old_hasher):
    settings.PASSWORD_HASHERS = OWASP
    parent.password = _hash_with(old_hasher, password)
    parent.save()
    response = client_a.post("/accounts/login/", {"login": parent.identifier, "password": password})
    assert response.status_code == 302
    parent.refresh_from_db()
    assert "m=7168,t=5,p=1" in parent.password
    assert check_password(password, parent.password)
