"""A pytest plugin (tests/conftest.py loads it): a real OpenLDAP server per test (Debian's
slapd, on its own ports, with a throwaway configuration, database and TLS authority:
accounts/directory/testing_slapd.py), and tenant A's accounts living in it. Skipped, with the
reason, where slapd is not installed."""

import pytest

from accounts.directory.testing_slapd import Person, SlapdServer, slapd_missing_reason
from accounts.models import IdentityStore

OLD_PASSWORD = "Ancien-Mot2passe!"
NEW_PASSWORD = "Nouveau-Mot2passe!"


def pytest_collection_modifyitems(config, items):
    reason = slapd_missing_reason()
    if reason:
        for item in items:
            if "slapd" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def slapd():
    people = [
        Person("jacqueline.dubois", "Jacqueline", "Dubois", OLD_PASSWORD,
               mail="jacqueline@example.be"),
        Person("camille.muller", "Camille", "Muller", OLD_PASSWORD,
               school_mail="camille.muller@eleves.alpha.be", groups=("eleves",)),
        Person("secretariat", "Sophie", "Lambert", OLD_PASSWORD, mail="secretariat@alpha.be",
               groups=("personnel",)),
        Person("pierre.martin", "Pierre", "Martin", OLD_PASSWORD),
        Person("jdupont", "Jean", "Dupont", OLD_PASSWORD),
        Person("abc123456", "Léa", "Gagnon", OLD_PASSWORD,
               school_mail="lea.gagnon@eleves.alpha.test"),
        Person("nouveau.parent", "Nicolas", "Nouveau", OLD_PASSWORD),
    ]  # fmt: skip
    server = SlapdServer.start(people=people)
    yield server
    server.close()


@pytest.fixture
def directory_store(slapd, tenant_a):
    store = IdentityStore(
        tenant=tenant_a,
        kind=IdentityStore.Kind.LDAP,
        url=slapd.ldaps_url,  # TLS, checked against the test directory's own authority
        ca_file=slapd.ca_file,
        bind_dn=slapd.bind_dn,
        base_dn=slapd.base_dn,
        identifier_attribute="uid",
        email_attribute="mail",
        school_mailbox_attribute="mailLocalAddress",
        timeout_seconds=3,
    )
    store.bind_password_set(slapd.bind_password)
    store.full_clean()  # as the admin would: TLS is required outside development
    store.save()
    return store
