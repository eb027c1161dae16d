"""Demo tenants shaped like the seeds: their hosts, features, password rules and schools."""

from typing import Any

from tenants.models import MethodsRegistration, PasswordRules, School, Tenant, TenantHost, Voice
from tenants.scoping import tenant_scope

TENANTS: list[dict[str, Any]] = [
    {
        "slug": "creos",
        "name": "CREOS — réseau d'écoles communales",
        "display_name": "CREOS",
        "primary_colour": "#1f5aa6",
        "support_text": (
            "Un problème de connexion ? Contactez votre pouvoir organisateur ou votre "
            "institution, qui pourra débloquer votre situation."
        ),
        "support_text_en": (
            "Trouble signing in? Contact your organising authority or your institution, who "
            "will be able to sort it out."
        ),
        "password_rules": PasswordRules.CREOS,
        "features": {"identifier_reset": True, "payments": True},
        "iban": "BE68539007547034",
        "creditor_name": "CREOS ASBL",
        "schools": [("École communale du Centre", "CREOS-CENTRE", "")],
    },
    {
        "slug": "eceps",
        "name": "ECEPS — École de promotion sociale",
        "display_name": "ECEPS",
        "primary_colour": "#6b2c91",
        "support_text": "Si vous ne pouvez utiliser aucune méthode, contactez le secrétariat.",
        "support_text_en": "If you cannot use any method, contact the school office.",
        "password_rules": PasswordRules.M365,
        # Asks for recovery methods after login (3 skips, re-confirm after 180 days): issue 13.
        "features": {
            "identifier_reset": False,
            "two_step_reset": True,
            "methods_registration": MethodsRegistration.ASK,
        },
        "schools": [("ECEPS Charleroi", "ECEPS-CHARLEROI", "")],
    },
    {
        "slug": "sepne",
        "name": "SEPNE — conseil scolaire",
        "display_name": "Portail des élèves SEPNE",
        "primary_colour": "#00695c",
        "support_text": "S'il te manque des informations, demande de l'aide à ton école.",
        "support_text_en": "If you are missing any information, ask your school for help.",
        "voice": Voice.TU,
        "password_rules": PasswordRules.BASIC,
        # A short delay for the temporary password, so a demo does not wait two minutes.
        "features": {
            "identifier_reset": False,
            "student_mailbox_reset": True,
            "student_reset_delay_seconds": 30,
        },
        "schools": [("École secondaire Champlain", "SEPNE-CHAMPLAIN", "eleves.sepne.ca")],
    },
    {
        "slug": "creteil",
        "name": "Académie de Créteil",
        "display_name": "Académie de Créteil",
        "primary_colour": "#a4262c",
        "support_text": (
            "NUMEN perdu ? Demandez-le au gestionnaire de votre établissement ou au rectorat."
        ),
        "support_text_en": (
            "Lost your NUMEN? Ask your school's administrator or the rectorate for it."
        ),
        "password_rules": PasswordRules.BASIC,
        "features": {
            "identifier_reset": False,
            "numen_lookup": True,
            "numen_initial_login": True,
        },
        "schools": [("Lycée Louise Michel", "0930001A", "")],
    },
]


def tenant_seed(*, spec: dict) -> Tenant:
    features = {
        "identifier_reset": False,
        "two_step_reset": False,
        "student_mailbox_reset": False,
        "numen_lookup": False,
        "numen_initial_login": False,
        "payments": False,
        "methods_registration": MethodsRegistration.OFF,
        **spec["features"],
    }
    tenant, _created = Tenant.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "display_name": spec["display_name"],
            "primary_colour": spec["primary_colour"],
            "support_text": spec["support_text"],
            "support_text_en": spec.get("support_text_en", ""),
            "voice": spec.get("voice", Voice.VOUS),
            "password_rules": spec["password_rules"],
            "iban": spec.get("iban", ""),
            "creditor_name": spec.get("creditor_name", ""),
            **features,
        },
    )
    with tenant_scope(tenant):
        TenantHost.objects.update_or_create(
            host=f"{spec['slug']}.localhost", defaults={"tenant": tenant, "is_primary": True}
        )
        for name, code, mail_domain in spec["schools"]:
            School.objects.update_or_create(
                tenant=tenant, code=code, defaults={"name": name, "mail_domain": mail_domain}
            )
    return tenant
