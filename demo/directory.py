"""The demo's school directory (issue 14): `make run` starts a real OpenLDAP (Debian's slapd)
in var/slapd with CREOS's people, each with the demo password, and points CREOS's identity store
at it, so a reset in the portal can be checked with a bind to the directory:

    ldapwhoami -x -H ldap://127.0.0.1:3890 \\
        -D uid=jacqueline.dubois,ou=people,dc=cartable,dc=test -w 'the new password'

The directory's data is kept across runs (var/slapd/data); delete var/slapd to start afresh."""

import os
from pathlib import Path

from django.conf import settings

from accounts.directory.testing_slapd import Person, SlapdServer, slapd_missing_reason
from accounts.models import IdentityStore
from demo.seed.people import DEMO_PASSWORD, PEOPLE
from tenants.models import Tenant
from tenants.scoping import tenant_scope

TENANT = "creos"
PORT = int(os.environ.get("CARTABLE_DEMO_LDAP_PORT", "3890"))
TLS_PORT = int(os.environ.get("CARTABLE_DEMO_LDAPS_PORT", "6360"))


def demo_people() -> list[Person]:
    people = []
    for slug, identifier, first, last, email, roles, _school in PEOPLE:
        if slug != TENANT:
            continue
        student = isinstance(roles, dict) and bool(roles.get("is_student"))
        groups = ("eleves",) if student else ()
        people.append(
            Person(str(identifier), str(first), str(last), DEMO_PASSWORD, mail=str(email),
                   groups=groups)
        )  # fmt: skip
    return people


def demo_directory_start(root: Path | None = None) -> tuple[SlapdServer | None, str]:
    """The running directory and what to tell the person who typed `make run`; None (and why)
    where slapd is not installed."""
    reason = slapd_missing_reason()
    if reason:
        return None, f"Demo directory not started: {reason}."
    server = SlapdServer.start(
        people=demo_people(),
        root=root or settings.VAR_DIR / "slapd",
        port=PORT,
        tls_port=TLS_PORT,
    )
    tenant = Tenant.objects.filter(slug=TENANT).first()
    if tenant is None:
        return server, f"Demo directory on {server.url}, but no '{TENANT}' tenant to use it."
    with tenant_scope(tenant):
        store = IdentityStore.objects.filter(tenant=tenant).first() or IdentityStore(tenant=tenant)
        store.kind = IdentityStore.Kind.LDAP
        store.url, store.ca_file, store.start_tls = server.ldaps_url, server.ca_file, False
        store.bind_dn, store.base_dn = server.bind_dn, server.base_dn
        store.bind_password_set(server.bind_password)
        store.school_mailbox_attribute = "mailLocalAddress"
        store.student_group_dn = f"cn=eleves,{server.groups_dn}"
        store.portal_only_allowed = True  # the demo's never-activated parent is not in it
        store.save()
    return server, (
        f"Demo directory (OpenLDAP) for '{TENANT}' on {server.url} and {server.ldaps_url}; "
        f"check a password with: ldapwhoami -x -H {server.url} "
        f"-D uid=jacqueline.dubois,{server.people_dn} -w '<password>'"
    )
