"""The tenant's password rules, shared by the server-side validator and the live checklist."""

import json
import string
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tenants.models import PasswordRules, Tenant

MAX_LENGTH = 256
SPECIALS = set(string.punctuation + " €£§°")


@dataclass(frozen=True)
class Rule:
    code: str
    label: str | Promise  # a lazy translation
    check: Callable[[str, object | None], bool]


def _classes(password: str) -> int:
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


def name_parts(user: object | None) -> list[str]:
    parts = []
    for attr in ("first_name", "last_name", "identifier"):
        value = (getattr(user, attr, "") or "").lower()
        parts += [p for p in value.replace(".", " ").replace("-", " ").split() if len(p) >= 3]
    return parts


def _contains_no_name(password: str, user: object | None) -> bool:
    lowered = password.lower()
    return not any(part in lowered for part in name_parts(user))


def policy_rules(tenant: Tenant | None) -> list[Rule]:
    min_length = tenant.password_min_length if tenant else 8
    kind = tenant.password_rules if tenant else PasswordRules.BASIC
    rules = [
        Rule(
            "length",
            _("Entre %(min)d et %(max)d caractères.") % {"min": min_length, "max": MAX_LENGTH},
            lambda pw, _u: min_length <= len(pw) <= MAX_LENGTH,
        )
    ]
    if kind == PasswordRules.CREOS:
        rules += [
            Rule("digit", _("Au moins un chiffre ('0'-'9')."), lambda pw, _u: _any_digit(pw)),
            Rule("upper", _("Au moins une majuscule ('A'-'Z')."), lambda pw, _u: _any_upper(pw)),
            Rule("special", _("Au moins un caractère spécial."), lambda pw, _u: _any_special(pw)),
        ]
    elif kind == PasswordRules.M365:
        rules += [
            Rule(
                "classes",
                _("Trois des quatre types : minuscules, majuscules, chiffres, symboles."),
                lambda pw, _u: _classes(pw) >= 3,
            ),
            Rule("no_name", _("Ne contient pas votre nom."), _contains_no_name),
        ]
    return rules


def _any_digit(password: str) -> bool:
    return any(c.isdigit() for c in password)


def _any_upper(password: str) -> bool:
    return any(c.isupper() for c in password)


def _any_special(password: str) -> bool:
    return any(not c.isalnum() for c in password)


def failed_rules(password: str, *, tenant: Tenant | None, user: object | None) -> list[Rule]:
    return [rule for rule in policy_rules(tenant) if not rule.check(password, user)]


def checklist_context(*, tenant: Tenant, user: object | None, password: str = "") -> dict:
    """The rules checklist shown beside a new-password field (server-rendered; JS only
    updates it)."""
    rules = policy_rules(tenant)
    items = [
        {"code": r.code, "label": r.label, "ok": bool(password) and r.check(password, user)}
        for r in rules
    ]
    config = {
        "min": tenant.password_min_length,
        "max": 256,
        "rules": [r.code for r in rules],
        "names": name_parts(user),
    }
    return {"password_rules": items, "password_rules_config": json.dumps(config)}
