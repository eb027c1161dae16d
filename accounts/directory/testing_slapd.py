"""A throwaway OpenLDAP server for the tests and the demo: Debian's `slapd` started on a free
loopback port, with a slapd.conf and an mdb database in a temporary folder, the password-policy
overlay (minimum length, history) and a few people. No Django here: the demo's `make run` and
the test fixtures both start it.

    with SlapdServer.start(people=[Person("jdupont", "Jean", "Dupont", "ancien-Secret-1")]) as d:
        d.url, d.bind_dn, d.bind_password, d.base_dn
        d.bind_works("jdupont", "ancien-Secret-1")
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess  # noqa: S404 - starts the local slapd binary, with fixed arguments
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SLAPD = os.environ.get("CARTABLE_SLAPD", "/usr/sbin/slapd")
SLAPADD = os.environ.get("CARTABLE_SLAPADD", "/usr/sbin/slapadd")
MODULE_PATH = "/usr/lib/ldap"
SCHEMA_DIR = "/etc/ldap/schema"

BASE_DN = "dc=cartable,dc=test"
PEOPLE_DN = f"ou=people,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
ROOT_DN = f"cn=admin,{BASE_DN}"
# The portal's own bind account: not the root DN, so the directory's policy applies to it.
PORTAL_DN = f"cn=portal,{BASE_DN}"
POLICY_DN = f"cn=default,ou=policies,{BASE_DN}"
POLICY_MIN_LENGTH = 10
POLICY_HISTORY = 3


def slapd_missing_reason() -> str | None:
    """Why a directory cannot be started here, or None when it can."""
    for binary in (SLAPD, SLAPADD):
        if not os.access(binary, os.X_OK):
            return (
                f"{binary} is missing: install Debian's OpenLDAP server "
                "(apt-get install -y slapd ldap-utils) to run the directory tests"
            )
    if not Path(MODULE_PATH, "back_mdb.so").exists() and not Path(MODULE_PATH).exists():
        return f"{MODULE_PATH} has no OpenLDAP modules (slapd's back_mdb)"
    return None


@dataclass(frozen=True)
class Person:
    uid: str
    given_name: str
    surname: str
    password: str
    mail: str = ""
    school_mail: str = ""
    groups: tuple[str, ...] = ()  # cn of groupOfNames under ou=groups: "eleves", "personnel"…

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE_DN}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_or_free(port: int) -> int:
    """`port` if nothing listens there yet, else (or for 0) a free one."""
    if port:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    return _free_port()


def _ldif_value(name: str, value: str) -> str:
    return f"{name}: {value}"


def _seed_ldif(people: list[Person]) -> str:
    dc = BASE_DN.split(",")[0].split("=")[1]
    blocks = [
        [f"dn: {BASE_DN}", "objectClass: dcObject", "objectClass: organization",
         f"dc: {dc}", "o: Cartable test network"],
        [f"dn: {PEOPLE_DN}", "objectClass: organizationalUnit", "ou: people"],
        [f"dn: ou=policies,{BASE_DN}", "objectClass: organizationalUnit", "ou: policies"],
        [f"dn: {POLICY_DN}", "objectClass: pwdPolicy", "objectClass: device", "cn: default",
         "pwdAttribute: userPassword", f"pwdMinLength: {POLICY_MIN_LENGTH}",
         "pwdCheckQuality: 2", f"pwdInHistory: {POLICY_HISTORY}", "pwdAllowUserChange: TRUE"],
        [f"dn: {PORTAL_DN}", "objectClass: organizationalRole",
         "objectClass: simpleSecurityObject", "cn: portal", "userPassword: portal-bind-secret"],
    ]  # fmt: skip
    for person in people:
        block = [
            f"dn: {person.dn}",
            "objectClass: inetOrgPerson",
            _ldif_value("uid", person.uid),
            _ldif_value("cn", f"{person.given_name} {person.surname}"),
            _ldif_value("givenName", person.given_name),
            _ldif_value("sn", person.surname),
            _ldif_value("userPassword", person.password),
        ]
        if person.mail:
            block.append(_ldif_value("mail", person.mail))
        if person.school_mail:
            # the school mailbox: misc.schema's local-mail recipient, as mail servers read it
            block.insert(2, "objectClass: inetLocalMailRecipient")
            block.append(_ldif_value("mailLocalAddress", person.school_mail))
        blocks.append(block)
    blocks.append([f"dn: {GROUPS_DN}", "objectClass: organizationalUnit", "ou: groups"])
    for group in sorted({group for person in people for group in person.groups}):
        members = [f"member: {person.dn}" for person in people if group in person.groups]
        blocks.append([f"dn: cn={group},{GROUPS_DN}", "objectClass: groupOfNames",
                       f"cn: {group}", *members])  # fmt: skip
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _tls_files(root: Path) -> None:
    """A throwaway certificate authority and a server certificate for 127.0.0.1/localhost
    (ca.pem, server.pem, server.key), made with `cryptography`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cartable test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (root / "ca.pem").write_bytes(ca.public_bytes(pem))
    (root / "server.pem").write_bytes(cert.public_bytes(pem))
    (root / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _slapd_conf(root: Path, *, root_password: str) -> str:
    schemas = "\n".join(
        f"include {SCHEMA_DIR}/{name}.schema"
        for name in ("core", "cosine", "nis", "inetorgperson", "misc")
    )
    return f"""{schemas}
TLSCACertificateFile {root}/ca.pem
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
pidfile {root}/slapd.pid
modulepath {MODULE_PATH}
moduleload back_mdb
moduleload ppolicy
loglevel none
password-hash {{SSHA}}

database mdb
suffix "{BASE_DN}"
rootdn "{ROOT_DN}"
rootpw {root_password}
directory {root}/data
maxsize 33554432

overlay ppolicy
ppolicy_default "{POLICY_DN}"
ppolicy_hash_cleartext
ppolicy_use_lockout

access to attrs=userPassword
    by dn.exact="{PORTAL_DN}" write
    by self write
    by anonymous auth
    by * none
access to *
    by dn.exact="{PORTAL_DN}" read
    by self read
    by * none
"""


@dataclass
class SlapdServer:
    root: Path
    port: int
    tls_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    root_password: str = "root-secret"  # noqa: S105 - a throwaway test directory
    bind_password: str = "portal-bind-secret"  # noqa: S105
    people: list[Person] = field(default_factory=list)

    base_dn: str = BASE_DN
    people_dn: str = PEOPLE_DN
    groups_dn: str = GROUPS_DN
    bind_dn: str = PORTAL_DN
    root_dn: str = ROOT_DN

    @property
    def url(self) -> str:
        """Plain LDAP, where StartTLS is offered."""
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    @property
    def ca_file(self) -> str:
        """The certificate authority that signed the server's certificate."""
        return str(self.root / "ca.pem")

    @classmethod
    def start(
        cls,
        *,
        people: list[Person] | None = None,
        root: Path | None = None,
        port: int = 0,
        tls_port: int = 0,
    ) -> SlapdServer:
        """A new directory in `root` (a new temporary folder by default) seeded with `people`;
        where `root` already holds a database (the demo's, from an earlier run), that database
        is kept as it is and `people` are not added again."""
        reason = slapd_missing_reason()
        if reason:
            raise RuntimeError(reason)
        root = Path(root or tempfile.mkdtemp(prefix="cartable-slapd-"))
        kept = (root / "data" / "data.mdb").exists()
        (root / "data").mkdir(parents=True, exist_ok=True)
        server = cls(root=root, port=_port_or_free(port), people=list(people or []))
        server.tls_port = _port_or_free(tls_port)
        _tls_files(root)
        (root / "slapd.conf").write_text(_slapd_conf(root, root_password=server.root_password))
        if not kept:
            (root / "seed.ldif").write_text(_seed_ldif(server.people))
            seeded = subprocess.run(  # noqa: S603
                [SLAPADD, "-q", "-f", str(root / "slapd.conf"), "-l", str(root / "seed.ldif")],
                capture_output=True,
                check=False,
            )
            if seeded.returncode:
                shutil.rmtree(root, ignore_errors=True)
                error = seeded.stderr.decode(errors="replace")[-800:]
                raise RuntimeError(f"slapadd failed: {error}")
        server.run()
        return server

    def run(self) -> None:
        """Starts (or restarts, on the same port and data) the server and waits until it
        answers on both ports."""
        log = self.root / "slapd.log"
        with log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [SLAPD, "-d", "0", "-f", str(self.root / "slapd.conf"),
                 "-h", f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"],
                stdout=subprocess.DEVNULL,
                stderr=output,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        waiting = [self.port, self.tls_port]
        while waiting and time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = log.read_text(errors="replace").strip()[-800:]
                self.process = None
                raise RuntimeError(f"slapd stopped at start: {err}")
            try:
                with socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.2):
                    waiting.pop(0)
            except OSError:
                time.sleep(0.05)
        if waiting:
            self.stop()
            raise RuntimeError("slapd did not answer within 10 s")

    def stop(self) -> None:
        """Kills the server (the data stays: `run` brings it back)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SlapdServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- checks, through ldap3 (as the tests and the README's demo command do) -----------------

    def bind_works(self, uid: str, password: str) -> bool:
        """Whether the person can log in to the directory with this password."""
        import ldap3

        server = ldap3.Server(self.url, connect_timeout=3)
        conn = ldap3.Connection(server, user=f"uid={uid},{self.people_dn}", password=password)
        try:
            return bool(conn.bind())
        finally:
            conn.unbind()

    def password_set(self, uid: str, password: str) -> None:
        """Changes a person's password as the directory's administrator would (a classroom
        computer, another tool): the portal is not told."""
        import ldap3

        conn = ldap3.Connection(
            ldap3.Server(self.url, connect_timeout=3),
            user=self.root_dn,
            password=self.root_password,
            auto_bind=True,
        )
        try:
            if not conn.extend.standard.modify_password(
                user=f"uid={uid},{self.people_dn}", new_password=password
            ):
                raise RuntimeError(f"password not set: {conn.result}")
        finally:
            conn.unbind()

    def _admin(self):  # noqa: ANN202 - an ldap3 connection, imported lazily
        import ldap3

        return ldap3.Connection(
            ldap3.Server(self.url, connect_timeout=3),
            user=self.root_dn,
            password=self.root_password,
            auto_bind=True,
        )

    def person_add(self, person: Person) -> None:
        """A newcomer in the directory (as the school's own tools would add her)."""
        import ldap3

        conn = self._admin()
        try:
            classes = ["inetOrgPerson"] + (["inetLocalMailRecipient"] if person.school_mail else [])
            attributes = {"uid": person.uid, "cn": f"{person.given_name} {person.surname}",
                          "givenName": person.given_name, "sn": person.surname,
                          "userPassword": person.password}  # fmt: skip
            if person.mail:
                attributes["mail"] = person.mail
            if person.school_mail:
                attributes["mailLocalAddress"] = person.school_mail
            if not conn.add(person.dn, classes, attributes):
                raise RuntimeError(f"not added: {conn.result}")
            for group in person.groups:
                conn.modify(
                    f"cn={group},{self.groups_dn}", {"member": [(ldap3.MODIFY_ADD, [person.dn])]}
                )
        finally:
            conn.unbind()

    def person_remove(self, uid: str) -> None:
        """Someone who left the school network."""
        conn = self._admin()
        try:
            if not conn.delete(f"uid={uid},{self.people_dn}"):
                raise RuntimeError(f"not removed: {conn.result}")
        finally:
            conn.unbind()

    def person_modify(self, uid: str, **attributes: str) -> None:
        import ldap3

        conn = self._admin()
        try:
            changes = {
                name: [(ldap3.MODIFY_REPLACE, [value])] for name, value in attributes.items()
            }
            if not conn.modify(f"uid={uid},{self.people_dn}", changes):
                raise RuntimeError(f"not modified: {conn.result}")
        finally:
            conn.unbind()
