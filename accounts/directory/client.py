"""Talking to a tenant's LDAP directory, through ldap3 (no hand-written LDAP). Every failure of
the network, TLS or the server becomes one of accounts.directory.exceptions; nothing here
raises anything else."""

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import ldap3
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ldap3.core.exceptions import LDAPException, LDAPStartTLSError
from ldap3.utils.conv import escape_filter_chars

from accounts.directory import ppolicy
from accounts.directory.exceptions import (
    DirectoryAccountMissing,
    DirectoryError,
    DirectoryPasswordInHistory,
    DirectoryPasswordTooShort,
    DirectoryRefused,
    DirectoryUnavailable,
)
from accounts.directory.models import IdentityStore

logger = logging.getLogger(__name__)

# LDAP result codes (RFC 4511) that mean "the server's policy said no".
CONSTRAINT_VIOLATION = 19
UNWILLING_TO_PERFORM = 53
INVALID_CREDENTIALS = 49


def _server(store: IdentityStore) -> ldap3.Server:
    parts = urlsplit(store.url)
    use_ssl = parts.scheme.lower() == "ldaps"
    tls = None
    if use_ssl or store.start_tls:
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            version=ssl.PROTOCOL_TLS_CLIENT,
            ca_certs_file=store.ca_file or None,
        )
    return ldap3.Server(
        parts.hostname or "",
        port=parts.port,
        use_ssl=use_ssl,
        tls=tls,
        connect_timeout=store.timeout_seconds,
        get_info=ldap3.NONE,
    )


def _open(store: IdentityStore, *, user: str | None, password: str | None) -> ldap3.Connection:
    """Opened (and StartTLS'd when asked), not yet bound. DirectoryUnavailable on any failure."""
    conn = ldap3.Connection(
        _server(store),
        user=user,
        password=password,
        receive_timeout=store.timeout_seconds,
        auto_bind=ldap3.AUTO_BIND_NONE,
        raise_exceptions=False,
        read_only=False,
    )
    try:
        conn.open()
        if store.start_tls and not conn.start_tls():
            raise DirectoryUnavailable(f"StartTLS refused: {conn.result}")
    except LDAPException as error:
        raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
    return conn


@contextmanager
def service_connection(store: IdentityStore) -> Iterator[ldap3.Connection]:
    """Bound as the portal's own account."""
    conn = _open(store, user=store.bind_dn or None, password=store.bind_password() or None)
    try:
        try:
            bound = conn.bind()
        except LDAPException as error:
            raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
        if not bound:
            raise DirectoryUnavailable(f"the portal's bind was refused: {conn.result}")
        yield conn
    finally:
        with suppress(LDAPException):
            conn.unbind()


def _user_filter(store: IdentityStore, identifier: str) -> str:
    attribute = store.identifier_attribute
    return f"(&{store.user_filter}({attribute}={escape_filter_chars(identifier)}))"


def entry_dn_find(conn: ldap3.Connection, store: IdentityStore, identifier: str) -> str | None:
    """The DN of the one entry holding this identifier; None when there is none (or several)."""
    try:
        conn.search(
            store.base_dn,
            _user_filter(store, identifier),
            search_scope=ldap3.SUBTREE,
            attributes=[],
            size_limit=2,
        )
    except LDAPException as error:
        raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
    code = conn.result.get("result")
    if code not in (0, 4):  # success, sizeLimitExceeded
        raise DirectoryUnavailable(f"search failed: {conn.result}")
    if len(conn.entries) != 1:
        if conn.entries:
            logger.warning("directory: %s entries for one identifier", len(conn.entries))
        return None
    return str(conn.entries[0].entry_dn)


def _refusal(result: dict) -> DirectoryError:
    message = str(result.get("message") or "").lower()
    code = result.get("result")
    policy = ppolicy.ppolicy_error(result)
    if policy == ppolicy.TOO_SHORT:
        return DirectoryPasswordTooShort(str(result))
    if policy == ppolicy.IN_HISTORY:
        return DirectoryPasswordInHistory(str(result))
    if code in (CONSTRAINT_VIOLATION, UNWILLING_TO_PERFORM):
        if "short" in message or "length" in message:
            return DirectoryPasswordTooShort(str(result))
        if "history" in message or "existing value" in message:
            return DirectoryPasswordInHistory(str(result))
        return DirectoryRefused(str(result))
    # insufficientAccessRights (the portal's account may not write passwords), busy, …
    return DirectoryUnavailable(str(result))


def password_write(*, store: IdentityStore, identifier: str, password: str) -> bool:
    """The directory's own password change (RFC 3062 password modify: the server hashes it
    with its own scheme and applies its own policy). False when the person is not in the
    directory; raises DirectoryError when the directory did not take it."""
    with service_connection(store) as conn:
        dn = entry_dn_find(conn, store, identifier)
        if dn is None:
            return False
        try:
            done = conn.extend.standard.modify_password(
                user=dn, new_password=password, controls=[ppolicy.REQUEST]
            )
        except LDAPException as error:
            raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
        if not done:
            raise _refusal(conn.result)
    return True


def password_write_required(*, store: IdentityStore, identifier: str, password: str) -> None:
    if not password_write(store=store, identifier=identifier, password=password):
        raise DirectoryAccountMissing(f"no single entry for {identifier!r}")


def bind_as(*, store: IdentityStore, identifier: str, password: str) -> bool:
    """Whether the person's own bind succeeds with this password (login by the directory), as
    django-auth-ldap does it: find the DN as the portal's account, then bind as that DN. An
    unknown identifier costs the same search and bind (to a DN that does not exist), so the
    time does not tell who has an entry. Never binds with an empty password: LDAP takes that
    as an anonymous bind, which "succeeds" (RFC 4513 §5.1.2)."""
    if not password:
        return False
    with service_connection(store) as conn:
        dn = entry_dn_find(conn, store, identifier)
    target = dn or f"{store.identifier_attribute}=cartable-nobody,{store.base_dn}"
    person = _open(store, user=target, password=password)
    try:
        bound = bool(person.bind())
    except LDAPException as error:
        raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
    finally:
        with suppress(LDAPException):
            person.unbind()
    if not bound and person.result.get("result") not in (INVALID_CREDENTIALS, None):
        raise DirectoryUnavailable(f"bind failed: {person.result}")
    return bound and dn is not None


# --- "Test the connection", for the network's administrator ----------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str | Promise


def connection_check(store: IdentityStore) -> ConnectionCheck:
    """Each step in turn, stopping at the first that fails, with what is wrong in plain words."""
    if not store.is_directory:
        return ConnectionCheck(True, _("Les comptes sont dans la base du portail : rien à tester."))
    parts = urlsplit(store.url)
    if parts.scheme.lower() not in {"ldap", "ldaps"} or not parts.hostname:
        return ConnectionCheck(False, _("L'adresse de l'annuaire n'est pas une adresse LDAP."))
    server = _server(store)
    conn = ldap3.Connection(
        server,
        user=store.bind_dn or None,
        password=store.bind_password() or None,
        receive_timeout=store.timeout_seconds,
        raise_exceptions=False,
    )
    try:
        try:
            conn.open()
        except LDAPException as error:
            if "ssl" in str(error).lower() or "certificate" in str(error).lower():
                return ConnectionCheck(False, _tls_failed(store))
            return ConnectionCheck(False, _unreachable(store))
        if store.start_tls:
            try:
                started = conn.start_tls()
            except (LDAPStartTLSError, LDAPException):
                started = False
            if not started:
                return ConnectionCheck(False, _tls_failed(store))
        try:
            bound = conn.bind()
        except LDAPException:
            return ConnectionCheck(False, _unreachable(store))
        if not bound:
            if conn.result.get("result") == INVALID_CREDENTIALS or not store.bind_password():
                return ConnectionCheck(
                    False,
                    _(
                        "L'annuaire refuse le compte de connexion : vérifiez le DN et le mot de "
                        "passe (ou la variable d'environnement qui le contient)."
                    ),
                )
            return ConnectionCheck(False, _("L'annuaire refuse le compte de connexion."))
        try:
            conn.search(store.base_dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=[])
        except LDAPException:
            return ConnectionCheck(False, _unreachable(store))
        if not conn.entries:
            return ConnectionCheck(
                False,
                _(
                    "La base de recherche « %(base)s » n'existe pas dans l'annuaire, ou le compte "
                    "de connexion ne peut pas la lire."
                )
                % {"base": store.base_dn},
            )
        try:
            conn.search(
                store.base_dn,
                store.user_filter,
                search_scope=ldap3.SUBTREE,
                attributes=[store.identifier_attribute],
                size_limit=1,
            )
        except LDAPException:
            return ConnectionCheck(
                False, _("Le filtre des personnes n'est pas un filtre LDAP valable.")
            )
        if not conn.entries:
            return ConnectionCheck(
                False,
                _(
                    "La connexion fonctionne, mais le filtre des personnes ne trouve personne "
                    "sous la base de recherche."
                ),
            )
        if store.identifier_attribute not in conn.entries[0].entry_attributes:
            return ConnectionCheck(
                False,
                _(
                    "Les personnes trouvées n'ont pas d'attribut « %(attribute)s » : vérifiez "
                    "l'attribut de l'identifiant."
                )
                % {"attribute": store.identifier_attribute},
            )
        return ConnectionCheck(
            True,
            _("La connexion à l'annuaire fonctionne : des personnes sont trouvées."),
        )
    finally:
        with suppress(LDAPException):
            conn.unbind()


def _unreachable(store: IdentityStore) -> str:
    return str(
        _(
            "L'annuaire ne répond pas à l'adresse %(url)s : vérifiez l'adresse, le port, et que "
            "le serveur du portail peut l'atteindre (pare-feu)."
        )
        % {"url": store.url}
    )


def _tls_failed(store: IdentityStore) -> str:
    return str(
        _(
            "La connexion chiffrée (TLS) avec l'annuaire a échoué : son certificat n'est pas "
            "reconnu, ou il ne propose pas TLS à cette adresse."
        )
    )


# --- Reading people, for the sync ------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryPerson:
    dn: str
    identifier: str
    first_name: str
    last_name: str
    email: str
    school_email: str
    roles: dict[str, bool]  # only the roles whose group the tenant named


def _first(entry: dict, attribute: str) -> str:
    if not attribute:
        return ""
    value = entry["attributes"].get(attribute)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _group_members(conn: ldap3.Connection, group_dn: str) -> set[str]:
    try:
        conn.search(group_dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["member"])
    except LDAPException as error:
        raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
    if conn.result.get("result") != 0 or not conn.entries:
        raise DirectoryUnavailable(f"group {group_dn!r} unreadable: {conn.result}")
    return {str(dn).lower() for dn in conn.entries[0].entry_attributes_as_dict.get("member", [])}


ROLE_GROUPS = {
    "is_student": "student_group_dn",
    "is_school_staff": "staff_group_dn",
    "is_parent": "parent_group_dn",
}


def people_read(store: IdentityStore, *, page_size: int = 500) -> list[DirectoryPerson]:
    """Everyone under the base that the filter finds and that has an identifier, page by page."""
    attributes = [
        a
        for a in (
            store.identifier_attribute,
            store.first_name_attribute,
            store.last_name_attribute,
            store.email_attribute,
            store.school_mailbox_attribute,
        )
        if a
    ]
    people: list[DirectoryPerson] = []
    with service_connection(store) as conn:
        groups = {
            role: _group_members(conn, getattr(store, field))
            for role, field in ROLE_GROUPS.items()
            if getattr(store, field)
        }
        try:
            pages = conn.extend.standard.paged_search(
                store.base_dn,
                store.user_filter,
                search_scope=ldap3.SUBTREE,
                attributes=attributes,
                paged_size=page_size,
                generator=True,
            )
            for entry in pages:
                if entry.get("type") != "searchResEntry":
                    continue
                identifier = _first(entry, store.identifier_attribute)
                if not identifier:
                    continue
                dn = str(entry["dn"])
                people.append(
                    DirectoryPerson(
                        dn=dn,
                        identifier=identifier,
                        first_name=_first(entry, store.first_name_attribute),
                        last_name=_first(entry, store.last_name_attribute),
                        email=_first(entry, store.email_attribute),
                        school_email=_first(entry, store.school_mailbox_attribute),
                        roles={role: dn.lower() in members for role, members in groups.items()},
                    )
                )
        except LDAPException as error:
            raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
        if conn.result.get("result") not in (0, None):
            raise DirectoryUnavailable(f"search failed: {conn.result}")
    return people
