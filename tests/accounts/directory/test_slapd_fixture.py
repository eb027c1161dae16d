"""The test directory itself: a real slapd whose policy refuses what a school's would."""

import ldap3
import pytest

from tests.accounts.directory.conftest import NEW_PASSWORD, OLD_PASSWORD


def _modify(slapd, uid: str, password: str) -> tuple[bool, str]:
    conn = ldap3.Connection(
        ldap3.Server(slapd.url), user=slapd.bind_dn, password=slapd.bind_password, auto_bind=True
    )
    done = conn.extend.standard.modify_password(
        user=f"uid={uid},{slapd.people_dn}", new_password=password
    )
    message = conn.result["message"]
    conn.unbind()
    return bool(done), message


def test_people_bind_with_their_password_only(slapd):
    assert slapd.bind_works("camille.muller", OLD_PASSWORD)
    assert not slapd.bind_works("camille.muller", "pas-le-bon-1")
    assert not slapd.bind_works("nobody", OLD_PASSWORD)


def test_the_directorys_policy_refuses_short_and_recent_passwords(slapd):
    assert _modify(slapd, "camille.muller", "Court-1") == (
        False,
        "Password fails quality checking policy",
    )
    assert _modify(slapd, "camille.muller", NEW_PASSWORD) == (True, "")
    assert slapd.bind_works("camille.muller", NEW_PASSWORD)
    assert _modify(slapd, "camille.muller", OLD_PASSWORD) == (
        False,
        "Password is in history of old passwords",
    )


def test_a_stopped_directory_comes_back_with_its_data(slapd):
    slapd.stop()
    with pytest.raises(ldap3.core.exceptions.LDAPSocketOpenError):
        ldap3.Connection(ldap3.Server(slapd.url, connect_timeout=1), auto_bind=True)
    slapd.run()
    assert slapd.bind_works("camille.muller", OLD_PASSWORD)
