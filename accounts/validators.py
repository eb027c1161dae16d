from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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


class NotTheNumenValidator:
    """The Académie's NUMEN is a secret known to the administration and printed on letters: it
    never becomes a lasting password, whatever its case or spacing (ISSUE 13)."""

    def validate(self, password: str, user: object | None = None) -> None:
        from accounts.numen import numen_matches, numen_normalise

        stored = getattr(user, "numen_hash", "") or ""
        tenant_id = getattr(user, "tenant_id", None)
        if not stored or tenant_id is None:
            return
        if numen_matches(
            stored_hash=stored, tenant_id=tenant_id, candidate=numen_normalise(password)
        ):
            raise ValidationError(
                _(
                    "Votre nouveau mot de passe ne peut pas être votre NUMEN. "
                    "Choisissez-en un autre."
                ),
                code="password_is_numen",
            )

    def get_help_text(self) -> str:
        return str(_("Votre mot de passe ne peut pas être votre NUMEN."))
