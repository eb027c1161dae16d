"""Demo people of each tenant: staff, parents, students, a never-activated parent, recovery
methods and the staff's second factor. Every demo password is `DEMO_PASSWORD`."""

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.identifiers import identifier_generate
from accounts.models import GuardianLink, User
from accounts.numen import numen_hash
from demo.totp import demo_totp_key
from recovery.codes import PhoneDevice, SecondaryEmailDevice
from tenants.models import School, Tenant
from tenants.scoping import scopes_disabled, tenant_scope

DEMO_PASSWORD = "Cartable-Demo-1"  # noqa: S105 - published in the README on purpose

# (tenant, identifier, first name, last name, e-mail, roles, school code)
PEOPLE = [
    ("creos", "secretariat.creos", "Sophie", "Lambert", "secretariat@creos.localhost",
     {"is_secretary": True, "is_school_staff": True}, "CREOS-CENTRE"),
    ("creos", "jean.dupont", "Jean", "Dupont", "jean.dupont@hotmail.com",
     {"is_parent": True}, "CREOS-CENTRE"),
    ("creos", "jean.dupont.ecole", "Jean", "Dupont", "jean.dupont@hotmail.com",
     {"is_school_staff": True}, "CREOS-CENTRE"),
    ("creos", "marc.legrand", "Marc", "Legrand", "marc.legrand@example.be",
     {"is_parent": True, "is_migrated": False}, "CREOS-CENTRE"),
    ("creos", "jacqueline.dubois", "Jacqueline", "Dubois", "jacqueline.dubois@example.be",
     {"is_parent": True}, "CREOS-CENTRE"),
    ("creos", "camille.muller", "Camille", "Muller", "",
     {"is_student": True, "classroom": "P3"}, "CREOS-CENTRE"),
    ("creos", "nolan.muller", "Nolan", "Muller", "",
     {"is_student": True, "classroom": "P5"}, "CREOS-CENTRE"),
    ("eceps", "secretariat.eceps", "Marc", "Renard", "secretariat@eceps.localhost",
     {"is_secretary": True, "is_school_staff": True}, "ECEPS-CHARLEROI"),
    ("eceps", "pierre.martin", "Pierre", "Martin", "pierre.martin@eceps.localhost",
     {"is_school_staff": True}, "ECEPS-CHARLEROI"),
    ("eceps", "nadia.lambert", "Nadia", "Lambert", "nadia.lambert@eceps.localhost",
     {"is_school_staff": True}, "ECEPS-CHARLEROI"),
    ("eceps", "sarah.peeters", "Sarah", "Peeters", "sarah.peeters@example.be",
     {"is_parent": True}, "ECEPS-CHARLEROI"),
    ("sepne", "secretariat.sepne", "Isabelle", "Tremblay", "secretariat@sepne.localhost",
     {"is_secretary": True, "is_school_staff": True}, "SEPNE-CHAMPLAIN"),
    ("sepne", "abc123456", "Léa", "Gagnon", "lea.gagnon@eleves.sepne.ca",
     {"is_student": True, "student_number": "3100111222",
      "school_email": "lea.gagnon@eleves.sepne.ca"}, "SEPNE-CHAMPLAIN"),
    ("sepne", "def234567", "Thomas", "Bouchard", "thomas.bouchard@eleves.sepne.ca",
     {"is_student": True, "student_number": "3100111333",
      "school_email": "thomas.bouchard@eleves.sepne.ca"}, "SEPNE-CHAMPLAIN"),
    ("sepne", "ghi345678", "Chloé", "Côté", "chloe.cote@eleves.sepne.ca",
     {"is_student": True, "student_number": "3100111444",
      "school_email": "chloe.cote@eleves.sepne.ca"}, "SEPNE-CHAMPLAIN"),
    ("creteil", "secretariat.creteil", "Nadia", "Benali", "secretariat@creteil.localhost",
     {"is_secretary": True, "is_school_staff": True}, "0930001A"),
]  # fmt: skip

# Académie staff: identifiers are generated (homonyms get a digit); demo NUMEN values are public.
# The last one has never logged in: its first login is the NUMEN in capitals.
CRETEIL_STAFF = [
    ("Jean", "Dupont", "05E0512345ABC", True),
    ("Julie", "Dupont", "07A0398765XYZ", True),
    ("Anne-Marie", "N'Diaye", "12B0456789DEF", True),
    ("Éloïse", "Lefèvre", "99C0123456GHI", False),
]

GUARDIANS = [("creos", "jacqueline.dubois", ["camille.muller", "nolan.muller"])]


def people_seed(*, tenants: dict[str, Tenant]) -> int:
    """Every demo person of these tenants (by slug), each tenant in its own scope, and the
    platform administrator; returns how many named accounts there are."""
    count = 0
    for slug, tenant in tenants.items():
        with tenant_scope(tenant):
            count += _tenant_people_seed(slug, tenant)
    with scopes_disabled():  # the platform's own account belongs to no tenant
        _totp_device(_platform_admin())
    return count + 1


def _tenant_people_seed(slug: str, tenant: Tenant) -> int:
    people = {
        identifier: _person(tenant, identifier, first, last, email, roles, school_code)
        for row_slug, identifier, first, last, email, roles, school_code in PEOPLE
        if row_slug == slug
    }
    for parent_id, child_ids in [(p, c) for s, p, c in GUARDIANS if s == slug]:
        for child_id in child_ids:
            GuardianLink.objects.get_or_create(
                tenant=tenant, parent=people[parent_id], child=people[child_id]
            )
    if slug == "creteil":
        for first, last, numen, has_password in CRETEIL_STAFF:
            _academy_staff(tenant, first, last, numen, has_password)
    _recovery_methods(slug, people)
    if slug == "creos":
        _never_activated_parent(tenant)
    for user in people.values():
        if user.is_staff:
            _totp_device(user)
    return len(people)


def _person(tenant, identifier, first, last, email, roles, school_code) -> User:
    user = User.objects.filter(identifier__lower_exact=identifier).first()
    if user is None:
        user = User(tenant=tenant, identifier=identifier)
    user.first_name, user.last_name, user.email = first, last, email
    for flag, value in roles.items():
        setattr(user, flag, value)
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    user.schools.set(School.objects.filter(code=school_code))
    return user


def _academy_staff(tenant: Tenant, first: str, last: str, numen: str, has_password: bool) -> User:
    hashed = numen_hash(tenant_id=tenant.id, numen=numen)
    user = User.objects.filter(numen_hash=hashed).first()
    if user is None:
        identifier = identifier_generate(first_name=first, last_name=last)
        user = User(tenant=tenant, identifier=identifier, numen_hash=hashed)
    user.first_name, user.last_name = first, last
    user.email = f"{user.identifier}@ac-creteil.localhost"
    user.is_school_staff = True
    user.must_change_password = False
    if has_password:
        user.set_password(DEMO_PASSWORD)
    else:
        user.set_unusable_password()
    user.save()
    user.schools.set(School.objects.all())
    return user


# ECEPS (two-step recovery): the seed's shapes, a phone ending in 67 and p…@charleroi.be.
RECOVERY_METHODS = [
    ("eceps", "pierre.martin", "+32470123467", "pierre.martin@charleroi.be"),
    ("eceps", "nadia.lambert", "+32475987654", None),
    # The secretary too: ECEPS asks everyone but students for methods after login.
    ("eceps", "secretariat.eceps", "+32470555012", "marc.renard@charleroi.be"),
]


def _recovery_methods(slug: str, people: dict[str, User]) -> None:
    for row_slug, identifier, number, email in RECOVERY_METHODS:
        if row_slug != slug:
            continue
        user = people[identifier]
        # Verified at seeding: not due for re-confirmation (methods_reconfirm_days) for months.
        verified = {"confirmed": True, "verified_at": timezone.now()}
        PhoneDevice.objects.update_or_create(
            user=user, name="phone", defaults={"number": number, **verified}
        )
        if email:
            SecondaryEmailDevice.objects.update_or_create(
                user=user, name="email", defaults={"email": email, **verified}
            )


def _platform_admin() -> User:
    user = User.objects.filter(
        tenant__isnull=True, identifier__lower_exact="platform.admin"
    ).first()
    user = user or User(tenant=None, identifier="platform.admin", is_superuser=True)
    user.first_name, user.last_name = "Plateforme", "Administrateur"
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _totp_device(user: User) -> None:
    TOTPDevice.objects.update_or_create(
        user=user,
        name="demo",
        defaults={"key": demo_totp_key(user.identifier), "confirmed": True, "tolerance": 1},
    )


def _never_activated_parent(tenant: Tenant) -> User:
    """A parent the secretary created but who never activated: no usable password. The README
    says to print his activation letter from the admin (the code is never printed here)."""
    user = User.objects.filter(identifier__lower_exact="nouveau.parent").first()
    user = user or User(tenant=tenant, identifier="nouveau.parent")
    user.first_name, user.last_name = "Nicolas", "Nouveau"
    user.email = "nouveau.parent@example.be"
    user.is_parent, user.is_active, user.must_change_password = True, True, False
    user.set_unusable_password()
    user.save()
    user.schools.set(School.objects.all())
    user.activation_codes.all().delete()
    return user
