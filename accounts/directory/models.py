"""Where a tenant's accounts live: the portal's database (no row, or kind "database"), or an LDAP
directory the portal writes every password to."""

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.directory.secrets import secret_decrypt, secret_encrypt
from tenants.models import Tenant
from tenants.scoping import tenant_scoped_manager


class IdentityStore(models.Model):
    class Kind(models.TextChoices):
        DATABASE = "database", _("la base du portail")
        LDAP = "ldap", _("un annuaire LDAP (OpenLDAP, Samba)")

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="identity_store", verbose_name=_("réseau")
    )
    kind = models.CharField(
        _("les comptes sont dans"), max_length=16, choices=Kind.choices, default=Kind.DATABASE
    )
    url = models.CharField(
        _("adresse de l'annuaire"),
        max_length=300,
        blank=True,
        help_text=_("ldaps://annuaire.ecole.be:636, ou ldap://… avec StartTLS."),
    )
    start_tls = models.BooleanField(_("StartTLS"), default=False)
    ca_file = models.CharField(
        _("certificat de l'autorité (fichier)"),
        max_length=300,
        blank=True,
        help_text=_("Chemin d'un fichier PEM sur le serveur ; vide : les autorités du système."),
    )
    bind_dn = models.CharField(_("compte de connexion (DN)"), max_length=300, blank=True)
    bind_password_encrypted = models.TextField(blank=True, editable=False)
    bind_password_env = models.CharField(
        _("ou variable d'environnement du mot de passe"),
        max_length=100,
        blank=True,
        help_text=_(
            "Le nom d'une variable d'environnement du serveur qui contient le mot de passe."
        ),
    )
    base_dn = models.CharField(_("base de recherche (DN)"), max_length=300, blank=True)
    user_filter = models.CharField(
        _("filtre des personnes"), max_length=300, default="(objectClass=inetOrgPerson)"
    )
    identifier_attribute = models.CharField(
        _("attribut de l'identifiant du portail"), max_length=64, default="uid"
    )
    email_attribute = models.CharField(_("attribut de l'e-mail"), max_length=64, default="mail")
    school_mailbox_attribute = models.CharField(
        _("attribut de la boîte mail scolaire"), max_length=64, blank=True
    )
    first_name_attribute = models.CharField(
        _("attribut du prénom"), max_length=64, default="givenName"
    )
    last_name_attribute = models.CharField(_("attribut du nom"), max_length=64, default="sn")
    sync_enabled = models.BooleanField(
        _("synchroniser les personnes"),
        default=False,
        help_text=_(
            "Chaque heure, les nouvelles personnes de l'annuaire arrivent dans le portail et "
            "celles qui l'ont quitté y sont désactivées (jamais supprimées : leurs portefeuilles "
            "et leurs méthodes de récupération restent)."
        ),
    )
    student_group_dn = models.CharField(_("groupe des élèves (DN)"), max_length=300, blank=True)
    staff_group_dn = models.CharField(_("groupe du personnel (DN)"), max_length=300, blank=True)
    parent_group_dn = models.CharField(_("groupe des parents (DN)"), max_length=300, blank=True)
    last_sync_at = models.DateTimeField(_("dernière synchronisation"), null=True, blank=True)
    last_sync_report = models.CharField(
        _("résultat de la dernière synchronisation"), max_length=500, blank=True
    )
    timeout_seconds = models.PositiveSmallIntegerField(_("délai d'attente (secondes)"), default=5)
    login_by_bind = models.BooleanField(
        _("connexion par l'annuaire"),
        default=False,
        help_text=_(
            "Le mot de passe tapé à la connexion est vérifié par l'annuaire (celui du réseau de "
            "l'école fait foi). Si l'annuaire ne répond pas, le portail vérifie le dernier mot "
            "de passe qu'il a lui-même enregistré."
        ),
    )
    portal_only_allowed = models.BooleanField(
        _("les personnes absentes de l'annuaire gardent un mot de passe du portail"),
        default=False,
        help_text=_(
            "Par exemple les parents. Sinon, leur mot de passe ne peut pas être changé tant "
            "qu'elles ne sont pas dans l'annuaire."
        ),
    )

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("annuaire des comptes")
        verbose_name_plural = _("annuaires des comptes")

    def __str__(self) -> str:
        return f"{self.tenant} — {self.get_kind_display()}"

    @property
    def is_directory(self) -> bool:
        return self.kind == self.Kind.LDAP

    @property
    def uses_tls(self) -> bool:
        return urlsplit(self.url).scheme.lower() == "ldaps" or self.start_tls

    def bind_password_set(self, password: str) -> None:
        self.bind_password_encrypted = secret_encrypt(password) if password else ""

    def bind_password(self) -> str:
        """From the environment variable when one is named, else the stored (encrypted) one."""
        if self.bind_password_env:
            return os.environ.get(self.bind_password_env, "")
        if self.bind_password_encrypted:
            return secret_decrypt(self.bind_password_encrypted) or ""
        return ""

    def clean(self) -> None:
        if not self.is_directory:
            return
        errors: dict[str, Any] = {}
        scheme = urlsplit(self.url).scheme.lower()
        if scheme not in {"ldap", "ldaps"}:
            errors["url"] = _("Une adresse qui commence par ldaps:// ou ldap:// est nécessaire.")
        elif not self.uses_tls and not settings.DEBUG:
            errors["url"] = _(
                "Hors développement, la connexion doit être chiffrée : utilisez ldaps:// ou "
                "cochez StartTLS."
            )
        if not self.base_dn:
            errors["base_dn"] = _("La base de recherche est nécessaire.")
        if not self.user_filter.startswith("(") or not self.user_filter.endswith(")"):
            errors["user_filter"] = _("Un filtre LDAP s'écrit entre parenthèses.")
        if errors:
            raise ValidationError(errors)


class DirectoryEntry(models.Model):
    """A portal account that the sync found in the tenant's directory: the sync updates what the
    directory owns (names, addresses, roles) and deactivates the account when the entry goes."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_entry"
    )
    dn = models.CharField(max_length=500)
    seen_at = models.DateTimeField()
    departed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("entrée de l'annuaire")
        verbose_name_plural = _("entrées de l'annuaire")
        indexes = [models.Index(fields=["tenant", "seen_at"], name="directoryentry_seen_idx")]

    def __str__(self) -> str:
        return self.dn
