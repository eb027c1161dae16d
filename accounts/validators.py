from django.core.exceptions import ValidationError

from accounts.password_policy import failed_rules, policy_rules


class TenantPasswordPolicyValidator:
    """Applies the rules of the user's tenant (length 8..256 at least everywhere)."""

    def validate(self, password: str, user: object | None = None) -> None:
        tenant = getattr(user, "tenant", None)
        failures = failed_rules(password, tenant=tenant, user=user)
        if failures:
            raise ValidationError(
                [
                    ValidationError(str(rule.label), code=f"password_{rule.code}")
                    for rule in failures
                ]
            )

    def get_help_text(self) -> str:
        return " ".join(str(rule.label) for rule in policy_rules(None))
