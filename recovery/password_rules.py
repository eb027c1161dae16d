"""The rules checklist shown beside a new-password field (server-rendered; JS only updates it)."""

import json

from accounts.models import User
from accounts.password_policy import name_parts, policy_rules
from tenants.models import Tenant


def checklist_context(*, tenant: Tenant, user: User | None, password: str = "") -> dict:
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
